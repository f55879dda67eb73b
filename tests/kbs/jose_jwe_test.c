/* Resource JWEs: round trips for EC (P-256/384/521, ECDH-ES+A256KW) and RSA
 * (RSA-OAEP, RSA-OAEP-256), keys refused for wrapping, and every member of
 * the flattened JWE missing, garbage, truncated or altered. */
#include <stdio.h>
#include <string.h>

#include "jose_test.h"

static const char RESOURCE[] = "the resource \xe2\x9c\x93 with a NUL \0 inside";

static json_t *enc_ok(const json_t *pub) {
    json_t *jwe = NULL;
    assert_status(ccs_kbs_jwe_encrypt(pub, ccs_bytes_of(RESOURCE, sizeof RESOURCE), &jwe), CCS_OK);
    return jwe;
}

static void dec_expect(const json_t *jwe, const json_t *priv, ccs_status want) {
    ccs_buf pt = {0};
    assert_status(ccs_kbs_jwe_decrypt(jwe, priv, &pt), want);
    if (want == CCS_OK) {
        assert_int_equal(pt.len, sizeof RESOURCE);
        assert_memory_equal(pt.ptr, RESOURCE, sizeof RESOURCE);
    } else {
        assert_int_equal(pt.len, 0);
    }
    ccs_buf_free(&pt);
}

static json_t *protected_header(const json_t *jwe) {
    ccs_buf raw = {0};
    const char *p = json_string_value(json_object_get(jwe, "protected"));
    assert_status(ccs_kbs_b64url_decode(p, strlen(p), &raw), CCS_OK);
    json_t *h = json_loadb((const char *)raw.ptr, raw.len, 0, NULL);
    assert_non_null(h);
    ccs_buf_free(&raw);
    return h;
}

static void round_trip(json_t *priv, const char *want_alg) {
    json_t *pub = jose_test_public(priv);
    json_t *jwe = enc_ok(pub);
    assert_int_equal(json_object_size(jwe), 5);
    static const char *const m[] = {"protected", "encrypted_key", "iv", "ciphertext", "tag"};
    for (size_t i = 0; i < 5; i++) assert_true(json_is_string(json_object_get(jwe, m[i])));
    json_t *h = protected_header(jwe);
    assert_string_equal(json_string_value(json_object_get(h, "alg")), want_alg);
    assert_string_equal(json_string_value(json_object_get(h, "enc")), "A256GCM");
    if (strcmp(want_alg, "ECDH-ES+A256KW") == 0) {
        json_t *epk = json_object_get(h, "epk");
        assert_true(json_is_object(epk));
        assert_null(json_object_get(epk, "d"));
        assert_true(json_equal(json_object_get(epk, "crv"), json_object_get(priv, "crv")));
    }
    dec_expect(jwe, priv, CCS_OK);
    /* Each encryption is fresh. */
    json_t *again = enc_ok(pub);
    assert_false(json_equal(json_object_get(again, "encrypted_key"), json_object_get(jwe, "encrypted_key")));
    json_decref(again);
    json_decref(h);
    json_decref(jwe);
    json_decref(pub);
}

static void test_jwe_ec(void **state) {
    (void)state;
    static const char *const crv[] = {"P-256", "P-384", "P-521"};
    for (size_t i = 0; i < 3; i++) {
        json_t *k = jose_test_gen_ec(crv[i]);
        round_trip(k, "ECDH-ES+A256KW");
        json_decref(k);
    }
}

static void test_jwe_rsa(void **state) {
    (void)state;
    json_t *k = jose_test_gen_rsa(2048);
    round_trip(k, "RSA-OAEP");
    json_object_set_new(k, "alg", json_string("RSA-OAEP-256"));
    round_trip(k, "RSA-OAEP-256");
    json_decref(k);
}

static void test_jwe_wrong_key(void **state) {
    (void)state;
    json_t *a = jose_test_gen_ec("P-256"), *b = jose_test_gen_ec("P-256"), *c = jose_test_gen_ec("P-384");
    json_t *pa = jose_test_public(a);
    json_t *jwe = enc_ok(pa);
    dec_expect(jwe, b, CCS_ERR_SIGNATURE);
    dec_expect(jwe, c, CCS_ERR_FORMAT); /* epk on another curve */
    dec_expect(jwe, pa, CCS_ERR_KEY);   /* no private part */
    json_t *r1 = jose_test_gen_rsa(2048), *r2 = jose_test_gen_rsa(2048);
    json_t *pr1 = jose_test_public(r1);
    json_t *rj = enc_ok(pr1);
    dec_expect(rj, r2, CCS_ERR_SIGNATURE);
    dec_expect(rj, a, CCS_ERR_KEY);
    dec_expect(jwe, r1, CCS_ERR_KEY);
    json_decref(rj);
    json_decref(pr1);
    json_decref(r1);
    json_decref(r2);
    json_decref(jwe);
    json_decref(pa);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void test_jwe_refused_keys(void **state) {
    (void)state;
    json_t *ec = jose_test_gen_ec("P-256"), *rsa = jose_test_gen_rsa(2048);
    json_t *pub = jose_test_public(rsa), *spub = json_deep_copy(pub), *jwe = NULL;
    /* A 1024-bit modulus (libjose does not make such keys): 128 bytes. */
    uint8_t n1024[128];
    memset(n1024, 0xc5, sizeof n1024);
    ccs_buf nb = {0};
    assert_status(ccs_kbs_b64url_encode(ccs_bytes_of(n1024, sizeof n1024), &nb), CCS_OK);
    json_object_set_new(spub, "n", json_string((const char *)nb.ptr));
    ccs_buf_free(&nb);
    const ccs_bytes pt = ccs_bytes_str("x");
    assert_status(ccs_kbs_jwe_encrypt(ec, pt, &jwe), CCS_ERR_KEY);  /* private members */
    assert_status(ccs_kbs_jwe_encrypt(rsa, pt, &jwe), CCS_ERR_KEY); /* private members */
    assert_status(ccs_kbs_jwe_encrypt(spub, pt, &jwe), CCS_ERR_KEY); /* 1024 bits */
    json_object_set_new(pub, "alg", json_string("RSA1_5"));
    assert_status(ccs_kbs_jwe_encrypt(pub, pt, &jwe), CCS_ERR_UNSUPPORTED);
    json_t *oct = json_pack("{s:s,s:s}", "kty", "oct", "k", "AAAAAAAAAAAAAAAAAAAAAA");
    assert_status(ccs_kbs_jwe_encrypt(oct, pt, &jwe), CCS_ERR_KEY); /* "k" is private */
    json_object_del(oct, "k");
    assert_status(ccs_kbs_jwe_encrypt(oct, pt, &jwe), CCS_ERR_UNSUPPORTED);
    json_t *k1 = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "secp256k1", "x", "AA", "y", "AA");
    assert_status(ccs_kbs_jwe_encrypt(k1, pt, &jwe), CCS_ERR_UNSUPPORTED);
    json_t *okp = json_pack("{s:s,s:s,s:s}", "kty", "OKP", "crv", "X25519", "x", "AA");
    assert_status(ccs_kbs_jwe_encrypt(okp, pt, &jwe), CCS_ERR_UNSUPPORTED);
    json_t *ecpub = jose_test_public(ec);
    json_object_set_new(ecpub, "x", json_string("AAAA"));
    assert_status(ccs_kbs_jwe_encrypt(ecpub, pt, &jwe), CCS_ERR_KEY); /* short coordinate */
    json_object_set_new(ecpub, "x", json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    json_object_set_new(ecpub, "y", json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    assert_status(ccs_kbs_jwe_encrypt(ecpub, pt, &jwe), CCS_ERR_KEY); /* (0,0) is not on the curve */
    assert_null(jwe);
    /* The check alone remembers the last point it found on the curve: the
     * same point passes again, and a point off the curve right after one on
     * it (same x, y changed) is still refused. */
    json_t *good = jose_test_public(ec);
    assert_status(ccs_kbs_jwk_check_public(good), CCS_OK);
    assert_status(ccs_kbs_jwk_check_public(good), CCS_OK);
    json_t *bad = json_deep_copy(good);
    char y[64];
    snprintf(y, sizeof y, "%s", json_string_value(json_object_get(good, "y")));
    y[5] = y[5] == 'A' ? 'B' : 'A';
    json_object_set_new(bad, "y", json_string(y));
    assert_status(ccs_kbs_jwk_check_public(bad), CCS_ERR_KEY);
    assert_status(ccs_kbs_jwk_check_public(bad), CCS_ERR_KEY);
    assert_status(ccs_kbs_jwk_check_public(good), CCS_OK);
    json_decref(bad);
    json_decref(good);
    json_t *str = json_string("x");
    assert_status(ccs_kbs_jwe_encrypt(str, pt, &jwe), CCS_ERR_KEY);
    json_decref(str);
    json_decref(ecpub);
    json_decref(okp);
    json_decref(k1);
    json_decref(oct);
    json_decref(pub);
    json_decref(spub);
    json_decref(ec);
    json_decref(rsa);
}

/* Every member: missing, garbage, truncated, altered. */
static void mangle_members(const json_t *priv, const json_t *jwe) {
    static const char *const m[] = {"protected", "encrypted_key", "iv", "ciphertext", "tag"};
    for (size_t i = 0; i < 5; i++) {
        json_t *j = json_deep_copy(jwe);
        json_object_del(j, m[i]);
        dec_expect(j, priv, CCS_ERR_FORMAT);
        json_object_set_new(j, m[i], json_string("!!not base64!!"));
        dec_expect(j, priv, CCS_ERR_FORMAT);
        json_object_set_new(j, m[i], json_integer(5));
        dec_expect(j, priv, CCS_ERR_FORMAT);
        /* Truncated by 3 bytes: sizes are checked, and the ciphertext, which
         * has no fixed size, fails authentication. */
        const char *orig = json_string_value(json_object_get(jwe, m[i]));
        ccs_buf raw = {0}, enc = {0};
        assert_status(ccs_kbs_b64url_decode(orig, strlen(orig), &raw), CCS_OK);
        assert_status(ccs_kbs_b64url_encode(ccs_bytes_of(raw.ptr, raw.len - 3), &enc), CCS_OK);
        json_object_set_new(j, m[i], json_string((const char *)enc.ptr));
        ccs_buf_free(&raw);
        ccs_buf_free(&enc);
        ccs_status want = strcmp(m[i], "ciphertext") == 0 ? CCS_ERR_SIGNATURE : CCS_ERR_FORMAT;
        dec_expect(j, priv, want);
        /* One character changed (to another that keeps the encoding canonical). */
        char *alt = strdup(orig);
        alt[2] = alt[2] == 'A' ? 'B' : 'A';
        json_object_set_new(j, m[i], json_string(alt));
        want = strcmp(m[i], "protected") == 0 ? CCS_ERR_FORMAT : CCS_ERR_SIGNATURE;
        dec_expect(j, priv, want);
        free(alt);
        json_decref(j);
    }
    json_t *j = json_deep_copy(jwe);
    json_object_set_new(j, "header", json_object());
    dec_expect(j, priv, CCS_ERR_FORMAT);
    json_decref(j);
    json_t *str = json_string("x");
    dec_expect(str, priv, CCS_ERR_FORMAT);
    json_decref(str);
}

static void set_protected(json_t *jwe, json_t *hdr) {
    char *s = json_dumps(hdr, JSON_COMPACT);
    ccs_buf b64 = {0};
    assert_status(ccs_kbs_b64url_encode(ccs_bytes_str(s), &b64), CCS_OK);
    json_object_set_new(jwe, "protected", json_string((const char *)b64.ptr));
    ccs_buf_free(&b64);
    free(s);
}

static void header_refusals(const json_t *priv, const json_t *jwe) {
    static const struct {
        const char *member, *value;
        ccs_status want;
    } v[] = {
        {"alg", "RSA1_5", CCS_ERR_UNSUPPORTED}, {"alg", "dir", CCS_ERR_UNSUPPORTED},
        {"alg", "none", CCS_ERR_UNSUPPORTED},   {"enc", "A128GCM", CCS_ERR_UNSUPPORTED},
        {"enc", "A256CBC-HS512", CCS_ERR_UNSUPPORTED}, {"zip", "DEF", CCS_ERR_UNSUPPORTED},
        {"kid", "x", CCS_ERR_SIGNATURE}, /* allowed member, but the header is the AAD */
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        json_t *j = json_deep_copy(jwe), *h = protected_header(jwe);
        json_object_set_new(h, v[i].member, json_string(v[i].value));
        set_protected(j, h);
        dec_expect(j, priv, v[i].want);
        json_decref(h);
        json_decref(j);
    }
    json_t *j = json_deep_copy(jwe);
    json_object_set_new(j, "protected", json_string("eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImFsZyI6IlJTQS1PQUVQIn0"));
    dec_expect(j, priv, CCS_ERR_FORMAT); /* {"alg":..,"alg":..}: duplicate member */
    json_decref(j);
}

static void test_jwe_malformed(void **state) {
    (void)state;
    json_t *ec = jose_test_gen_ec("P-256"), *rsa = jose_test_gen_rsa(2048);
    json_t *pec = jose_test_public(ec), *prsa = jose_test_public(rsa);
    json_t *je = enc_ok(pec), *jr = enc_ok(prsa);
    mangle_members(ec, je);
    mangle_members(rsa, jr);
    header_refusals(ec, je);
    header_refusals(rsa, jr);
    /* epk removed from the protected header, or moved out of it. */
    json_t *h = protected_header(je), *j = json_deep_copy(je);
    json_t *epk = json_incref(json_object_get(h, "epk"));
    json_object_del(h, "epk");
    set_protected(j, h);
    dec_expect(j, ec, CCS_ERR_FORMAT);
    json_object_set_new(j, "header", json_pack("{s:o}", "epk", epk));
    dec_expect(j, ec, CCS_ERR_FORMAT);
    json_decref(j);
    json_decref(h);
    json_decref(je);
    json_decref(jr);
    json_decref(pec);
    json_decref(prsa);
    json_decref(ec);
    json_decref(rsa);
}

static void test_jwe_empty_and_large(void **state) {
    (void)state;
    json_t *ec = jose_test_gen_ec("P-256"), *pub = jose_test_public(ec), *jwe = NULL;
    assert_status(ccs_kbs_jwe_encrypt(pub, ccs_bytes_of(NULL, 0), &jwe), CCS_OK);
    ccs_buf pt = {0};
    assert_status(ccs_kbs_jwe_decrypt(jwe, ec, &pt), CCS_OK);
    assert_int_equal(pt.len, 0);
    json_decref(jwe);
    jwe = NULL;
    static uint8_t big[1 << 16];
    memset(big, 0x5a, sizeof big);
    assert_status(ccs_kbs_jwe_encrypt(pub, ccs_bytes_of(big, sizeof big), &jwe), CCS_OK);
    assert_status(ccs_kbs_jwe_decrypt(jwe, ec, &pt), CCS_OK);
    assert_int_equal(pt.len, sizeof big);
    assert_memory_equal(pt.ptr, big, sizeof big);
    ccs_buf_free(&pt);
    json_decref(jwe);
    json_decref(pub);
    json_decref(ec);
}

/* One opened tee-pubkey, many JWEs: each decrypts, each has its own
 * ephemeral key and CEK; open refuses what the one-step call refuses. */
static void test_jwe_opened_key(void **state) {
    (void)state;
    const char *curves[] = {"P-256", "P-384", "P-521"};
    for (size_t i = 0; i < 4; i++) {
        json_t *priv = i < 3 ? jose_test_gen_ec(curves[i]) : jose_test_gen_rsa(2048);
        json_t *pub = jose_test_public(priv);
        ccs_kbs_tee_pubkey *k = NULL;
        json_t *a = NULL, *b = NULL;
        assert_status(ccs_kbs_tee_pubkey_open(pub, &k), CCS_OK);
        assert_status(ccs_kbs_jwe_encrypt_to(k, ccs_bytes_of(RESOURCE, sizeof RESOURCE), &a), CCS_OK);
        assert_status(ccs_kbs_jwe_encrypt_to(k, ccs_bytes_of(RESOURCE, sizeof RESOURCE), &b), CCS_OK);
        dec_expect(a, priv, CCS_OK);
        dec_expect(b, priv, CCS_OK);
        assert_string_not_equal(json_string_value(json_object_get(a, "encrypted_key")),
                                json_string_value(json_object_get(b, "encrypted_key")));
        ccs_kbs_tee_pubkey_free(k);
        /* The private JWK itself is refused, as by ccs_kbs_jwe_encrypt. */
        k = (ccs_kbs_tee_pubkey *)1;
        assert_status(ccs_kbs_tee_pubkey_open(priv, &k), CCS_ERR_KEY);
        assert_null(k);
        json_decref(a);
        json_decref(b);
        json_decref(pub);
        json_decref(priv);
    }
    json_t *jwe = NULL;
    assert_status(ccs_kbs_jwe_encrypt_to(NULL, ccs_bytes_of(RESOURCE, 1), &jwe), CCS_ERR_INVALID_ARG);
    assert_status(ccs_kbs_tee_pubkey_open(NULL, NULL), CCS_ERR_INVALID_ARG);
    ccs_kbs_tee_pubkey_free(NULL);
}

int ccs_test_jose_jwe(void) {
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_jwe_ec),
        cmocka_unit_test(test_jwe_rsa),
        cmocka_unit_test(test_jwe_wrong_key),
        cmocka_unit_test(test_jwe_refused_keys),
        cmocka_unit_test(test_jwe_malformed),
        cmocka_unit_test(test_jwe_empty_and_large),
        cmocka_unit_test(test_jwe_opened_key),
    };
    return cmocka_run_group_tests_name("kbs_jwe", t, NULL, NULL);
}
