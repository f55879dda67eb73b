/* `ccs image push oci:DIR[:TAG] docker://REF`: an image from an OCI layout
 * to a registry (the OCI distribution API; docs/image.md "Registries").
 * The registry options are image_pull_cmd.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/image_registry.h"
#include "cli.h"

int ccs_cli_image_push(int argc, char **argv);
int ccs_cli_registry_opt(int argc, char **argv, int *i, ccs_registry_opts *o, char **creds, const char *verb);
void ccs_cli_registry_progress(ccs_registry_opts *o);
int ccs_cli_registry_exit(ccs_status st);

static void usage(FILE *f) {
    fprintf(f,
            "usage: ccs image push oci:DIR[:TAG] docker://[HOST[:PORT]/]REPO[:TAG|@sha256:HEX] [options]\n"
            "Pushes the image (an OCI or Docker v2 manifest) from an OCI image layout: every blob is\n"
            "checked against its digest, skipped when the registry has it (HEAD) and uploaded otherwise;\n"
            "then the manifest, as stored, is put under the tag.\n"
            "  --creds USER:PASS | --authfile FILE | --insecure-plain-http | --ca-file PEM | --retries N\n"
            "                                as for ccs image pull\n"
            "Exit: 0 pushed, 1 refused or failed (not authorized, a bad blob in the layout, network), 2 usage.\n");
}

int ccs_cli_image_push(int argc, char **argv) {
    ccs_registry_opts o = {0};
    const char *pos[2] = {NULL, NULL};
    size_t npos = 0;
    char *creds = NULL;
    int rc = CLI_OK;
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        int t = ccs_cli_registry_opt(argc, argv, &i, &o, &creds, "push");
        if (t < 0) rc = CLI_USAGE;
        else if (t > 0) continue;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            free(creds);
            return CLI_OK;
        } else if (argv[i][0] != '-' && npos < 2) pos[npos++] = argv[i];
        else {
            fprintf(stderr, "ccs image push: unexpected argument \"%s\"\n", argv[i]);
            rc = CLI_USAGE;
        }
    }
    ccs_image_ref ref = {0};
    if (rc == CLI_OK && npos != 2) {
        fprintf(stderr, "ccs image push: oci:DIR[:TAG] and a docker:// reference are required\n");
        rc = CLI_USAGE;
    } else if (rc == CLI_OK && strncmp(pos[0], "oci:", 4) != 0) {
        fprintf(stderr, "ccs image push: the source must be oci:DIR[:TAG]\n");
        rc = CLI_USAGE;
    } else if (rc == CLI_OK && (strncmp(pos[1], "docker://", 9) != 0 || ccs_image_ref_parse(pos[1], &ref) != CCS_OK)) {
        fprintf(stderr, "ccs image push: %s\n",
                strncmp(pos[1], "docker://", 9) != 0 ? "the destination must be docker://..." : ccs_error_detail());
        rc = CLI_USAGE;
    }
    ccs_image_ref_clear(&ref);
    ccs_registry *r = NULL;
    if (rc == CLI_OK) {
        ccs_cli_registry_progress(&o);
        ccs_registry_push_result res;
        ccs_status st = ccs_registry_new(&o, &r);
        if (st == CCS_OK) st = ccs_registry_push(r, pos[0], pos[1], &res);
        if (st == CCS_OK) {
            printf("pushed %s -> %s: manifest %s; %zu blob(s), %zu uploaded\n", pos[0], pos[1], res.manifest_digest,
                   res.blobs, res.uploaded);
        } else {
            fprintf(stderr, "ccs image push: %s\n", ccs_error_detail());
            rc = ccs_cli_registry_exit(st);
        }
    }
    ccs_registry_free(r);
    if (creds) {
        ccs_wipe(creds, strlen(o.password ? o.password : "") + strlen(creds) + 1);
        free(creds);
    }
    return rc;
}
