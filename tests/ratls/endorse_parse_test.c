/* The endorsements parser (ccs_ratls_endorsements_parse) on untrusted
 * bytes: the encoder's output parses back; every truncation, trailing
 * bytes, wrong tags, wrong types, wrong counts, empty, indefinite and
 * oversized items are refused with the exact status; single-byte flips never
 * crash; a certificate whose endorsements carry another tag than its
 * evidence is refused. */
#include <cbor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/ratls.h"
#include "ratls_internal.h"
#include "ratls_tests.h"

#define SIM_DIR CCS_TEST_TMP "/epsim"

static ccs_buf good; /* the encoder's output for the sim SGX collateral */

static int setup(void **state) {
    (void)state;
    ccs_collateral *c = NULL;
    ccs_status st = ccs_sim_init(SIM_DIR, ccs_time_now(), true);
    if (st == CCS_OK) st = ccs_sim_trust_load(SIM_DIR, CCS_TEE_SGX, NULL, &c);
    if (st == CCS_OK) st = ratls_endorsements_encode(CCS_RATLS_TAG_GRAMINE_SGX_QUOTE, c, 1750330800, &good);
    ccs_collateral_free(c);
    if (st != CCS_OK) fprintf(stderr, "setup: %s\n", ccs_error_detail());
    return st == CCS_OK ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    ccs_buf_free(&good);
    return 0;
}

static ccs_status parse(ccs_bytes in) {
    ccs_ratls_endorsements e;
    ccs_status st = ccs_ratls_endorsements_parse(in, &e);
    if (st != CCS_OK) {
        assert_int_equal(e.tcb_info.len, 0); /* cleared on error */
        assert_int_equal(e.tag, 0);
    }
    ccs_ratls_endorsements_clear(&e);
    return st;
}

/* tag(tag, [items...]) with item i replaced by repl[i] when set; n items. */
static ccs_status build(uint64_t tag, size_t n, cbor_item_t *repl[10], ccs_buf *out) {
    static const char piece[] = "piece";
    cbor_item_t *arr = cbor_new_definite_array(n);
    for (size_t i = 0; i < n; i++) {
        cbor_item_t *it = repl != NULL && repl[i] != NULL ? repl[i]
                          : i == 0 ? cbor_build_uint32(CCS_RATLS_ENDORSEMENTS_VERSION)
                                   : cbor_build_bytestring((const unsigned char *)piece, sizeof piece - 1);
        assert_true(cbor_array_push(arr, it));
        cbor_decref(&it);
    }
    cbor_item_t *t = cbor_build_tag(tag, arr);
    unsigned char *buf = NULL;
    size_t cap = 0, len = cbor_serialize_alloc(t, &buf, &cap);
    cbor_decref(&t);
    cbor_decref(&arr);
    ccs_status st = ccs_buf_set(out, ccs_bytes_of(buf, len));
    free(buf);
    return st;
}

static ccs_status try(uint64_t tag, size_t n, size_t at, cbor_item_t *item) {
    cbor_item_t *repl[10] = {0};
    ccs_buf b = {0};
    if (item != NULL) repl[at] = item;
    assert_int_equal(build(tag, n, repl, &b), CCS_OK);
    ccs_status st = parse(ccs_buf_view(&b));
    ccs_buf_free(&b);
    return st;
}

static void test_valid(void **state) {
    (void)state;
    ccs_ratls_endorsements e;
    ccs_collateral *c = NULL;
    ccs_collateral_raw raw;
    assert_int_equal(ccs_ratls_endorsements_parse(ccs_buf_view(&good), &e), CCS_OK);
    assert_int_equal(e.tag, CCS_RATLS_TAG_GRAMINE_SGX_QUOTE);
    assert_int_equal(e.version, CCS_RATLS_ENDORSEMENTS_VERSION);
    assert_memory_equal(e.creation_datetime.ptr, "2025-06-19T11:00:00Z", 20);
    ccs_ratls_endorsements_raw(&e, &raw);
    assert_int_equal(ccs_collateral_load(&raw, &c), CCS_OK);
    assert_int_equal(ccs_collateral_tee(c), CCS_TEE_SGX);
    ccs_collateral_free(c);
    ccs_ratls_endorsements_clear(&e);
    /* Without the optional creation time; the synthetic pieces parse too. */
    assert_int_equal(try(CCS_RATLS_TAG_TEE_QUOTE, 8, 0, NULL), CCS_OK);
    assert_int_equal(try(CCS_RATLS_TAG_TEE_QUOTE, 9, 8, cbor_build_string("2025-06-19T11:00:00Z")), CCS_OK);
}

static void test_truncations_and_flips(void **state) {
    (void)state;
    ccs_buf b = {0};
    assert_int_equal(parse(ccs_bytes_of(good.ptr, 0)), CCS_ERR_TRUNCATED);
    for (size_t n = 1; n < good.len; n++) assert_int_equal(parse(ccs_bytes_of(good.ptr, n)), CCS_ERR_TRUNCATED);
    assert_int_equal(ccs_buf_set(&b, ccs_buf_view(&good)), CCS_OK);
    assert_int_equal(ccs_buf_append(&b, "\x00", 1), CCS_OK);
    assert_int_equal(parse(ccs_buf_view(&b)), CCS_ERR_TRAILING);
    ccs_buf_free(&b);
    /* Every byte flipped in turn (the pieces are opaque here, so many flips
     * still parse; none may crash or leak). The header bytes are exact. */
    assert_int_equal(ccs_buf_set(&b, ccs_buf_view(&good)), CCS_OK);
    for (size_t i = 0; i < b.len; i += 7) {
        b.ptr[i] ^= 0xff;
        (void)parse(ccs_buf_view(&b));
        b.ptr[i] ^= 0xff;
    }
    b.ptr[0] ^= 0x40; /* tag 60000 (d9 ea60) -> an array of 60000 items (99 ea60) */
    assert_int_equal(parse(ccs_buf_view(&b)), CCS_ERR_TRUNCATED);
    ccs_buf_free(&b);
}

static void test_wrong_tags(void **state) {
    (void)state;
    assert_int_equal(try(1234, 9, 0, NULL), CCS_ERR_UNSUPPORTED);
    assert_int_equal(try(CCS_RATLS_TAG_CCS_TPM_CMW, 9, 0, NULL), CCS_ERR_UNSUPPORTED);
    assert_int_equal(try(CCS_RATLS_TAG_SNP_REPORT, 9, 0, NULL), CCS_ERR_UNSUPPORTED);
    /* Not a tag at all: the bare array. */
    cbor_item_t *arr = cbor_new_definite_array(0);
    unsigned char *buf = NULL;
    size_t cap = 0, len = cbor_serialize_alloc(arr, &buf, &cap);
    assert_int_equal(parse(ccs_bytes_of(buf, len)), CCS_ERR_FORMAT);
    free(buf);
    cbor_decref(&arr);
}

static void test_wrong_types(void **state) {
    (void)state;
    const uint64_t T = CCS_RATLS_TAG_GRAMINE_SGX_QUOTE;
    assert_int_equal(try(T, 9, 0, cbor_build_string("3")), CCS_ERR_FORMAT);             /* version text */
    assert_int_equal(try(T, 9, 0, cbor_build_uint64(1ull << 32)), CCS_ERR_FORMAT);      /* version > uint32 */
    assert_int_equal(try(T, 9, 0, cbor_build_negint8(2)), CCS_ERR_FORMAT);              /* version negative */
    assert_int_equal(try(T, 9, 1, cbor_build_string("{}")), CCS_ERR_FORMAT);            /* tcb_info as text */
    assert_int_equal(try(T, 9, 4, cbor_build_uint8(0)), CCS_ERR_FORMAT);                /* a CRL as a number */
    assert_int_equal(try(T, 9, 7, cbor_new_definite_map(0)), CCS_ERR_FORMAT);           /* a chain as a map */
    assert_int_equal(try(T, 9, 6, cbor_build_bytestring(NULL, 0)), CCS_ERR_FORMAT);     /* empty piece */
    assert_int_equal(try(T, 9, 8, cbor_build_uint8(1)), CCS_ERR_FORMAT);                /* datetime a number */
    assert_int_equal(try(T, 7, 0, NULL), CCS_ERR_FORMAT);                               /* too few */
    assert_int_equal(try(T, 10, 0, NULL), CCS_ERR_FORMAT);                              /* too many */
    /* Indefinite lengths, found by the prescan. */
    cbor_item_t *ind = cbor_new_indefinite_bytestring();
    assert_int_equal(try(T, 9, 2, ind), CCS_ERR_FORMAT);
    /* The tag over a map instead of an array. */
    cbor_item_t *m = cbor_new_definite_map(0), *t = cbor_build_tag(T, m);
    unsigned char *buf = NULL;
    size_t cap = 0, len = cbor_serialize_alloc(t, &buf, &cap);
    assert_int_equal(parse(ccs_bytes_of(buf, len)), CCS_ERR_FORMAT);
    free(buf);
    cbor_decref(&t);
    cbor_decref(&m);
}

static void test_oversized(void **state) {
    (void)state;
    const uint64_t T = CCS_RATLS_TAG_TEE_QUOTE;
    size_t n = CCS_RATLS_ENDORSEMENT_ITEM_MAX + 1;
    unsigned char *big = calloc(1, CCS_RATLS_ENDORSEMENTS_MAX + 1);
    assert_non_null(big);
    assert_int_equal(try(T, 9, 1, cbor_build_bytestring(big, n)), CCS_ERR_OVERFLOW);
    assert_int_equal(try(T, 9, 1, cbor_build_bytestring(big, n - 1)), CCS_OK);
    char dt[66];
    memset(dt, '1', 65);
    dt[65] = '\0';
    assert_int_equal(try(T, 9, 8, cbor_build_string(dt)), CCS_ERR_OVERFLOW);
    /* The whole extension is bounded before any decoding. */
    assert_int_equal(parse(ccs_bytes_of(big, CCS_RATLS_ENDORSEMENTS_MAX + 1)), CCS_ERR_OVERFLOW);
    /* A header that claims more items than the input holds. */
    static const uint8_t huge[] = {0xd9, 0xea, 0x60, 0x9b, 0x00, 0x00, 0x00, 0x10, 0, 0, 0, 0};
    assert_int_equal(parse(ccs_bytes_of(huge, sizeof huge)), CCS_ERR_TRUNCATED);
    free(big);
}

/* A certificate whose endorsements are tagged 0x1a7501 over SGX evidence
 * tagged 60000 (self-signed, so only the parse can refuse it). */
static void test_cert_tag_mismatch(void **state) {
    (void)state;
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_SIM_SGX, .sim_dir = SIM_DIR};
    ccs_backend *b = NULL;
    ccs_x509 *c = NULL, *c2 = NULL;
    ccs_privkey *k = NULL;
    ccs_buf other = {0};
    ccs_bytes tcg;
    ccs_ratls_evidence e;
    ccs_collateral *coll = NULL;
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_OK);
    assert_int_equal(ccs_ratls_cert_create(b, NULL, &c, &k), CCS_OK);
    assert_int_equal(ccs_sim_trust_load(SIM_DIR, CCS_TEE_SGX, NULL, &coll), CCS_OK);
    assert_int_equal(ratls_endorsements_encode(CCS_RATLS_TAG_TEE_QUOTE, coll, 1750330800, &other), CCS_OK);
    assert_int_equal(ccs_x509_extension(c, CCS_RATLS_OID_TCG_EVIDENCE, &tcg), CCS_OK);
    ccs_x509_ext exts[2] = {{.oid = CCS_RATLS_OID_TCG_EVIDENCE, .der = tcg},
                            {.oid = CCS_RATLS_OID_TCG_ENDORSEMENTS, .der = ccs_buf_view(&other)}};
    ccs_time now = ccs_time_now();
    ccs_x509_spec spec = {.subject_cn = "t", .serial = 7, .not_before = now - 60, .not_after = now + 600,
                          .key_usage = CCS_KU_DIGITAL_SIGNATURE, .exts = exts, .n_exts = 2};
    assert_int_equal(ccs_x509_build(&spec, k, NULL, k, &c2), CCS_OK);
    assert_int_equal(ccs_ratls_evidence_parse(ccs_x509_der(c2), &e), CCS_ERR_FORMAT);
    assert_non_null(strstr(ccs_error_detail(), "is not the evidence's tag"));
    ccs_x509_free(c2);
    ccs_x509_free(c);
    ccs_privkey_free(k);
    ccs_collateral_free(coll);
    ccs_buf_free(&other);
    ccs_backend_free(b);
}

int ccs_test_ratls_endorse_parse(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),      cmocka_unit_test(test_truncations_and_flips),
        cmocka_unit_test(test_wrong_tags), cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_oversized),  cmocka_unit_test(test_cert_tag_mismatch),
    };
    return cmocka_run_group_tests_name("ratls_endorse_parse", tests, setup, teardown);
}
