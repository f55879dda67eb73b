/* Tokens and the report-data binding: RFC 8785 vectors, runtime-data digests,
 * EAR issue/verify with every refusal, admin tokens, token key files. The
 * JWE tests are in jose_jwe_test.c; npm jose interop in interop/. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jose/jose.h>

#include "jose_test.h"

#define NOW 1750330800 /* 2025-06-19T11:00:00Z */

json_t *jose_test_gen_ec(const char *crv) {
    json_t *k = json_pack("{s:s,s:s}", "kty", "EC", "crv", crv);
    assert_true(jose_jwk_gen(NULL, k));
    return k;
}

json_t *jose_test_gen_rsa(int bits) {
    json_t *k = json_pack("{s:s,s:i}", "kty", "RSA", "bits", bits);
    assert_true(jose_jwk_gen(NULL, k));
    json_object_del(k, "bits");
    return k;
}

json_t *jose_test_public(const json_t *jwk) {
    json_t *p = json_deep_copy(jwk);
    assert_true(jose_jwk_pub(NULL, p));
    return p;
}

static void check_jcs(const char *json, const char *want) {
    json_error_t e;
    json_t *v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (v == NULL) fail_msg("bad test JSON %s: %s", json, e.text);
    ccs_buf out = {0};
    assert_status(ccs_kbs_jcs(v, &out), CCS_OK);
    if (out.len != strlen(want) || memcmp(out.ptr, want, out.len) != 0)
        fail_msg("jcs(%s)\n  got  %.*s\n  want %s", json, (int)out.len, (const char *)out.ptr, want);
    ccs_buf_free(&out);
    json_decref(v);
}

/* RFC 8785 section 3.2.2 example, 3.2.3 sorting example. */
static void test_jcs_rfc_examples(void **state) {
    (void)state;
    check_jcs("{\"numbers\":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"
              "\"string\":\"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\"literals\":[null,true,false]}",
              "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
              "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
    check_jcs("{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\","
              "\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\","
              "\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}",
              "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
              "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
              "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
    check_jcs("{\"b\":[],\"a\":{},\"c\":{\"z\":1,\"y\":\"\\u0000\\u001f\\u007f\\u2028\"}}",
              "{\"a\":{},\"b\":[],\"c\":{\"y\":\"\\u0000\\u001f\x7f\xe2\x80\xa8\",\"z\":1}}");
    check_jcs("[-0.0, 0, -9007199254740992, 9007199254740992, 1e2]", "[0,0,-9007199254740992,9007199254740992,100]");
}

/* RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript strings. */
static void test_jcs_numbers(void **state) {
    (void)state;
    static const struct {
        uint64_t bits;
        const char *want;
    } v[] = {
        {0x0000000000000000, "0"},
        {0x8000000000000000, "0"},
        {0x0000000000000001, "5e-324"},
        {0x8000000000000001, "-5e-324"},
        {0x7fefffffffffffff, "1.7976931348623157e+308"},
        {0xffefffffffffffff, "-1.7976931348623157e+308"},
        {0x4340000000000000, "9007199254740992"},
        {0xc340000000000000, "-9007199254740992"},
        {0x4430000000000000, "295147905179352830000"},
        {0x44b52d02c7e14af5, "9.999999999999997e+22"},
        {0x44b52d02c7e14af6, "1e+23"},
        {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
        {0x444b1ae4d6e2ef4e, "999999999999999700000"},
        {0x444b1ae4d6e2ef4f, "999999999999999900000"},
        {0x444b1ae4d6e2ef50, "1e+21"},
        {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
        {0x3eb0c6f7a0b5ed8d, "0.000001"},
        {0x41b3de4355555553, "333333333.3333332"},
        {0x41b3de4355555554, "333333333.33333325"},
        {0x41b3de4355555555, "333333333.3333333"},
        {0x41b3de4355555556, "333333333.3333334"},
        {0x41b3de4355555557, "333333333.33333343"},
        {0xbecbf647612f3696, "-0.0000033333333333333333"},
        {0x43143ff3c1cb0959, "1424953923781206.2"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        double d;
        memcpy(&d, &v[i].bits, sizeof d);
        json_t *j = json_real(d);
        ccs_buf out = {0};
        assert_status(ccs_kbs_jcs(j, &out), CCS_OK);
        if (strcmp((const char *)out.ptr, v[i].want) != 0)
            fail_msg("%016llx: got %s, want %s", (unsigned long long)v[i].bits, out.ptr, v[i].want);
        ccs_buf_free(&out);
        json_decref(j);
    }
    /* Integers an ECMAScript number cannot hold exactly are refused. */
    json_t *big = json_integer(9007199254740993LL);
    ccs_buf out = {0};
    assert_status(ccs_kbs_jcs(big, &out), CCS_ERR_UNSUPPORTED);
    assert_int_equal(out.len, 0);
    json_decref(big);
    /* Nesting beyond the limit. */
    json_t *deep = json_array(), *cur = deep;
    for (int i = 0; i < 40; i++) {
        json_t *n = json_array();
        json_array_append_new(cur, n);
        cur = n;
    }
    assert_status(ccs_kbs_jcs(deep, &out), CCS_ERR_UNSUPPORTED);
    json_decref(deep);
    ccs_buf_free(&out);
}

/* Digest of {"nonce","tee-pubkey"} (hand-computed with sorted, compact JSON)
 * and the report-data comparison with padding and truncation. */
static void test_runtime_data_binding(void **state) {
    (void)state;
    json_t *jwk = json_pack("{s:s,s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-256", "alg", "ECDH-ES+A256KW", "x",
                            "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0", "y",
                            "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps");
    const char *nonce = "O0pdOPg/hmbqJO6kE2SRn9yMIaUDnHPvpnD+0R1ccDA=";
    uint8_t d[64], want[64];
    size_t len = 0;
    ccs_hash_alg alg;
    assert_status(ccs_kbs_hash_alg_parse(NULL, &alg), CCS_OK);
    assert_int_equal(alg, CCS_HASH_SHA384);
    assert_status(ccs_kbs_hash_alg_parse("md5", &alg), CCS_ERR_UNSUPPORTED);
    assert_status(ccs_kbs_runtime_data_hash(nonce, jwk, CCS_HASH_SHA384, d, &len), CCS_OK);
    assert_int_equal(len, 48);
    assert_status(ccs_hex_decode_fixed("52deb0969f2ecbd75156621945a5d9fe4f1093dda48233aadc8fff8b658ae25efe9bb4c7901177"
                                       "071471bf64ee9716ce",
                                       96, want, 48),
                  CCS_OK);
    assert_memory_equal(d, want, 48);
    /* 64-byte field: digest then zeros; 32-byte field: the digest truncated. */
    uint8_t field[64] = {0};
    memcpy(field, d, 48);
    assert_status(ccs_kbs_report_data_check(ccs_bytes_of(d, 48), ccs_bytes_of(field, 64)), CCS_OK);
    assert_status(ccs_kbs_report_data_check(ccs_bytes_of(d, 48), ccs_bytes_of(field, 32)), CCS_OK);
    field[50] = 1; /* a non-zero pad byte */
    assert_status(ccs_kbs_report_data_check(ccs_bytes_of(d, 48), ccs_bytes_of(field, 64)), CCS_ERR_MISMATCH);
    field[50] = 0;
    field[0] ^= 1;
    assert_status(ccs_kbs_report_data_check(ccs_bytes_of(d, 48), ccs_bytes_of(field, 64)), CCS_ERR_MISMATCH);
    assert_status(ccs_kbs_runtime_data_hash(nonce, jwk, CCS_HASH_SHA256, d, &len), CCS_OK);
    assert_int_equal(len, 32);
    assert_status(ccs_hex_decode_fixed("67122f8cfdab9241efaea81dad483469704a44e29dcd78766ce6f0c095622768", 64, want, 32),
                  CCS_OK);
    assert_memory_equal(d, want, 32);
    /* Another nonce or another key gives another digest. */
    uint8_t d2[64];
    assert_status(ccs_kbs_runtime_data_hash("other", jwk, CCS_HASH_SHA256, d2, &len), CCS_OK);
    assert_memory_not_equal(d, d2, 32);
    json_decref(jwk);
}

/* ---- tokens ---- */

typedef struct tok {
    ccs_kbs_token_key *key;
    json_t *pub;
    json_t *tee_pubkey;
    ccs_buf token;
} tok;

static int tok_setup(void **state) {
    tok *t = calloc(1, sizeof *t);
    assert_status(ccs_kbs_token_key_generate(&t->key), CCS_OK);
    t->pub = ccs_kbs_token_key_public(t->key);
    json_t *tee = jose_test_gen_ec("P-256");
    t->tee_pubkey = jose_test_public(tee);
    json_decref(tee);
    json_t *tv = json_pack("{s:i,s:i,s:i}", "instance-identity", 2, "executables", 3, "hardware", 2);
    json_t *claims = json_pack("{s:s,s:s}", "mr_td", "00ff", "tcb_status", "UpToDate");
    ccs_kbs_ear ear = {.status = CCS_KBS_EAR_AFFIRMING, .trust_vector = tv, .policy_id = "default", .tee = "tdx",
                       .tee_claims = claims, .nonce = "bm9uY2U=", .tee_pubkey = t->tee_pubkey, .iat = NOW,
                       .lifetime_s = 300};
    assert_status(ccs_kbs_ear_issue(t->key, &ear, &t->token), CCS_OK);
    json_decref(tv);
    json_decref(claims);
    *state = t;
    return 0;
}

static int tok_teardown(void **state) {
    tok *t = *state;
    ccs_kbs_token_key_free(t->key);
    json_decref(t->pub);
    json_decref(t->tee_pubkey);
    ccs_buf_free(&t->token);
    free(t);
    return 0;
}

static ccs_status verify_str(const char *token, const json_t *pub, ccs_time now) {
    json_t *c = NULL;
    ccs_status st = ccs_kbs_ear_verify(token, strlen(token), pub, now, &c);
    json_decref(c);
    return st;
}

static void test_ear_issue_verify(void **state) {
    tok *t = *state;
    json_t *c = NULL;
    assert_status(ccs_kbs_ear_verify((const char *)t->token.ptr, t->token.len, t->pub, NOW + 10, &c), CCS_OK);
    assert_string_equal(json_string_value(json_object_get(c, "eat_profile")), CCS_KBS_EAR_PROFILE);
    assert_int_equal(json_integer_value(json_object_get(c, "exp")), NOW + 300);
    assert_string_equal(json_string_value(json_object_get(json_object_get(c, "ear.verifier-id"), "developer")), "ccs");
    ccs_kbs_ear_status s;
    assert_status(ccs_kbs_ear_cpu_status(c, &s), CCS_OK);
    assert_int_equal(s, CCS_KBS_EAR_AFFIRMING);
    const json_t *k = NULL;
    assert_status(ccs_kbs_ear_tee_pubkey(c, &k), CCS_OK);
    assert_true(json_equal(k, t->tee_pubkey));
    json_t *cpu = json_object_get(json_object_get(c, "submods"), "cpu0");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(cpu, "ear.trustworthiness-vector"), "executables")), 3);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(cpu, "ear.veraison.annotated-evidence"), "tdx"), "mr_td")),
                        "00ff");
    json_decref(c);
    /* Window: skew tolerated on both sides, not more. */
    const char *tk = (const char *)t->token.ptr;
    assert_status(verify_str(tk, t->pub, NOW + 300 + CCS_KBS_TOKEN_SKEW), CCS_OK);
    assert_status(verify_str(tk, t->pub, NOW + 301 + CCS_KBS_TOKEN_SKEW), CCS_ERR_EXPIRED);
    assert_status(verify_str(tk, t->pub, NOW - CCS_KBS_TOKEN_SKEW), CCS_OK);
    assert_status(verify_str(tk, t->pub, NOW - CCS_KBS_TOKEN_SKEW - 1), CCS_ERR_EXPIRED);
}

/* The server reads EARs it keeps in its own session store without checking
 * its own signature again, but with the same time window and shape checks. */
static void test_ear_claims_stored(void **state) {
    tok *t = *state;
    json_t *c = NULL;
    const char *tk = (const char *)t->token.ptr;
    assert_status(ccs_kbs_ear_claims_stored(tk, NOW + 10, &c), CCS_OK);
    assert_string_equal(json_string_value(json_object_get(c, "eat_profile")), CCS_KBS_EAR_PROFILE);
    json_decref(c);
    c = NULL;
    assert_status(ccs_kbs_ear_claims_stored(tk, NOW + 301 + CCS_KBS_TOKEN_SKEW, &c), CCS_ERR_EXPIRED);
    assert_null(c);
    assert_status(ccs_kbs_ear_claims_stored("a.b", NOW, &c), CCS_ERR_FORMAT);
    assert_status(ccs_kbs_ear_claims_stored("a.%%%.c", NOW, &c), CCS_ERR_FORMAT);
    /* A JWT that is not an EAR (no eat_profile). */
    json_t *other = json_pack("{s:I}", "exp", (json_int_t)(NOW + 100));
    ccs_buf o = {0};
    assert_status(ccs_kbs_jwt_sign(t->key, other, false, &o), CCS_OK);
    assert_status(ccs_kbs_ear_claims_stored((const char *)o.ptr, NOW, &c), CCS_ERR_FORMAT);
    assert_null(c);
    ccs_buf_free(&o);
    json_decref(other);
}

/* Replaces part i (0 header, 1 payload, 2 signature) of a compact token with
 * the base64url of `raw`. */
static char *replace_part(const char *token, int i, ccs_bytes raw) {
    const char *d1 = strchr(token, '.'), *d2 = strchr(d1 + 1, '.');
    ccs_bytes part[3] = {ccs_bytes_of(token, (size_t)(d1 - token)), ccs_bytes_of(d1 + 1, (size_t)(d2 - d1 - 1)),
                         ccs_bytes_str(d2 + 1)};
    ccs_buf enc = {0}, out = {0};
    assert_status(ccs_kbs_b64url_encode(raw, &enc), CCS_OK);
    part[i] = ccs_buf_view(&enc);
    for (int j = 0; j < 3; j++) {
        if (j) assert_status(ccs_buf_append_str(&out, "."), CCS_OK);
        assert_status(ccs_buf_append(&out, part[j].ptr, part[j].len), CCS_OK);
    }
    ccs_buf_free(&enc);
    return (char *)out.ptr; /* ccs_buf keeps a NUL after len; freed with free() */
}

static ccs_buf decode_part(const char *token, int i) {
    const char *p = token;
    for (int j = 0; j < i; j++) p = strchr(p, '.') + 1;
    const char *e = strchr(p, '.');
    ccs_buf raw = {0};
    assert_status(ccs_kbs_b64url_decode(p, e ? (size_t)(e - p) : strlen(p), &raw), CCS_OK);
    return raw;
}

static void test_ear_tampered(void **state) {
    tok *t = *state;
    const char *tk = (const char *)t->token.ptr;
    /* Payload: status raised after signing. */
    ccs_buf p = decode_part(tk, 1);
    char *s = strstr((char *)p.ptr, "affirming");
    assert_non_null(s);
    memcpy(s, "warningXX", 9); /* another status, same length */
    char *bad = replace_part(tk, 1, ccs_buf_view(&p));
    assert_status(verify_str(bad, t->pub, NOW), CCS_ERR_SIGNATURE);
    free(bad);
    ccs_buf_free(&p);
    p = decode_part(tk, 1);
    s = strstr((char *)p.ptr, "\"exp\":");
    assert_non_null(s);
    s[7] = s[7] == '9' ? '8' : '9'; /* another expiry */
    bad = replace_part(tk, 1, ccs_buf_view(&p));
    assert_status(verify_str(bad, t->pub, NOW), CCS_ERR_SIGNATURE);
    free(bad);
    ccs_buf_free(&p);
    /* Header: a member added. */
    p = decode_part(tk, 0);
    p.ptr[p.len - 1] = ',';
    assert_status(ccs_buf_append_str(&p, "\"kid\":\"x\"}"), CCS_OK);
    bad = replace_part(tk, 0, ccs_buf_view(&p));
    assert_status(verify_str(bad, t->pub, NOW), CCS_ERR_SIGNATURE);
    free(bad);
    ccs_buf_free(&p);
    /* Signature: one bit; wrong length. */
    p = decode_part(tk, 2);
    p.ptr[10] ^= 0x01;
    bad = replace_part(tk, 2, ccs_buf_view(&p));
    assert_status(verify_str(bad, t->pub, NOW), CCS_ERR_SIGNATURE);
    free(bad);
    bad = replace_part(tk, 2, ccs_bytes_of(p.ptr, 63));
    assert_status(verify_str(bad, t->pub, NOW), CCS_ERR_FORMAT);
    free(bad);
    ccs_buf_free(&p);
}

static void test_jwt_refusals(void **state) {
    tok *t = *state;
    const char *tk = (const char *)t->token.ptr;
    /* alg none (with and without a signature part), HS256, ES384. */
    static const char *const algs[] = {"{\"alg\":\"none\"}", "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
                                       "{\"alg\":\"ES384\"}", "{\"alg\":\"es256\"}",
                                       "{\"alg\":\"ES256\",\"crit\":[\"exp\"]}", "{\"alg\":\"ES256\",\"b64\":false}"};
    for (size_t i = 0; i < sizeof algs / sizeof *algs; i++) {
        char *bad = replace_part(tk, 0, ccs_bytes_str(algs[i]));
        assert_status(verify_str(bad, t->pub, NOW), CCS_ERR_UNSUPPORTED);
        *strrchr(bad, '.') = 0;
        char none[4096];
        snprintf(none, sizeof none, "%s.", bad);
        assert_status(verify_str(none, t->pub, NOW), CCS_ERR_FORMAT); /* empty signature */
        free(bad);
    }
    char *bad = replace_part(tk, 0, ccs_bytes_str("{\"typ\":\"JWT\"}"));
    assert_status(verify_str(bad, t->pub, NOW), CCS_ERR_FORMAT);
    free(bad);
    bad = replace_part(tk, 0, ccs_bytes_str("{\"alg\":\"ES256\",\"alg\":\"none\"}"));
    assert_status(verify_str(bad, t->pub, NOW), CCS_ERR_FORMAT); /* duplicate member */
    free(bad);
    bad = replace_part(tk, 1, ccs_bytes_str("[1]"));
    assert_status(verify_str(bad, t->pub, NOW), CCS_ERR_FORMAT);
    free(bad);
    /* Shapes: parts, characters, padding, size. */
    char buf[CCS_KBS_JWT_MAX + 16];
    static const char *const shapes[] = {"", "a", "a.b", "a.b.c.d", "..", "a..c", "a.b.", ".b.c"};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        assert_status(verify_str(shapes[i], t->pub, NOW), CCS_ERR_FORMAT);
    snprintf(buf, sizeof buf, "%s=", tk);
    assert_status(verify_str(buf, t->pub, NOW), CCS_ERR_FORMAT);
    snprintf(buf, sizeof buf, " %s", tk);
    assert_status(verify_str(buf, t->pub, NOW), CCS_ERR_FORMAT);
    memset(buf, 'A', sizeof buf - 1);
    buf[sizeof buf - 1] = 0;
    buf[10] = buf[20] = '.';
    assert_status(verify_str(buf, t->pub, NOW), CCS_ERR_FORMAT);
    /* The token without exp: signed by us, still refused. */
    json_t *c = json_pack("{s:I}", "iat", (json_int_t)NOW);
    ccs_buf noexp = {0};
    assert_status(ccs_kbs_jwt_sign(t->key, c, false, &noexp), CCS_OK);
    json_t *out = NULL;
    assert_status(ccs_kbs_jwt_verify((const char *)noexp.ptr, noexp.len, t->pub, NOW, 0, &out), CCS_ERR_FORMAT);
    assert_null(out);
    json_decref(c);
    ccs_buf_free(&noexp);
    /* A signed JWT that is not an EAR. */
    c = json_pack("{s:I}", "exp", (json_int_t)NOW + 5);
    ccs_buf plain = {0};
    assert_status(ccs_kbs_jwt_sign(t->key, c, true, &plain), CCS_OK);
    assert_status(verify_str((const char *)plain.ptr, t->pub, NOW), CCS_ERR_FORMAT);
    json_decref(c);
    ccs_buf_free(&plain);
}

static void test_jwt_keys(void **state) {
    tok *t = *state;
    ccs_kbs_token_key *other = NULL;
    assert_status(ccs_kbs_token_key_generate(&other), CCS_OK);
    json_t *opub = ccs_kbs_token_key_public(other);
    /* Our token checked against another trusted key: the jwk header is not it. */
    assert_status(verify_str((const char *)t->token.ptr, opub, NOW), CCS_ERR_UNTRUSTED);
    /* A token from another key, naming that key in its header. */
    json_t *c = json_pack("{s:I}", "exp", (json_int_t)NOW + 5);
    ccs_buf tk = {0};
    json_t *out = NULL;
    assert_status(ccs_kbs_jwt_sign(other, c, true, &tk), CCS_OK);
    assert_status(ccs_kbs_jwt_verify((const char *)tk.ptr, tk.len, t->pub, NOW, 0, &out), CCS_ERR_UNTRUSTED);
    tk.len = 0;
    /* ... or without a header key: the signature does not verify. */
    assert_status(ccs_kbs_jwt_sign(other, c, false, &tk), CCS_OK);
    assert_status(ccs_kbs_jwt_verify((const char *)tk.ptr, tk.len, t->pub, NOW, 0, &out), CCS_ERR_SIGNATURE);
    assert_status(ccs_kbs_jwt_verify((const char *)tk.ptr, tk.len, opub, NOW, 0, &out), CCS_OK);
    json_decref(out);
    ccs_buf_free(&tk);
    json_decref(c);
    json_decref(opub);
    ccs_kbs_token_key_free(other);
}

static void test_admin_token(void **state) {
    (void)state;
    ccs_kbs_token_key *admin = NULL;
    assert_status(ccs_kbs_token_key_generate(&admin), CCS_OK);
    /* The operator configures the public key as PEM. */
    json_t *pub = ccs_kbs_token_key_public(admin);
    ccs_buf xy = {0}, spki = {0}, pem = {0};
    assert_status(ccs_kbs_b64url_decode(json_string_value(json_object_get(pub, "x")), 43, &xy), CCS_OK);
    assert_status(ccs_kbs_b64url_decode(json_string_value(json_object_get(pub, "y")), 43, &xy), CCS_OK);
    ccs_pubkey *pk = NULL;
    assert_status(ccs_pubkey_from_ec_raw(CCS_CURVE_P256, ccs_buf_view(&xy), &pk), CCS_OK);
    assert_status(ccs_pubkey_spki(pk, &spki), CCS_OK);
    assert_status(ccs_pem_encode("PUBLIC KEY", ccs_buf_view(&spki), &pem), CCS_OK);
    json_t *admin_jwk = NULL;
    assert_status(ccs_kbs_es256_pubkey_parse(ccs_buf_view(&pem), &admin_jwk), CCS_OK);
    assert_true(json_equal(admin_jwk, pub));
    json_t *c = json_pack("{s:s,s:I,s:I}", "aud", CCS_KBS_ADMIN_AUDIENCE, "exp", (json_int_t)NOW + 600, "iat",
                          (json_int_t)NOW);
    ccs_buf tk = {0};
    assert_status(ccs_kbs_jwt_sign(admin, c, false, &tk), CCS_OK);
    const char *s = (const char *)tk.ptr;
    assert_status(ccs_kbs_admin_token_verify(s, tk.len, admin_jwk, NULL, NOW), CCS_OK);
    assert_status(ccs_kbs_admin_token_verify(s, tk.len, admin_jwk, "other-kbs", NOW), CCS_ERR_MISMATCH);
    assert_status(ccs_kbs_admin_token_verify(s, tk.len, admin_jwk, NULL, NOW + 601 + CCS_KBS_TOKEN_SKEW),
                  CCS_ERR_EXPIRED);
    tk.len = 0;
    json_object_set_new(c, "aud", json_pack("[s,s]", "x", CCS_KBS_ADMIN_AUDIENCE));
    assert_status(ccs_kbs_jwt_sign(admin, c, false, &tk), CCS_OK);
    assert_status(ccs_kbs_admin_token_verify((const char *)tk.ptr, tk.len, admin_jwk, NULL, NOW), CCS_OK);
    tk.len = 0;
    json_object_del(c, "aud");
    assert_status(ccs_kbs_jwt_sign(admin, c, false, &tk), CCS_OK);
    assert_status(ccs_kbs_admin_token_verify((const char *)tk.ptr, tk.len, admin_jwk, NULL, NOW), CCS_ERR_MISMATCH);
    /* Signed by another key (e.g. the EAR key): refused. */
    ccs_kbs_token_key *other = NULL;
    assert_status(ccs_kbs_token_key_generate(&other), CCS_OK);
    json_object_set_new(c, "aud", json_string(CCS_KBS_ADMIN_AUDIENCE));
    tk.len = 0;
    assert_status(ccs_kbs_jwt_sign(other, c, false, &tk), CCS_OK);
    assert_status(ccs_kbs_admin_token_verify((const char *)tk.ptr, tk.len, admin_jwk, NULL, NOW), CCS_ERR_SIGNATURE);
    /* Not a P-256 key: refused at configuration. */
    json_t *bad = NULL;
    assert_status(ccs_kbs_es256_pubkey_parse(ccs_bytes_str("{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"}"),
                                             &bad),
                  CCS_ERR_KEY);
    assert_status(ccs_kbs_es256_pubkey_parse(ccs_bytes_str("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
                                             &bad),
                  CCS_ERR_FORMAT);
    ccs_kbs_token_key_free(other);
    ccs_pubkey_free(pk);
    ccs_buf_free(&xy);
    ccs_buf_free(&spki);
    ccs_buf_free(&pem);
    ccs_buf_free(&tk);
    json_decref(c);
    json_decref(pub);
    json_decref(admin_jwk);
    ccs_kbs_token_key_free(admin);
}

static void test_token_key_files(void **state) {
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/token-key.jwk", CCS_TEST_TMP);
    unlink(path);
    ccs_kbs_token_key *a = NULL, *b = NULL;
    assert_status(ccs_kbs_token_key_load_or_create(path, &a), CCS_OK);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_status(ccs_kbs_token_key_load_or_create(path, &b), CCS_OK);
    json_t *pa = ccs_kbs_token_key_public(a), *pb = ccs_kbs_token_key_public(b);
    assert_true(json_equal(pa, pb));
    json_decref(pa);
    json_decref(pb);
    ccs_kbs_token_key_free(a);
    ccs_kbs_token_key_free(b);
    /* A PEM key made elsewhere (PKCS#8) signs tokens that verify with its public half. */
    ccs_privkey *pk = NULL;
    ccs_pubkey *pub = NULL;
    uint8_t xy[96];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/token-key.pem", CCS_TEST_TMP);
    assert_status(ccs_privkey_generate(CCS_CURVE_P256, &pk), CCS_OK);
    assert_status(ccs_privkey_save(pk, path), CCS_OK);
    assert_status(ccs_privkey_public(pk, &pub), CCS_OK);
    assert_status(ccs_pubkey_ec_raw(pub, xy, sizeof xy, &len), CCS_OK);
    assert_status(ccs_kbs_token_key_load(path, &a), CCS_OK);
    pa = ccs_kbs_token_key_public(a);
    ccs_buf x = {0};
    assert_status(ccs_kbs_b64url_decode(json_string_value(json_object_get(pa, "x")), 43, &x), CCS_OK);
    assert_memory_equal(x.ptr, xy, 32);
    json_decref(pa);
    ccs_buf_free(&x);
    ccs_kbs_token_key_free(a);
    ccs_privkey_free(pk);
    ccs_pubkey_free(pub);
    /* P-384 PEM, garbage, a public JWK: refused. */
    assert_status(ccs_privkey_generate(CCS_CURVE_P384, &pk), CCS_OK);
    assert_status(ccs_privkey_save(pk, path), CCS_OK);
    assert_status(ccs_kbs_token_key_load(path, &a), CCS_ERR_KEY);
    ccs_privkey_free(pk);
    assert_status(ccs_file_write(path, ccs_bytes_str("{\"kty\":\"EC\",\"crv\":\"P-256\"}")), CCS_OK);
    assert_status(ccs_kbs_token_key_load(path, &a), CCS_ERR_FORMAT);
    assert_status(ccs_file_write(path, ccs_bytes_str("not json")), CCS_OK);
    assert_status(ccs_kbs_token_key_load(path, &a), CCS_ERR_FORMAT);
}

static void test_b64url_strict(void **state) {
    (void)state;
    static const struct {
        const char *in;
        ccs_status want;
    } v[] = {{"", CCS_OK},          {"QQ", CCS_OK},           {"QR", CCS_ERR_FORMAT}, {"QQ==", CCS_ERR_FORMAT},
             {"Q", CCS_ERR_FORMAT}, {"QUE", CCS_OK},          {"QUF", CCS_ERR_FORMAT}, {"a+b/", CCS_ERR_FORMAT},
             {"_-_-", CCS_OK},      {"QU E", CCS_ERR_FORMAT}};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        ccs_buf out = {0};
        ccs_status st = ccs_kbs_b64url_decode(v[i].in, strlen(v[i].in), &out);
        if (st != v[i].want) fail_msg("b64url(\"%s\"): %s", v[i].in, ccs_status_name(st));
        ccs_buf_free(&out);
    }
}

/* ccs_kbs_set_cookie_value / _header: the session cookie from Set-Cookie,
 * each refusal's exact words, out untouched on every refusal, and every
 * truncation of a real header. */
typedef struct cookie_case {
    const char *in;
    size_t len; /* 0: strlen(in) */
    ccs_status want;
    const char *value_or_detail;
} cookie_case;

static void test_set_cookie(void **state) {
    (void)state;
    static const cookie_case v[] = {
        {"kbs-session-id=abc.123.sgx.ff; Path=/kbs/v0; Max-Age=300; HttpOnly", 0, CCS_OK, "abc.123.sgx.ff"},
        {" \tkbs-session-id=v", 0, CCS_OK, "v"},
        {"kbs-session-id=v  \r\n", 0, CCS_OK, "v"},
        {"kbs-session-id=v ;Path=/", 0, CCS_OK, "v"},
        {"kbs-session-id=a=b", 0, CCS_OK, "a=b"},
        {"other=1; kbs-session-id=x", 0, CCS_ERR_NOT_FOUND, "set-cookie: not kbs-session-id"},
        {"kbs-session-idx=1", 0, CCS_ERR_NOT_FOUND, "set-cookie: not kbs-session-id"},
        {"KBS-SESSION-ID=v", 0, CCS_ERR_NOT_FOUND, "set-cookie: not kbs-session-id"},
        {"kbs-session-id", 0, CCS_ERR_NOT_FOUND, "set-cookie: not kbs-session-id"},
        {"", 0, CCS_ERR_NOT_FOUND, "set-cookie: not kbs-session-id"},
        {"kbs-session-id=", 0, CCS_ERR_FORMAT, "set-cookie: empty kbs-session-id"},
        {"kbs-session-id=  ; Path=/", 0, CCS_ERR_FORMAT, "set-cookie: empty kbs-session-id"},
        {"kbs-session-id=\"v\"", 0, CCS_ERR_FORMAT, "set-cookie: kbs-session-id has byte 0x22, not allowed in a cookie"},
        {"kbs-session-id=a b", 0, CCS_ERR_FORMAT, "set-cookie: kbs-session-id has byte 0x20, not allowed in a cookie"},
        {"kbs-session-id=a,b", 0, CCS_ERR_FORMAT, "set-cookie: kbs-session-id has byte 0x2c, not allowed in a cookie"},
        {"kbs-session-id=a\\b", 0, CCS_ERR_FORMAT, "set-cookie: kbs-session-id has byte 0x5c, not allowed in a cookie"},
        {"kbs-session-id=a\x01", 0, CCS_ERR_FORMAT, "set-cookie: kbs-session-id has byte 0x01, not allowed in a cookie"},
        {"kbs-session-id=a\x7f", 0, CCS_ERR_FORMAT, "set-cookie: kbs-session-id has byte 0x7f, not allowed in a cookie"},
        {"kbs-session-id=\xc3\xa9", 0, CCS_ERR_FORMAT, "set-cookie: kbs-session-id has byte 0xc3, not allowed in a cookie"},
        {"kbs-session-id=a\0b", 17, CCS_ERR_FORMAT, "set-cookie: kbs-session-id has byte 0x00, not allowed in a cookie"},
        {"kbs-session-id=0123456789abcdef", 0, CCS_ERR_FORMAT, "set-cookie: kbs-session-id of 16 bytes (at most 15)"},
        {"kbs-session-id=0123456789abcde", 0, CCS_OK, "0123456789abcde"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[16] = "UNCHANGED";
        size_t len = v[i].len ? v[i].len : strlen(v[i].in);
        ccs_status st = ccs_kbs_set_cookie_value(v[i].in, len, out, sizeof out);
        if (st != v[i].want) fail_msg("case %zu: %s, want %s (%s)", i, ccs_status_name(st), ccs_status_name(v[i].want),
                                      ccs_error_detail());
        if (st == CCS_OK) {
            assert_string_equal(out, v[i].value_or_detail);
        } else {
            assert_detail(v[i].value_or_detail);
            assert_string_equal(out, "UNCHANGED");
        }
    }
    char out[16];
    check_st(ccs_kbs_set_cookie_value(NULL, 0, out, sizeof out), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_set_cookie_value("kbs-session-id=v", 16, NULL, 8), CCS_ERR_INVALID_ARG);
    check_st(ccs_kbs_set_cookie_value("kbs-session-id=v", 16, out, 1), CCS_ERR_INVALID_ARG);
    check_st(ccs_kbs_set_cookie_value(NULL, 3, out, sizeof out), CCS_ERR_INVALID_ARG);
    /* Header lines, as libcurl's header callback gives them. */
    char big[CCS_KBS_COOKIE_MAX + 1];
    static const char line[] = "set-cookie: kbs-session-id=0f0f.1800000000.sim-sgx.abcd; Path=/kbs/v0; HttpOnly\r\n";
    check_st(ccs_kbs_set_cookie_header(line, strlen(line), big, sizeof big), CCS_OK);
    assert_string_equal(big, "0f0f.1800000000.sim-sgx.abcd");
    check_st(ccs_kbs_set_cookie_header("Set-Cookie:kbs-session-id=w\r\n", 29, big, sizeof big), CCS_OK);
    assert_string_equal(big, "w");
    check_st(ccs_kbs_set_cookie_header("Set-Cookie2: kbs-session-id=w", 29, big, sizeof big), CCS_ERR_NOT_FOUND);
    assert_detail("set-cookie: not a Set-Cookie header");
    check_st(ccs_kbs_set_cookie_header("Content-Type: a", 15, big, sizeof big), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_set_cookie_header("Set-Cookie: other=1", 19, big, sizeof big), CCS_ERR_NOT_FOUND);
    assert_detail("set-cookie: not kbs-session-id");
    /* Every truncation: a shorter line is another header, another cookie,
     * an empty value, or a prefix of the value; never more. */
    for (size_t n = 0; n < strlen(line); n++) {
        char got[CCS_KBS_COOKIE_MAX + 1] = "";
        ccs_status st = ccs_kbs_set_cookie_header(line, n, got, sizeof got);
        if (n < 27) assert_int_equal(st, CCS_ERR_NOT_FOUND);
        else if (n == 27) assert_int_equal(st, CCS_ERR_FORMAT);
        else {
            assert_int_equal(st, CCS_OK);
            assert_true(got[0] != '\0' && strncmp(line + 27, got, strlen(got)) == 0);
        }
    }
}

int ccs_test_jose(void) {
    const struct CMUnitTest jcs[] = {
        cmocka_unit_test(test_jcs_rfc_examples),
        cmocka_unit_test(test_jcs_numbers),
        cmocka_unit_test(test_runtime_data_binding),
        cmocka_unit_test(test_b64url_strict),
        cmocka_unit_test(test_token_key_files),
        cmocka_unit_test(test_admin_token),
        cmocka_unit_test(test_set_cookie),
    };
    const struct CMUnitTest tokens[] = {
        cmocka_unit_test_setup_teardown(test_ear_issue_verify, tok_setup, tok_teardown),
        cmocka_unit_test_setup_teardown(test_ear_claims_stored, tok_setup, tok_teardown),
        cmocka_unit_test_setup_teardown(test_ear_tampered, tok_setup, tok_teardown),
        cmocka_unit_test_setup_teardown(test_jwt_refusals, tok_setup, tok_teardown),
        cmocka_unit_test_setup_teardown(test_jwt_keys, tok_setup, tok_teardown),
    };
    int failed = cmocka_run_group_tests_name("kbs_jcs", jcs, NULL, NULL);
    failed += cmocka_run_group_tests_name("kbs_tokens", tokens, NULL, NULL);
    failed += ccs_test_jose_jwe();
    return failed;
}
