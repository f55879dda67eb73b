/* test_tpm_enroll: the TPM enrollment structure parsers (TPM2B_PUBLIC,
 * credential blobs, challenge state) with truncations, flipped bytes and
 * wrong lengths; AK attribute checks; MakeCredential's output shape. The
 * round trips through a real TPM are in tests/cli/tpm_enroll.sh (swtpm). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <tss2/tss2_mu.h>

#include "ccs/attest.h"

#define AK_ATTRS (CCS_TPMA_FIXEDTPM | CCS_TPMA_FIXEDPARENT | CCS_TPMA_SENSITIVEDATAORIGIN | CCS_TPMA_USERWITHAUTH | \
                  CCS_TPMA_RESTRICTED | CCS_TPMA_SIGN)

/* A marshalled TPM2B_PUBLIC of an ECC P-256 key (x = 1..32, y = 33..64). */
static size_t ecc_public(uint8_t *out, size_t cap, uint32_t attrs, uint16_t name_alg) {
    TPM2B_PUBLIC p;
    memset(&p, 0, sizeof p);
    p.publicArea.type = TPM2_ALG_ECC;
    p.publicArea.nameAlg = name_alg;
    p.publicArea.objectAttributes = attrs;
    p.publicArea.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
    p.publicArea.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
    p.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
    p.publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    p.publicArea.unique.ecc.x.size = 32;
    p.publicArea.unique.ecc.y.size = 32;
    for (int i = 0; i < 32; i++) p.publicArea.unique.ecc.x.buffer[i] = (uint8_t)(i + 1);
    for (int i = 0; i < 32; i++) p.publicArea.unique.ecc.y.buffer[i] = (uint8_t)(i + 33);
    size_t off = 0;
    assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Marshal(&p, out, cap, &off), TSS2_RC_SUCCESS);
    return off;
}

static size_t rsa_public(uint8_t *out, size_t cap, uint16_t bits, uint16_t modulus_len) {
    TPM2B_PUBLIC p;
    memset(&p, 0, sizeof p);
    p.publicArea.type = TPM2_ALG_RSA;
    p.publicArea.nameAlg = TPM2_ALG_SHA256;
    p.publicArea.objectAttributes = AK_ATTRS;
    p.publicArea.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
    p.publicArea.parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
    p.publicArea.parameters.rsaDetail.keyBits = bits;
    p.publicArea.unique.rsa.size = modulus_len;
    memset(p.publicArea.unique.rsa.buffer, 0xc5, modulus_len);
    size_t off = 0;
    assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Marshal(&p, out, cap, &off), TSS2_RC_SUCCESS);
    return off;
}

static void public_parses_with_name(void **state) {
    (void)state;
    uint8_t raw[1024], want[32];
    size_t n = ecc_public(raw, sizeof raw, AK_ATTRS, TPM2_ALG_SHA256);
    ccs_tpm_public p;
    assert_int_equal(ccs_tpm_public_parse(ccs_bytes_of(raw, n), &p), CCS_OK);
    assert_int_equal(p.type, CCS_TPM_ALG_ECC);
    assert_int_equal(p.curve, CCS_TPM_ECC_P256);
    assert_int_equal(p.attributes, AK_ATTRS);
    assert_int_equal(p.key_len, 64);
    assert_int_equal(p.key[0], 1);
    assert_int_equal(p.key[32], 33);
    /* Name = nameAlg || SHA-256(TPMT_PUBLIC), TPMT_PUBLIC = the TPM2B's body. */
    ccs_sha256(ccs_bytes_of(raw + 2, n - 2), want);
    assert_int_equal(p.name_len, 34);
    assert_int_equal(p.name[0], 0x00);
    assert_int_equal(p.name[1], 0x0b);
    assert_memory_equal(p.name + 2, want, 32);
    assert_int_equal(ccs_tpm_ak_check(&p), CCS_OK);

    n = ecc_public(raw, sizeof raw, AK_ATTRS, TPM2_ALG_SHA384);
    assert_int_equal(ccs_tpm_public_parse(ccs_bytes_of(raw, n), &p), CCS_OK);
    assert_int_equal(p.name_len, 50);

    n = rsa_public(raw, sizeof raw, 2048, 256);
    assert_int_equal(ccs_tpm_public_parse(ccs_bytes_of(raw, n), &p), CCS_OK);
    assert_int_equal(p.type, CCS_TPM_ALG_RSA);
    assert_int_equal(p.key_len, 256);
    assert_int_equal(p.rsa_bits, 2048);
}

static void public_truncated_everywhere(void **state) {
    (void)state;
    uint8_t raw[1024];
    size_t n = ecc_public(raw, sizeof raw, AK_ATTRS, TPM2_ALG_SHA256);
    ccs_tpm_public p;
    for (size_t i = 0; i < n; i++) assert_int_equal(ccs_tpm_public_parse(ccs_bytes_of(raw, i), &p), CCS_ERR_TRUNCATED);
}

static void public_wrong_lengths(void **state) {
    (void)state;
    uint8_t raw[1024];
    size_t n = ecc_public(raw, sizeof raw, AK_ATTRS, TPM2_ALG_SHA256);
    ccs_tpm_public p;
    /* a byte after the TPM2B */
    raw[n] = 0;
    assert_int_equal(ccs_tpm_public_parse(ccs_bytes_of(raw, n + 1), &p), CCS_ERR_TRAILING);
    /* the TPM2B's size one too large, with a byte inside it after TPMT_PUBLIC */
    uint16_t size = (uint16_t)(raw[0] << 8 | raw[1]);
    raw[0] = (uint8_t)((size + 1) >> 8), raw[1] = (uint8_t)(size + 1);
    assert_int_equal(ccs_tpm_public_parse(ccs_bytes_of(raw, n + 1), &p), CCS_ERR_TRAILING);
    /* one too small: the body ends inside the point */
    raw[0] = (uint8_t)((size - 1) >> 8), raw[1] = (uint8_t)(size - 1);
    assert_int_equal(ccs_tpm_public_parse(ccs_bytes_of(raw, n - 1), &p), CCS_ERR_FORMAT);
    /* the point's x claims 33 bytes on P-256 */
    n = ecc_public(raw, sizeof raw, AK_ATTRS, TPM2_ALG_SHA256);
    size_t x_at = n - 68; /* x size, x (32), y size, y (32) end the area */
    raw[x_at + 1] = 33;
    assert_int_not_equal(ccs_tpm_public_parse(ccs_bytes_of(raw, n), &p), CCS_OK);
    /* RSA modulus length that is not keyBits / 8 */
    n = rsa_public(raw, sizeof raw, 2048, 255);
    assert_int_equal(ccs_tpm_public_parse(ccs_bytes_of(raw, n), &p), CCS_ERR_FORMAT);
}

static void public_refuses_types_and_algs(void **state) {
    (void)state;
    uint8_t raw[1024];
    ccs_tpm_public p;
    size_t n = ecc_public(raw, sizeof raw, AK_ATTRS, TPM2_ALG_SHA1);
    assert_int_equal(ccs_tpm_public_parse(ccs_bytes_of(raw, n), &p), CCS_ERR_UNSUPPORTED);
    n = ecc_public(raw, sizeof raw, AK_ATTRS, TPM2_ALG_SHA256);
    raw[3] = 0x08; /* TPM_ALG_KEYEDHASH */
    assert_int_equal(ccs_tpm_public_parse(ccs_bytes_of(raw, n), &p), CCS_ERR_UNSUPPORTED);
    n = rsa_public(raw, sizeof raw, 512, 64);
    assert_int_equal(ccs_tpm_public_parse(ccs_bytes_of(raw, n), &p), CCS_ERR_UNSUPPORTED);
}

/* Every single flipped bit gives an error or a different Name, never the same key silently. */
static void public_flipped_bytes(void **state) {
    (void)state;
    uint8_t raw[1024], orig[CCS_TPM_MAX_NAME];
    size_t n = ecc_public(raw, sizeof raw, AK_ATTRS, TPM2_ALG_SHA256);
    ccs_tpm_public p;
    assert_int_equal(ccs_tpm_public_parse(ccs_bytes_of(raw, n), &p), CCS_OK);
    memcpy(orig, p.name, p.name_len);
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            raw[i] ^= (uint8_t)(1u << bit);
            if (ccs_tpm_public_parse(ccs_bytes_of(raw, n), &p) == CCS_OK)
                assert_true(p.name_len != 34 || memcmp(p.name, orig, 34) != 0);
            raw[i] ^= (uint8_t)(1u << bit);
        }
    }
}

static void ak_check_attributes(void **state) {
    (void)state;
    static const struct {
        uint32_t attrs;
        ccs_status want;
    } cases[] = {
        {AK_ATTRS, CCS_OK},
        {AK_ATTRS & ~CCS_TPMA_RESTRICTED, CCS_ERR_POLICY},
        {AK_ATTRS & ~CCS_TPMA_SIGN, CCS_ERR_POLICY},
        {AK_ATTRS | CCS_TPMA_DECRYPT, CCS_ERR_POLICY},
        {AK_ATTRS & ~CCS_TPMA_FIXEDTPM, CCS_ERR_POLICY},
        {AK_ATTRS & ~CCS_TPMA_FIXEDPARENT, CCS_ERR_POLICY},
        {AK_ATTRS & ~CCS_TPMA_SENSITIVEDATAORIGIN, CCS_ERR_POLICY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ccs_tpm_public p;
        memset(&p, 0, sizeof p);
        p.attributes = cases[i].attrs;
        assert_int_equal(ccs_tpm_ak_check(&p), cases[i].want);
    }
}

static void credential_round_trip_and_errors(void **state) {
    (void)state;
    ccs_tpm_credential c, d;
    memset(&c, 0, sizeof c);
    c.id_object[1] = 32; /* integrityHMAC size */
    memset(c.id_object + 2, 0xaa, 32);
    memset(c.id_object + 34, 0xbb, 34);
    c.id_object_len = 68;
    memset(c.enc_secret, 0xcc, 256);
    c.enc_secret_len = 256;
    ccs_buf b = {0};
    assert_int_equal(ccs_tpm_credential_encode(&c, &b), CCS_OK);
    assert_int_equal(b.len, 8 + 2 + 68 + 2 + 256);
    assert_int_equal(ccs_tpm_credential_parse(ccs_buf_view(&b), &d), CCS_OK);
    assert_int_equal(d.id_object_len, 68);
    assert_int_equal(d.enc_secret_len, 256);
    assert_memory_equal(d.id_object, c.id_object, 68);
    for (size_t i = 0; i < b.len; i++)
        assert_int_equal(ccs_tpm_credential_parse(ccs_bytes_of(b.ptr, i), &d), CCS_ERR_TRUNCATED);
    assert_int_equal(ccs_buf_append(&b, "", 1), CCS_OK);
    assert_int_equal(ccs_tpm_credential_parse(ccs_buf_view(&b), &d), CCS_ERR_TRAILING);
    b.len--;
    b.ptr[0] ^= 1; /* magic */
    assert_int_equal(ccs_tpm_credential_parse(ccs_buf_view(&b), &d), CCS_ERR_FORMAT);
    b.ptr[0] ^= 1;
    b.ptr[7] = 2; /* version */
    assert_int_equal(ccs_tpm_credential_parse(ccs_buf_view(&b), &d), CCS_ERR_FORMAT);
    b.ptr[7] = 1;
    b.ptr[11] = 31; /* integrityHMAC of 31 bytes */
    assert_int_equal(ccs_tpm_credential_parse(ccs_buf_view(&b), &d), CCS_ERR_FORMAT);
    b.ptr[11] = 80; /* integrityHMAC beyond the ID object */
    assert_int_not_equal(ccs_tpm_credential_parse(ccs_buf_view(&b), &d), CCS_OK);
    ccs_buf_free(&b);
}

static void state_json_round_trip(void **state) {
    (void)state;
    ccs_tpm_challenge_state s, t;
    memset(&s, 0, sizeof s);
    memset(s.secret, 0x5a, sizeof s.secret);
    s.ak_name[1] = 0x0b;
    memset(s.ak_name + 2, 0x11, 32);
    s.ak_name_len = 34;
    ccs_buf j = {0};
    assert_int_equal(ccs_tpm_challenge_state_json(&s, &j), CCS_OK);
    assert_int_equal(ccs_tpm_challenge_state_parse(ccs_buf_view(&j), &t), CCS_OK);
    assert_memory_equal(&s.secret, &t.secret, sizeof s.secret);
    assert_int_equal(t.ak_name_len, 34);
    static const char *bad[] = {
        "{}",
        "{\"version\":2,\"secret\":\"" "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a" "\",\"ak_name\":\"000b11\"}",
        "{\"version\":1,\"secret\":\"5a\",\"ak_name\":\"000b1111111111111111111111111111111111111111111111111111111111111111\"}",
        "{\"version\":1,\"secret\":\"" "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a" "\",\"ak_name\":\"000b11\"}",
        "{\"version\":1,\"secret\":\"" "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a" "\",\"ak_name\":\"000b1111111111111111111111111111111111111111111111111111111111111111\",\"x\":1}",
        "not json",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ccs_tpm_challenge_state_parse(ccs_bytes_str(bad[i]), &t), CCS_ERR_FORMAT);
    ccs_buf_free(&j);
}

/* The credential's shape for an ECC P-256 EK: a 32-byte HMAC, encIdentity =
 * 2 + secret bytes, the encrypted secret a TPMS_ECC_POINT; and a fresh seed
 * each time. The decryption side is a real TPM (tests/cli/tpm_enroll.sh). */
static void make_credential_shape(void **state) {
    (void)state;
    ccs_privkey *k = NULL;
    ccs_pubkey *pk = NULL;
    assert_int_equal(ccs_privkey_generate(CCS_CURVE_P256, &k), CCS_OK);
    assert_int_equal(ccs_privkey_public(k, &pk), CCS_OK);
    ccs_tpm_public ek;
    memset(&ek, 0, sizeof ek);
    ek.type = CCS_TPM_ALG_ECC;
    ek.curve = CCS_TPM_ECC_P256;
    ek.name_alg = CCS_TPM_ALG_SHA256;
    ek.attributes = CCS_TPMA_RESTRICTED | CCS_TPMA_DECRYPT;
    ek.sym_alg = CCS_TPM_ALG_AES;
    ek.sym_bits = 128;
    ek.sym_mode = CCS_TPM_ALG_CFB;
    assert_int_equal(ccs_pubkey_ec_raw(pk, ek.key, sizeof ek.key, &ek.key_len), CCS_OK);
    uint8_t name[34] = {0x00, 0x0b}, secret[32];
    memset(secret, 7, sizeof secret);
    ccs_tpm_credential a, b;
    assert_int_equal(ccs_tpm_make_credential(&ek, ccs_bytes_of(name, 34), ccs_bytes_of(secret, 32), &a), CCS_OK);
    assert_int_equal(ccs_tpm_make_credential(&ek, ccs_bytes_of(name, 34), ccs_bytes_of(secret, 32), &b), CCS_OK);
    assert_int_equal(a.id_object_len, 2 + 32 + 2 + 32);
    assert_int_equal(a.enc_secret_len, 2 + 32 + 2 + 32);
    assert_memory_not_equal(a.id_object, b.id_object, a.id_object_len);
    ccs_tpm_credential parsed;
    ccs_buf blob = {0};
    assert_int_equal(ccs_tpm_credential_encode(&a, &blob), CCS_OK);
    assert_int_equal(ccs_tpm_credential_parse(ccs_buf_view(&blob), &parsed), CCS_OK);
    ccs_buf_free(&blob);
    /* refusals: secret longer than the nameAlg digest, a bad Name, a signing EK */
    uint8_t big[33] = {0};
    assert_int_equal(ccs_tpm_make_credential(&ek, ccs_bytes_of(name, 34), ccs_bytes_of(big, 33), &a),
                     CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_tpm_make_credential(&ek, ccs_bytes_of(name, 33), ccs_bytes_of(secret, 32), &a),
                     CCS_ERR_INVALID_ARG);
    ek.attributes = CCS_TPMA_RESTRICTED | CCS_TPMA_SIGN;
    assert_int_equal(ccs_tpm_make_credential(&ek, ccs_bytes_of(name, 34), ccs_bytes_of(secret, 32), &a), CCS_ERR_KEY);
    ccs_pubkey_free(pk);
    ccs_privkey_free(k);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(public_parses_with_name),
        cmocka_unit_test(public_truncated_everywhere),
        cmocka_unit_test(public_wrong_lengths),
        cmocka_unit_test(public_refuses_types_and_algs),
        cmocka_unit_test(public_flipped_bytes),
        cmocka_unit_test(ak_check_attributes),
        cmocka_unit_test(credential_round_trip_and_errors),
        cmocka_unit_test(state_json_round_trip),
        cmocka_unit_test(make_credential_shape),
    };
    return cmocka_run_group_tests_name("tpm_enroll", tests, NULL, NULL);
}
