/* Fuzz target: deserialization of HE objects (ccs/he_rns.h). The first
 * input byte picks the scheme (bit 3: BFV) and the object kind (low 3 bits:
 * params, secret key, public key, relinearization key, Galois keys,
 * ciphertext, plaintext); the rest is the serialized object, loaded against
 * a small fixed context (N = 1024, two 30-bit data primes and a 30-bit
 * special prime, t = 12289; insecure, for speed). A loaded ciphertext is
 * decrypted and a loaded key used, so accepted objects are exercised.
 * The corpus (fuzz/corpus/he_deserialize/) holds one valid object of each
 * kind for each scheme, made with these parameters, plus truncated ones. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/he_rns.h"

static ccs_he_ctx *ctx[2];
static ccs_he_secret_key *sk[2];

static void init(void) {
    if (ctx[0]) return;
    for (int s = 0; s < 2; s++) {
        ccs_he_params p;
        memset(&p, 0, sizeof p);
        p.scheme = s ? CCS_HE_BFV : CCS_HE_BGV;
        p.n = 1024, p.data_count = 2, p.data_bits[0] = p.data_bits[1] = 30, p.special_bits = 30;
        p.t = 12289, p.security = 128, p.insecure_allow = true;
        if (ccs_he_ctx_new(&p, &ctx[s]) != CCS_OK || ccs_he_keygen_secret(ctx[s], &sk[s]) != CCS_OK) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    init();
    if (size < 1) return 0;
    int s = (data[0] >> 3) & 1, kind = data[0] & 7;
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
