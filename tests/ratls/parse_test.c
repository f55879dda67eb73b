/* The RA-TLS extension parser on untrusted input: a valid TCG extension,
 * every truncation, flipped bytes, wrong and CMW tags, indefinite lengths,
 * trailing bytes, oversized evidence, bad claims; legacy OIDs and a
 * certificate without evidence. Each negative case asserts the status. */
#include <stdlib.h>
#include <string.h>

#include "ccs/ratls.h"
#include "ratls_internal.h"
#include "ratls_tests.h"

static const uint8_t spki[] = "not really an SPKI, only hashed here";
static const uint8_t spki2[] = "another SPKI";

static ccs_bytes spki_b(void) { return ccs_bytes_of(spki, sizeof spki); }

/* A valid extension over `evlen` bytes of fake evidence. */
static void valid_ext(uint64_t tag, size_t evlen, ccs_hash_alg alg, ccs_bytes nonce, ccs_buf *ext, ccs_buf *claims) {
    uint8_t *ev = malloc(evlen);
    assert_non_null(ev);
    for (size_t i = 0; i < evlen; i++) ev[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(ratls_claims_encode(alg, spki_b(), nonce, claims), CCS_OK);
    assert_int_equal(ratls_tcg_encode(tag, ccs_bytes_of(ev, evlen), ccs_buf_view(claims), ext), CCS_OK);
    free(ev);
}

static ccs_status parse(ccs_bytes ext) {
    ccs_ratls_evidence e;
    ccs_status st = ccs_ratls_tcg_parse(ext, spki_b(), &e);
    ccs_ratls_evidence_clear(&e);
    return st;
}

static void test_valid(void **state) {
    (void)state;
    ccs_buf ext = {0}, claims = {0};
    ccs_ratls_evidence e;
    uint8_t want[64] = {0};
    valid_ext(CCS_RATLS_TAG_GRAMINE_SGX_QUOTE, 100, CCS_HASH_SHA256, ccs_bytes_str("n0nce"), &ext, &claims);
    assert_int_equal(ccs_ratls_tcg_parse(ccs_buf_view(&ext), spki_b(), &e), CCS_OK);
    assert_int_equal(e.format, CCS_RATLS_FORMAT_TCG);
    assert_int_equal(e.tag, 60000);
    assert_int_equal(e.evidence.len, 100);
    assert_true(e.pubkey_hash_ok);
    assert_int_equal(e.pubkey_hash_alg, CCS_HASH_SHA256);
    assert_int_equal(e.nonce.len, 5);
    assert_memory_equal(e.nonce.ptr, "n0nce", 5);
    ccs_sha256(ccs_buf_view(&claims), want);
    assert_memory_equal(e.report_data, want, 64);
    assert_int_equal(e.report_data_cmp, 64);
    ccs_ratls_evidence_clear(&e);

    /* The same claims against another key: parses, binding flagged. */
    assert_int_equal(ccs_ratls_tcg_parse(ccs_buf_view(&ext), ccs_bytes_of(spki2, sizeof spki2), &e), CCS_OK);
    assert_false(e.pubkey_hash_ok);
    ccs_ratls_evidence_clear(&e);

    /* SHA-384 and SHA-512 pubkey hashes, every accepted tag. */
    /* (SNP 0x1a7504 and CSV 0x1a7506 have layouts of their own: snp_csv_test.c.) */
    static const uint64_t tags[] = {60000, 0x1a7501, 0x1a7502, 0x1a7503, 0x1a7505};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        valid_ext(tags[i], 10, i % 2 ? CCS_HASH_SHA384 : CCS_HASH_SHA512, ccs_bytes_of(NULL, 0), &ext, &claims);
        assert_int_equal(ccs_ratls_tcg_parse(ccs_buf_view(&ext), spki_b(), &e), CCS_OK);
        assert_int_equal(e.tag, tags[i]);
        assert_true(e.pubkey_hash_ok);
        assert_int_equal(e.nonce.len, 0);
        ccs_ratls_evidence_clear(&e);
    }
    ccs_buf_free(&ext);
    ccs_buf_free(&claims);
}

static void test_truncations_and_flips(void **state) {
    (void)state;
    ccs_buf ext = {0}, claims = {0};
    valid_ext(CCS_RATLS_TAG_TEE_QUOTE, 40, CCS_HASH_SHA256, ccs_bytes_str("abc"), &ext, &claims);
    for (size_t n = 0; n < ext.len; n++) assert_int_equal(parse(ccs_bytes_of(ext.ptr, n)), CCS_ERR_TRUNCATED);
    /* Every single-bit flip either fails cleanly or still parses. */
    for (size_t i = 0; i < ext.len; i++)
        for (int bit = 0; bit < 8; bit++) {
            ext.ptr[i] ^= (uint8_t)(1u << bit);
            ccs_status st = parse(ccs_buf_view(&ext));
            assert_true(st == CCS_OK || st == CCS_ERR_TRUNCATED || st == CCS_ERR_TRAILING || st == CCS_ERR_FORMAT ||
                        st == CCS_ERR_UNSUPPORTED || st == CCS_ERR_OVERFLOW);
            ext.ptr[i] ^= (uint8_t)(1u << bit);
        }
    /* A trailing byte. */
    assert_int_equal(ccs_buf_append(&ext, "\0", 1), CCS_OK);
    assert_int_equal(parse(ccs_buf_view(&ext)), CCS_ERR_TRAILING);
    ccs_buf_free(&ext);
    ccs_buf_free(&claims);
}

static void test_wrong_tags(void **state) {
    (void)state;
    ccs_buf ext = {0}, claims = {0};
    valid_ext(1234, 10, CCS_HASH_SHA256, ccs_bytes_of(NULL, 0), &ext, &claims);
    assert_int_equal(parse(ccs_buf_view(&ext)), CCS_ERR_UNSUPPORTED);
    valid_ext(571, 10, CCS_HASH_SHA256, ccs_bytes_of(NULL, 0), &ext, &claims);
    assert_int_equal(parse(ccs_buf_view(&ext)), CCS_ERR_UNSUPPORTED);
    /* Untagged array; a tag over a map; a tag over a 3-array; evidence as text. */
    static const uint8_t untagged[] = {0x82, 0x41, 0x00, 0x40};
    static const uint8_t over_map[] = {0xd9, 0xea, 0x60, 0xa0};
    static const uint8_t three[] = {0xd9, 0xea, 0x60, 0x83, 0x41, 0x00, 0x40, 0x40};
    static const uint8_t text_ev[] = {0xd9, 0xea, 0x60, 0x82, 0x61, 0x41, 0x40};
    assert_int_equal(parse(ccs_bytes_of(untagged, sizeof untagged)), CCS_ERR_FORMAT);
    assert_int_equal(parse(ccs_bytes_of(over_map, sizeof over_map)), CCS_ERR_FORMAT);
    assert_int_equal(parse(ccs_bytes_of(three, sizeof three)), CCS_ERR_FORMAT);
    assert_int_equal(parse(ccs_bytes_of(text_ev, sizeof text_ev)), CCS_ERR_FORMAT);
    /* Indefinite-length evidence byte string and array. */
    static const uint8_t indef_bstr[] = {0xd9, 0xea, 0x60, 0x82, 0x5f, 0x41, 0x00, 0xff, 0x40};
    static const uint8_t indef_arr[] = {0xd9, 0xea, 0x60, 0x9f, 0x41, 0x00, 0x40, 0xff};
    assert_int_equal(parse(ccs_bytes_of(indef_bstr, sizeof indef_bstr)), CCS_ERR_FORMAT);
    assert_int_equal(parse(ccs_bytes_of(indef_arr, sizeof indef_arr)), CCS_ERR_FORMAT);
    /* Not CBOR at all (a reserved additional-info value). */
    static const uint8_t junk[] = {0x1c};
    assert_int_equal(parse(ccs_bytes_of(junk, sizeof junk)), CCS_ERR_FORMAT);
    ccs_buf_free(&ext);
    ccs_buf_free(&claims);
}

/* tag(60000, [bstr(evlen bytes), claims]) built by hand (the encoder refuses
 * evidence over the limit). */
static void big_ext(size_t evlen, ccs_bytes claims, ccs_buf *out) {
    uint8_t hdr[] = {0xd9, 0xea, 0x60, 0x82, 0x5a, (uint8_t)(evlen >> 24), (uint8_t)(evlen >> 16),
                     (uint8_t)(evlen >> 8), (uint8_t)evlen};
    out->len = 0;
    assert_int_equal(ccs_buf_append(out, hdr, sizeof hdr), CCS_OK);
    assert_int_equal(ccs_buf_reserve(out, evlen), CCS_OK);
    memset(out->ptr + out->len, 0x5a, evlen);
    out->len += evlen;
    uint8_t ch[] = {0x59, (uint8_t)(claims.len >> 8), (uint8_t)claims.len};
    assert_int_equal(ccs_buf_append(out, ch, sizeof ch), CCS_OK);
    assert_int_equal(ccs_buf_append(out, claims.ptr, claims.len), CCS_OK);
}

static void test_oversized(void **state) {
    (void)state;
    ccs_buf claims = {0}, ext = {0};
    assert_int_equal(ratls_claims_encode(CCS_HASH_SHA256, spki_b(), ccs_bytes_of(NULL, 0), &claims), CCS_OK);
    big_ext(CCS_RATLS_EVIDENCE_MAX, ccs_buf_view(&claims), &ext);
    assert_int_equal(parse(ccs_buf_view(&ext)), CCS_OK);
    big_ext(CCS_RATLS_EVIDENCE_MAX + 1, ccs_buf_view(&claims), &ext);
    assert_int_equal(parse(ccs_buf_view(&ext)), CCS_ERR_OVERFLOW);
    big_ext(CCS_RATLS_EVIDENCE_MAX + 10000, ccs_buf_view(&claims), &ext);
    assert_int_equal(parse(ccs_buf_view(&ext)), CCS_ERR_OVERFLOW);
    /* Array / map counts far beyond the input (libcbor would allocate them). */
    static const uint8_t big_arr[] = {0xd9, 0x6f, 0x99, 0x9a, 0xbf, 0x65, 0x6e, 0x6f, 0xee, 0x63, 0x65, 0x40};
    static const uint8_t big_map[] = {0xd9, 0xea, 0x60, 0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(parse(ccs_bytes_of(big_arr, sizeof big_arr)), CCS_ERR_TRUNCATED);
    assert_int_equal(parse(ccs_bytes_of(big_map, sizeof big_map)), CCS_ERR_TRUNCATED);
    /* A length field claiming 4 GiB over a short input. */
    static const uint8_t huge[] = {0xd9, 0xea, 0x60, 0x82, 0x5a, 0xff, 0xff, 0xff, 0xff, 0x00};
    assert_int_equal(parse(ccs_bytes_of(huge, sizeof huge)), CCS_ERR_TRUNCATED);
    ccs_buf_free(&claims);
    ccs_buf_free(&ext);
}

/* The claims bstr replaced by `c` (evidence: one byte). */
static ccs_status parse_claims_raw(const uint8_t *c, size_t n) {
    ccs_buf ext = {0};
    assert_int_equal(ratls_tcg_encode(60000, ccs_bytes_str("q"), ccs_bytes_of(c, n), &ext), CCS_OK);
    ccs_status st = parse(ccs_buf_view(&ext));
    ccs_buf_free(&ext);
    return st;
}

static void test_bad_claims(void **state) {
    (void)state;
    /* {} : no pubkey-hash */
    static const uint8_t empty[] = {0xa0};
    assert_int_equal(parse_claims_raw(empty, sizeof empty), CCS_ERR_FORMAT);
    /* [] : not a map */
    static const uint8_t arr[] = {0x80};
    assert_int_equal(parse_claims_raw(arr, sizeof arr), CCS_ERR_FORMAT);
    /* {1: h''} : integer key */
    static const uint8_t intkey[] = {0xa1, 0x01, 0x40};
    assert_int_equal(parse_claims_raw(intkey, sizeof intkey), CCS_ERR_FORMAT);
    /* {"nonce": h'', "nonce": h''} : duplicate */
    static const uint8_t dup[] = {0xa2, 0x65, 'n', 'o', 'n', 'c', 'e', 0x40, 0x65, 'n', 'o', 'n', 'c', 'e', 0x40};
    assert_int_equal(parse_claims_raw(dup, sizeof dup), CCS_ERR_FORMAT);
    /* {"pubkey-hash": h'8202 5820 00..'} : hash-alg-id 2 */
    uint8_t ph[64];
    size_t n = 0;
    static const uint8_t key[] = {0x6b, 'p', 'u', 'b', 'k', 'e', 'y', '-', 'h', 'a', 's', 'h'};
    uint8_t inner[] = {0x82, 0x02, 0x58, 0x20};
    ph[n++] = 0xa1;
    memcpy(ph + n, key, sizeof key);
    n += sizeof key;
    ph[n++] = 0x58;
    ph[n++] = (uint8_t)(sizeof inner + 32);
    memcpy(ph + n, inner, sizeof inner);
    n += sizeof inner;
    memset(ph + n, 0, 32);
    n += 32;
    assert_int_equal(parse_claims_raw(ph, n), CCS_ERR_UNSUPPORTED);
    /* alg 1 (SHA-256) with 32 bytes: fine; alg 7 (SHA-384) with 32: wrong length. */
    ph[sizeof key + 4] = 0x01;
    assert_int_equal(parse_claims_raw(ph, n), CCS_OK);
    ph[sizeof key + 4] = 0x07;
    assert_int_equal(parse_claims_raw(ph, n), CCS_ERR_FORMAT);
    /* Indefinite-length map. */
    static const uint8_t indef[] = {0xbf, 0xff};
    assert_int_equal(parse_claims_raw(indef, sizeof indef), CCS_ERR_FORMAT);
    /* A nonce over the limit. */
    uint8_t big[4 + 5 + 2 + CCS_RATLS_NONCE_MAX + 1];
    size_t m = 0;
    big[m++] = 0xa1;
    big[m++] = 0x65;
    memcpy(big + m, "nonce", 5);
    m += 5;
    big[m++] = 0x58;
    big[m++] = CCS_RATLS_NONCE_MAX + 1;
    memset(big + m, 1, CCS_RATLS_NONCE_MAX + 1);
    m += CCS_RATLS_NONCE_MAX + 1;
    assert_int_equal(parse_claims_raw(big, m), CCS_ERR_OVERFLOW);
}

/* A self-signed certificate with the given extensions. */
static ccs_buf cert_with(const ccs_x509_ext *exts, size_t n) {
    ccs_privkey *k = NULL;
    ccs_x509 *c = NULL;
    ccs_buf der = {0};
    ccs_time now = ccs_time_now();
    assert_int_equal(ccs_privkey_generate(CCS_CURVE_P256, &k), CCS_OK);
    ccs_x509_spec spec = {.subject_cn = "t", .serial = 7, .not_before = now - 10, .not_after = now + 1000,
                          .exts = exts, .n_exts = n};
    assert_int_equal(ccs_x509_build(&spec, k, NULL, k, &c), CCS_OK);
    assert_int_equal(ccs_buf_set(&der, ccs_x509_der(c)), CCS_OK);
    ccs_x509_free(c);
    ccs_privkey_free(k);
    return der;
}

static void test_cert_oids(void **state) {
    (void)state;
    ccs_ratls_evidence e;
    ccs_buf der = cert_with(NULL, 0);
    assert_int_equal(ccs_ratls_evidence_parse(ccs_buf_view(&der), &e), CCS_ERR_NOT_FOUND);
    ccs_buf_free(&der);

    ccs_x509_ext legacy = {.oid = CCS_RATLS_OID_INTEL_QUOTE, .der = ccs_bytes_str("raw quote")};
    der = cert_with(&legacy, 1);
    assert_int_equal(ccs_ratls_evidence_parse(ccs_buf_view(&der), &e), CCS_OK);
    assert_int_equal(e.format, CCS_RATLS_FORMAT_INTEL_LEGACY);
    assert_int_equal(e.evidence.len, 9);
    assert_int_equal(e.report_data_cmp, 32);
    uint8_t h[32];
    ccs_sha256(ccs_buf_view(&e.spki), h);
    assert_memory_equal(e.report_data, h, 32);
    ccs_ratls_evidence_clear(&e);
    ccs_buf_free(&der);

    ccs_x509_ext gramine = {.oid = CCS_RATLS_OID_GRAMINE_LEGACY, .der = ccs_bytes_str("raw quote")};
    der = cert_with(&gramine, 1);
    /* Gramine's OID bytes: 06 09 2A 86 48 86 F8 4D 8A 39 06 as the content. */
    static const uint8_t oid_bytes[] = {0x06, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x8a, 0x39, 0x06};
    assert_non_null(memmem(der.ptr, der.len, oid_bytes, sizeof oid_bytes));
    assert_int_equal(ccs_ratls_evidence_parse(ccs_buf_view(&der), &e), CCS_OK);
    assert_int_equal(e.format, CCS_RATLS_FORMAT_GRAMINE_LEGACY);
    ccs_ratls_evidence_clear(&e);
    ccs_buf_free(&der);

    /* A TCG extension with bad CBOR: the parser's error, not a fallback. */
    ccs_x509_ext bad[2] = {{.oid = CCS_RATLS_OID_TCG_EVIDENCE, .der = ccs_bytes_str("\x82")},
                           {.oid = CCS_RATLS_OID_INTEL_QUOTE, .der = ccs_bytes_str("raw quote")}};
    der = cert_with(bad, 2);
    assert_int_equal(ccs_ratls_evidence_parse(ccs_buf_view(&der), &e), CCS_ERR_TRUNCATED);
    ccs_buf_free(&der);
    /* An empty legacy extension. */
    ccs_x509_ext empty = {.oid = CCS_RATLS_OID_INTEL_QUOTE, .der = ccs_bytes_of(NULL, 0)};
    der = cert_with(&empty, 1);
    assert_int_equal(ccs_ratls_evidence_parse(ccs_buf_view(&der), &e), CCS_ERR_FORMAT);
    ccs_buf_free(&der);
    /* Not a certificate. */
    assert_int_equal(ccs_ratls_evidence_parse(ccs_bytes_str("\x30\x03\x02\x01\x01"), &e), CCS_ERR_FORMAT);
}

int ccs_test_ratls_parse(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),     cmocka_unit_test(test_truncations_and_flips),
        cmocka_unit_test(test_wrong_tags), cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_bad_claims), cmocka_unit_test(test_cert_oids),
    };
    return cmocka_run_group_tests_name("ratls/parse", tests, NULL, NULL);
}
