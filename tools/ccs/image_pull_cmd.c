/* `ccs image pull docker://REF --dest oci:DIR[:TAG]`: an image from a
 * registry into an OCI layout (the OCI distribution API; docs/image.md
 * "Registries"). The registry options are shared with `ccs image push`
 * (ccs_cli_registry_opt below). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ccs/image_registry.h"
#include "cli.h"
#include "image_pull_secure.h"

int ccs_cli_image_pull(int argc, char **argv);
int ccs_cli_registry_opt(int argc, char **argv, int *i, ccs_registry_opts *o, char **creds, const char *verb);
void ccs_cli_registry_progress(ccs_registry_opts *o);
int ccs_cli_registry_exit(ccs_status st);

#define REGISTRY_OPTIONS                                                                                   \
    "  --platform OS/ARCH[/VARIANT]  the manifest to take from an image index (default linux/amd64)\n"    \
    "  --creds USER:PASS             basic credentials (also sent to a bearer token endpoint)\n"          \
    "  --authfile FILE               credentials from a docker-style config.json (\"auths\")\n"          \
    "  --insecure-plain-http         plain HTTP instead of HTTPS; loopback registries only\n"            \
    "  --ca-file PEM                 extra trust anchors for the registry's certificate\n"               \
    "  --retries N                   extra tries on 5xx, 429 and connection errors (default 3)\n"

static void usage(FILE *f) {
    fprintf(f,
            "usage: ccs image pull docker://[HOST[:PORT]/]REPO[:TAG|@sha256:HEX] --dest oci:DIR[:TAG] [options]\n"
            "Pulls an image (for an image index, the manifest of --platform) into an OCI image layout,\n"
            "created when absent; the tag defaults to the reference's. Every blob is checked against its\n"
            "digest before it is stored; the layout is tagged only when all are. Without a host the\n"
            "image is on Docker Hub (library/ for one-component names).\n" REGISTRY_OPTIONS
            "Confidential pull (any of these: the image goes through a scratch layout first):\n"
            "  --policy FILE                 containers-policy.json: signatures checked before anything else\n"
            "  --sigstore DIR                lookaside directory of simple signatures\n"
            "  --decryption-key FILE         a private key (PEM) for encrypted layers (repeatable)\n"
            "  --kbs URL                     layer keys held by a KBS, released after attesting this TEE;\n"
            "                                with --tee P, --sim-dir DIR, --measurement-from FILE, --tcti T,\n"
            "                                --kbs-cacert PEM, --insecure-kbs-skip-tls-verify\n"
            "  --unpack ROOTDIR              unpack the (decrypted) image into a root file system\n"
            "Exit: 0 pulled, 1 refused or failed (not found, not authorized, digest mismatch, network),\n"
            "2 usage.\n");
}

static void progress(void *arg, const char *digest, uint64_t done, uint64_t total) {
    static int last = -1;
    (void)arg;
    int pct = total ? (int)(done * 100 / total) : -1;
    if (pct == last && pct != 100) return;
    last = pct;
    if (total == 0) {
        fprintf(stderr, "\r%.19s %llu bytes", digest, (unsigned long long)done);
        return;
    }
    char bar[31];
    int fill = pct * 30 / 100;
    for (int k = 0; k < 30; k++) bar[k] = k < fill ? '#' : ' ';
    bar[30] = '\0';
    fprintf(stderr, "\r%.19s [%s] %3d%% of %llu bytes%s", digest, bar, pct, (unsigned long long)total,
            done >= total ? "\n" : "");
    if (done >= total) last = -1;
}

/* A progress bar only on a terminal. */
void ccs_cli_registry_progress(ccs_registry_opts *o) {
    if (isatty(STDERR_FILENO)) o->progress = progress;
}

int ccs_cli_registry_exit(ccs_status st) {
    return st == CCS_ERR_INVALID_ARG ? CLI_USAGE : CLI_REFUSED;
}

/* One registry option at argv[*i]: 1 taken, 0 not one, -1 a usage error. */
int ccs_cli_registry_opt(int argc, char **argv, int *i, ccs_registry_opts *o, char **creds, const char *verb) {
    const char *a = argv[*i];
    bool has = *i + 1 < argc;
    if (strcmp(a, "--insecure-plain-http") == 0) {
        o->insecure_plain_http = true;
        return 1;
    }
    const char *names[] = {"--platform", "--creds", "--authfile", "--ca-file", "--retries"};
    size_t k = 0;
    while (k < 5 && strcmp(a, names[k]) != 0) k++;
    if (k == 5) return 0;
    if (!has) {
        fprintf(stderr, "ccs image %s: %s needs a value\n", verb, a);
        return -1;
    }
    const char *v = argv[++*i];
    switch (k) {
    case 0: {
        char os[32], arch[32], var[32];
        if (ccs_registry_platform_parse(v, os, arch, var) != CCS_OK) {
            fprintf(stderr, "ccs image %s: %s\n", verb, ccs_error_detail());
            return -1;
        }
        o->platform = v;
        break;
    }
    case 1: {
        const char *colon = strchr(v, ':');
        if (colon == NULL || colon == v) {
            fprintf(stderr, "ccs image %s: --creds is USER:PASSWORD\n", verb);
            return -1;
        }
        free(*creds);
        *creds = strdup(v);
        if (*creds == NULL) return -1;
        (*creds)[colon - v] = '\0';
        o->username = *creds;
        o->password = *creds + (colon - v) + 1;
        break;
    }
    case 2:
        o->authfile = v;
        break;
    case 3:
        o->ca_file = v;
        break;
    default: {
        char *end = NULL;
        long n = strtol(v, &end, 10);
        if (end == v || *end || n < 0 || n > 20) {
            fprintf(stderr, "ccs image %s: --retries takes 0 to 20\n", verb);
            return -1;
        }
        o->retries = n ? (unsigned)n : 1; /* 0 would mean the default; 1 extra try is the least */
        break;
    }
    }
    return 1;
}

/* One confidential-pull option at argv[*i]: 1 taken, 0 not one, -1 error. */
static int secure_opt(int argc, char **argv, int *i, pull_secure_opts *so, ccs_buf *keybufs, ccs_buf *meas) {
    const char *a = argv[*i];
    if (strcmp(a, "--insecure-kbs-skip-tls-verify") == 0) {
        so->agent.insecure_skip_tls_verify = true;
        return 1;
    }
    static const char *const names[] = {"--policy", "--sigstore", "--unpack", "--decryption-key", "--kbs", "--tee",
                                        "--sim-dir", "--measurement-from", "--tcti", "--kbs-cacert"};
    size_t k = 0, nn = sizeof names / sizeof *names;
    while (k < nn && strcmp(a, names[k]) != 0) k++;
    if (k == nn) return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "ccs image pull: %s needs a value\n", a);
        return -1;
    }
    const char *v = argv[++*i];
    switch (k) {
    case 0: so->policy = v; break;
    case 1: so->sigstore = v; break;
    case 2: so->unpack = v; break;
    case 3:
        if (so->nkeys == PULL_KEYS_MAX || ccs_file_read(v, 65536, &keybufs[so->nkeys]) != CCS_OK) {
            fprintf(stderr, "ccs image pull: --decryption-key %s: %s\n", v,
                    so->nkeys == PULL_KEYS_MAX ? "too many keys" : ccs_error_detail());
            return -1;
        }
        so->nkeys++;
        break;
    case 4: so->agent.kbs_url = v; break;
    case 5:
        if (strcmp(v, "auto") == 0) so->agent.tee.platform = CCS_PLATFORM_NONE;
        else if (ccs_platform_parse(v, &so->agent.tee.platform) != CCS_OK) {
            fprintf(stderr, "ccs image pull: unknown --tee %s\n", v);
            return -1;
        }
        break;
    case 6: so->agent.tee.sim_dir = v; break;
    case 7:
        if (ccs_file_read(v, 1 << 26, meas) != CCS_OK) {
            fprintf(stderr, "ccs image pull: --measurement-from %s: %s\n", v, ccs_error_detail());
            return -1;
        }
        so->agent.tee.sim_measurement = ccs_buf_view(meas);
        break;
    case 8: so->agent.tee.tpm_tcti = v; break;
    default: so->agent.cacert = v; break;
    }
    return 1;
}

int ccs_cli_image_pull(int argc, char **argv) {
    ccs_registry_opts o = {0};
    const char *src = NULL, *dest = NULL;
    char *creds = NULL;
    int rc = CLI_OK, t = 0;
    pull_secure_opts so;
    memset(&so, 0, sizeof so);
    ccs_buf keybufs[PULL_KEYS_MAX] = {{0}}, meas = {0};
    ccs_bytes keys[PULL_KEYS_MAX];
    bool secure = false;
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        t = ccs_cli_registry_opt(argc, argv, &i, &o, &creds, "pull");
        if (t < 0) rc = CLI_USAGE;
        else if (t > 0) continue;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            free(creds);
            return CLI_OK;
        } else if (strcmp(argv[i], "--dest") == 0 && i + 1 < argc) dest = argv[++i];
        else if ((t = secure_opt(argc, argv, &i, &so, keybufs, &meas)) != 0) {
            if (t < 0) rc = CLI_USAGE;
            secure = true;
        }
        else if (argv[i][0] != '-' && src == NULL) src = argv[i];
        else {
            fprintf(stderr, "ccs image pull: unexpected argument \"%s\"\n", argv[i]);
            rc = CLI_USAGE;
        }
    }
    ccs_image_ref ref = {0};
    if (rc == CLI_OK && (src == NULL || dest == NULL)) {
        fprintf(stderr, "ccs image pull: a docker:// reference and --dest oci:DIR[:TAG] are required\n");
        rc = CLI_USAGE;
    } else if (rc == CLI_OK && (strncmp(src, "docker://", 9) != 0 || ccs_image_ref_parse(src, &ref) != CCS_OK)) {
        fprintf(stderr, "ccs image pull: %s\n",
                strncmp(src, "docker://", 9) != 0 ? "the source must be docker://..." : ccs_error_detail());
        rc = CLI_USAGE;
    } else if (rc == CLI_OK && strncmp(dest, "oci:", 4) != 0) {
        fprintf(stderr, "ccs image pull: --dest must be oci:DIR[:TAG]\n");
        rc = CLI_USAGE;
    }
    ccs_image_ref_clear(&ref);
    ccs_registry *r = NULL;
    if (rc == CLI_OK) {
        ccs_cli_registry_progress(&o);
        ccs_registry_pull_result res;
        ccs_status st = ccs_registry_new(&o, &r);
        if (st == CCS_OK && secure) {
            for (size_t k = 0; k < so.nkeys; k++) keys[k] = ccs_buf_view(&keybufs[k]);
            so.keys = keys;
            rc = ccs_cli_image_pull_secure(r, src, dest, &so);
        } else if (st == CCS_OK) st = ccs_registry_pull(r, src, dest, &res);
        if (secure && st == CCS_OK) {
            /* printed by ccs_cli_image_pull_secure */
        } else if (st == CCS_OK) {
            printf("pulled %s -> %s: manifest %s", src, dest, res.manifest_digest);
            if (res.index_digest[0]) printf(" (from index %s for %s)", res.index_digest, o.platform ? o.platform : "linux/amd64");
            printf("; %zu blob(s), %zu fetched, %llu bytes\n", res.blobs, res.fetched, (unsigned long long)res.bytes);
        } else {
            fprintf(stderr, "ccs image pull: %s\n", ccs_error_detail());
            rc = ccs_cli_registry_exit(st);
        }
    }
    ccs_registry_free(r);
    for (size_t k = 0; k < PULL_KEYS_MAX; k++) {
        if (keybufs[k].ptr) ccs_wipe(keybufs[k].ptr, keybufs[k].len);
        ccs_buf_free(&keybufs[k]);
    }
    ccs_buf_free(&meas);
    if (creds) {
        ccs_wipe(creds, strlen(o.password ? o.password : "") + strlen(creds) + 1);
        free(creds);
    }
    return rc;
}
