/* `ccs image encrypt|decrypt|copy SRC DST`: OCI layouts (oci:DIR[:TAG]),
 * layers encrypted the ocicrypt way, interoperable with skopeo's
 * --encryption-key jwe:... / --decryption-key; and layers whose key a KBS
 * holds (the CoCo attestation-agent key provider), fetched after attesting
 * with the local TEE through the agent module. */
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/agent.h"
#include "ccs/image.h"
#include "ccs/image_registry.h"
#include "cli.h"

#define KEYS_MAX 16
#define KEY_FILE_MAX 65536

void ccs_cli_image_copy_usage(FILE *f) {
    fprintf(f,
            "usage: ccs image encrypt SRC DST (--key [jwe:]PUB.pem ... | --kbs-key-id kbs:///R/T/TAG --kek-file F)\n"
            "       ccs image decrypt SRC DST (--key PRIV.pem ... | --kbs URL [--tee P] [agent options])\n"
            "       ccs image copy SRC DST\n"
            "SRC and DST are OCI image layouts, oci:DIR[:TAG] (DST is created if needed; its tag defaults\n"
            "to SRC's), or registry images, docker://HOST/REPO[:TAG] (pulled into or pushed from a scratch\n"
            "layout; registry options --insecure-plain-http, --creds U:P, --authfile F, --ca-file PEM,\n"
            "--platform OS/ARCH as for `ccs image pull`). encrypt: every layer not yet encrypted, with AES-256-CTR + HMAC-SHA256 and its key\n"
            "wrapped in a JWE to each --key (RSA: RSA-OAEP; EC P-256/P-384: ECDH-ES+A256KW), as\n"
            "skopeo --encryption-key jwe:KEY does, and/or under a 32-byte KEK (--kek-file) that a KBS\n"
            "holds as the resource --kbs-key-id (the Confidential Containers attestation-agent scheme).\n"
            "decrypt: every encrypted layer, with the first private key that opens it, or with the KEK\n"
            "the KBS at --kbs releases after attesting this TEE; the layer's HMAC is checked before\n"
            "anything is decrypted.\n"
            "Agent options (decrypt --kbs): --tee auto|sim-sgx|sim-tdx|sgx|tdx|snp|csv|tpm, --sim-dir DIR,\n"
            "  --measurement-from FILE, --tcti CONF, --cacert FILE, --insecure-skip-tls-verify\n"
            "Exit: 0 done, 1 refused (no key opens a layer, the KBS refused, altered layer or blob), 2 usage.\n");
}

typedef struct copy_args {
    ccs_image_op op;
    const char *pos[2], *kid, *kek_file, *measurement_from;
    ccs_buf keys[KEYS_MAX], kek, measurement;
    ccs_bytes pems[KEYS_MAX];
    size_t nkeys, npos;
    ccs_agent_config agent;
    ccs_registry_opts reg;
    char *creds;
} copy_args;

static void args_free(copy_args *a) {
    for (size_t i = 0; i < a->nkeys; i++) {
        if (a->keys[i].ptr) ccs_wipe(a->keys[i].ptr, a->keys[i].len);
        ccs_buf_free(&a->keys[i]);
    }
    if (a->creds) ccs_wipe(a->creds, strlen(a->creds) + 1 + (a->reg.password ? strlen(a->reg.password) : 0));
    free(a->creds);
    if (a->kek.ptr) ccs_wipe(a->kek.ptr, a->kek.len);
    ccs_buf_free(&a->kek);
    ccs_buf_free(&a->measurement);
}

static int usage_error(const char *verb, const char *msg, const char *arg) {
    fprintf(stderr, "ccs image %s: %s%s%s\nRun `ccs image %s --help` for usage.\n", verb, msg, arg ? ": " : "",
            arg ? arg : "", verb);
    return CLI_USAGE;
}

static int add_key(copy_args *a, const char *verb, const char *path) {
    if (strncmp(path, "jwe:", 4) == 0) path += 4;
    if (a->nkeys == KEYS_MAX) return usage_error(verb, "too many --key", path);
    if (ccs_file_read(path, KEY_FILE_MAX, &a->keys[a->nkeys]) != CCS_OK)
        return usage_error(verb, "cannot read --key", ccs_error_detail());
    a->pems[a->nkeys] = ccs_buf_view(&a->keys[a->nkeys]);
    a->nkeys++;
    return CLI_OK;
}

enum { O_KEY = 256, O_KID, O_KEK, O_KBS, O_TEE, O_SIM_DIR, O_MEAS, O_TCTI, O_CACERT, O_INSECURE, O_HELP, O_PLAIN,
       O_CREDS, O_AUTHFILE, O_CAFILE, O_PLATFORM };

static int parse(const char *verb, int argc, char **argv, copy_args *a) {
    static const struct option opts[] = {
        {"key", required_argument, 0, O_KEY},         {"kbs-key-id", required_argument, 0, O_KID},
        {"kek-file", required_argument, 0, O_KEK},    {"kbs", required_argument, 0, O_KBS},
        {"tee", required_argument, 0, O_TEE},         {"sim-dir", required_argument, 0, O_SIM_DIR},
        {"measurement-from", required_argument, 0, O_MEAS}, {"tcti", required_argument, 0, O_TCTI},
        {"cacert", required_argument, 0, O_CACERT},   {"insecure-skip-tls-verify", no_argument, 0, O_INSECURE},
        {"help", no_argument, 0, O_HELP},             {"insecure-plain-http", no_argument, 0, O_PLAIN},
        {"creds", required_argument, 0, O_CREDS},     {"authfile", required_argument, 0, O_AUTHFILE},
        {"ca-file", required_argument, 0, O_CAFILE},  {"platform", required_argument, 0, O_PLATFORM},
        {0, 0, 0, 0},
    };
    int c, rc = CLI_OK;
    optind = 1;
    opterr = 0;
    while (rc == CLI_OK && (c = getopt_long(argc, argv, "-h", opts, NULL)) != -1) {
        switch (c) {
        case 1:
            if (a->npos == 2) return usage_error(verb, "unexpected argument", optarg);
            a->pos[a->npos++] = optarg;
            break;
        case 'h':
        case O_HELP: ccs_cli_image_copy_usage(stdout); return -1;
        case O_KEY: rc = add_key(a, verb, optarg); break;
        case O_KID: a->kid = optarg; break;
        case O_KEK: a->kek_file = optarg; break;
        case O_KBS: a->agent.kbs_url = optarg; break;
        case O_TEE:
            if (strcmp(optarg, "auto") == 0) a->agent.tee.platform = CCS_PLATFORM_NONE;
            else if (ccs_platform_parse(optarg, &a->agent.tee.platform) != CCS_OK)
                return usage_error(verb, "unknown --tee", optarg);
            break;
        case O_SIM_DIR: a->agent.tee.sim_dir = optarg; break;
        case O_MEAS: a->measurement_from = optarg; break;
        case O_TCTI: a->agent.tee.tpm_tcti = optarg; break;
        case O_CACERT: a->agent.cacert = optarg; break;
        case O_INSECURE: a->agent.insecure_skip_tls_verify = true; break;
        case O_PLAIN: a->reg.insecure_plain_http = true; break;
        case O_AUTHFILE: a->reg.authfile = optarg; break;
        case O_CAFILE: a->reg.ca_file = optarg; break;
        case O_PLATFORM: a->reg.platform = optarg; break;
        case O_CREDS: {
            char *colon = strchr(optarg, ':');
            if (colon == NULL || colon == optarg) return usage_error(verb, "--creds is USER:PASSWORD", NULL);
            free(a->creds);
            if ((a->creds = strdup(optarg)) == NULL) return CLI_USAGE;
            a->creds[colon - optarg] = '\0';
            a->reg.username = a->creds, a->reg.password = a->creds + (colon - optarg) + 1;
            break;
        }
        default: return usage_error(verb, "unknown or incomplete option", argv[optind - 1]);
        }
    }
    return rc;
}

/* The option combinations each verb takes. */
static int check(const char *verb, copy_args *a) {
    if (a->npos != 2) return usage_error(verb, "SRC and DST are required", NULL);
    bool enc = a->op == CCS_IMAGE_ENCRYPT, dec = a->op == CCS_IMAGE_DECRYPT;
    if ((a->kid != NULL) != (a->kek_file != NULL)) return usage_error(verb, "--kbs-key-id and --kek-file go together", NULL);
    if (a->kid && !enc) return usage_error(verb, "--kbs-key-id is for encrypt", NULL);
    if (a->agent.kbs_url && !dec) return usage_error(verb, "--kbs is for decrypt", NULL);
    if (enc && a->nkeys == 0 && a->kid == NULL) return usage_error(verb, "--key or --kbs-key-id is required", NULL);
    if (dec && a->nkeys == 0 && a->agent.kbs_url == NULL) return usage_error(verb, "--key or --kbs is required", NULL);
    if (a->op == CCS_IMAGE_COPY && a->nkeys) return usage_error(verb, "copy takes no keys", NULL);
    if (a->kek_file && (ccs_file_read(a->kek_file, 64, &a->kek) != CCS_OK || a->kek.len != 32))
        return usage_error(verb, "--kek-file must hold exactly 32 bytes", a->kek_file);
    if (a->measurement_from && ccs_file_read(a->measurement_from, 1 << 26, &a->measurement) != CCS_OK)
        return usage_error(verb, "cannot read --measurement-from", ccs_error_detail());
    a->agent.tee.sim_measurement = ccs_buf_view(&a->measurement);
    return CLI_OK;
}

/* The KEK resolver: one agent, opened on first use, runs the RCAR flow. */
typedef struct kbs_ctx {
    const ccs_agent_config *cfg;
    ccs_agent *agent;
} kbs_ctx;

static ccs_status fetch_kek(void *ctx, const char *kid, ccs_buf *kek) {
    kbs_ctx *k = ctx;
    if (k->agent == NULL) CCS_TRY(ccs_agent_new(k->cfg, &k->agent));
    return ccs_agent_get_resource(k->agent, kid, kek);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* A scratch layout for a docker:// side, tagged as the reference is (so a
 * destination without a tag takes the registry image's). */
static ccs_status scratch(const char *docker_ref, char dir[static 512], char ref[static 800]) {
    ccs_image_ref r = {0};
    CCS_TRY(ccs_image_ref_parse(docker_ref, &r));
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, 512, "%s/ccs-image.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    ccs_status st = mkdtemp(dir) != NULL ? CCS_OK : ccs_error_set(CCS_ERR_IO, CCS_HERE, "image: cannot make a scratch directory");
    if (st == CCS_OK) snprintf(ref, 800, "oci:%s/layout:%.200s", dir, r.tag ? r.tag : "latest");
    ccs_image_ref_clear(&r);
    return st;
}

/* The copy, with docker:// sources pulled first and docker:// destinations
 * pushed after. */
static int run(const char *verb, copy_args *a) {
    kbs_ctx kctx = {&a->agent, NULL};
    ccs_image_keys keys = {.pem = a->pems, .n = a->nkeys, .aa_kid = a->kid, .aa_kek = a->kek.ptr,
                           .kek = a->agent.kbs_url ? fetch_kek : NULL, .kek_ctx = &kctx};
    bool rsrc = strncmp(a->pos[0], "docker://", 9) == 0, rdst = strncmp(a->pos[1], "docker://", 9) == 0;
    char sdir[512] = "", sref[800], ddir[512] = "", dref[800];
    const char *src = a->pos[0], *dst = a->pos[1];
    ccs_registry *reg = NULL;
    ccs_image_copy_result res;
    ccs_status st = rsrc || rdst ? ccs_registry_new(&a->reg, &reg) : CCS_OK;
    if (st == CCS_OK && rsrc && (st = scratch(a->pos[0], sdir, sref)) == CCS_OK) {
        ccs_registry_pull_result pr;
        st = ccs_registry_pull(reg, a->pos[0], sref, &pr);
        src = sref;
    }
    if (st == CCS_OK && rdst && (st = scratch(a->pos[1], ddir, dref)) == CCS_OK) dst = dref;
    if (st == CCS_OK) st = ccs_image_copy(src, dst, a->op, &keys, &res);
    if (st == CCS_OK && rdst) {
        ccs_registry_push_result pr;
        st = ccs_registry_push(reg, dref, a->pos[1], &pr);
    }
    int rc = CLI_OK;
    if (st == CCS_OK) {
        printf("%s %s -> %s: %zu layer(s), %zu %s; manifest %s\n", verb, a->pos[0], a->pos[1], res.layers,
               res.transformed,
               a->op == CCS_IMAGE_ENCRYPT ? "encrypted" : a->op == CCS_IMAGE_DECRYPT ? "decrypted" : "changed",
               res.manifest_digest);
    } else {
        fprintf(stderr, "ccs image %s: %s\n", verb, ccs_error_detail());
        rc = st == CCS_ERR_INVALID_ARG || st == CCS_ERR_UNSUPPORTED ? CLI_USAGE : CLI_REFUSED;
    }
    if (sdir[0]) nftw(sdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    if (ddir[0]) nftw(ddir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    ccs_registry_free(reg);
    ccs_agent_free(kctx.agent);
    return rc;
}

int ccs_cli_image_copy_verbs(int argc, char **argv) {
    const char *verb = argv[1];
    copy_args a;
    memset(&a, 0, sizeof a);
    a.op = strcmp(verb, "encrypt") == 0   ? CCS_IMAGE_ENCRYPT
           : strcmp(verb, "decrypt") == 0 ? CCS_IMAGE_DECRYPT
           : strcmp(verb, "copy") == 0    ? CCS_IMAGE_COPY
                                          : (ccs_image_op)-1;
    if ((int)a.op < 0) {
        fprintf(stderr, "ccs image: unknown command \"%s\"\n", verb);
        return CLI_USAGE;
    }
    int rc = parse(verb, argc - 1, argv + 1, &a);
    if (rc == CLI_OK) rc = check(verb, &a);
    if (rc == CLI_OK) rc = run(verb, &a);
    args_free(&a);
    return rc < 0 ? CLI_OK : rc;
}
