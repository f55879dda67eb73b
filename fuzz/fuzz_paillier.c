/* libFuzzer target: Paillier deserialization (ccs/he_paillier.h): public
 * keys, private keys (insecure sizes allowed, so small keys reach the deep
 * checks) and ciphertexts against a fixed 512-bit key. Invariants: no crash,
 * leak or UB; failures only as a ccs_status; whatever parses serializes back
 * to the same bytes, but for a key's hs, which each loader draws anew. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/he_paillier.h"

static const ccs_paillier_opts OPTS = {.insecure_small_n = true, .window = 4};

/* n = p q of the test vector in tests/he/paillier_test.c */
static const char KAT_N[] =
    "d2465217b0bc042148c0379f75d1005edad7ab8c25afd9374eac24b65e99b868294493e4d015eb5429d50373cc9d37a7e5645"
    "3c43d7f6c67dc0d27e9f8c97c01";

static ccs_paillier_pub *fixed_pub(void) {
    static ccs_paillier_pub *pub;
    if (!pub) {
        mpz_t n;
        mpz_init_set_str(n, KAT_N, 16);
        if (ccs_paillier_pub_from_n(n, &OPTS, &pub) != CCS_OK) abort();
        mpz_clear(n);
    }
    return pub;
}

static void same(ccs_bytes in, const ccs_buf *out) {
    if (out->len != in.len || memcmp(out->ptr, in.ptr, in.len) != 0) abort();
}

/* The same but for the hs field: header (8), u32 + n (bits/8), u32 + hs
 * (bits/4), then p for a private key. */
static void same_but_hs(ccs_bytes in, const ccs_buf *out) {
    if (out->len != in.len || in.len < 8) abort();
    size_t bits = (size_t)in.ptr[6] << 8 | in.ptr[7], hs = 8 + 4 + bits / 8 + 4;
    if (hs + bits / 4 > in.len || memcmp(out->ptr, in.ptr, hs) != 0 ||
        memcmp(out->ptr + hs + bits / 4, in.ptr + hs + bits / 4, in.len - hs - bits / 4) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_bytes in = ccs_bytes_of(data, size);
    ccs_buf out = {0};
    ccs_paillier_pub *pub = NULL;
    if (ccs_paillier_pub_deserialize(in, &OPTS, &pub) == CCS_OK) {
        if (ccs_paillier_pub_serialize(pub, &out) != CCS_OK) abort();
        same_but_hs(in, &out);
        ccs_paillier_pub_free(pub);
    } else if (pub) {
        abort();
    }
    ccs_buf_free(&out);
    ccs_paillier_priv *priv = NULL;
    if (ccs_paillier_priv_deserialize(in, &OPTS, &priv) == CCS_OK) {
        if (ccs_paillier_priv_serialize(priv, &out) != CCS_OK) abort();
        same_but_hs(in, &out);
        ccs_paillier_priv_free(priv);
    } else if (priv) {
        abort();
    }
    ccs_buf_free(&out);
    mpz_t c;
    mpz_init(c);
    if (ccs_paillier_ct_deserialize(fixed_pub(), in, c) == CCS_OK) {
        if (ccs_paillier_ct_serialize(fixed_pub(), c, &out) != CCS_OK) abort();
        same(in, &out);
    }
    mpz_clear(c);
    ccs_buf_free(&out);
    return 0;
}
