/* The C side of tests/he/interop/paillier_interop.mjs (npm paillier-bigint).
 * Numbers travel as lowercase hex, one per line, in files of a work dir.
 *
 *   paillier_interop keygen DIR            -> DIR/n DIR/p DIR/q (2048 bits)
 *   paillier_interop encrypt DIR fast|standard IN OUT   (key: DIR/n)
 *   paillier_interop encrypt_r DIR IN RS OUT           (standard, given r)
 *   paillier_interop decrypt DIR IN OUT                (key: DIR/p, DIR/q)
 *   paillier_interop sum DIR IN OUT                    (homomorphic sum)
 * Exit 0 on success, 1 on a library failure (detail on stderr), 2 on usage. */
#include <stdio.h> /* before gmp.h: gmp_fprintf */
#include <stdlib.h>
#include <string.h>

#include <gmp.h>

#include "ccs/he_paillier.h"

#define MAX_LINES 64

static char path_buf[4096];
static const char *at(const char *dir, const char *name) {
    snprintf(path_buf, sizeof path_buf, "%s/%s", dir, name);
    return path_buf;
}

static int fail(const char *what) {
    fprintf(stderr, "paillier_interop: %s: %s\n", what, ccs_error_detail());
    return 1;
}

/* Reads up to MAX_LINES hex numbers; returns the count or -1. */
static int read_nums(const char *path, mpz_t *out) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    static char line[8192];
    int n = 0;
    while (n < MAX_LINES && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0]) continue;
        if (mpz_set_str(out[n], line, 16) != 0) {
            fclose(f);
            return -1;
        }
        n++;
    }
    fclose(f);
    return n;
}

static int write_nums(const char *path, mpz_t *v, int count) {
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 1;
    }
    for (int i = 0; i < count; i++) gmp_fprintf(f, "%Zx\n", v[i]);
    return fclose(f) == 0 ? 0 : 1;
}

static int read_one(const char *path, mpz_t x) {
    mpz_t v[MAX_LINES];
    for (int i = 0; i < MAX_LINES; i++) mpz_init(v[i]);
    int n = read_nums(path, v);
    if (n >= 1) mpz_set(x, v[0]);
    for (int i = 0; i < MAX_LINES; i++) mpz_clear(v[i]);
    return n >= 1 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    const char *cmd = argv[1], *dir = argv[2];
    mpz_t a[MAX_LINES], b[MAX_LINES], c[MAX_LINES], n, p, q;
    for (int i = 0; i < MAX_LINES; i++) mpz_inits(a[i], b[i], c[i], NULL);
    mpz_inits(n, p, q, NULL);
    ccs_paillier_pub *pub = NULL;
    ccs_paillier_priv *priv = NULL;
    int rc = 2;
    if (!strcmp(cmd, "keygen") && argc == 3) {
        if (ccs_paillier_keygen(2048, NULL, &priv) != CCS_OK) { rc = fail("keygen"); goto out; }
        ccs_buf s = {0};
        if (ccs_paillier_priv_serialize(priv, &s) != CCS_OK) { rc = fail("serialize"); goto out; }
        mpz_import(p, 256, 1, 1, 1, 0, s.ptr + s.len - 256);
        ccs_buf_free(&s);
        ccs_paillier_pub_get_n(ccs_paillier_priv_pub(priv), n);
        mpz_divexact(q, n, p);
        rc = write_nums(at(dir, "n"), &n, 1) | write_nums(at(dir, "p"), &p, 1) | write_nums(at(dir, "q"), &q, 1);
    } else if ((!strcmp(cmd, "encrypt") && argc == 6) || (!strcmp(cmd, "encrypt_r") && argc == 6) ||
               (!strcmp(cmd, "sum") && argc == 5)) {
        if (read_one(at(dir, "n"), n)) goto out;
        if (ccs_paillier_pub_from_n(n, NULL, &pub) != CCS_OK) { rc = fail("public key"); goto out; }
        const char *in = !strcmp(cmd, "encrypt") ? argv[4] : argv[3]; /* encrypt has MODE first */
        int count = read_nums(at(dir, in), a);
        if (count < 0) goto out;
        if (!strcmp(cmd, "sum")) {
            mpz_set(c[0], a[0]);
            for (int i = 1; i < count; i++)
                if (ccs_paillier_add(pub, c[0], a[i], c[0]) != CCS_OK) { rc = fail("add"); goto out; }
            rc = write_nums(at(dir, argv[4]), c, 1);
        } else if (!strcmp(cmd, "encrypt")) {
            ccs_paillier_mode mode = !strcmp(argv[3], "fast") ? CCS_PAILLIER_FAST : CCS_PAILLIER_STANDARD;
            if (ccs_paillier_encrypt_batch(pub, mode, a, (size_t)count, c) != CCS_OK) { rc = fail("encrypt"); goto out; }
            rc = write_nums(at(dir, argv[5]), c, count);
        } else {
            if (read_nums(at(dir, argv[4]), b) != count) goto out;
            for (int i = 0; i < count; i++)
                if (ccs_paillier_encrypt_with_r(pub, a[i], b[i], c[i]) != CCS_OK) { rc = fail("encrypt_r"); goto out; }
            rc = write_nums(at(dir, argv[5]), c, count);
        }
    } else if (!strcmp(cmd, "decrypt") && argc == 5) {
        if (read_one(at(dir, "p"), p) || read_one(at(dir, "q"), q)) goto out;
        if (ccs_paillier_priv_from_pq(p, q, NULL, &priv) != CCS_OK) { rc = fail("private key"); goto out; }
        int count = read_nums(at(dir, argv[3]), a);
        if (count < 0) goto out;
        if (ccs_paillier_decrypt_batch(priv, a, (size_t)count, c) != CCS_OK) { rc = fail("decrypt"); goto out; }
        rc = write_nums(at(dir, argv[4]), c, count);
    }
out:
    ccs_paillier_pub_free(pub);
    ccs_paillier_priv_free(priv);
    for (int i = 0; i < MAX_LINES; i++) mpz_clears(a[i], b[i], c[i], NULL);
    mpz_clears(n, p, q, NULL);
    return rc;
}
