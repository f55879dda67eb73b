/* Quote parser: every recorded vector parses with the expected layout;
 * truncation at every length, wrong versions/types/lengths fail with the
 * exact status. */
#include <string.h>

#include "attest_tests.h"
#include "testutil.h"
#include "pck.h"

typedef struct qvec {
    const char *path;
    ccs_tee tee;
    uint16_t version, body_type;
    size_t trailing;
    uint8_t td_attr0; /* TDATTRIBUTES byte 0 (debug bit 0) or SGX ATTRIBUTES byte 0 */
} qvec;

static const qvec vectors[] = {
    {"sgx/dcapqvl-sgx-v3/quote.bin", CCS_TEE_SGX, 3, 1, 0, 0x05},
    {"tdx/dcapqvl-tdx-v4-uptodate/quote.bin", CCS_TEE_TDX, 4, 2, 70, 0x00},
    {"tdx/dcapqvl-tdx-v5-unsupported-tcb/quote.bin", CCS_TEE_TDX, 5, 3, 0, 0x00},
    {"tdx/dcapqvl-tappd-v4/quote.bin", CCS_TEE_TDX, 4, 2, 70, 0x00},
    {"tdx/gotdx-spr-e4-v4-2023/quote.bin", CCS_TEE_TDX, 4, 2, 39, 0x00},
    {"tdx/gotdx-cos113-v4-padded/quote.bin", CCS_TEE_TDX, 4, 2, 3065, 0x00},
    {"tdx/trustee-tdx-q4-v4/quote.bin", CCS_TEE_TDX, 4, 2, 0, 0x01},
    {"tdx/trustee-tdx-q5-v5/quote.bin", CCS_TEE_TDX, 5, 3, 0, 0x00},
    {"tdx/trustee-tdx-q6-v4/quote.bin", CCS_TEE_TDX, 4, 2, 70, 0x00},
    {"tdx/trustee-azure-tdx-v4/quote.bin", CCS_TEE_TDX, 4, 2, 70, 0x00},
};
#define NVEC (sizeof vectors / sizeof vectors[0])

static void test_vectors_parse(void **state) {
    (void)state;
    for (size_t i = 0; i < NVEC; i++) {
        const qvec *v = &vectors[i];
        ccs_buf b = tu_read(v->path);
        ccs_dcap_quote q;
        ccs_status st = ccs_dcap_quote_parse(ccs_buf_view(&b), &q);
        if (st != CCS_OK) fail_msg("%s: %s", v->path, ccs_error_detail());
        assert_int_equal(q.tee, v->tee);
        assert_int_equal(q.version, v->version);
        assert_int_equal(q.body_type, v->body_type);
        if (q.trailing != v->trailing) fail_msg("%s: trailing %zu", v->path, q.trailing);
        assert_int_equal(q.att_key_type, 2);
        assert_int_equal(q.cert_type, 5);
        assert_int_equal(q.qe_report.raw.len, CCS_SGX_REPORT_LEN);
        assert_true(q.qe_auth_data.len > 0);
        assert_non_null(strstr((const char *)q.cert_data.ptr, "-----BEGIN CERTIFICATE-----"));
        if (q.tee == CCS_TEE_TDX) {
            assert_int_equal(q.tdx.td_attributes.ptr[0], v->td_attr0);
            size_t body = v->body_type == 3 ? CCS_TDX_REPORT15_LEN : CCS_TDX_REPORT10_LEN;
            assert_int_equal(q.body.len, body);
            assert_int_equal(q.signed_data.len, CCS_DCAP_HEADER_LEN + body + (v->version == 5 ? 6 : 0));
            assert_int_equal(q.tdx.mr_service_td.len, v->body_type == 3 ? 48 : 0);
        } else {
            assert_int_equal(q.sgx.attributes.ptr[0], v->td_attr0);
            assert_int_equal(q.signed_data.len, 432);
        }
        ccs_buf_free(&b);
    }
}

/* The SGX quote's documented absolute offsets (specs section 1). */
static void test_sgx_offsets(void **state) {
    (void)state;
    ccs_buf b = tu_read("sgx/dcapqvl-sgx-v3/quote.bin");
    ccs_dcap_quote q;
    assert_int_equal(ccs_dcap_quote_parse(ccs_buf_view(&b), &q), CCS_OK);
    assert_ptr_equal(q.sgx.mr_enclave.ptr, b.ptr + 112);
    assert_ptr_equal(q.sgx.mr_signer.ptr, b.ptr + 176);
    assert_ptr_equal(q.sgx.report_data.ptr, b.ptr + 368);
    assert_int_equal(q.qe_svn, 10);
    assert_int_equal(q.pce_svn, 15);
    ccs_buf_free(&b);
}

/* Every strict prefix shorter than the length fields require fails with
 * CCS_ERR_TRUNCATED, never a crash or a different success. */
static void test_truncation_every_length(void **state) {
    (void)state;
    for (size_t i = 0; i < NVEC; i++) {
        ccs_buf b = tu_read(vectors[i].path);
        size_t need = b.len - vectors[i].trailing;
        for (size_t n = 0; n < need; n++) {
            ccs_dcap_quote q;
            ccs_status st = ccs_dcap_quote_parse(ccs_bytes_of(b.ptr, n), &q);
            if (st != CCS_ERR_TRUNCATED) fail_msg("%s at %zu: %s", vectors[i].path, n, ccs_status_name(st));
        }
        ccs_buf_free(&b);
    }
}

static ccs_status parse_mutated(const char *path, size_t off, const void *bytes, size_t n) {
    ccs_buf b = tu_read(path);
    ccs_dcap_quote q;
    memcpy(b.ptr + off, bytes, n);
    ccs_status st = ccs_dcap_quote_parse(ccs_buf_view(&b), &q);
    ccs_buf_free(&b);
    return st;
}

static void test_bad_header_fields(void **state) {
    (void)state;
    const char *sgx = "sgx/dcapqvl-sgx-v3/quote.bin", *v4 = "tdx/dcapqvl-tdx-v4-uptodate/quote.bin";
    const char *v5 = "tdx/dcapqvl-tdx-v5-unsupported-tcb/quote.bin";
    assert_int_equal(parse_mutated(sgx, 0, "\x02\x00", 2), CCS_ERR_UNSUPPORTED);       /* version 2 */
    assert_int_equal(parse_mutated(sgx, 0, "\x06\x00", 2), CCS_ERR_UNSUPPORTED);       /* version 6 */
    assert_int_equal(parse_mutated(sgx, 2, "\x03\x00", 2), CCS_ERR_UNSUPPORTED);       /* P-384 key type */
    assert_int_equal(parse_mutated(sgx, 4, "\x42\x00\x00\x00", 4), CCS_ERR_UNSUPPORTED); /* TEE type */
    assert_int_equal(parse_mutated(sgx, 4, "\x81\x00\x00\x00", 4), CCS_ERR_UNSUPPORTED); /* v3 claiming TDX */
    assert_int_equal(parse_mutated(v4, 4, "\x00\x00\x00\x00", 4), CCS_ERR_TRUNCATED);  /* TDX bytes read as SGX */
    assert_int_equal(parse_mutated(v5, 48, "\x04\x00", 2), CCS_ERR_UNSUPPORTED);       /* body type 4 */
    assert_int_equal(parse_mutated(v5, 48, "\x02\x00", 2), CCS_ERR_FORMAT);            /* type 2 with size 648 */
    assert_int_equal(parse_mutated(v5, 50, "\x49\x02\x00\x00", 4), CCS_ERR_FORMAT);    /* size 585 */
    assert_int_equal(parse_mutated(v5, 48, "\x01\x00", 2), CCS_ERR_FORMAT);            /* SGX body in a TD quote */
}

static void test_bad_signature_data(void **state) {
    (void)state;
    const char *sgx = "sgx/dcapqvl-sgx-v3/quote.bin", *v4 = "tdx/dcapqvl-tdx-v4-uptodate/quote.bin";
    ccs_buf b = tu_read(sgx);
    uint32_t sig_len = (uint32_t)b.ptr[432] | (uint32_t)b.ptr[433] << 8;
    ccs_buf_free(&b);
    uint8_t le[4];
    /* A signature-data length one past the input. */
    uint32_t big = sig_len + 1;
    memcpy(le, &big, 4);
    assert_int_equal(parse_mutated(sgx, 432, le, 4), CCS_ERR_TRUNCATED);
    /* 0xffffffff must not overflow anything. */
    assert_int_equal(parse_mutated(sgx, 432, "\xff\xff\xff\xff", 4), CCS_ERR_TRUNCATED);
    /* One byte short: the nested certification data no longer fits. */
    uint32_t small = sig_len - 1;
    memcpy(le, &small, 4);
    assert_int_equal(parse_mutated(sgx, 432, le, 4), CCS_ERR_TRUNCATED);
    /* SGX v3: certification data type 1 (PPID in clear) is not supported. */
    assert_int_equal(parse_mutated(sgx, 436 + 128 + 384 + 64 + 2 + 32, "\x01\x00", 2), CCS_ERR_UNSUPPORTED);
    /* TDX: outer certification data type 5 where 6 is required has no QE report. */
    assert_int_equal(parse_mutated(v4, 636 + 128, "\x05\x00", 2), CCS_ERR_FORMAT);
    /* QE auth data length running past its container. */
    assert_int_equal(parse_mutated(v4, 636 + 128 + 6 + 384 + 64, "\xff\xff", 2), CCS_ERR_TRUNCATED);
}

static void test_trailing_inside_signature_data(void **state) {
    (void)state;
    /* An extra byte inside the declared signature data is not padding. */
    ccs_buf b = tu_read("sgx/dcapqvl-sgx-v3/quote.bin");
    ccs_buf m = {0};
    uint32_t sig_len = (uint32_t)b.ptr[432] | (uint32_t)b.ptr[433] << 8;
    sig_len += 1;
    assert_int_equal(ccs_buf_append(&m, b.ptr, 432), CCS_OK);
    assert_int_equal(ccs_buf_append(&m, &sig_len, 4), CCS_OK);
    assert_int_equal(ccs_buf_append(&m, b.ptr + 436, b.len - 436), CCS_OK);
    assert_int_equal(ccs_buf_append(&m, "\x00", 1), CCS_OK);
    ccs_dcap_quote q;
    ccs_status st = ccs_dcap_quote_parse(ccs_buf_view(&m), &q);
    /* The type-5 data takes the rest of its own size field, so the extra
     * byte is left over in the signature data. */
    assert_int_equal(st, CCS_ERR_TRAILING);
    ccs_buf_free(&m);
    ccs_buf_free(&b);
}

static void test_null_and_empty(void **state) {
    (void)state;
    ccs_dcap_quote q;
    assert_int_equal(ccs_dcap_quote_parse(ccs_bytes_of(NULL, 0), &q), CCS_ERR_TRUNCATED);
    assert_int_equal(ccs_dcap_quote_parse(ccs_bytes_of("", 0), NULL), CCS_ERR_INVALID_ARG);
}

/* PCK SGX extensions of the real SGX quote's PCK (fuzz corpus seed). */
static ccs_buf read_pck_ext(void) {
    ccs_buf b = {0};
    if (ccs_file_read(CCS_TEST_DATA "/../../fuzz/corpus/dcap_quote/pck_ext.der", 4096, &b) != CCS_OK)
        fail_msg("%s", ccs_error_detail());
    return b;
}

static void test_pck_extensions(void **state) {
    (void)state;
    ccs_buf b = read_pck_ext();
    pck_info p;
    assert_int_equal(ccs_pck_parse_extensions(ccs_buf_view(&b), &p), CCS_OK);
    assert_memory_equal(p.fmspc, "\x00\xa0\x67\x11\x00\x00", 6);
    assert_memory_equal(p.pce_id, "\x00\x00", 2);
    assert_int_equal(p.pcesvn, 13); /* the certified TCB, not the header PCE SVN 15 */
    /* Truncation at every length, and a flipped length or tag byte, fail with
     * a parse error (never success with other values, never a crash). */
    for (size_t n = 0; n < b.len; n++) {
        ccs_status st = ccs_pck_parse_extensions(ccs_bytes_of(b.ptr, n), &p);
        if (st != CCS_ERR_TRUNCATED && st != CCS_ERR_FORMAT) fail_msg("prefix %zu: %s", n, ccs_status_name(st));
    }
    for (size_t i = 0; i < b.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b.ptr[i] ^= (uint8_t)(1u << bit);
            pck_info m;
            ccs_status st = ccs_pck_parse_extensions(ccs_buf_view(&b), &m);
            /* A flip inside a value may still parse; structure flips may not. */
            assert_true(st == CCS_OK || st == CCS_ERR_TRUNCATED || st == CCS_ERR_FORMAT || st == CCS_ERR_TRAILING);
            b.ptr[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* Trailing bytes after the outer SEQUENCE. */
    assert_int_equal(ccs_buf_append(&b, "\x00", 1), CCS_OK);
    assert_int_equal(ccs_pck_parse_extensions(ccs_buf_view(&b), &p), CCS_ERR_TRAILING);
    ccs_buf_free(&b);
}

int ccs_test_quote(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_parse),
        cmocka_unit_test(test_sgx_offsets),
        cmocka_unit_test(test_truncation_every_length),
        cmocka_unit_test(test_bad_header_fields),
        cmocka_unit_test(test_bad_signature_data),
        cmocka_unit_test(test_trailing_inside_signature_data),
        cmocka_unit_test(test_null_and_empty),
        cmocka_unit_test(test_pck_extensions),
    };
    return cmocka_run_group_tests_name("attest_quote", tests, NULL, NULL);
}
