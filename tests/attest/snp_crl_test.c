/* AMD CRL checking in the SEV-SNP verifier (check ark_crl). AMD's ARK key is
 * not ours, so the CRLs are issued by a synthetic PKI built here: a P-384
 * "ARK-Milan", an "SEV-Milan" ASK and a "SEV-VCEK" carrying the report's TCB
 * and chip id, which re-signs a recorded Milan report. The test ARK is
 * pinned through ccs__snp_set_test_ark (tests only). The real Genoa vector
 * checks that a CRL not signed by the real pinned ARK is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attest_tests.h"
#include "snp.h"
#include "testutil.h"

#define ASOF ((ccs_time)1748736000) /* 2025-06-01T00:00:00Z */
#define DAY ((ccs_time)86400)
#define ASK_SERIAL 0x41u
#define VCEK_SERIAL 0x5643454bu

static struct {
    ccs_privkey *ark_key, *ask_key, *vcek_key, *other_key;
    ccs_x509 *ark, *ask, *vcek, *other_ark;
    ccs_buf report, chain_pem;
} pki;

static void der_u8(uint8_t v, uint8_t out[4], size_t *n) {
    out[0] = 0x02;
    if (v < 0x80) {
        out[1] = 1, out[2] = v, *n = 3;
    } else {
        out[1] = 2, out[2] = 0, out[3] = v, *n = 4;
    }
}

static ccs_x509 *build(const char *cn, uint64_t serial, bool ca, ccs_privkey *key, const ccs_x509 *issuer,
                       ccs_privkey *issuer_key, const ccs_x509_ext *exts, size_t n_exts) {
    ccs_x509_spec spec = {
        .subject_cn = cn, .subject_o = "Advanced Micro Devices", .serial = serial,
        .not_before = ASOF - 365 * DAY, .not_after = ASOF + 365 * DAY, .ca = ca, .path_len = -1,
        .key_usage = ca ? CCS_KU_KEY_CERT_SIGN | CCS_KU_CRL_SIGN : CCS_KU_DIGITAL_SIGNATURE,
        .exts = exts, .n_exts = n_exts,
    };
    ccs_x509 *c = NULL;
    assert_int_equal(ccs_x509_build(&spec, key, issuer, issuer_key, &c), CCS_OK);
    return c;
}

/* The recorded Milan report (version 2), re-signed with the test VCEK:
 * R and S little-endian in 72-byte fields. */
static void resign_report(void) {
    ccs_buf sig = {0};
    pki.report = tu_read("snp/azure-milan-vcek/report.bin");
    assert_int_equal(ccs_ecdsa_sign_raw(pki.vcek_key, ccs_bytes_of(pki.report.ptr, CCS_SNP_SIGNED_LEN), &sig), CCS_OK);
    assert_int_equal(sig.len, 96);
    uint8_t *r = pki.report.ptr + 0x2A0, *s = pki.report.ptr + 0x2E8;
    memset(r, 0, 144);
    for (int i = 0; i < 48; i++) {
        r[i] = sig.ptr[47 - i];
        s[i] = sig.ptr[95 - i];
    }
    ccs_buf_free(&sig);
}

static int pki_setup(void **state) {
    (void)state;
    ccs_snp_report rep;
    ccs_buf raw = tu_read("snp/azure-milan-vcek/report.bin");
    if (ccs_snp_report_parse(ccs_buf_view(&raw), &rep) != CCS_OK) return -1;
    ccs_snp_tcb t = ccs_snp_tcb_decode(rep.reported_tcb, CCS_SNP_PRODUCT_MILAN);
    uint8_t bl[4], tee[4], snp[4], uc[4], hwid[66] = {0x04, 64};
    size_t nbl, ntee, nsnp, nuc;
    der_u8(t.bootloader, bl, &nbl);
    der_u8(t.tee, tee, &ntee);
    der_u8(t.snp, snp, &nsnp);
    der_u8(t.microcode, uc, &nuc);
    memcpy(hwid + 2, rep.chip_id.ptr, 64);
    static const uint8_t product[] = {0x16, 0x05, 'M', 'i', 'l', 'a', 'n'};
    ccs_x509_ext exts[] = {
        {"1.3.6.1.4.1.3704.1.2", ccs_bytes_of(product, sizeof product), false},
        {"1.3.6.1.4.1.3704.1.3.1", ccs_bytes_of(bl, nbl), false},
        {"1.3.6.1.4.1.3704.1.3.2", ccs_bytes_of(tee, ntee), false},
        {"1.3.6.1.4.1.3704.1.3.3", ccs_bytes_of(snp, nsnp), false},
        {"1.3.6.1.4.1.3704.1.3.8", ccs_bytes_of(uc, nuc), false},
        {"1.3.6.1.4.1.3704.1.4", ccs_bytes_of(hwid, sizeof hwid), false},
    };
    if (ccs_privkey_generate(CCS_CURVE_P384, &pki.ark_key) || ccs_privkey_generate(CCS_CURVE_P384, &pki.ask_key) ||
        ccs_privkey_generate(CCS_CURVE_P384, &pki.vcek_key) || ccs_privkey_generate(CCS_CURVE_P384, &pki.other_key))
        return -1;
    pki.ark = build("ARK-Milan", 1, true, pki.ark_key, NULL, pki.ark_key, NULL, 0);
    pki.other_ark = build("ARK-Milan", 1, true, pki.other_key, NULL, pki.other_key, NULL, 0);
    pki.ask = build("SEV-Milan", ASK_SERIAL, true, pki.ask_key, pki.ark, pki.ark_key, NULL, 0);
    pki.vcek = build("SEV-VCEK", VCEK_SERIAL, false, pki.vcek_key, pki.ask, pki.ask_key, exts, 6);
    ccs_buf_free(&raw);
    resign_report();
    if (ccs_x509_to_pem(pki.ask, &pki.chain_pem) || ccs_x509_to_pem(pki.ark, &pki.chain_pem)) return -1;
    ccs__snp_set_test_ark(CCS_SNP_PRODUCT_MILAN, pki.ark);
    return 0;
}

static int pki_teardown(void **state) {
    (void)state;
    ccs__snp_set_test_ark(CCS_SNP_PRODUCT_MILAN, NULL);
    ccs_x509_free(pki.ark);
    ccs_x509_free(pki.other_ark);
    ccs_x509_free(pki.ask);
    ccs_x509_free(pki.vcek);
    ccs_privkey_free(pki.ark_key);
    ccs_privkey_free(pki.ask_key);
    ccs_privkey_free(pki.vcek_key);
    ccs_privkey_free(pki.other_key);
    ccs_buf_free(&pki.report);
    ccs_buf_free(&pki.chain_pem);
    return 0;
}

/* A CRL issued by `issuer`, listing the given serials. */
static ccs_buf crl(const ccs_x509 *issuer, ccs_privkey *key, ccs_time this_update, ccs_time next_update,
                   const uint64_t *serials, size_t n) {
    ccs_buf der = {0};
    assert_int_equal(ccs_crl_build(issuer, key, this_update, next_update, 1, serials, n, &der), CCS_OK);
    return der;
}

static ccs_snp_collateral *coll_with(const ccs_buf *crl_der) {
    ccs_snp_collateral *c = NULL;
    assert_int_equal(ccs_snp_collateral_load(ccs_x509_der(pki.vcek), ccs_buf_view(&pki.chain_pem), &c), CCS_OK);
    if (crl_der) assert_int_equal(ccs_snp_collateral_set_crl(c, ccs_buf_view(crl_der)), CCS_OK);
    return c;
}

/* Verifies the synthetic report at `at`; want NULL: pass with the CRL
 * checked as `checked`; else the only failure is ark_crl, with want in its
 * message. */
static void expect_crl(ccs_snp_collateral *c, ccs_time at, const char *want, bool checked) {
    ccs_snp_result r;
    ccs_snp_options opt = {.now = at};
    ccs_status st = ccs_snp_verify(ccs_buf_view(&pki.report), c, &opt, &r);
    for (size_t i = 0; i < r.n_failed; i++) print_message("  failed: %s: %s\n", r.failed[i].name, r.failed[i].message);
    if (want == NULL) {
        assert_int_equal(st, CCS_OK);
        assert_true(r.pass);
        assert_int_equal(r.crl_checked, checked);
        return;
    }
    assert_int_equal(st, CCS_ERR_VERIFY);
    assert_int_equal(r.n_failed, 1);
    assert_string_equal(r.failed[0].name, CCS_CHECK_SNP_ARK_CRL);
    assert_non_null(strstr(r.failed[0].message, want));
    assert_false(r.crl_checked);
}

static void test_no_crl_not_checked(void **state) {
    (void)state;
    ccs_snp_collateral *c = coll_with(NULL);
    expect_crl(c, ASOF, NULL, false);
    char *js = NULL;
    ccs_snp_result r;
    ccs_snp_options opt = {.now = ASOF};
    assert_int_equal(ccs_snp_verify(ccs_buf_view(&pki.report), c, &opt, &r), CCS_OK);
    assert_int_equal(ccs_snp_result_json(&r, &js), CCS_OK);
    assert_non_null(strstr(js, "\"crl_checked\": false"));
    free(js);
    ccs_snp_collateral_free(c);
}

static void test_valid_crl_not_listing(void **state) {
    (void)state;
    const uint64_t others[] = {7, 0x5643454cu};
    ccs_buf d = crl(pki.ark, pki.ark_key, ASOF - DAY, ASOF + 7 * DAY, others, 2);
    ccs_snp_collateral *c = coll_with(&d);
    expect_crl(c, ASOF, NULL, true);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&d);
    /* An empty CRL (no revokedCertificates at all). */
    d = crl(pki.ark, pki.ark_key, ASOF - DAY, ASOF + 7 * DAY, NULL, 0);
    c = coll_with(&d);
    expect_crl(c, ASOF, NULL, true);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&d);
}

static void test_revoked(void **state) {
    (void)state;
    const uint64_t vcek[] = {3, VCEK_SERIAL}, ask[] = {ASK_SERIAL};
    ccs_buf d = crl(pki.ark, pki.ark_key, ASOF - DAY, ASOF + 7 * DAY, vcek, 2);
    ccs_snp_collateral *c = coll_with(&d);
    expect_crl(c, ASOF, "VCEK is revoked", false);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&d);
    d = crl(pki.ark, pki.ark_key, ASOF - DAY, ASOF + 7 * DAY, ask, 1);
    c = coll_with(&d);
    expect_crl(c, ASOF, "ASK is revoked", false);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&d);
}

static void test_window(void **state) {
    (void)state;
    ccs_buf d = crl(pki.ark, pki.ark_key, ASOF - 10 * DAY, ASOF - DAY, NULL, 0);
    ccs_snp_collateral *c = coll_with(&d);
    expect_crl(c, ASOF, "CRL expired", false);
    expect_crl(c, ASOF - DAY - 1, NULL, true);
    expect_crl(c, ASOF - DAY, "CRL expired", false); /* the nextUpdate second is outside */
    expect_crl(c, ASOF - 11 * DAY, "CRL is not yet valid", false);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&d);
}

static void test_other_signer(void **state) {
    (void)state;
    /* Same issuer name, another key: the signature must not verify. */
    ccs_buf d = crl(pki.other_ark, pki.other_key, ASOF - DAY, ASOF + 7 * DAY, NULL, 0);
    ccs_snp_collateral *c = coll_with(&d);
    expect_crl(c, ASOF, "CRL signature does not verify", false);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&d);
    /* Issued by the ASK (a CRL of the wrong issuer). */
    d = crl(pki.ask, pki.ask_key, ASOF - DAY, ASOF + 7 * DAY, NULL, 0);
    c = coll_with(&d);
    expect_crl(c, ASOF, "CRL signature does not verify", false);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&d);
}

/* The real Genoa vector with the real pinned ARK: a CRL by any other key fails. */
static void test_real_ark_refuses_foreign_crl(void **state) {
    (void)state;
    char dir[512];
    ccs_snp_collateral *c = NULL;
    ccs_snp_result r;
    ccs_snp_options opt = {.now = ASOF};
    snprintf(dir, sizeof dir, "%s/snp/azure-genoa-vcek", ATT_DIR);
    assert_int_equal(ccs_snp_collateral_load_dir(dir, &c), CCS_OK);
    ccs_buf rep = tu_read("snp/azure-genoa-vcek/report.bin");
    assert_int_equal(ccs_snp_verify(ccs_buf_view(&rep), c, &opt, &r), CCS_OK);
    assert_false(r.crl_checked);
    ccs_buf d = crl(pki.ark, pki.ark_key, ASOF - DAY, ASOF + 7 * DAY, NULL, 0);
    assert_int_equal(ccs_snp_collateral_set_crl(c, ccs_buf_view(&d)), CCS_OK);
    assert_int_equal(ccs_snp_verify(ccs_buf_view(&rep), c, &opt, &r), CCS_ERR_VERIFY);
    assert_int_equal(r.n_failed, 1);
    assert_string_equal(r.failed[0].name, "ark_crl");
    assert_non_null(strstr(r.failed[0].message, "CRL signature does not verify with ARK-Genoa"));
    ccs_buf_free(&d);
    ccs_buf_free(&rep);
    ccs_snp_collateral_free(c);
}

static void write_file(const char *dir, const char *name, ccs_bytes data) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(ccs_file_write(path, data), CCS_OK);
}

/* crl.der beside vcek.der and cert_chain.pem in a --collateral directory. */
static void test_load_dir_crl(void **state) {
    (void)state;
    const char *dir = CCS_TEST_TMP "/snp_crl_dir";
    const uint64_t vcek[] = {VCEK_SERIAL};
    ccs_snp_collateral *c = NULL;
    (void)mkdir(dir, 0755);
    write_file(dir, "vcek.der", ccs_x509_der(pki.vcek));
    write_file(dir, "cert_chain.pem", ccs_buf_view(&pki.chain_pem));
    char crlpath[512];
    snprintf(crlpath, sizeof crlpath, "%s/crl.der", dir);
    unlink(crlpath);
    assert_int_equal(ccs_snp_collateral_load_dir(dir, &c), CCS_OK);
    expect_crl(c, ASOF, NULL, false);
    ccs_snp_collateral_free(c);
    ccs_buf d = crl(pki.ark, pki.ark_key, ASOF - DAY, ASOF + 7 * DAY, vcek, 1);
    write_file(dir, "crl.der", ccs_buf_view(&d));
    assert_int_equal(ccs_snp_collateral_load_dir(dir, &c), CCS_OK);
    expect_crl(c, ASOF, "VCEK is revoked", false);
    ccs_snp_collateral_free(c);
    /* An unreadable crl.der is an error, not "no CRL". */
    write_file(dir, "crl.der", ccs_bytes_of((const uint8_t *)"\x30\x03junk", 6));
    assert_int_not_equal(ccs_snp_collateral_load_dir(dir, &c), CCS_OK);
    assert_null(c);
    ccs_buf_free(&d);
}

static void test_set_crl_inputs(void **state) {
    (void)state;
    ccs_snp_collateral *c = coll_with(NULL);
    ccs_buf d = crl(pki.ark, pki.ark_key, ASOF - DAY, ASOF + 7 * DAY, NULL, 0);
    assert_int_equal(ccs_snp_collateral_set_crl(c, ccs_bytes_of((const uint8_t *)"-----BEGIN X509 CRL-----", 24)),
                     CCS_ERR_FORMAT);
    assert_int_not_equal(ccs_snp_collateral_set_crl(c, ccs_bytes_of(d.ptr, d.len - 1)), CCS_OK);
    ccs_buf longer = {0};
    assert_int_equal(ccs_buf_append(&longer, d.ptr, d.len), CCS_OK);
    assert_int_equal(ccs_buf_append(&longer, "x", 1), CCS_OK);
    assert_int_not_equal(ccs_snp_collateral_set_crl(c, ccs_buf_view(&longer)), CCS_OK);
    assert_int_equal(ccs_snp_collateral_set_crl(c, ccs_bytes_of(NULL, 0)), CCS_ERR_INVALID_ARG);
    expect_crl(c, ASOF, NULL, false); /* failed attempts left no CRL behind */
    assert_int_equal(ccs_snp_collateral_set_crl(c, ccs_buf_view(&d)), CCS_OK);
    expect_crl(c, ASOF, NULL, true);
    ccs_buf_free(&longer);
    ccs_buf_free(&d);
    ccs_snp_collateral_free(c);
}

int ccs_test_snp_crl(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_crl_not_checked),   cmocka_unit_test(test_valid_crl_not_listing),
        cmocka_unit_test(test_revoked),              cmocka_unit_test(test_window),
        cmocka_unit_test(test_other_signer),         cmocka_unit_test(test_real_ark_refuses_foreign_crl),
        cmocka_unit_test(test_load_dir_crl),         cmocka_unit_test(test_set_crl_inputs),
    };
    return cmocka_run_group_tests_name("snp_crl", tests, pki_setup, pki_teardown);
}
