/* Fuzz target: deserialization of HE objects (ccs/he_rns.h, ccs/he_ckks.h).
 * The first input byte picks the scheme (bits 3-4: 0 BGV, 1 BFV, 2 and 3
 * CKKS) and the object kind (low 3 bits: params, secret key, public key,
 * relinearization key, Galois keys, ciphertext, plaintext); the rest is the
 * serialized object, loaded against a small fixed context (N = 1024, two
 * 30-bit data primes and a 30-bit special prime; t = 12289, or for CKKS t = 0
 * and scale 2^20; insecure, for speed). A loaded ciphertext is decrypted
 * (CKKS: decoded, rescaled, rotated), a loaded plaintext decoded and a loaded
 * key used, so accepted objects are exercised. The corpus
 * (fuzz/corpus/he_deserialize/) holds one valid object of each kind for each
 * scheme, made with these parameters, plus truncated ones. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/he_ckks.h"

static ccs_he_ctx *ctx[3];
static ccs_he_secret_key *sk[3];
static ccs_he_galois_keys *gk_ckks; /* rotation by 1 and conjugation */

static void init(void) {
    if (ctx[0]) return;
    for (int s = 0; s < 3; s++) {
        ccs_he_params p;
        memset(&p, 0, sizeof p);
        p.scheme = s == 2 ? CCS_HE_CKKS : s ? CCS_HE_BFV : CCS_HE_BGV;
        p.n = 1024, p.data_count = 2, p.data_bits[0] = p.data_bits[1] = 30, p.special_bits = 30;
        p.t = s == 2 ? 0 : 12289, p.security = 128, p.insecure_allow = true;
        if (s == 2) p.scale = 0x1p20;
        if (ccs_he_ctx_new(&p, &ctx[s]) != CCS_OK || ccs_he_keygen_secret(ctx[s], &sk[s]) != CCS_OK) abort();
    }
    int one = 1;
    if (ccs_he_ckks_keygen_galois(ctx[2], sk[2], &one, 1, true, &gk_ckks) != CCS_OK) abort();
}

static void ignore(ccs_status st) { (void)st; } /* exercised, not asserted */

/* CKKS: what a loaded object can be used for. */
static void ckks_use_ct(ccs_he_ctx *c, ccs_he_secret_key *k, const ccs_he_galois_keys *gk, ccs_he_ciphertext *ct) {
    ccs_he_plaintext *pt = NULL;
    ccs_he_ciphertext *o = NULL;
    double *v = malloc(ccs_he_ctx_degree(c) * sizeof *v);
    if (v && ccs_he_ckks_plaintext_new(c, &pt) == CCS_OK && ccs_he_ciphertext_new(c, &o) == CCS_OK) {
        if (ccs_he_ckks_decrypt(c, k, ct, pt) == CCS_OK) ignore(ccs_he_ckks_decode(c, pt, v));
        ignore(ccs_he_ckks_rescale(c, ct, o));
        ignore(ccs_he_ckks_rotate(c, gk, ct, 1, o));
        ignore(ccs_he_ckks_conjugate(c, gk, ct, o));
        if (ccs_he_ckks_multiply(c, ct, ct, o) == CCS_OK && ccs_he_ckks_decrypt(c, k, o, pt) == CCS_OK)
            ignore(ccs_he_ckks_decode(c, pt, v));
    }
    free(v);
    ccs_he_ciphertext_free(o);
    ccs_he_plaintext_free(pt);
}

static int ckks_one(const uint8_t *data, size_t size) {
    ccs_he_ctx *c = ctx[2];
    ccs_bytes in = ccs_bytes_of(data, size);
    switch (data[-1] & 7) {
    case 2: {
        ccs_he_public_key *k = NULL;
        ccs_he_ciphertext *ct = NULL;
        ccs_he_plaintext *pt = NULL;
        if (ccs_he_public_key_load(c, in, &k) == CCS_OK && ccs_he_ckks_plaintext_new(c, &pt) == CCS_OK &&
            ccs_he_ciphertext_new(c, &ct) == CCS_OK && ccs_he_ckks_encode_real(c, NULL, 0, 0, 0, pt) == CCS_OK &&
            ccs_he_ckks_encrypt(c, k, pt, ct) == CCS_OK)
            ignore(ccs_he_ckks_decrypt(c, sk[2], ct, pt));
        ccs_he_ciphertext_free(ct);
        ccs_he_plaintext_free(pt);
        ccs_he_public_key_free(k);
        return 0;
    }
    case 3: {
        ccs_he_relin_key *k = NULL;
        ccs_he_ciphertext *ct = NULL;
        ccs_he_plaintext *pt = NULL;
        if (ccs_he_relin_key_load(c, in, &k) == CCS_OK && ccs_he_ckks_plaintext_new(c, &pt) == CCS_OK &&
            ccs_he_ciphertext_new(c, &ct) == CCS_OK && ccs_he_ckks_encode_real(c, NULL, 0, 0, 0, pt) == CCS_OK &&
            ccs_he_ckks_encrypt_symmetric(c, sk[2], pt, ct) == CCS_OK)
            ignore(ccs_he_ckks_mul_relin_rescale(c, k, ct, ct, ct));
        ccs_he_ciphertext_free(ct);
        ccs_he_plaintext_free(pt);
        ccs_he_relin_key_free(k);
        return 0;
    }
    case 4: {
        ccs_he_galois_keys *k = NULL;
        ccs_he_ciphertext *ct = NULL;
        ccs_he_plaintext *pt = NULL;
        if (ccs_he_galois_keys_load(c, in, &k) == CCS_OK && ccs_he_ckks_plaintext_new(c, &pt) == CCS_OK &&
            ccs_he_ciphertext_new(c, &ct) == CCS_OK && ccs_he_ckks_encode_real(c, NULL, 0, 0, 0, pt) == CCS_OK &&
            ccs_he_ckks_encrypt_symmetric(c, sk[2], pt, ct) == CCS_OK)
            ckks_use_ct(c, sk[2], k, ct);
        ccs_he_ciphertext_free(ct);
        ccs_he_plaintext_free(pt);
        ccs_he_galois_keys_free(k);
        return 0;
    }
    case 5: {
        ccs_he_ciphertext *ct = NULL;
        if (ccs_he_ciphertext_new(c, &ct) == CCS_OK && ccs_he_ciphertext_load(c, in, ct) == CCS_OK)
            ckks_use_ct(c, sk[2], gk_ckks, ct);
        ccs_he_ciphertext_free(ct);
        return 0;
    }
    case 6:
    case 7: {
        ccs_he_plaintext *pt = NULL;
        double *v = malloc(ccs_he_ctx_degree(c) * sizeof *v);
        if (v && ccs_he_ckks_plaintext_new(c, &pt) == CCS_OK && ccs_he_plaintext_load(c, in, pt) == CCS_OK)
            ignore(ccs_he_ckks_decode(c, pt, v));
        free(v);
        ccs_he_plaintext_free(pt);
        return 0;
    }
    default: return -1; /* params and secret keys: the shared path */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    init();
    if (size < 1) return 0;
    int s = (data[0] >> 3) & 3, kind = data[0] & 7;
    if (s == 3) s = 2;
    if (s == 2 && ckks_one(data + 1, size - 1) == 0) return 0;
    ccs_he_ctx *c = ctx[s];
    ccs_bytes in = ccs_bytes_of(data + 1, size - 1);
    ccs_status st = CCS_OK;
    switch (kind) {
    case 0: {
        ccs_he_params p;
        if (ccs_he_params_load(in, &p) == CCS_OK && p.n > 16384) abort(); /* loads check the range */
        break;
    }
    case 1: {
        ccs_he_secret_key *k = NULL;
        st = ccs_he_secret_key_load(c, in, &k);
        ccs_he_secret_key_free(k);
        break;
    }
    case 2: {
        ccs_he_public_key *k = NULL;
        ccs_he_ciphertext *ct = NULL;
        ccs_he_plaintext *pt = NULL;
        if (ccs_he_public_key_load(c, in, &k) == CCS_OK && ccs_he_plaintext_new(c, &pt) == CCS_OK &&
            ccs_he_ciphertext_new(c, &ct) == CCS_OK && ccs_he_encrypt(c, k, pt, ct) == CCS_OK)
            st = ccs_he_decrypt(c, sk[s], ct, pt);
        ccs_he_ciphertext_free(ct);
        ccs_he_plaintext_free(pt);
        ccs_he_public_key_free(k);
        break;
    }
    case 3: {
        ccs_he_relin_key *k = NULL;
        st = ccs_he_relin_key_load(c, in, &k);
        ccs_he_relin_key_free(k);
        break;
    }
    case 4: {
        ccs_he_galois_keys *k = NULL;
        st = ccs_he_galois_keys_load(c, in, &k);
        ccs_he_galois_keys_free(k);
        break;
    }
    case 5: {
        ccs_he_ciphertext *ct = NULL;
        ccs_he_plaintext *pt = NULL;
        int bits;
        if (ccs_he_ciphertext_new(c, &ct) == CCS_OK && ccs_he_plaintext_new(c, &pt) == CCS_OK &&
            ccs_he_ciphertext_load(c, in, ct) == CCS_OK) {
            st = ccs_he_decrypt(c, sk[s], ct, pt);
            st = ccs_he_noise_budget(c, sk[s], ct, &bits);
        }
        ccs_he_ciphertext_free(ct);
        ccs_he_plaintext_free(pt);
        break;
    }
    default: {
        ccs_he_plaintext *pt = NULL;
        if (ccs_he_plaintext_new(c, &pt) == CCS_OK) st = ccs_he_plaintext_load(c, in, pt);
        ccs_he_plaintext_free(pt);
        break;
    }
    }
    (void)st;
    return 0;
}
