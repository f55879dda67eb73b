/* ECDH and AES-256 key wrap for JOSE ECDH-ES+A256KW (src/crypto/ecdh.c):
 * every Wycheproof ECDH P-256 vector through ccs_pubkey_from_spki and
 * ccs_ecdh_scalar; RFC 3394 section 4.3/4.6 vectors and the negative cases
 * of ccs_aes256kw_wrap/_unwrap; ccs_ecdh_ephemeral against ccs_ecdh_scalar on
 * P-256 and P-384; ccs_privkey_from_ec_raw from a generated key's d, x||y. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "test_crypto.h"

static const uint8_t P256_N[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
static const uint8_t P384_N[48] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC7, 0x63, 0x4D, 0x81, 0xF4, 0x37, 0x2D, 0xDF,
    0x58, 0x1A, 0x0D, 0xB2, 0x48, 0xB0, 0xA7, 0x7A, 0xEC, 0xEC, 0x19, 0x6A, 0xCC, 0xC5, 0x29, 0x73};

static void hex(json_t *obj, const char *key, ccs_buf *out) {
    const char *h = json_string_value(json_object_get(obj, key));
    if (h == NULL) fail_msg("missing hex field %s", key);
    out->len = 0;
    assert_int_equal(ccs_hex_decode(h, strlen(h), out), CCS_OK);
}

static void unhex(const char *h, uint8_t *out, size_t n) {
    assert_int_equal(ccs_hex_decode_fixed(h, strlen(h), out, n), CCS_OK);
}

static bool has_flag(json_t *t, const char *flag) {
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(t, "flags"), i, f) {
        if (strcmp(json_string_value(f), flag) == 0) return true;
    }
    return false;
}

/* ---- Wycheproof ECDH P-256 ---- */

typedef struct ecdh_counts {
    size_t valid, invalid_parse, invalid_ecdh, acceptable_ok, acceptable_rejected, skipped, out_of_range;
} ecdh_counts;

/* The vector's private key as exactly 32 big-endian bytes in d (leading
 * zeros dropped or added); false when it does not fit in 32 bytes. */
static bool normalise_scalar(const ccs_buf *raw, uint8_t d[32]) {
    size_t off = 0;
    while (off < raw->len && raw->ptr[off] == 0) off++;
    if (raw->len - off > 32) return false;
    memset(d, 0, 32);
    if (raw->len > off) memcpy(d + 32 - (raw->len - off), raw->ptr + off, raw->len - off);
    return true;
}

static bool scalar_in_range(const uint8_t d[32]) {
    static const uint8_t zero[32];
    return memcmp(d, zero, 32) != 0 && memcmp(d, P256_N, 32) < 0;
}

/* The status a rejected public key must have, by the vector's flags: points
 * off P-256 (also compressed ones on its twist) are key errors; explicit
 * curve parameters and named curves other than P-256/P-384 are refused as
 * unsupported; broken ASN.1 may be any parse error (CCS_OK: no one status). */
static ccs_status expected_parse_status(json_t *t) {
    if (has_flag(t, "UnnamedCurve") || has_flag(t, "ModifiedGroup")) return CCS_ERR_UNSUPPORTED;
    if (has_flag(t, "WrongCurve")) return has_flag(t, "CompressedPoint") ? CCS_ERR_KEY : CCS_ERR_UNSUPPORTED;
    if (has_flag(t, "InvalidCurveAttack") || has_flag(t, "ModifiedPublicPoint") ||
        has_flag(t, "InvalidCompressedPublic") || has_flag(t, "InvalidEncoding"))
        return CCS_ERR_KEY;
    return CCS_OK;
}

static void check_parse_failure(json_t *t, long tc, size_t spki_len, ccs_status st) {
    if (spki_len == 0) { /* "removing sequence": no SPKI at all is an argument error */
        if (st != CCS_ERR_INVALID_ARG) fail_msg("tcId %ld: empty SPKI gave %s", tc, ccs_status_name(st));
        return;
    }
    ccs_status want = expected_parse_status(t);
    if (want != CCS_OK && st != want)
        fail_msg("tcId %ld: SPKI rejected as %s, want %s", tc, ccs_status_name(st), ccs_status_name(want));
    if (st != CCS_ERR_FORMAT && st != CCS_ERR_TRUNCATED && st != CCS_ERR_TRAILING && st != CCS_ERR_KEY &&
        st != CCS_ERR_UNSUPPORTED)
        fail_msg("tcId %ld: SPKI rejected as %s: %s", tc, ccs_status_name(st), ccs_error_detail());
}

/* A public key the parser refused: the status fits the flags, and only
 * invalid or acceptable vectors (or a compressed point, counted as a skip if
 * refused as unsupported) may be refused. */
static void count_parse_failure(json_t *t, long tc, const char *result, size_t spki_len, ccs_status st,
                                ecdh_counts *c) {
    check_parse_failure(t, tc, spki_len, st);
    if (strcmp(result, "invalid") == 0)
        c->invalid_parse++;
    else if (has_flag(t, "CompressedPoint") && st == CCS_ERR_UNSUPPORTED)
        c->skipped++;
    else if (strcmp(result, "valid") == 0)
        fail_msg("tcId %ld: valid public key rejected: %s", tc, ccs_error_detail());
    else
        c->acceptable_rejected++;
}

static void run_ecdh_vector(json_t *t, ccs_buf *spki, ccs_buf *priv, ccs_buf *shared, ecdh_counts *c) {
    long tc = (long)json_integer_value(json_object_get(t, "tcId"));
    const char *result = json_string_value(json_object_get(t, "result"));
    assert_non_null(result);
    hex(t, "public", spki);
    hex(t, "private", priv);
    hex(t, "shared", shared);
    bool valid = strcmp(result, "valid") == 0, invalid = strcmp(result, "invalid") == 0;
    if (!valid && !invalid) assert_string_equal(result, "acceptable");

    ccs_pubkey *k = NULL;
    ccs_status st = ccs_pubkey_from_spki(ccs_buf_view(spki), &k);
    if (st != CCS_OK) {
        assert_null(k);
        count_parse_failure(t, tc, result, spki->len, st, c);
        return;
    }
    uint8_t d[32], z[48];
    bool fits = normalise_scalar(priv, d), in_range = fits && scalar_in_range(d);
    st = ccs_ecdh_scalar(fits ? ccs_bytes_of(d, 32) : ccs_buf_view(priv), k, z);
    ccs_pubkey_free(k);
    if (st != CCS_OK && st != CCS_ERR_KEY) fail_msg("tcId %ld: ecdh failed as %s", tc, ccs_status_name(st));
    if (!in_range && st == CCS_OK) fail_msg("tcId %ld: scalar out of range accepted", tc);
    if (st != CCS_OK) {
        if (!in_range && !invalid) /* scalars must be in [1, n-1]: a refusal, whatever the vector says */
            c->out_of_range++;
        else if (valid)
            fail_msg("tcId %ld: valid vector failed: %s", tc, ccs_error_detail());
        else if (invalid)
            c->invalid_ecdh++;
        else
            c->acceptable_rejected++;
        return;
    }
    if (invalid) fail_msg("tcId %ld: invalid vector accepted", tc);
    assert_int_equal(shared->len, 32);
    if (memcmp(z, shared->ptr, 32) != 0) fail_msg("tcId %ld: wrong shared secret", tc);
    if (valid)
        c->valid++;
    else
        c->acceptable_ok++;
}

static void test_wycheproof_ecdh_p256(void **state) {
    (void)state;
    ccs_buf raw = {0}, spki = {0}, priv = {0}, shared = {0};
    test_read_data("wycheproof/ecdh_secp256r1_test.json", &raw);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)raw.ptr, raw.len, 0, &jerr), *g, *t;
    if (root == NULL) fail_msg("ecdh_secp256r1_test.json: %s", jerr.text);
    ccs_buf_free(&raw);
    ecdh_counts c = {0};
    size_t gi, ti;
    json_array_foreach(json_object_get(root, "testGroups"), gi, g) {
        assert_string_equal(json_string_value(json_object_get(g, "curve")), "secp256r1");
        assert_string_equal(json_string_value(json_object_get(g, "encoding")), "asn");
        json_array_foreach(json_object_get(g, "tests"), ti, t) run_ecdh_vector(t, &spki, &priv, &shared, &c);
    }
    size_t run = c.valid + c.invalid_parse + c.invalid_ecdh + c.acceptable_ok + c.acceptable_rejected + c.skipped +
                 c.out_of_range;
    assert_int_equal(run, (size_t)json_integer_value(json_object_get(root, "numberOfTests")));
    print_message("ecdh_secp256r1_test.json: %zu vectors: %zu valid; invalid: %zu rejected at parse, %zu by ecdh; "
                  "acceptable: %zu accepted, %zu rejected; %zu skipped; %zu private keys out of range\n",
                  run, c.valid, c.invalid_parse, c.invalid_ecdh, c.acceptable_ok, c.acceptable_rejected, c.skipped,
                  c.out_of_range);
    ccs_buf_free(&spki);
    ccs_buf_free(&priv);
    ccs_buf_free(&shared);
    json_decref(root);
}

/* ---- AES-256 key wrap (RFC 3394) ---- */

static const char KEK_HEX[] = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";

static void check_kw_vector(const char *key_hex, const char *wrapped_hex, size_t key_len) {
    uint8_t kek[32], key[32], want[40], out[40], back[32];
    unhex(KEK_HEX, kek, 32);
    unhex(key_hex, key, key_len);
    unhex(wrapped_hex, want, key_len + 8);
    assert_int_equal(ccs_aes256kw_wrap(kek, ccs_bytes_of(key, key_len), out), CCS_OK);
    assert_memory_equal(out, want, key_len + 8);
    assert_int_equal(ccs_aes256kw_unwrap(kek, ccs_bytes_of(want, key_len + 8), back), CCS_OK);
    assert_memory_equal(back, key, key_len);
}

static void test_aes256kw_rfc3394(void **state) {
    (void)state;
    /* 4.3: 128 bits of key data with a 256-bit KEK */
    check_kw_vector("00112233445566778899AABBCCDDEEFF", "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7", 16);
    /* 4.6: 256 bits of key data with a 256-bit KEK */
    check_kw_vector("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
                    "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21", 32);
}

static void test_aes256kw_round_trip_and_tamper(void **state) {
    (void)state;
    uint8_t kek[32], kek2[32], key[64], wrapped[72], back[64];
    assert_int_equal(ccs_random(kek, sizeof kek), CCS_OK);
    assert_int_equal(ccs_random(key, sizeof key), CCS_OK);
    memcpy(kek2, kek, 32);
    kek2[31] ^= 0x01;
    for (size_t len = 16; len <= sizeof key; len += 8) {
        assert_int_equal(ccs_aes256kw_wrap(kek, ccs_bytes_of(key, len), wrapped), CCS_OK);
        assert_int_equal(ccs_aes256kw_unwrap(kek, ccs_bytes_of(wrapped, len + 8), back), CCS_OK);
        assert_memory_equal(back, key, len);
        assert_int_equal(ccs_aes256kw_unwrap(kek2, ccs_bytes_of(wrapped, len + 8), back), CCS_ERR_SIGNATURE);
    }
    /* every byte of a wrapped 256-bit key is covered by the integrity check */
    assert_int_equal(ccs_aes256kw_wrap(kek, ccs_bytes_of(key, 32), wrapped), CCS_OK);
    for (size_t i = 0; i < 40; i++) {
        wrapped[i] ^= 0x80;
        assert_int_equal(ccs_aes256kw_unwrap(kek, ccs_bytes_of(wrapped, 40), back), CCS_ERR_SIGNATURE);
        wrapped[i] ^= 0x80;
    }
    assert_int_equal(ccs_aes256kw_unwrap(kek, ccs_bytes_of(wrapped, 40), back), CCS_OK);
}

/* The AES-NI rounds against OpenSSL's id-aes256-wrap (its own software
 * AES), both ways, for every length from 2 to 64 blocks. */
static void evp_kw(bool wrap, const uint8_t kek[32], const uint8_t *in, size_t len, uint8_t *out) {
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, f = 0;
    assert_non_null(c);
    EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    assert_int_equal(EVP_CipherInit_ex(c, EVP_aes_256_wrap(), NULL, kek, NULL, wrap ? 1 : 0), 1);
    assert_int_equal(EVP_CipherUpdate(c, out, &n, in, (int)len), 1);
    assert_int_equal(EVP_CipherFinal_ex(c, out + n, &f), 1);
    assert_int_equal((size_t)(n + f), wrap ? len + 8 : len - 8);
    EVP_CIPHER_CTX_free(c);
}

static void test_aes256kw_against_openssl(void **state) {
    (void)state;
    uint8_t kek[32], key[512], ours[520], theirs[520], back[512];
    for (size_t len = 16; len <= sizeof key; len += 8) {
        assert_int_equal(ccs_random(kek, sizeof kek), CCS_OK);
        assert_int_equal(ccs_random(key, len), CCS_OK);
        assert_int_equal(ccs_aes256kw_wrap(kek, ccs_bytes_of(key, len), ours), CCS_OK);
        evp_kw(true, kek, key, len, theirs);
        assert_memory_equal(ours, theirs, len + 8);
        evp_kw(false, kek, ours, len + 8, back);
        assert_memory_equal(back, key, len);
        memset(back, 0, sizeof back);
        assert_int_equal(ccs_aes256kw_unwrap(kek, ccs_bytes_of(theirs, len + 8), back), CCS_OK);
        assert_memory_equal(back, key, len);
    }
    /* a refused unwrap leaves the output as it was */
    memset(back, 0x5a, sizeof back);
    ours[0] ^= 1;
    assert_int_equal(ccs_aes256kw_unwrap(kek, ccs_bytes_of(ours, 520), back), CCS_ERR_SIGNATURE);
    for (size_t i = 0; i < sizeof back; i++) assert_int_equal(back[i], 0x5a);
}

static void test_aes256kw_bad_lengths(void **state) {
    (void)state;
    uint8_t kek[32] = {1}, in[528] = {0}, out[536];
    static const size_t bad_wrap[] = {0, 8, 15, 17, 23, 520};
    static const size_t bad_unwrap[] = {0, 8, 16, 23, 25, 31, 528};
    for (size_t i = 0; i < sizeof bad_wrap / sizeof bad_wrap[0]; i++)
        assert_int_equal(ccs_aes256kw_wrap(kek, ccs_bytes_of(in, bad_wrap[i]), out), CCS_ERR_INVALID_ARG);
    for (size_t i = 0; i < sizeof bad_unwrap / sizeof bad_unwrap[0]; i++)
        assert_int_equal(ccs_aes256kw_unwrap(kek, ccs_bytes_of(in, bad_unwrap[i]), out), CCS_ERR_FORMAT);
    assert_int_equal(ccs_aes256kw_wrap(kek, ccs_bytes_of(NULL, 0), out), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_aes256kw_unwrap(kek, ccs_bytes_of(NULL, 0), out), CCS_ERR_FORMAT);
    /* the largest sizes are accepted (512 bytes of key, 520 wrapped) */
    assert_int_equal(ccs_aes256kw_wrap(kek, ccs_bytes_of(in, 512), out), CCS_OK);
    assert_int_equal(ccs_aes256kw_unwrap(kek, ccs_bytes_of(out, 520), in), CCS_OK);
}

/* ---- ECDH agreement and private keys from raw scalars ---- */

typedef struct raw_key {
    ccs_curve curve;
    uint8_t d[49], xy[97]; /* one spare byte: the too-long cases read no further */
    size_t fl;
} raw_key;

static void generate_raw(ccs_curve curve, raw_key *out) {
    ccs_privkey *k = NULL;
    ccs_buf pem = {0};
    assert_int_equal(ccs_privkey_generate(curve, &k), CCS_OK);
    assert_int_equal(ccs_privkey_to_pem(k, &pem), CCS_OK);
    assert_int_equal(ccs_ec_private_pem_raw(ccs_buf_view(&pem), &out->curve, out->d, out->xy, &out->fl), CCS_OK);
    assert_int_equal(out->curve, curve);
    assert_int_equal(out->fl, curve == CCS_CURVE_P256 ? 32u : 48u);
    ccs_buf_free(&pem);
    ccs_privkey_free(k);
}

static ccs_pubkey *pub_of(ccs_curve curve, const uint8_t *xy, size_t fl) {
    ccs_pubkey *p = NULL;
    assert_int_equal(ccs_pubkey_from_ec_raw(curve, ccs_bytes_of(xy, 2 * fl), &p), CCS_OK);
    return p;
}

static void check_agreement(ccs_curve curve) {
    raw_key r;
    generate_raw(curve, &r);
    ccs_pubkey *peer = pub_of(curve, r.xy, r.fl);
    uint8_t epk[96], z1[48], z2[48], d[48];
    assert_int_equal(ccs_ecdh_ephemeral(peer, epk, z1), CCS_OK);
    ccs_pubkey *e = pub_of(curve, epk, r.fl); /* the ephemeral point is on the curve */
    assert_int_equal(ccs_ecdh_scalar(ccs_bytes_of(r.d, r.fl), e, z2), CCS_OK);
    assert_memory_equal(z1, z2, r.fl);
    /* a second ephemeral key is fresh */
    assert_int_equal(ccs_ecdh_ephemeral(peer, epk, z2), CCS_OK);
    assert_memory_not_equal(z1, z2, r.fl);

    const uint8_t *n = curve == CCS_CURVE_P256 ? P256_N : P384_N;
    assert_int_equal(ccs_ecdh_scalar(ccs_bytes_of(r.d, r.fl - 1), e, z2), CCS_ERR_KEY);
    assert_int_equal(ccs_ecdh_scalar(ccs_bytes_of(r.d, r.fl + 1), e, z2), CCS_ERR_KEY);
    assert_int_equal(ccs_ecdh_scalar(ccs_bytes_of(NULL, r.fl), e, z2), CCS_ERR_KEY);
    memset(d, 0, sizeof d);
    assert_int_equal(ccs_ecdh_scalar(ccs_bytes_of(d, r.fl), e, z2), CCS_ERR_KEY);
    memcpy(d, n, r.fl);
    assert_int_equal(ccs_ecdh_scalar(ccs_bytes_of(d, r.fl), e, z2), CCS_ERR_KEY);
    d[r.fl - 1]++; /* n + 1 (no carry on either curve) */
    assert_int_equal(ccs_ecdh_scalar(ccs_bytes_of(d, r.fl), e, z2), CCS_ERR_KEY);
    memset(d, 0xFF, r.fl);
    assert_int_equal(ccs_ecdh_scalar(ccs_bytes_of(d, r.fl), e, z2), CCS_ERR_KEY);
    memcpy(d, n, r.fl);
    d[r.fl - 1]--; /* n - 1 is the largest valid scalar */
    assert_int_equal(ccs_ecdh_scalar(ccs_bytes_of(d, r.fl), e, z2), CCS_OK);
    assert_int_equal(ccs_ecdh_scalar(ccs_bytes_of(r.d, r.fl), NULL, z2), CCS_ERR_KEY);
    assert_int_equal(ccs_ecdh_ephemeral(NULL, epk, z2), CCS_ERR_KEY);
    ccs_wipe(&r, sizeof r);
    ccs_pubkey_free(e);
    ccs_pubkey_free(peer);
}

static void test_ecdh_agreement_p256(void **state) {
    (void)state;
    check_agreement(CCS_CURVE_P256);
}

static void test_ecdh_agreement_p384(void **state) {
    (void)state;
    check_agreement(CCS_CURVE_P384);
}

/* Signs with a key built by ccs_privkey_from_ec_raw and verifies under x||y. */
static void check_from_raw_signs(const raw_key *r) {
    ccs_privkey *k = NULL;
    ccs_buf sig = {0};
    static const char msg[] = "ECDH-ES+A256KW recipient key";
    assert_int_equal(ccs_privkey_from_ec_raw(r->curve, ccs_bytes_of(r->d, r->fl), ccs_bytes_of(r->xy, 2 * r->fl), &k),
                     CCS_OK);
    assert_int_equal(ccs_privkey_curve(k), r->curve);
    assert_int_equal(ccs_ecdsa_sign_raw(k, ccs_bytes_of(msg, sizeof msg - 1), &sig), CCS_OK);
    assert_int_equal(sig.len, 2 * r->fl);
    ccs_pubkey *p = pub_of(r->curve, r->xy, r->fl);
    assert_int_equal(ccs_ecdsa_verify_raw(p, ccs_bytes_of(msg, sizeof msg - 1), ccs_buf_view(&sig)), CCS_OK);
    ccs_pubkey_free(p);
    ccs_buf_free(&sig);
    ccs_privkey_free(k);
}

static void check_from_raw(ccs_curve curve) {
    raw_key r, other;
    generate_raw(curve, &r);
    generate_raw(curve, &other);
    check_from_raw_signs(&r);
    ccs_privkey *k = (ccs_privkey *)1;
    ccs_bytes d = ccs_bytes_of(r.d, r.fl), xy = ccs_bytes_of(r.xy, 2 * r.fl);
    assert_int_equal(ccs_privkey_from_ec_raw(curve, d, ccs_bytes_of(other.xy, 2 * r.fl), &k), CCS_ERR_KEY);
    assert_null(k);
    assert_int_equal(ccs_privkey_from_ec_raw(curve, ccs_bytes_of(r.d, r.fl - 1), xy, &k), CCS_ERR_KEY);
    assert_int_equal(ccs_privkey_from_ec_raw(curve, ccs_bytes_of(r.d, r.fl + 1), xy, &k), CCS_ERR_KEY);
    assert_int_equal(ccs_privkey_from_ec_raw(curve, d, ccs_bytes_of(r.xy, 2 * r.fl - 1), &k), CCS_ERR_KEY);
    assert_int_equal(ccs_privkey_from_ec_raw(curve, d, ccs_bytes_of(r.xy, 2 * r.fl + 1), &k), CCS_ERR_KEY);
    assert_int_equal(ccs_privkey_from_ec_raw(curve, ccs_bytes_of(NULL, r.fl), xy, &k), CCS_ERR_KEY);
    assert_null(k);
    ccs_curve wrong = curve == CCS_CURVE_P256 ? CCS_CURVE_P384 : CCS_CURVE_P256;
    assert_int_equal(ccs_privkey_from_ec_raw(wrong, d, xy, &k), CCS_ERR_KEY);
    uint8_t zero[48] = {0};
    assert_int_equal(ccs_privkey_from_ec_raw(curve, ccs_bytes_of(zero, r.fl), xy, &k), CCS_ERR_KEY);
    r.xy[2 * r.fl - 1] ^= 0x01; /* off the curve */
    assert_int_equal(ccs_privkey_from_ec_raw(curve, d, xy, &k), CCS_ERR_KEY);
    assert_null(k);
    assert_int_equal(ccs_privkey_from_ec_raw((ccs_curve)0, d, xy, &k), CCS_ERR_UNSUPPORTED);
    assert_int_equal(ccs_privkey_from_ec_raw((ccs_curve)3, d, xy, &k), CCS_ERR_UNSUPPORTED);
    assert_null(k);
    assert_int_equal(ccs_privkey_from_ec_raw(curve, d, xy, NULL), CCS_ERR_INVALID_ARG);
    ccs_wipe(&r, sizeof r);
    ccs_wipe(&other, sizeof other);
}

/* d = 1 with x||y = G is the smallest key; d = n + 1 has the same public
 * point and must still be refused (scalar outside [1, n-1]). */
static void check_from_raw_edges(void) {
    raw_key r = {.curve = CCS_CURVE_P256, .fl = 32};
    ccs_privkey *k = NULL;
    unhex("6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
          "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5",
          r.xy, 64);
    r.d[31] = 1;
    check_from_raw_signs(&r);
    memcpy(r.d, P256_N, 32);
    r.d[31]++;
    assert_int_equal(ccs_privkey_from_ec_raw(r.curve, ccs_bytes_of(r.d, 32), ccs_bytes_of(r.xy, 64), &k), CCS_ERR_KEY);
    r.d[31]--;
    assert_int_equal(ccs_privkey_from_ec_raw(r.curve, ccs_bytes_of(r.d, 32), ccs_bytes_of(r.xy, 64), &k), CCS_ERR_KEY);
    assert_null(k);
}

static void test_privkey_from_ec_raw_p256(void **state) {
    (void)state;
    check_from_raw(CCS_CURVE_P256);
    check_from_raw_edges();
}

static void test_privkey_from_ec_raw_p384(void **state) {
    (void)state;
    check_from_raw(CCS_CURVE_P384);
}

int test_group_ecdh(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wycheproof_ecdh_p256),
        cmocka_unit_test(test_aes256kw_rfc3394),
        cmocka_unit_test(test_aes256kw_round_trip_and_tamper),
        cmocka_unit_test(test_aes256kw_against_openssl),
        cmocka_unit_test(test_aes256kw_bad_lengths),
        cmocka_unit_test(test_ecdh_agreement_p256),
        cmocka_unit_test(test_ecdh_agreement_p384),
        cmocka_unit_test(test_privkey_from_ec_raw_p256),
        cmocka_unit_test(test_privkey_from_ec_raw_p384),
    };
    return cmocka_run_group_tests_name("crypto/ecdh", tests, NULL, NULL);
}
