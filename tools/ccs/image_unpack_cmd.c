/* `ccs image unpack oci:DIR[:TAG] --dest ROOTDIR`: the image's layers, in
 * order, applied to a root file system with the OCI whiteouts, safely
 * (include/ccs/image_unpack.h, docs/image.md "Unpacking"). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/image.h"
#include "ccs/image_unpack.h"
#include "cli.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: ccs image unpack oci:DIR[:TAG] --dest ROOTDIR [--max-size BYTES] [--max-file-size BYTES]\n"
            "                        [--max-entries N] [--keep-setid] [--owners] [--allow-devices-insecure]\n"
            "Applies the image's layers (tar, tar+gzip, tar+zstd), in order, to ROOTDIR (created if absent),\n"
            "with the OCI whiteouts (.wh.NAME, .wh..wh..opq). Nothing is written outside ROOTDIR: absolute\n"
            "names, \"..\" escapes, paths through symlinks, hard links outside the root or to missing entries\n"
            "are refused; symlinks are created as given but never followed. Encrypted layers are refused:\n"
            "decrypt the image first (ccs image decrypt).\n"
            "  --max-size BYTES        all file contents together (default 32 GiB)\n"
            "  --max-file-size BYTES   one file (default 4 GiB)\n"
            "  --max-entries N         tar headers in all (default 1048576)\n"
            "  --keep-setid            keep setuid/setgid bits (dropped by default)\n"
            "  --owners                set the archive's owners (only when run as root)\n"
            "  --allow-devices-insecure  create device nodes and FIFOs instead of refusing them\n"
            "Exit: 0 unpacked, 1 refused (unsafe or malformed layer, a limit, encrypted layer), 2 usage or\n"
            "unreadable input.\n");
}

static int number_arg(const char *opt, const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != 0 || s[0] == '-' || v == 0) {
        fprintf(stderr, "ccs image unpack: %s needs a positive number, not \"%s\"\n", opt, s);
        return CLI_USAGE;
    }
    *out = v;
    return CLI_OK;
}

int ccs_cli_image_unpack(int argc, char **argv) {
    const char *ref = NULL, *dest = NULL;
    ccs_unpack_options opt = {0};
    int rc = CLI_OK;
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--dest") == 0 && has) {
            dest = argv[++i];
        } else if (strcmp(a, "--max-size") == 0 && has) {
            rc = number_arg(a, argv[++i], &opt.max_total_size);
        } else if (strcmp(a, "--max-file-size") == 0 && has) {
            rc = number_arg(a, argv[++i], &opt.max_file_size);
        } else if (strcmp(a, "--max-entries") == 0 && has) {
            rc = number_arg(a, argv[++i], &opt.max_entries);
        } else if (strcmp(a, "--keep-setid") == 0) {
            opt.allow_setid = true;
        } else if (strcmp(a, "--owners") == 0) {
            opt.set_owners = true;
        } else if (strcmp(a, "--allow-devices-insecure") == 0) {
            opt.insecure_allow_devices = true;
        } else if (a[0] != '-' && ref == NULL) {
            ref = a;
        } else {
            fprintf(stderr, "ccs image unpack: unexpected argument \"%s\"\n", a);
            rc = CLI_USAGE;
        }
    }
    if (rc == CLI_OK && (ref == NULL || dest == NULL)) {
        fprintf(stderr, "ccs image unpack: an image (oci:DIR[:TAG]) and --dest ROOTDIR are required\n");
        rc = CLI_USAGE;
    }
    if (rc != CLI_OK) {
        usage(stderr);
        return rc;
    }
    /* The per-file limit is at most the total. */
    if (opt.max_total_size && opt.max_file_size == 0 && opt.max_total_size < CCS_UNPACK_FILE_MAX)
        opt.max_file_size = opt.max_total_size;
    if (opt.max_total_size && opt.max_file_size > opt.max_total_size) opt.max_file_size = opt.max_total_size;
    /* An unreadable layout is a usage error (2); what goes wrong inside it, a refusal (1). */
    char *dir = NULL, *tag = NULL;
    ccs_oci_layout *l = NULL;
    ccs_status st = ccs_oci_ref_parse(ref, &dir, &tag);
    if (st == CCS_OK) st = ccs_oci_layout_open(dir, false, &l);
    ccs_oci_layout_free(l);
    free(dir);
    free(tag);
    if (st != CCS_OK) {
        fprintf(stderr, "ccs image unpack: %s\n", ccs_error_detail());
        return CLI_USAGE;
    }
    ccs_unpack_result res = {0};
    st = ccs_unpack_image(ref, dest, &opt, &res);
    if (st != CCS_OK) {
        fprintf(stderr, "ccs image unpack: %s\n", ccs_error_detail());
        return st == CCS_ERR_INVALID_ARG ? CLI_USAGE : CLI_REFUSED;
    }
    printf("unpacked %s -> %s: %zu layer(s), %" PRIu64 " entries, %" PRIu64 " bytes\n", ref, dest, res.layers,
           res.entries, res.bytes);
    return CLI_OK;
}
