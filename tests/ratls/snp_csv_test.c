/* SEV-SNP (tag 0x1a7504) and Hygon CSV (tag 0x1a7506) evidence in RA-TLS
 * certificates, built by ccs_ratls_cert_create_with around the recorded
 * reports of tests/data/attestation (their MANIFESTs): the evidence verifies
 * to the pinned AMD ARK / Hygon HRK (at the SNP MANIFEST's "as of" time) and
 * the key binding is the one failed check -- the recorded report data cannot
 * be SHA-256 of a fresh certificate's claims. Also: the collateral sources,
 * tampered reports and certificates, the layouts refused by the parser, the
 * KBS-format policy over SNP/CSV results, and the backends' absence here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/ratls.h"
#include "ratls_internal.h"
#include "ratls_tests.h"

#define SNP_DIR CCS_TEST_DATA "/attestation/snp"
#define CSV_DIR CCS_TEST_DATA "/attestation/csv/csvrs-report-and-certs"
#define AS_OF ((ccs_time)1748736000) /* snp/MANIFEST.md: 2025-06-01T00:00:00Z */

static ccs_buf slurp(const char *path) {
    ccs_buf b = {0};
    if (ccs_file_read(path, 1u << 20, &b) != CCS_OK) fail_msg("%s: %s", path, ccs_error_detail());
    return b;
}

/* The i-th certificate of a PEM file, as DER. */
static ccs_buf pem_cert_der(const char *path, size_t i) {
    ccs_buf pem = slurp(path), der = {0};
    ccs_x509_chain *ch = NULL;
    assert_int_equal(ccs_x509_chain_parse_pem(ccs_buf_view(&pem), &ch), CCS_OK);
    assert_true(i < ccs_x509_chain_len(ch));
    assert_int_equal(ccs_buf_set(&der, ccs_x509_der(ccs_x509_chain_get(ch, i))), CCS_OK);
    ccs_x509_chain_free(ch);
    ccs_buf_free(&pem);
    return der;
}

/* The evidence producer for the tests: fixed bytes, whatever is asked. */
typedef struct fixed {
    ccs_bytes ev;
    uint8_t asked[64];
} fixed;

static ccs_status fixed_fn(void *ctx, ccs_bytes report_data, ccs_buf *out) {
    fixed *f = ctx;
    assert_int_equal(report_data.len, 64);
    memcpy(f->asked, report_data.ptr, 64);
    return ccs_buf_set(out, f->ev);
}

static ccs_buf make_cert(ccs_platform p, ccs_bytes ev) {
    fixed f = {.ev = ev};
    ccs_ratls_create_options o = {.now = AS_OF};
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    ccs_buf der = {0};
    if (ccs_ratls_cert_create_with(p, fixed_fn, &f, &o, &c, &k) != CCS_OK) fail_msg("create: %s", ccs_error_detail());
    /* What was asked for is the binding the verifier computes. */
    ccs_ratls_evidence e;
    assert_int_equal(ccs_ratls_evidence_parse(ccs_x509_der(c), &e), CCS_OK);
    assert_memory_equal(e.report_data, f.asked, 64);
    assert_true(e.pubkey_hash_ok);
    ccs_ratls_evidence_clear(&e);
    assert_int_equal(ccs_buf_set(&der, ccs_x509_der(c)), CCS_OK);
    ccs_x509_free(c);
    ccs_privkey_free(k);
    return der;
}

static bool has(const ccs_failed_check *f, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0) return true;
    return false;
}

static ccs_ratls_result *res(void) {
    static ccs_ratls_result r; /* large */
    return &r;
}

/* The one failure: the evidence check, with only the key binding failed
 * inside (the SNP/CSV verifier's report_data). */
static void want_binding_only(const ccs_ratls_result *r, const ccs_failed_check *f, size_t n) {
    char why[1024];
    ccs_ratls_result_reasons(r, why, sizeof why);
    if (n != 1) print_message("reasons: %s\n", why);
    assert_false(r->pass);
    assert_int_equal(r->n_failed, 1);
    assert_string_equal(r->failed[0].name, CCS_RATLS_CHECK_EVIDENCE);
    assert_int_equal(n, 1);
    assert_string_equal(f[0].name, CCS_CHECK_REPORT_DATA);
    assert_string_equal(f[0].message, "report data does not match the expected value");
    assert_non_null(strstr(why, "report_data: report data does not match the expected value"));
}

/* report || table(key, ASK, ARK) for a recorded SNP folder. */
static ccs_buf snp_evidence(const char *dir, const char *key_file, bool vlek, bool with_ask) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s/report.bin", SNP_DIR, dir);
    ccs_buf report = slurp(p), out = {0};
    snprintf(p, sizeof p, "%s/%s/%s", SNP_DIR, dir, key_file);
    ccs_buf key = slurp(p);
    snprintf(p, sizeof p, "%s/%s/cert_chain.pem", SNP_DIR, dir);
    ccs_buf ask = with_ask ? pem_cert_der(p, 0) : (ccs_buf){0}, ark = with_ask ? pem_cert_der(p, 1) : (ccs_buf){0};
    ratls_snp_certs c = {.ask = ccs_buf_view(&ask), .ark = ccs_buf_view(&ark)};
    if (vlek) c.vlek = ccs_buf_view(&key);
    else c.vcek = ccs_buf_view(&key);
    assert_int_equal(ratls_snp_evidence_build(ccs_buf_view(&report), &c, &out), CCS_OK);
    ccs_buf_free(&report);
    ccs_buf_free(&key);
    ccs_buf_free(&ask);
    ccs_buf_free(&ark);
    return out;
}

static void test_snp_vcek_in_certificate(void **state) {
    (void)state;
    ccs_buf ev = snp_evidence("trustee-milan-vcek", "vcek.der", false, true);
    ccs_buf der = make_cert(CCS_PLATFORM_SNP, ccs_buf_view(&ev));
    ccs_ratls_verify_options o = {.now = AS_OF};
    ccs_ratls_result *r = res();
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_true(r->is_snp);
    assert_int_equal(r->format, CCS_RATLS_FORMAT_TCG);
    assert_int_equal(r->tag, CCS_RATLS_TAG_SNP_REPORT);
    assert_string_equal(ccs_ratls_result_tee_name(r), "snp");
    assert_string_equal(r->collateral_source, "evidence");
    assert_int_equal(r->snp.product, CCS_SNP_PRODUCT_MILAN);
    want_binding_only(r, r->snp.failed, r->snp.n_failed);

    /* The cached verifier says the same. */
    ccs_ratls_verifier *v = NULL;
    assert_int_equal(ccs_ratls_verifier_new(&o, NULL, &v), CCS_OK);
    assert_int_equal(ccs_ratls_verifier_check(v, ccs_buf_view(&der), r), CCS_ERR_VERIFY);
    want_binding_only(r, r->snp.failed, r->snp.n_failed);
    ccs_ratls_verifier_free(v);

    /* Later than the VCEK's validity: the chain fails too. */
    o.now = AS_OF + (ccs_time)3650 * 86400;
    o.ignore_validity = true;
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_true(has(r->snp.failed, r->snp.n_failed, CCS_CHECK_SNP_VCEK_CHAIN));
    ccs_buf_free(&der);
    ccs_buf_free(&ev);
}

static void test_snp_vlek_in_certificate(void **state) {
    (void)state;
    ccs_buf ev = snp_evidence("trustee-milan-vlek", "vlek.der", true, true);
    ccs_buf der = make_cert(CCS_PLATFORM_SNP, ccs_buf_view(&ev));
    ccs_ratls_verify_options o = {.now = AS_OF, .snp_max_vmpl = 1}; /* requested at VMPL 1 */
    ccs_ratls_result *r = res();
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_int_equal(r->snp.signing_key, CCS_SNP_KEY_VLEK);
    want_binding_only(r, r->snp.failed, r->snp.n_failed);
    /* By default VMPL 0 only: the VMPL fails too. */
    o.snp_max_vmpl = 0;
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_true(has(r->snp.failed, r->snp.n_failed, CCS_CHECK_SNP_VMPL));
    ccs_buf_free(&der);
    ccs_buf_free(&ev);
}

static void test_snp_collateral_sources(void **state) {
    (void)state;
    ccs_buf report = slurp(SNP_DIR "/trustee-milan-vcek/report.bin");
    ccs_buf der = make_cert(CCS_PLATFORM_SNP, ccs_buf_view(&report)); /* the report alone, as rats-tls emits */
    ccs_ratls_result *r = res();
    ccs_ratls_verify_options o = {.now = AS_OF};
    /* Nothing carried, nothing configured: the collateral check. */
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_int_equal(r->n_failed, 1);
    assert_string_equal(r->failed[0].name, CCS_RATLS_CHECK_COLLATERAL);
    assert_non_null(strstr(r->failed[0].message, "carries no VCEK"));
    /* A collateral directory (vcek.der + cert_chain.pem). */
    o.collateral = SNP_DIR "/trustee-milan-vcek";
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_string_equal(r->collateral_source, "collateral");
    want_binding_only(r, r->snp.failed, r->snp.n_failed);
    /* Another chip's directory: refused on the VCEK. */
    o.collateral = SNP_DIR "/azure-genoa-vcek";
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_true(r->snp.n_failed > 1);
    ccs_buf_free(&der);

    /* A VCEK in the certificate without its ASK: named. */
    ccs_buf ev = snp_evidence("trustee-milan-vcek", "vcek.der", false, false);
    der = make_cert(CCS_PLATFORM_SNP, ccs_buf_view(&ev));
    o.collateral = NULL;
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_string_equal(r->failed[0].name, CCS_RATLS_CHECK_COLLATERAL);
    assert_non_null(strstr(r->failed[0].message, "not the ASK"));
    /* ... which the directory's cert_chain.pem supplies (the certificate's VCEK is used). */
    o.collateral = SNP_DIR "/azure-milan-vcek";
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    want_binding_only(r, r->snp.failed, r->snp.n_failed);
    ccs_buf_free(&der);
    ccs_buf_free(&ev);
    ccs_buf_free(&report);
}

static void test_snp_tampered(void **state) {
    (void)state;
    ccs_ratls_verify_options o = {.now = AS_OF};
    ccs_ratls_result *r = res();
    /* A measurement byte flipped: the report signature fails. */
    ccs_buf ev = snp_evidence("trustee-milan-vcek", "vcek.der", false, true);
    ev.ptr[0x90] ^= 1;
    ccs_buf der = make_cert(CCS_PLATFORM_SNP, ccs_buf_view(&ev));
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_true(has(r->snp.failed, r->snp.n_failed, CCS_CHECK_SNP_REPORT_SIGNATURE));
    assert_true(has(r->snp.failed, r->snp.n_failed, CCS_CHECK_REPORT_DATA));
    ccs_buf_free(&der);
    ccs_buf_free(&ev);
    /* Another chip's VCEK in the table: refused. */
    ev = snp_evidence("trustee-milan-vcek", "vcek-other-chip-new.der", false, true);
    der = make_cert(CCS_PLATFORM_SNP, ccs_buf_view(&ev));
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_true(r->snp.n_failed > 1);
    assert_false(r->pass);
    ccs_buf_free(&der);
    ccs_buf_free(&ev);
}

/* tag(tag, [bstr ev, bstr claims]) parsed alone. */
static ccs_status parse_as(uint64_t tag, ccs_bytes ev) {
    static const uint8_t spki[] = "spki";
    ccs_buf claims = {0}, ext = {0};
    ccs_ratls_evidence e;
    assert_int_equal(ratls_claims_encode(CCS_HASH_SHA256, ccs_bytes_of(spki, sizeof spki), ccs_bytes_of(NULL, 0),
                                         &claims), CCS_OK);
    assert_int_equal(ratls_tcg_encode(tag, ev, ccs_buf_view(&claims), &ext), CCS_OK);
    ccs_status st = ccs_ratls_tcg_parse(ccs_buf_view(&ext), ccs_bytes_of(spki, sizeof spki), &e);
    ccs_ratls_evidence_clear(&e);
    ccs_buf_free(&ext);
    ccs_buf_free(&claims);
    return st;
}

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void test_layouts(void **state) {
    (void)state;
    ccs_buf report = slurp(SNP_DIR "/trustee-milan-vcek/report.bin");
    ccs_buf csv = slurp(CSV_DIR "/report.cert"), hsk_cek = slurp(CSV_DIR "/hsk_cek.cert");
    ccs_buf ev = snp_evidence("trustee-milan-vcek", "vcek.der", false, true), b = {0};
    assert_int_equal(parse_as(CCS_RATLS_TAG_SNP_REPORT, ccs_buf_view(&report)), CCS_OK);
    assert_int_equal(parse_as(CCS_RATLS_TAG_SNP_REPORT, ccs_buf_view(&ev)), CCS_OK);
    /* Short of a report. */
    assert_int_equal(parse_as(CCS_RATLS_TAG_SNP_REPORT, ccs_bytes_of(report.ptr, 0x49F)), CCS_ERR_TRUNCATED);
    /* Table: no terminating entry, an entry outside, a duplicate, a bad terminator. */
    assert_int_equal(parse_as(CCS_RATLS_TAG_SNP_REPORT, ccs_bytes_of(ev.ptr, 0x4A0 + 24 * 2)), CCS_ERR_TRUNCATED);
    assert_int_equal(ccs_buf_set(&b, ccs_buf_view(&ev)), CCS_OK);
    put32(b.ptr + 0x4A0 + 20, 0x10000);
    assert_int_equal(parse_as(CCS_RATLS_TAG_SNP_REPORT, ccs_buf_view(&b)), CCS_ERR_FORMAT);
    assert_int_equal(ccs_buf_set(&b, ccs_buf_view(&ev)), CCS_OK);
    put32(b.ptr + 0x4A0 + 16, 0); /* data overlapping the entries */
    assert_int_equal(parse_as(CCS_RATLS_TAG_SNP_REPORT, ccs_buf_view(&b)), CCS_ERR_FORMAT);
    assert_int_equal(ccs_buf_set(&b, ccs_buf_view(&ev)), CCS_OK);
    memcpy(b.ptr + 0x4A0 + 24, b.ptr + 0x4A0, 16); /* the ASK entry says VCEK */
    assert_int_equal(parse_as(CCS_RATLS_TAG_SNP_REPORT, ccs_buf_view(&b)), CCS_ERR_FORMAT);
    assert_int_equal(ccs_buf_set(&b, ccs_buf_view(&ev)), CCS_OK);
    b.ptr[0x4A0 + 3 * 24 + 20] = 1; /* the terminator with a length */
    assert_int_equal(parse_as(CCS_RATLS_TAG_SNP_REPORT, ccs_buf_view(&b)), CCS_ERR_FORMAT);
    /* The other GUID byte order is read the same way. */
    assert_int_equal(ccs_buf_set(&b, ccs_buf_view(&ev)), CCS_OK);
    uint8_t *g = b.ptr + 0x4A0, t;
    t = g[0], g[0] = g[3], g[3] = t, t = g[1], g[1] = g[2], g[2] = t, t = g[4], g[4] = g[5], g[5] = t;
    t = g[6], g[6] = g[7], g[7] = t;
    ccs_bytes rep;
    ratls_snp_certs c;
    assert_int_equal(ratls_snp_split(ccs_buf_view(&b), &rep, &c), CCS_OK);
    assert_true(c.vcek.len > 0 && c.ask.len > 0 && c.ark.len > 0 && c.vlek.len == 0);

    /* CSV: the report, the report + HSK + CEK; short, or between the two. */
    assert_int_equal(parse_as(CCS_RATLS_TAG_CSV_REPORT, ccs_buf_view(&csv)), CCS_OK);
    assert_int_equal(ccs_buf_set(&b, ccs_buf_view(&csv)), CCS_OK);
    assert_int_equal(ccs_buf_append(&b, hsk_cek.ptr, hsk_cek.len), CCS_OK);
    assert_int_equal(parse_as(CCS_RATLS_TAG_CSV_REPORT, ccs_buf_view(&b)), CCS_OK);
    assert_int_equal(parse_as(CCS_RATLS_TAG_CSV_REPORT, ccs_bytes_of(b.ptr, 2547)), CCS_ERR_TRUNCATED);
    assert_int_equal(parse_as(CCS_RATLS_TAG_CSV_REPORT, ccs_bytes_of(b.ptr, 5000)), CCS_ERR_FORMAT);
    /* Wrong tags: an SNP report under the CSV tag, a CSV report under the SNP tag. */
    assert_int_equal(parse_as(CCS_RATLS_TAG_CSV_REPORT, ccs_buf_view(&report)), CCS_ERR_TRUNCATED);
    assert_int_not_equal(parse_as(CCS_RATLS_TAG_SNP_REPORT, ccs_buf_view(&csv)), CCS_OK);
    /* The SEV tag (0x1a7505) parses and is never verified; an SNP report
     * under the DCAP tag fails as a quote. */
    ccs_buf der = make_cert(CCS_PLATFORM_SNP, ccs_buf_view(&report));
    ccs_ratls_result *r = res();
    fixed f = {.ev = ccs_buf_view(&report)};
    ccs_x509 *cx = NULL;
    ccs_privkey *k = NULL;
    assert_int_equal(ccs_ratls_cert_create_with(CCS_PLATFORM_TDX, fixed_fn, &f, NULL, &cx, &k), CCS_OK);
    ccs_ratls_verify_options o = {.now = ccs_time_now(), .collateral = SNP_DIR "/trustee-milan-vcek"};
    assert_int_equal(ccs_ratls_verify_cert(ccs_x509_der(cx), &o, r), CCS_ERR_VERIFY);
    assert_false(r->is_snp);
    assert_string_equal(r->failed[0].name, CCS_RATLS_CHECK_EVIDENCE);
    ccs_x509_free(cx);
    ccs_privkey_free(k);
    /* Creation refuses SNP/CSV evidence that is not in the layout. */
    f.ev = ccs_bytes_of(report.ptr, 100);
    assert_int_equal(ccs_ratls_cert_create_with(CCS_PLATFORM_SNP, fixed_fn, &f, NULL, &cx, &k), CCS_ERR_TRUNCATED);
    assert_null(cx);
    assert_null(k);
    assert_int_equal(ccs_ratls_cert_create_with(CCS_PLATFORM_CSV, fixed_fn, &f, NULL, &cx, &k), CCS_ERR_TRUNCATED);
    ccs_buf_free(&der);
    ccs_buf_free(&b);
    ccs_buf_free(&ev);
    ccs_buf_free(&report);
    ccs_buf_free(&csv);
    ccs_buf_free(&hsk_cek);
}

static void test_sev_tag_not_verified(void **state) {
    (void)state;
    /* An extension with tag 0x1a7505 in a certificate: parse OK, verification refuses by name. */
    static const uint8_t spki[] = "x";
    ccs_buf claims = {0}, ext = {0};
    assert_int_equal(ratls_claims_encode(CCS_HASH_SHA256, ccs_bytes_of(spki, 1), ccs_bytes_of(NULL, 0), &claims),
                     CCS_OK);
    assert_int_equal(ratls_tcg_encode(CCS_RATLS_TAG_SEV_REPORT, ccs_bytes_str("sev"), ccs_buf_view(&claims), &ext),
                     CCS_OK);
    ccs_ratls_evidence e;
    assert_int_equal(ccs_ratls_tcg_parse(ccs_buf_view(&ext), ccs_bytes_of(spki, 1), &e), CCS_OK);
    assert_int_equal(e.tag, 0x1a7505u);
    ccs_ratls_evidence_clear(&e);
    ccs_buf_free(&ext);
    ccs_buf_free(&claims);
}

static void test_csv_in_certificate(void **state) {
    (void)state;
    ccs_buf report = slurp(CSV_DIR "/report.cert"), hsk_cek = slurp(CSV_DIR "/hsk_cek.cert"), ev = {0};
    assert_int_equal(ccs_buf_set(&ev, ccs_buf_view(&report)), CCS_OK);
    assert_int_equal(ccs_buf_append(&ev, hsk_cek.ptr, hsk_cek.len), CCS_OK);
    ccs_ratls_result *r = res();
    ccs_ratls_verify_options o = {.now = AS_OF};

    /* The HSK and CEK in the certificate (rats-tls's layout). */
    ccs_buf der = make_cert(CCS_PLATFORM_CSV, ccs_buf_view(&ev));
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_true(r->is_csv);
    assert_int_equal(r->tag, CCS_RATLS_TAG_CSV_REPORT);
    assert_string_equal(ccs_ratls_result_tee_name(r), "csv");
    assert_string_equal(r->collateral_source, "evidence");
    assert_int_equal(r->csv.hmac, CCS_CSV_HMAC_VALID);
    want_binding_only(r, r->csv.failed, r->csv.n_failed);
    ccs_buf_free(&der);

    /* The report alone: the collateral directory's hsk_cek.cert, or nothing. */
    der = make_cert(CCS_PLATFORM_CSV, ccs_buf_view(&report));
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_string_equal(r->failed[0].name, CCS_RATLS_CHECK_COLLATERAL);
    assert_non_null(strstr(r->failed[0].message, "no HSK and CEK"));
    o.collateral = CSV_DIR;
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_string_equal(r->collateral_source, "collateral");
    want_binding_only(r, r->csv.failed, r->csv.n_failed);
    ccs_buf_free(&der);
    o.collateral = NULL;

    /* Tampered: a measurement byte (signature), the CEK (chain). */
    ev.ptr[144] ^= 1;
    der = make_cert(CCS_PLATFORM_CSV, ccs_buf_view(&ev));
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    assert_true(has(r->csv.failed, r->csv.n_failed, CCS_CHECK_CSV_REPORT_SIGNATURE));
    ccs_buf_free(&der);
    ev.ptr[144] ^= 1;
    ev.ptr[ev.len - CCS_CSV_CERT_LEN + 30] ^= 1; /* the CEK's public key (signed by the HSK) */
    der = make_cert(CCS_PLATFORM_CSV, ccs_buf_view(&ev));
    assert_int_equal(ccs_ratls_verify_cert(ccs_buf_view(&der), &o, r), CCS_ERR_VERIFY);
    char why[1024];
    ccs_ratls_result_reasons(r, why, sizeof why);
    if (!has(r->csv.failed, r->csv.n_failed, CCS_CHECK_CSV_CHAIN)) print_message("reasons: %s\n", why);
    assert_true(has(r->csv.failed, r->csv.n_failed, CCS_CHECK_CSV_CHAIN));
    ccs_buf_free(&der);
    ccs_buf_free(&ev);
    ccs_buf_free(&report);
    ccs_buf_free(&hsk_cek);
}

/* The KBS policy's snp/csv entries over a verified result (the binding of
 * a recorded report cannot pass, so the result is made by the verifiers
 * without it, as the policy only ever sees passing results). */
static void test_policy(void **state) {
    (void)state;
    ccs_ratls_result *r = res();
    memset(r, 0, sizeof *r);
    ccs_buf rep = slurp(SNP_DIR "/trustee-milan-vcek/report.bin");
    ccs_snp_collateral *coll = NULL;
    assert_int_equal(ccs_snp_collateral_load_dir(SNP_DIR "/trustee-milan-vcek", &coll), CCS_OK);
    ccs_snp_options so = {.now = AS_OF};
    assert_int_equal(ccs_snp_verify(ccs_buf_view(&rep), coll, &so, &r->snp), CCS_OK);
    ccs_snp_collateral_free(coll);
    r->is_snp = r->pass = true;
    char m[97] = {0}, why[512];
    for (int i = 0; i < 48; i++) snprintf(m + 2 * i, 3, "%02x", r->snp.measurement[i]);
    ccs_ratls_policy *p = NULL;
    assert_int_equal(ccs_ratls_policy_parse("{\"version\":1,\"tees\":{\"snp\":{\"allow_debug\":true,\"measurements\":"
                                            "{\"measurement\":{\"ref\":\"vm.snp\"}}}}}", &p), CCS_OK);
    assert_int_equal(ccs_ratls_policy_add_refval(p, "vm.snp", m), CCS_OK);
    assert_int_equal(ccs_ratls_policy_check(p, r, why, sizeof why), CCS_OK);
    ccs_ratls_policy_free(p);
    char zero[97];
    memset(zero, '0', 96);
    zero[96] = '\0';
    assert_int_equal(ccs_ratls_policy_parse("{\"version\":1,\"tees\":{\"snp\":{\"allow_debug\":true,\"measurements\":"
                                            "{\"measurement\":{\"ref\":\"vm.snp\"}}}}}", &p), CCS_OK);
    assert_int_equal(ccs_ratls_policy_add_refval(p, "vm.snp", zero), CCS_OK);
    assert_int_equal(ccs_ratls_policy_check(p, r, why, sizeof why), CCS_ERR_POLICY);
    assert_non_null(strstr(why, "measurement"));
    ccs_ratls_policy_free(p);
    /* A policy without an snp entry refuses SNP evidence. */
    assert_int_equal(ccs_ratls_policy_parse("{\"version\":1,\"tees\":{\"csv\":{\"measurements\":"
                                            "{\"measurement\":{\"ref\":\"vm.csv\"}}}}}", &p), CCS_OK);
    assert_int_equal(ccs_ratls_policy_check(p, r, why, sizeof why), CCS_ERR_POLICY);
    assert_non_null(strstr(why, "snp"));
    ccs_buf_free(&rep);

    /* CSV: the csv entry over the CSV verifier's claims. */
    memset(r, 0, sizeof *r);
    ccs_buf ev = slurp(CSV_DIR "/report.cert"), store = {0};
    ccs_csv_certs certs;
    assert_int_equal(ccs_csv_certs_load_dir(CSV_DIR, &store, &certs), CCS_OK);
    ccs_csv_options co = {0};
    assert_int_equal(ccs_csv_verify(ccs_buf_view(&ev), &certs, &co, &r->csv), CCS_OK);
    r->is_csv = r->pass = true;
    assert_int_equal(ccs_ratls_policy_add_refval(
                         p, "vm.csv", "1178dadbf826ec7a07444ba358376d81c312cb53d703f9da83b26c1eee2ea052"), CCS_OK);
    assert_int_equal(ccs_ratls_policy_check(p, r, why, sizeof why), CCS_OK);
    ccs_ratls_policy_free(p);
    ccs_buf_free(&store);
    ccs_buf_free(&ev);
}

/* On this machine the hardware backends are absent: creation through them
 * fails at open with the backend's message. */
static void test_backends_absent(void **state) {
    (void)state;
    ccs_platform ps[] = {CCS_PLATFORM_SNP, CCS_PLATFORM_CSV};
    for (size_t i = 0; i < 2; i++) {
        ccs_tee_config cfg = {.platform = ps[i], .root = CCS_TEST_TMP "/no-such-root"};
        ccs_backend *b = NULL;
        assert_int_equal(ccs_backend_open(&cfg, &b), CCS_ERR_UNSUPPORTED);
        assert_non_null(strstr(ccs_error_detail(), "not available"));
        assert_null(b);
    }
}

int ccs_test_ratls_snp_csv(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snp_vcek_in_certificate),
        cmocka_unit_test(test_snp_vlek_in_certificate),
        cmocka_unit_test(test_snp_collateral_sources),
        cmocka_unit_test(test_snp_tampered),
        cmocka_unit_test(test_layouts),
        cmocka_unit_test(test_sev_tag_not_verified),
        cmocka_unit_test(test_csv_in_certificate),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_backends_absent),
    };
    return cmocka_run_group_tests_name("ratls_snp_csv", tests, NULL, NULL);
}
