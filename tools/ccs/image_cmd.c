/* `ccs image encrypt|decrypt|copy SRC DST`: OCI layouts (oci:DIR[:TAG]),
 * layers encrypted the ocicrypt way, interoperable with skopeo's
 * --encryption-key jwe:... / --decryption-key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/image.h"
#include "cli.h"

#define KEYS_MAX 16
#define KEY_FILE_MAX 65536

static void usage(FILE *f) {
    fprintf(f,
            "usage: ccs image encrypt SRC DST --key [jwe:]PUB.pem [--key ...]\n"
            "       ccs image decrypt SRC DST --key PRIV.pem [--key ...]\n"
            "       ccs image copy SRC DST\n"
            "SRC and DST are OCI image layouts, oci:DIR[:TAG] (DST is created if needed; its tag defaults\n"
            "to SRC's). encrypt: every layer not yet encrypted, with AES-256-CTR + HMAC-SHA256 and its key\n"
            "wrapped in a JWE to each --key (RSA: RSA-OAEP; EC P-256/P-384: ECDH-ES+A256KW), as\n"
            "skopeo --encryption-key jwe:KEY does. decrypt: every encrypted layer, with the first private\n"
            "key that opens it; the layer's HMAC is checked before anything is decrypted.\n"
            "Exit: 0 done, 1 refused (no key opens a layer, altered layer, bad blob), 2 usage.\n");
}

static void keys_free(ccs_buf *bufs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (bufs[i].ptr) ccs_wipe(bufs[i].ptr, bufs[i].len);
        ccs_buf_free(&bufs[i]);
    }
}

/* The other verbs, each in its own file (image_<verb>_cmd.c): argv[0] is
 * the verb. One prototype and one table row per verb. */
typedef int (*image_verb_fn)(int argc, char **argv);
static const struct {
    const char *verb;
    image_verb_fn fn;
} VERBS[] = {
    {NULL, NULL},
};

static int copy_verbs(int argc, char **argv);

int ccs_cli_image(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    for (size_t i = 0; VERBS[i].verb != NULL; i++)
        if (strcmp(argv[1], VERBS[i].verb) == 0) return VERBS[i].fn(argc - 1, argv + 1);
    return copy_verbs(argc, argv);
}

/* encrypt, decrypt, copy. */
static int copy_verbs(int argc, char **argv) {
    const char *verb = argv[1], *pos[2] = {NULL, NULL};
    ccs_image_op op = strcmp(verb, "encrypt") == 0 ? CCS_IMAGE_ENCRYPT
                      : strcmp(verb, "decrypt") == 0 ? CCS_IMAGE_DECRYPT
                      : strcmp(verb, "copy") == 0    ? CCS_IMAGE_COPY
                                                     : (ccs_image_op)-1;
    if ((int)op < 0) {
        fprintf(stderr, "ccs image: unknown command \"%s\"\n", verb);
        usage(stderr);
        return CLI_USAGE;
    }
    ccs_buf bufs[KEYS_MAX] = {{0}};
    ccs_bytes pems[KEYS_MAX];
    size_t nkeys = 0, npos = 0;
    int rc = CLI_OK;
    for (int i = 2; i < argc && rc == CLI_OK; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            keys_free(bufs, nkeys);
            return CLI_OK;
        } else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc && nkeys < KEYS_MAX) {
            const char *path = argv[++i];
            if (strncmp(path, "jwe:", 4) == 0) path += 4;
            if (ccs_file_read(path, KEY_FILE_MAX, &bufs[nkeys]) != CCS_OK) {
                fprintf(stderr, "ccs image: --key %s: %s\n", path, ccs_error_detail());
                rc = CLI_USAGE;
            } else {
                pems[nkeys] = ccs_buf_view(&bufs[nkeys]);
                nkeys++;
            }
        } else if (argv[i][0] != '-' && npos < 2) {
            pos[npos++] = argv[i];
        } else {
            fprintf(stderr, "ccs image %s: unexpected argument \"%s\"\n", verb, argv[i]);
            rc = CLI_USAGE;
        }
    }
    if (rc == CLI_OK && (npos != 2 || (op != CCS_IMAGE_COPY && nkeys == 0))) {
        fprintf(stderr, "ccs image %s: SRC and DST are required%s\n", verb, op != CCS_IMAGE_COPY ? ", and --key" : "");
        rc = CLI_USAGE;
    }
    if (rc == CLI_OK) {
        ccs_image_keys keys = {.pem = pems, .n = nkeys};
        ccs_image_copy_result res;
        ccs_status st = ccs_image_copy(pos[0], pos[1], op, &keys, &res);
        if (st == CCS_OK) {
            printf("%s %s -> %s: %zu layer(s), %zu %s; manifest %s\n", verb, pos[0], pos[1], res.layers,
                   res.transformed, op == CCS_IMAGE_ENCRYPT ? "encrypted" : op == CCS_IMAGE_DECRYPT ? "decrypted" : "changed",
                   res.manifest_digest);
        } else {
            fprintf(stderr, "ccs image %s: %s\n", verb, ccs_error_detail());
            rc = st == CCS_ERR_INVALID_ARG || st == CCS_ERR_UNSUPPORTED ? CLI_USAGE : CLI_REFUSED;
        }
    }
    keys_free(bufs, nkeys);
    return rc;
}
