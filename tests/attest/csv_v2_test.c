/* Hygon CSV report v2, on synthesized evidence only (no recorded v2 report
 * exists yet): a test HRK -> HSK -> CEK -> PEK chain of SM2 keys made here,
 * pinned with ccs__csv_set_test_hrk, a v2 report signed by the PEK behind
 * the csv-rs wrapper header, and a CCEL with SM3 digests for the RTMRs. */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest_tests.h"
#include "csv.h"
#include "testutil.h"

#define WRAP_LEN (CCS_CSV_EXT_HEADER_LEN + CCS_CSV_REPORT_BUF_LEN)
#define RPT CCS_CSV_EXT_HEADER_LEN /* the report's offset in the wrapper */

typedef struct key {
    EVP_PKEY *pk;
    uint8_t xy[64];
    const char *uid;
} key;

typedef struct v2fx {
    key hrk, hsk, cek, pek;
    uint8_t hrk_cert[832], hsk_cert[832], cek_cert[2084], pek_cert[2084];
    uint8_t wrap[WRAP_LEN];
    uint8_t log[1024];
    size_t log_len;
    ccs_csv_certs certs;
} v2fx;

static v2fx f;
static const uint8_t MNONCE[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le72(uint8_t *dst, const uint8_t be[32]) {
    memset(dst, 0, 72);
    for (int i = 0; i < 32; i++) dst[i] = be[31 - i];
}

static void new_key(key *k, const char *uid) {
    BIGNUM *x = NULL, *y = NULL;
    k->pk = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    assert_non_null(k->pk);
    assert_true(EVP_PKEY_get_bn_param(k->pk, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1);
    assert_true(EVP_PKEY_get_bn_param(k->pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1);
    assert_true(BN_bn2binpad(x, k->xy, 32) == 32 && BN_bn2binpad(y, k->xy + 32, 32) == 32);
    BN_free(x);
    BN_free(y);
    k->uid = uid;
}

/* SM2 with SM3 and the signer's user ID; r and s as 72-byte LE fields at out. */
static void sm2_sign(const key *k, const uint8_t *msg, size_t n, uint8_t *out) {
    uint8_t der[128], r[32], s[32];
    size_t len = sizeof der;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k->pk, NULL);
    assert_true(EVP_PKEY_CTX_set1_id(pc, k->uid, strlen(k->uid)) == 1);
    EVP_MD_CTX_set_pkey_ctx(md, pc);
    assert_true(EVP_DigestSignInit(md, NULL, EVP_sm3(), NULL, k->pk) == 1);
    assert_true(EVP_DigestSign(md, der, &len, msg, n) == 1);
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    assert_non_null(sig);
    assert_true(BN_bn2binpad(ECDSA_SIG_get0_r(sig), r, 32) == 32 && BN_bn2binpad(ECDSA_SIG_get0_s(sig), s, 32) == 32);
    put_le72(out, r);
    put_le72(out + 72, s);
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pc);
}

static void put_key_uid(uint8_t *qx, const key *k, uint8_t *uid_len) {
    put_le72(qx, k->xy);
    put_le72(qx + 72, k->xy + 32);
    uid_len[0] = (uint8_t)strlen(k->uid);
    uid_len[1] = 0;
    memcpy(uid_len + 2, k->uid, strlen(k->uid));
}

/* "ca" format (HRK, HSK): key ID = first 16 bytes of the public key. */
static void ca_cert(uint8_t c[832], const key *k, uint32_t usage, const key *signer) {
    memset(c, 0, 832);
    put32(c, 1);
    memcpy(c + 4, k->xy, 16);
    memcpy(c + 20, signer->xy, 16);
    put32(c + 36, usage);
    put32(c + 64, CSV_CURVE_SM2);
    put_key_uid(c + 68, k, c + 212);
    sm2_sign(signer, c, CSV_CA_SIGNED_LEN, c + 576);
}

/* "csv" format (CEK, PEK): slot 0 signed by `signer`, slot 1 empty. */
static void mk_csv_cert(uint8_t c[2084], const key *k, uint32_t usage, const key *signer, uint32_t signer_usage) {
    memset(c, 0, 2084);
    put32(c, 1);
    c[4] = 1;
    c[5] = 4;
    put32(c + 8, usage);
    put32(c + 12, CSV_ALGO_SM2_SIGN);
    put32(c + 16, CSV_CURVE_SM2);
    put_key_uid(c + 20, k, c + 164);
    memcpy(c + 420, signer->xy, 16);
    put32(c + 1044, signer_usage);
    put32(c + 1048, CSV_ALGO_SM2_SIGN);
    sm2_sign(signer, c, CSV_CERT_SIGNED_LEN, c + 1052);
    put32(c + 1564, CSV_USAGE_NONE);
}

/* A CCEL: Spec ID header (SM3 only), events on MR 1..4, an EV_NO_ACTION
 * event, then 0xFF padding. */
static size_t make_log(uint8_t *b, uint8_t rtmr[CCS_CSV_RTMRS][32], int events) {
    size_t o = 0;
    memset(b, 0xff, 1024);
    memset(b, 0, 32);
    put32(b + 4, 3);
    put32(b + 28, 33);
    o = 32;
    memcpy(b + o, "Spec ID Event03", 16);
    memset(b + o + 16, 0, 17);
    b[o + 21] = 2;   /* spec major */
    b[o + 23] = 2;   /* uintn size */
    put32(b + o + 24, 1);
    b[o + 28] = 0x12; /* SM3 */
    b[o + 29] = 0;
    b[o + 30] = 32;
    b[o + 31] = 0;
    b[o + 32] = 0; /* vendor info size */
    o += 33;
    memset(rtmr, 0, CCS_CSV_RTMRS * 32);
    for (int i = 0; i < events; i++) {
        uint32_t index = 1 + (uint32_t)(i % 4), type = i == 2 ? 3u : 0x80000001u;
        uint8_t d[32], in[64];
        memset(d, 0x30 + i, 32);
        put32(b + o, index);
        put32(b + o + 4, type);
        put32(b + o + 8, 1);
        b[o + 12] = 0x12;
        b[o + 13] = 0;
        memcpy(b + o + 14, d, 32);
        put32(b + o + 46, 5);
        memcpy(b + o + 50, "event", 5);
        o += 55;
        if (type == 3) continue; /* EV_NO_ACTION: not extended */
        memcpy(in, rtmr[index], 32);
        memcpy(in + 32, d, 32);
        ccs_sm3(ccs_bytes_of(in, 64), rtmr[index]);
    }
    return o + 40; /* 40 bytes of 0xFF padding */
}

/* The v2 report inside the wrapper; sig_usage and build as given. */
static void make_report(uint8_t *w, uint32_t flags, const uint8_t rtmr[CCS_CSV_RTMRS][32], uint32_t build) {
    uint8_t *r = w + RPT;
    memset(w, 0, WRAP_LEN);
    memcpy(w, CSV_EXT_MAGIC, 16);
    put32(w + 16, flags);
    memcpy(r + 64, "nonce", 5);
    memcpy(r + 128, MNONCE, 16);
    memset(r + 144, 0xa5, 32); /* measure */
    put32(r + 176, 0x1);       /* NODBG */
    put32(r + 180, CSV_USAGE_PEK);
    put32(r + 184, CSV_ALGO_SM2_SIGN);
    put32(r + 188, build);
    r[192] = 1; /* rtmr_version */
    memcpy(r + 208, r + 144, 32);
    for (int i = 1; i < CCS_CSV_RTMRS; i++) memcpy(r + 208 + 32 * i, rtmr[i], 32);
    sm2_sign(&f.pek, r, CCS_CSV_V2_SIGNED_LEN, r + CSV_V2_SIG_OFF);
    memcpy(r + 1168, f.pek_cert, 2084);
    memcpy(r + 3252, "TESTCHIP0001", 12);
    memset(r + 3316, 0x5c, 32); /* reserved: HMAC input */
    assert_int_equal(ccs_hmac_sm3(ccs_bytes_of(MNONCE, 16), ccs_bytes_of(r + 1168, 3348 - 1168), r + 3348), CCS_OK);
}

static int setup(void **state) {
    (void)state;
    uint8_t rtmr[CCS_CSV_RTMRS][32];
    new_key(&f.hrk, "HYGON-SSD-HRK");
    new_key(&f.hsk, "HYGON-SSD-HSK");
    new_key(&f.cek, "HYGON-SSD-CEK");
    new_key(&f.pek, "HYGON-SSD-PEK");
    ca_cert(f.hrk_cert, &f.hrk, CSV_USAGE_HRK, &f.hrk);
    ca_cert(f.hsk_cert, &f.hsk, CSV_USAGE_HSK, &f.hrk);
    mk_csv_cert(f.cek_cert, &f.cek, CSV_USAGE_CEK, &f.hsk, CSV_USAGE_HSK);
    mk_csv_cert(f.pek_cert, &f.pek, CSV_USAGE_PEK, &f.cek, CSV_USAGE_CEK);
    f.log_len = make_log(f.log, rtmr, 7);
    make_report(f.wrap, 1, rtmr, 0x1234);
    f.certs = (ccs_csv_certs){{0}, ccs_bytes_of(f.hsk_cert, 832), ccs_bytes_of(f.cek_cert, 2084)};
    ccs__csv_set_test_hrk(ccs_bytes_of(f.hrk_cert, 832));
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ccs__csv_set_test_hrk(ccs_bytes_of(NULL, 0));
    key *k[] = {&f.hrk, &f.hsk, &f.cek, &f.pek};
    for (size_t i = 0; i < 4; i++) EVP_PKEY_free(k[i]->pk);
    return 0;
}

static bool has_failed(const ccs_csv_result *r, const char *name) {
    for (size_t i = 0; i < r->n_failed; i++)
        if (strcmp(r->failed[i].name, name) == 0) return true;
    return false;
}

/* Verifies and asserts that exactly the named checks failed (none: pass). */
static void expect_v(ccs_bytes ev, const ccs_csv_options *opt, ccs_csv_result *r, const char *const *names,
                     size_t n) {
    ccs_status st = ccs_csv_verify(ev, &f.certs, opt, r);
    bool ok = r->n_failed == n;
    for (size_t i = 0; i < n && ok; i++) ok = has_failed(r, names[i]);
    if (!ok)
        for (size_t i = 0; i < r->n_failed; i++)
            print_message("  failed: %s: %s\n", r->failed[i].name, r->failed[i].message);
    assert_true(ok);
    assert_int_equal(st, n ? CCS_ERR_VERIFY : CCS_OK);
}
#define EXPECT(ev, opt, r, ...)                                                                                     \
    do {                                                                                                           \
        const char *const names_[] = {__VA_ARGS__};                                                                \
        size_t n_ = sizeof names_ / sizeof names_[0] - 1;                                                          \
        expect_v((ev), (opt), (r), names_ + 1, n_);                                                                \
    } while (0)

static ccs_csv_options full_opt(void) {
    return (ccs_csv_options){.report_data = ccs_bytes_str("nonce"),
                             .mnonce = ccs_bytes_of(MNONCE, 16),
                             .event_log = ccs_bytes_of(f.log, f.log_len)};
}

static void test_v2_pass(void **state) {
    (void)state;
    ccs_csv_result r;
    ccs_csv_options opt = full_opt();
    char *js = NULL;
    EXPECT(ccs_bytes_of(f.wrap, WRAP_LEN), &opt, &r, "");
    assert_int_equal(r.report_version, 2);
    assert_int_equal(r.build, 0x1234);
    assert_int_equal(r.rtmr_version, 1);
    assert_int_equal(r.hmac, CCS_CSV_HMAC_VALID);
    assert_int_equal(r.event_log, CCS_CSV_EVENT_LOG_MATCHED);
    assert_int_equal((int)r.n_events, 7);
    assert_string_equal(r.chip_id, "TESTCHIP0001");
    assert_memory_equal(r.rtmr[0], r.measurement, 32);
    assert_int_equal(ccs_csv_result_json(&r, &js), CCS_OK);
    assert_non_null(strstr(js, "\"report_version\": 2"));
    assert_non_null(strstr(js, "\"rtmr_event_log\": \"matched\""));
    assert_non_null(strstr(js, "\"build\": 4660"));
    assert_non_null(strstr(js, "\"rtmr0\": \"a5a5"));
    assert_non_null(strstr(js, "\"rtmr4\": \""));
    free(js);
    /* CCS_CSV_V2_DUMP=DIR writes the fuzz corpus seeds (fuzz/corpus/csv_report). */
    const char *dump = getenv("CCS_CSV_V2_DUMP");
    if (dump) {
        char path[512];
        snprintf(path, sizeof path, "%s/v2_wrapper_hsk_cek.bin", dump);
        FILE *o = fopen(path, "wb");
        assert_non_null(o);
        fwrite(f.wrap, 1, WRAP_LEN, o);
        fwrite(f.hsk_cert, 1, 832, o);
        fwrite(f.cek_cert, 1, 2084, o);
        fclose(o);
        snprintf(path, sizeof path, "%s/v2_ccel_sm3.bin", dump);
        o = fopen(path, "wb");
        assert_non_null(o);
        fwrite(f.log, 1, f.log_len, o);
        fclose(o);
    }
    /* Without a log the RTMRs are reported, not checked; the report alone
     * (no padding after it) is accepted too. */
    opt.event_log = ccs_bytes_of(NULL, 0);
    EXPECT(ccs_bytes_of(f.wrap, RPT + CCS_CSV_REPORT_V2_LEN), &opt, &r, "");
    assert_int_equal(r.event_log, CCS_CSV_EVENT_LOG_NONE);
    assert_int_equal(ccs_csv_result_json(&r, &js), CCS_OK);
    assert_non_null(strstr(js, "\"rtmr_event_log\": \"not_given\""));
    free(js);
}

/* Without the test HRK, the real Hygon root does not anchor this chain. */
static void test_v2_real_root(void **state) {
    (void)state;
    ccs_csv_result r;
    ccs__csv_set_test_hrk(ccs_bytes_of(NULL, 0));
    EXPECT(ccs_bytes_of(f.wrap, WRAP_LEN), NULL, &r, "", CCS_CHECK_CSV_CHAIN);
    ccs_csv_certs c = f.certs;
    c.hrk = ccs_bytes_of(f.hrk_cert, 832);
    assert_int_equal(ccs_csv_verify(ccs_bytes_of(f.wrap, WRAP_LEN), &c, NULL, &r), CCS_ERR_VERIFY);
    assert_true(has_failed(&r, CCS_CHECK_CSV_HRK));
    ccs__csv_set_test_hrk(ccs_bytes_of(f.hrk_cert, 832));
}

static void test_v2_tamper(void **state) {
    (void)state;
    static uint8_t w[WRAP_LEN];
    ccs_csv_result r;
    /* Every part of the signed region [0, 1024) except the mnonce (the HMAC
     * key), and the signature itself. */
    static const size_t offs[] = {0, 40, 64, 150, 176, 188, 192, 200, 210, 260, 360, 400, 1000, 1023, 1024, 1100};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        memcpy(w, f.wrap, WRAP_LEN);
        w[RPT + offs[i]] ^= 0x01;
        ccs_status st = ccs_csv_verify(ccs_bytes_of(w, WRAP_LEN), &f.certs, NULL, &r);
        assert_int_equal(st, CCS_ERR_VERIFY);
        assert_true(has_failed(&r, CCS_CHECK_CSV_REPORT_SIGNATURE));
    }
    /* The chip SN: only the HMAC protects it. */
    memcpy(w, f.wrap, WRAP_LEN);
    w[RPT + 3252] = 'X';
    EXPECT(ccs_bytes_of(w, WRAP_LEN), NULL, &r, "", CCS_CHECK_CSV_REPORT_HMAC);
    /* The reserved bytes of the signer block are HMAC input too. */
    memcpy(w, f.wrap, WRAP_LEN);
    w[RPT + 3320] ^= 1;
    EXPECT(ccs_bytes_of(w, WRAP_LEN), NULL, &r, "", CCS_CHECK_CSV_REPORT_HMAC);
    /* Padding after the report is not signed and is ignored. */
    memcpy(w, f.wrap, WRAP_LEN);
    w[WRAP_LEN - 1] ^= 1;
    EXPECT(ccs_bytes_of(w, WRAP_LEN), NULL, &r, "");
    /* The expected mnonce. */
    ccs_csv_options opt = {.mnonce = ccs_bytes_of(f.wrap, 16)};
    EXPECT(ccs_bytes_of(f.wrap, WRAP_LEN), &opt, &r, "", CCS_CHECK_CSV_MNONCE);
}

/* v2 has no anonce: nothing is unmasked. Read as v1 (flags 0), the build
 * field would be taken for the anonce and the rtmr0 bytes for the upper
 * part of r: it does not parse, whatever the build. */
static void test_v2_anonce(void **state) {
    (void)state;
    static uint8_t w[WRAP_LEN];
    ccs_csv_report rep;
    ccs_csv_result r;
    assert_int_equal(ccs_csv_report_parse(ccs_bytes_of(f.wrap, WRAP_LEN), &rep), CCS_OK);
    assert_int_equal(rep.anonce, 0);
    assert_memory_equal(rep.report_data, "nonce", 5);
    assert_memory_equal(rep.mnonce, MNONCE, 16);
    memcpy(w, f.wrap, WRAP_LEN);
    w[16] = 0; /* flags 0: v1; usage XOR "anonce", or the v1 r field (rtmr0 bytes) */
    assert_int_not_equal(ccs_csv_report_parse(ccs_bytes_of(w, WRAP_LEN), &rep), CCS_OK);
    EXPECT(ccs_bytes_of(w, WRAP_LEN), NULL, &r, "", CCS_CHECK_CSV_REPORT_FORMAT);
    uint8_t rtmr[CCS_CSV_RTMRS][32];
    uint8_t log[1024];
    make_log(log, rtmr, 7);
    make_report(w, 0, rtmr, 0); /* a v2 body with build 0 ("anonce" 0), claimed as v1 */
    assert_int_not_equal(ccs_csv_report_parse(ccs_bytes_of(w, WRAP_LEN), &rep), CCS_OK);
    EXPECT(ccs_bytes_of(w, WRAP_LEN), NULL, &r, "", CCS_CHECK_CSV_REPORT_FORMAT);
}

static void test_v2_truncation_and_version(void **state) {
    (void)state;
    static uint8_t w[WRAP_LEN + 1];
    ccs_csv_report rep;
    for (size_t n = 0; n < RPT + CCS_CSV_REPORT_V2_LEN; n++) {
        ccs_status st = ccs_csv_report_parse(ccs_bytes_of(f.wrap, n), &rep);
        if (st != CCS_ERR_TRUNCATED) print_message("length %zu: status %d\n", n, st);
        assert_int_equal(st, CCS_ERR_TRUNCATED);
    }
    for (size_t n = RPT + CCS_CSV_REPORT_V2_LEN; n <= WRAP_LEN; n += 97)
        assert_int_equal(ccs_csv_report_parse(ccs_bytes_of(f.wrap, n), &rep), CCS_OK);
    memcpy(w, f.wrap, WRAP_LEN);
    assert_int_equal(ccs_csv_report_parse(ccs_bytes_of(w, WRAP_LEN + 1), &rep), CCS_ERR_TRAILING);
    w[16] = 2; /* flags 2: no such version */
    assert_int_equal(ccs_csv_report_parse(ccs_bytes_of(w, WRAP_LEN), &rep), CCS_ERR_UNSUPPORTED);
    memcpy(w, f.wrap, WRAP_LEN);
    w[RPT + 180] = 0x03; /* sig_usage 0x1003 */
    assert_int_equal(ccs_csv_report_parse(ccs_bytes_of(w, WRAP_LEN), &rep), CCS_ERR_UNSUPPORTED);
    memcpy(w, f.wrap, WRAP_LEN);
    w[RPT + 1024 + 40] = 1; /* r above its low 32 bytes */
    assert_int_equal(ccs_csv_report_parse(ccs_bytes_of(w, WRAP_LEN), &rep), CCS_ERR_FORMAT);
}

static void test_v2_event_log(void **state) {
    (void)state;
    ccs_csv_result r;
    ccs_csv_options opt = full_opt();
    uint8_t log[1024], rtmr[CCS_CSV_RTMRS][32];
    size_t n = make_log(log, rtmr, 8); /* one more event (on rtmr4) than the report saw */
    opt.event_log = ccs_bytes_of(log, n);
    EXPECT(ccs_bytes_of(f.wrap, WRAP_LEN), &opt, &r, "", CCS_CHECK_CSV_RTMR);
    assert_int_equal(r.event_log, CCS_CSV_EVENT_LOG_MISMATCHED);
    memcpy(log, f.log, f.log_len);
    log[65 + 14] ^= 1; /* the first event's SM3 digest */
    opt.event_log = ccs_bytes_of(log, f.log_len);
    EXPECT(ccs_bytes_of(f.wrap, WRAP_LEN), &opt, &r, "", CCS_CHECK_CSV_RTMR);
    /* Not a log: structure errors. */
    memcpy(log, f.log, f.log_len);
    log[65] = 5; /* MR index 5 */
    EXPECT(ccs_bytes_of(f.wrap, WRAP_LEN), &opt, &r, "", CCS_CHECK_CSV_EVENT_LOG);
    assert_int_equal(r.event_log, CCS_CSV_EVENT_LOG_INVALID);
    for (size_t len = 1; len < 65 + 55; len++) {
        uint8_t rt[CCS_CSV_RTMRS][32];
        size_t ne;
        memcpy(log, f.log, f.log_len);
        ccs_status st = ccs_csv_ccel_replay(ccs_bytes_of(log, len), rt, &ne);
        if (len < 65 || len > 65) assert_int_not_equal(st, CCS_OK);
    }
    memcpy(log, f.log, f.log_len);
    log[65 - 33 + 28] = 0x0b; /* header lists SHA-256 only */
    log[65 - 33 + 30] = 32;
    uint8_t rt[CCS_CSV_RTMRS][32];
    size_t ne;
    assert_int_equal(ccs_csv_ccel_replay(ccs_bytes_of(log, f.log_len), rt, &ne), CCS_ERR_UNSUPPORTED);
    /* A v1 report has no RTMRs. */
    ccs_buf v1 = tu_read("csv/csvrs-report-and-certs/report.cert");
    ccs_csv_options o1 = {.event_log = ccs_bytes_of(f.log, f.log_len)};
    assert_int_equal(ccs_csv_verify(ccs_buf_view(&v1), NULL, &o1, &r), CCS_ERR_VERIFY);
    assert_true(has_failed(&r, CCS_CHECK_CSV_EVENT_LOG));
    ccs_buf_free(&v1);
}

/* trustee JSON: attestation_report {magic, flags 1, data}, serial_number,
 * cc_eventlog (base64). csv-rs zeroed the reserved bytes: HMAC unchecked. */
static char *trustee_json(const uint8_t *wrap, const char *cc_eventlog) {
    size_t cap = 64 * 1024;
    char *s = malloc(cap);
    size_t o = 0;
    assert_non_null(s);
    o += (size_t)snprintf(s + o, cap - o, "{\"attestation_report\":{\"magic\":[");
    for (int i = 0; i < 16; i++) o += (size_t)snprintf(s + o, cap - o, "%s%u", i ? "," : "", wrap[i]);
    o += (size_t)snprintf(s + o, cap - o, "],\"flags\":%u,\"data\":[", wrap[16]);
    for (int i = 0; i < CCS_CSV_REPORT_BUF_LEN; i++) {
        uint8_t b = wrap[RPT + i];
        if (i >= 3316 && i < 3348) b = 0;
        o += (size_t)snprintf(s + o, cap - o, "%s%u", i ? "," : "", b);
    }
    o += (size_t)snprintf(s + o, cap - o, "]},\"serial_number\":\"TESTCHIP0001\"");
    if (cc_eventlog) o += (size_t)snprintf(s + o, cap - o, ",\"cc_eventlog\":\"%s\"", cc_eventlog);
    snprintf(s + o, cap - o, "}");
    return s;
}

static void test_v2_trustee(void **state) {
    (void)state;
    ccs_csv_result r;
    ccs_buf b64 = {0};
    ccs_csv_options opt = {.insecure_unchecked_hmac = true};
    assert_int_equal(ccs_base64_encode(ccs_bytes_of(f.log, f.log_len), &b64), CCS_OK);
    assert_int_equal(ccs_buf_append(&b64, (const uint8_t *)"", 1), CCS_OK);
    char *js = trustee_json(f.wrap, (const char *)b64.ptr);
    EXPECT(ccs_bytes_str(js), &opt, &r, "");
    assert_int_equal(r.report_version, 2);
    assert_int_equal(r.form, CCS_CSV_FORM_TRUSTEE);
    assert_int_equal(r.hmac, CCS_CSV_HMAC_NOT_CHECKABLE);
    assert_int_equal(r.event_log, CCS_CSV_EVENT_LOG_MATCHED);
    EXPECT(ccs_bytes_str(js), NULL, &r, "", CCS_CHECK_CSV_REPORT_HMAC);
    free(js);
    js = trustee_json(f.wrap, "!!!");
    EXPECT(ccs_bytes_str(js), &opt, &r, "", CCS_CHECK_CSV_EVENT_LOG);
    free(js);
    static uint8_t w[WRAP_LEN];
    memcpy(w, f.wrap, WRAP_LEN);
    w[16] = 7;
    js = trustee_json(w, NULL);
    ccs_csv_report rep;
    assert_int_equal(ccs_csv_report_parse(ccs_bytes_str(js), &rep), CCS_ERR_UNSUPPORTED);
    free(js);
    ccs_buf_free(&b64);
}

int ccs_test_csv_v2(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v2_pass),   cmocka_unit_test(test_v2_real_root),
        cmocka_unit_test(test_v2_tamper), cmocka_unit_test(test_v2_anonce),
        cmocka_unit_test(test_v2_truncation_and_version), cmocka_unit_test(test_v2_event_log),
        cmocka_unit_test(test_v2_trustee),
    };
    return cmocka_run_group_tests_name("attest/csv_v2", tests, setup, teardown);
}
