/* The SEV-SNP verifier on the recorded real reports (tests/data/attestation/
 * snp, MANIFEST): every vector passes as of 2025-06-01; tampering, VCEKs of
 * other chips, a VCEK for another TCB, foreign chains and ARKs, truncation,
 * masked chip ids and the policy options fail with the named checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest_tests.h"
#include "snp.h"
#include "testutil.h"

#define SNP_ASOF 1748736000 /* 2025-06-01T00:00:00Z */
#define TM "snp/trustee-milan-vcek"
#define TV "snp/trustee-milan-vlek"
#define AG "snp/azure-genoa-vcek"
#define AM "snp/azure-milan-vcek"

/* Collateral from a key certificate file and a chain file (both relative to
 * tests/data/attestation); chain NULL means none. */
static ccs_snp_collateral *coll(const char *key, const char *chain) {
    ccs_buf k = tu_read(key), c = {0};
    ccs_snp_collateral *out = NULL;
    if (chain) c = tu_read(chain);
    ccs_status st = ccs_snp_collateral_load(ccs_buf_view(&k), ccs_buf_view(&c), &out);
    if (st != CCS_OK) fail_msg("snp collateral %s: %s", key, ccs_error_detail());
    ccs_buf_free(&k);
    ccs_buf_free(&c);
    return out;
}

static ccs_snp_collateral *coll_dir(const char *rel) {
    char path[1024];
    ccs_snp_collateral *c = NULL;
    snprintf(path, sizeof path, "%s/%s", ATT_DIR, rel);
    if (ccs_snp_collateral_load_dir(path, &c) != CCS_OK) fail_msg("snp collateral %s: %s", path, ccs_error_detail());
    return c;
}

static bool failed_exactly(const ccs_snp_result *r, const char *const *names) {
    size_t n = 0;
    while (names[n]) n++;
    for (size_t i = 0; i < r->n_failed; i++) print_message("  failed: %s: %s\n", r->failed[i].name, r->failed[i].message);
    if (r->n_failed != n) return false;
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < r->n_failed && !found; k++) found = strcmp(r->failed[k].name, names[i]) == 0;
        if (!found) return false;
    }
    return true;
}

/* Verifies report bytes with collateral and options; checks the listed
 * failures (NULL-terminated; empty = pass). */
static void expect(ccs_bytes report, ccs_snp_collateral *c, const ccs_snp_options *opt, const char *const *want) {
    ccs_snp_result r;
    ccs_status st = ccs_snp_verify(report, c, opt, &r);
    assert_true(failed_exactly(&r, want));
    assert_int_equal(st, want[0] ? CCS_ERR_VERIFY : CCS_OK);
    assert_int_equal(r.pass, want[0] == NULL);
}

#define NONE ((const char *const[]){NULL})
#define FAILS(...) ((const char *const[]){__VA_ARGS__, NULL})

typedef struct svec {
    const char *dir;
    uint32_t version;
    ccs_snp_product product;
    ccs_snp_key key;
    ccs_snp_tcb tcb;
} svec;

static const svec vectors[] = {
    {TM, 2, CCS_SNP_PRODUCT_MILAN, CCS_SNP_KEY_VCEK, {0, 3, 0, 8, 0x73}},
    {TV, 3, CCS_SNP_PRODUCT_MILAN, CCS_SNP_KEY_VLEK, {0, 4, 0, 0x18, 0xd9}},
    {AG, 3, CCS_SNP_PRODUCT_GENOA, CCS_SNP_KEY_VCEK, {0, 0x0a, 0, 0x17, 0x54}},
    {AM, 2, CCS_SNP_PRODUCT_MILAN, CCS_SNP_KEY_VCEK, {0, 3, 0, 8, 0x73}},
};

static void test_snp_vectors(void **state) {
    (void)state;
    ccs_snp_options opt = {.now = SNP_ASOF, .max_vmpl = 1} /* the VLEK vector is VMPL 1 */;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const svec *v = &vectors[i];
        char path[256];
        snprintf(path, sizeof path, "%s/report.bin", v->dir);
        ccs_buf rep = tu_read(path);
        ccs_snp_collateral *c = coll_dir(v->dir);
        ccs_snp_result r;
        print_message("%s\n", v->dir);
        for (int k = 0; k < 2; k++) { /* the second run uses the cached chain verdict */
            ccs_status st = ccs_snp_verify(ccs_buf_view(&rep), c, &opt, &r);
            assert_true(failed_exactly(&r, NONE));
            assert_int_equal(st, CCS_OK);
        }
        assert_true(r.pass);
        assert_int_equal(r.report_version, v->version);
        assert_int_equal(r.product, v->product);
        assert_int_equal(r.signing_key, v->key);
        assert_memory_equal(&r.reported_tcb, &v->tcb, sizeof v->tcb);
        assert_false(r.debug);
        ccs_snp_collateral_free(c);
        ccs_buf_free(&rep);
    }
}

/* The report's VMPL: VMPL 0 only by default; the VLEK vector was requested
 * at VMPL 1. */
static void test_vmpl(void **state) {
    (void)state;
    ccs_buf rep = tu_read(TV "/report.bin");
    ccs_snp_collateral *c = coll_dir(TV);
    ccs_snp_options opt = {.now = SNP_ASOF};
    ccs_snp_result r;
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_VMPL));
    assert_int_equal(ccs_snp_verify(ccs_buf_view(&rep), c, &opt, &r), CCS_ERR_VERIFY);
    assert_string_equal(r.failed[0].message, "the report was requested at VMPL 1 (at most 0 accepted)");
    opt.max_vmpl = 1;
    expect(ccs_buf_view(&rep), c, &opt, NONE);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&rep);
    rep = tu_read(TM "/report.bin");
    c = coll_dir(TM);
    opt.max_vmpl = 0;
    expect(ccs_buf_view(&rep), c, &opt, NONE);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&rep);
}

/* The Azure HCL blob carries the same report at offset 32. */
static void test_hcl_embedded_report(void **state) {
    (void)state;
    const char *dirs[] = {AG, AM};
    for (int i = 0; i < 2; i++) {
        char a[256], b[256];
        snprintf(a, sizeof a, "%s/hcl-report.bin", dirs[i]);
        snprintf(b, sizeof b, "%s/report.bin", dirs[i]);
        ccs_buf hcl = tu_read(a), rep = tu_read(b);
        assert_true(hcl.len >= 32 + CCS_SNP_REPORT_LEN);
        assert_memory_equal(hcl.ptr + 32, rep.ptr, CCS_SNP_REPORT_LEN);
        ccs_snp_report parsed;
        assert_int_equal(ccs_snp_report_parse(ccs_buf_view(&hcl), &parsed), CCS_ERR_TRAILING);
        ccs_buf_free(&hcl);
        ccs_buf_free(&rep);
    }
}

static void test_flip_signed_region(void **state) {
    (void)state;
    static const size_t offsets[] = {0x04, 0x10, 0x50, 0x8f, 0x90, 0xc0, 0xe0, 0x140, 0x1e0, 0x1f0, 0x2a0, 0x2e8, 0x2d0};
    ccs_buf rep = tu_read(TM "/report.bin");
    ccs_snp_collateral *c = coll_dir(TM);
    ccs_snp_options opt = {.now = SNP_ASOF, .max_vmpl = 1} /* the VLEK vector is VMPL 1 */;
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        print_message("flip 0x%zx\n", offsets[i]);
        rep.ptr[offsets[i]] ^= 0x01;
        expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_REPORT_SIGNATURE));
        rep.ptr[offsets[i]] ^= 0x01;
    }
    /* A non-zero byte above the 48-byte value of R or S. */
    rep.ptr[0x2a0 + 48] = 1;
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_REPORT_SIGNATURE));
    rep.ptr[0x2a0 + 48] = 0;
    rep.ptr[0x2e8 + 71] = 0x80;
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_REPORT_SIGNATURE));
    rep.ptr[0x2e8 + 71] = 0;
    expect(ccs_buf_view(&rep), c, &opt, NONE);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&rep);
}

/* VCEKs of other chips (trustee's "invalid" VCEKs) chain to ARK-Milan but
 * name other chips and other TCBs. */
static void test_other_chip_vceks(void **state) {
    (void)state;
    ccs_buf rep = tu_read(TM "/report.bin");
    ccs_snp_options opt = {.now = SNP_ASOF, .max_vmpl = 1} /* the VLEK vector is VMPL 1 */;
    /* Neither is signed by ASK-Milan either (trustee made them for tests). */
    ccs_snp_collateral *c = coll(TM "/vcek-other-chip-legacy.der", TM "/cert_chain.pem");
    expect(ccs_buf_view(&rep), c, &opt,
           FAILS(CCS_CHECK_SNP_VCEK_CHAIN, CCS_CHECK_SNP_REPORT_SIGNATURE, CCS_CHECK_SNP_VCEK_TCB,
                 CCS_CHECK_SNP_VCEK_HWID));
    ccs_snp_collateral_free(c);
    c = coll(TM "/vcek-other-chip-new.der", TM "/cert_chain.pem");
    expect(ccs_buf_view(&rep), c, &opt,
           FAILS(CCS_CHECK_SNP_VCEK_CHAIN, CCS_CHECK_SNP_REPORT_SIGNATURE, CCS_CHECK_SNP_VCEK_TCB,
                 CCS_CHECK_SNP_VCEK_HWID));
    ccs_snp_collateral_free(c);
    /* The Azure Milan VCEK is for the same TCB (03..08 73) but another chip. */
    c = coll(AM "/vcek.der", AM "/cert_chain.pem");
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_REPORT_SIGNATURE, CCS_CHECK_SNP_VCEK_HWID));
    ccs_snp_collateral_free(c);
    /* The VLEK report against a Milan VCEK of another TCB. */
    ccs_buf vrep = tu_read(TV "/report.bin");
    c = coll(TM "/vcek.der", TM "/cert_chain.pem");
    expect(ccs_buf_view(&vrep), c, &opt,
           FAILS(CCS_CHECK_SNP_SIGNING_KEY, CCS_CHECK_SNP_REPORT_SIGNATURE, CCS_CHECK_SNP_VCEK_TCB));
    ccs_snp_collateral_free(c);
    ccs_buf_free(&vrep);
    ccs_buf_free(&rep);
}

/* A Genoa VCEK (another product, TCB and chip) for a Milan v2 report: the
 * v2 report names no CPU, so the product comes from the VCEK (Genoa), and
 * the TCB layout, chip and signature all disagree. */
static void test_vcek_for_other_tcb(void **state) {
    (void)state;
    ccs_buf rep = tu_read(TM "/report.bin"), g = tu_read(AG "/report.bin");
    ccs_snp_options opt = {.now = SNP_ASOF, .max_vmpl = 1} /* the VLEK vector is VMPL 1 */;
    ccs_snp_collateral *c = coll(AG "/vcek.der", AG "/cert_chain.pem");
    expect(ccs_buf_view(&rep), c, &opt,
           FAILS(CCS_CHECK_SNP_REPORT_SIGNATURE, CCS_CHECK_SNP_VCEK_TCB, CCS_CHECK_SNP_VCEK_HWID));
    ccs_snp_collateral_free(c);
    /* A v3 Genoa report with a Milan VCEK: products disagree. */
    c = coll(TM "/vcek.der", TM "/cert_chain.pem");
    expect(ccs_buf_view(&g), c, &opt,
           FAILS(CCS_CHECK_SNP_VCEK_PRODUCT, CCS_CHECK_SNP_VCEK_CHAIN, CCS_CHECK_SNP_REPORT_SIGNATURE,
                 CCS_CHECK_SNP_VCEK_TCB, CCS_CHECK_SNP_VCEK_HWID));
    ccs_snp_collateral_free(c);
    ccs_buf_free(&g);
    ccs_buf_free(&rep);
}

/* Writes a PEM file under the test tmp dir from certificates of the amd-chains
 * bundles: "m1" = Milan ASK, "g2" = Genoa ARK, ... (1 ASK, 2 ARK, 3 ASVK). */
static ccs_buf chain_of(const char *spec) {
    ccs_buf out = {0};
    for (const char *p = spec; *p; p += 2) {
        const char *prod = p[0] == 'm' ? "milan" : p[0] == 'g' ? "genoa" : "turin";
        char path[256];
        snprintf(path, sizeof path, "snp/amd-chains/%s_ask_ark_asvk.pem", prod);
        ccs_buf all = tu_read(path);
        ccs_x509_chain *ch = NULL;
        assert_int_equal(ccs_x509_chain_parse_pem(ccs_buf_view(&all), &ch), CCS_OK);
        ccs_bytes der = ccs_x509_der(ccs_x509_chain_get(ch, (size_t)(p[1] - '1')));
        ccs_buf b64 = {0};
        assert_int_equal(ccs_base64_encode(der, &b64), CCS_OK);
        assert_int_equal(ccs_buf_append_str(&out, "-----BEGIN CERTIFICATE-----\n"), CCS_OK);
        assert_int_equal(ccs_buf_append(&out, b64.ptr, b64.len), CCS_OK);
        assert_int_equal(ccs_buf_append_str(&out, "\n-----END CERTIFICATE-----\n"), CCS_OK);
        ccs_buf_free(&b64);
        ccs_x509_chain_free(ch);
        ccs_buf_free(&all);
    }
    return out;
}

static void expect_chain(const char *dir, const char *key, const char *spec, const char *const *want) {
    char rp[256], kp[256];
    snprintf(rp, sizeof rp, "%s/report.bin", dir);
    snprintf(kp, sizeof kp, "%s/%s", dir, key);
    ccs_buf rep = tu_read(rp), k = tu_read(kp), ch = chain_of(spec);
    ccs_snp_collateral *c = NULL;
    ccs_snp_options opt = {.now = SNP_ASOF, .max_vmpl = 1} /* the VLEK vector is VMPL 1 */;
    print_message("%s with chain %s\n", dir, spec);
    assert_int_equal(ccs_snp_collateral_load(ccs_buf_view(&k), ccs_buf_view(&ch), &c), CCS_OK);
    expect(ccs_buf_view(&rep), c, &opt, want);
    ccs_snp_collateral_free(c);
    tu_bufs_free((ccs_buf[]){rep, k, ch}, 3);
}

static void test_chains(void **state) {
    (void)state;
    expect_chain(TM, "vcek.der", "m1", NONE);                                  /* ASK only */
    expect_chain(TM, "vcek.der", "m1m2", NONE);                                /* ASK, ARK */
    expect_chain(TM, "vcek.der", "g1g2", FAILS(CCS_CHECK_SNP_VCEK_CHAIN));     /* Genoa chain */
    expect_chain(TM, "vcek.der", "m1g2", FAILS(CCS_CHECK_SNP_VCEK_CHAIN));     /* foreign ARK */
    expect_chain(TM, "vcek.der", "m1m2m3", FAILS(CCS_CHECK_SNP_VCEK_CHAIN));   /* extra certificate */
    expect_chain(TM, "vcek.der", "m3m2", FAILS(CCS_CHECK_SNP_VCEK_CHAIN));     /* ASVK for a VCEK */
    expect_chain(TM, "vcek.der", "m2", FAILS(CCS_CHECK_SNP_VCEK_CHAIN));       /* ARK only */
    expect_chain(TV, "vlek.der", "m3m2", NONE);                                /* ASVK, ARK */
    expect_chain(TV, "vlek.der", "m1m2", FAILS(CCS_CHECK_SNP_VCEK_CHAIN));     /* ASK for a VLEK */
    expect_chain(TV, "vlek.der", "t3t2", FAILS(CCS_CHECK_SNP_VCEK_CHAIN));     /* Turin chain */
    expect_chain(AG, "vcek.der", "g1g2", NONE);
    expect_chain(AG, "vcek.der", "m1m2", FAILS(CCS_CHECK_SNP_VCEK_CHAIN));
}

static void test_chain_windows(void **state) {
    (void)state;
    ccs_buf rep = tu_read(TV "/report.bin");
    ccs_snp_collateral *c = coll_dir(TV);
    ccs_snp_options opt = {.now = SNP_ASOF, .max_vmpl = 1} /* the VLEK vector is VMPL 1 */;
    expect(ccs_buf_view(&rep), c, &opt, NONE);
    opt.now = 1765405000; /* 2025-12-10T22:16:40Z: the VLEK has expired (cached verdict must not apply) */
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_VCEK_CHAIN));
    opt.now = 1733800000; /* 2024-12-10T03:06:40Z: before the VLEK */
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_VCEK_CHAIN));
    opt.now = SNP_ASOF;
    expect(ccs_buf_view(&rep), c, &opt, NONE);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&rep);
}

static void test_truncation(void **state) {
    (void)state;
    ccs_buf rep = tu_read(AG "/report.bin");
    ccs_snp_collateral *c = coll_dir(AG);
    ccs_snp_options opt = {.now = SNP_ASOF, .max_vmpl = 1} /* the VLEK vector is VMPL 1 */;
    for (size_t n = 0; n < CCS_SNP_REPORT_LEN; n++) {
        ccs_snp_result r;
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, rep.ptr, n);
        assert_int_equal(ccs_snp_verify(ccs_bytes_of(copy, n), c, &opt, &r), CCS_ERR_VERIFY);
        assert_int_equal(r.n_failed, 1);
        assert_string_equal(r.failed[0].name, CCS_CHECK_SNP_REPORT_FORMAT);
        free(copy);
    }
    ccs_buf longer = {0};
    assert_int_equal(ccs_buf_append(&longer, rep.ptr, rep.len), CCS_OK);
    assert_int_equal(ccs_buf_append(&longer, "", 1), CCS_OK);
    expect(ccs_buf_view(&longer), c, &opt, FAILS(CCS_CHECK_SNP_REPORT_FORMAT));
    ccs_buf_free(&longer);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&rep);
}

/* Structural faults: each is a report_format failure and nothing else. */
static void test_format_faults(void **state) {
    (void)state;
    static const struct {
        size_t off;
        uint8_t val;
        ccs_status st;
    } faults[] = {
        {0x00, 1, CCS_ERR_UNSUPPORTED}, {0x00, 6, CCS_ERR_UNSUPPORTED}, {0x34, 2, CCS_ERR_UNSUPPORTED},
        {0x48, 0x1c, CCS_ERR_UNSUPPORTED}, /* signing key 7: none */
        {0x48, 0x20, CCS_ERR_FORMAT},      {0x4c, 1, CCS_ERR_FORMAT},   {0x0a, 0x00, CCS_ERR_FORMAT}, /* bit 17 */
        {0x0b, 0x04, CCS_ERR_FORMAT},      {0x30, 4, CCS_ERR_FORMAT},   {0x18b, 1, CCS_ERR_FORMAT},
        {0x1eb, 1, CCS_ERR_FORMAT},        {0x1f8, 1, CCS_ERR_FORMAT},  {0x29f, 1, CCS_ERR_FORMAT},
        {0x330, 1, CCS_ERR_FORMAT},        {0x49f, 1, CCS_ERR_FORMAT},
    };
    ccs_buf rep = tu_read(AG "/report.bin");
    ccs_snp_collateral *c = coll_dir(AG);
    ccs_snp_options opt = {.now = SNP_ASOF, .max_vmpl = 1} /* the VLEK vector is VMPL 1 */;
    ccs_snp_report parsed;
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        uint8_t old = rep.ptr[faults[i].off];
        rep.ptr[faults[i].off] = faults[i].val;
        print_message("byte 0x%zx = 0x%02x\n", faults[i].off, faults[i].val);
        assert_int_equal(ccs_snp_report_parse(ccs_buf_view(&rep), &parsed), faults[i].st);
        expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_REPORT_FORMAT));
        rep.ptr[faults[i].off] = old;
    }
    assert_int_equal(ccs_snp_report_parse(ccs_buf_view(&rep), &parsed), CCS_OK);
    assert_int_equal(parsed.cpuid_family, 0x19);
    assert_int_equal(parsed.cpuid_model, 0x11);
    assert_int_equal(ccs_snp_report_product(&parsed), CCS_SNP_PRODUCT_GENOA);
    /* Version 2 has no CPUID: the same bytes there are reserved. */
    ccs_buf v2 = tu_read(TM "/report.bin");
    v2.ptr[0x188] = 0x19;
    assert_int_equal(ccs_snp_report_parse(ccs_buf_view(&v2), &parsed), CCS_ERR_FORMAT);
    ccs_buf_free(&v2);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&rep);
}

/* Chip id zeroed in a VCEK-signed report: the VCEK cannot be tied to it. */
static void test_masked_chip_id_vcek(void **state) {
    (void)state;
    ccs_buf rep = tu_read(AG "/report.bin");
    ccs_snp_collateral *c = coll_dir(AG);
    ccs_snp_options opt = {.now = SNP_ASOF, .max_vmpl = 1} /* the VLEK vector is VMPL 1 */;
    memset(rep.ptr + 0x1a0, 0, 64);
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_REPORT_SIGNATURE, CCS_CHECK_SNP_VCEK_HWID));
    ccs_snp_collateral_free(c);
    ccs_buf_free(&rep);
}

static void test_policy(void **state) {
    (void)state;
    ccs_buf rep = tu_read(AG "/report.bin");
    ccs_snp_collateral *c = coll_dir(AG);
    ccs_snp_options opt = {.now = SNP_ASOF, .max_vmpl = 1} /* the VLEK vector is VMPL 1 */;
    ccs_snp_result r;
    /* Debug (bit 19) and migration agent (bit 18): the report is then no
     * longer the signed one, but the policy checks are judged all the same. */
    rep.ptr[0x0a] |= 0x08;
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_REPORT_SIGNATURE, CCS_CHECK_SNP_POLICY_DEBUG));
    assert_int_equal(ccs_snp_verify(ccs_buf_view(&rep), c, &opt, &r), CCS_ERR_VERIFY);
    assert_true(r.debug);
    opt.allow_debug = true;
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_REPORT_SIGNATURE));
    rep.ptr[0x0a] = (uint8_t)((rep.ptr[0x0a] & ~0x08) | 0x04);
    opt.allow_debug = false;
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_REPORT_SIGNATURE, CCS_CHECK_SNP_POLICY_MIGRATION));
    opt.allow_migration_agent = true;
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_REPORT_SIGNATURE));
    rep.ptr[0x0a] &= (uint8_t)~0x04;
    expect(ccs_buf_view(&rep), c, &opt, NONE);
    /* SMT (bit 16) is allowed by this guest's policy. */
    opt.refuse_smt = true;
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_POLICY_SMT));
    opt.refuse_smt = false;
    /* Report data: a prefix with the rest zero. */
    uint8_t rd[64];
    memcpy(rd, rep.ptr + 0x50, 64);
    opt.report_data = ccs_bytes_of(rd, 64);
    expect(ccs_buf_view(&rep), c, &opt, NONE);
    opt.report_data = ccs_bytes_of(rd, 32); /* Azure: SHA-256 of the HCL data, then zeros */
    expect(ccs_buf_view(&rep), c, &opt, NONE);
    rd[40] = 1; /* expected non-zero where the report has zero */
    opt.report_data = ccs_bytes_of(rd, 41);
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_REPORT_DATA));
    opt.report_data = ccs_bytes_of(rd, 16); /* bytes 16-31 of the report are not zero */
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_REPORT_DATA));
    rd[40] = 0;
    rd[0] ^= 1;
    opt.report_data = ccs_bytes_of(rd, 64);
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_REPORT_DATA));
    opt.report_data = ccs_bytes_of(NULL, 0);
    /* Minimum TCB: reported is bl 10, tee 0, snp 23, ucode 84. */
    ccs_snp_tcb min = {0, 10, 0, 23, 84};
    opt.min_tcb = &min;
    expect(ccs_buf_view(&rep), c, &opt, NONE);
    min.microcode = 85;
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_MIN_TCB));
    min.microcode = 0;
    min.snp = 24;
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_MIN_TCB));
    ccs_snp_collateral_free(c);
    ccs_buf_free(&rep);
}

static void test_der_readers(void **state) {
    (void)state;
    uint8_t v = 0, hw[64];
    size_t n = 0;
    ccs_snp_product p;
    assert_int_equal(ccs_snp_der_u8(ccs_bytes_of("\x02\x01\x0a", 3), &v), CCS_OK);
    assert_int_equal(v, 10);
    assert_int_equal(ccs_snp_der_u8(ccs_bytes_of("\x02\x02\x00\xa9", 4), &v), CCS_OK);
    assert_int_equal(v, 0xa9);
    assert_int_equal(ccs_snp_der_u8(ccs_bytes_of("\x02\x02\x00\x0a", 4), &v), CCS_ERR_FORMAT); /* not minimal */
    assert_int_equal(ccs_snp_der_u8(ccs_bytes_of("\x02\x01\xa9", 3), &v), CCS_ERR_FORMAT);     /* negative */
    assert_int_equal(ccs_snp_der_u8(ccs_bytes_of("\x02\x02\x01\x00", 4), &v), CCS_ERR_FORMAT); /* 256 */
    assert_int_equal(ccs_snp_der_u8(ccs_bytes_of("\x02\x01\x0a\x00", 4), &v), CCS_ERR_TRAILING);
    assert_int_equal(ccs_snp_der_u8(ccs_bytes_of("\x02\x01", 2), &v), CCS_ERR_TRUNCATED);
    assert_int_equal(ccs_snp_der_u8(ccs_bytes_of("\x04\x01\x0a", 3), &v), CCS_ERR_FORMAT);
    assert_int_equal(ccs_snp_der_u8(ccs_bytes_of("\x02\x00", 2), &v), CCS_ERR_FORMAT);
    assert_int_equal(ccs_snp_der_product(ccs_bytes_of("\x16\x08Milan-B0", 10), &p), CCS_OK);
    assert_int_equal(p, CCS_SNP_PRODUCT_MILAN);
    assert_int_equal(ccs_snp_der_product(ccs_bytes_of("\x16\x05Genoa", 7), &p), CCS_OK);
    assert_int_equal(p, CCS_SNP_PRODUCT_GENOA);
    assert_int_equal(ccs_snp_der_product(ccs_bytes_of("\x16\x06MilanX", 8), &p), CCS_ERR_UNSUPPORTED);
    assert_int_equal(ccs_snp_der_product(ccs_bytes_of("\x16\x06Milan-", 8), &p), CCS_ERR_UNSUPPORTED);
    assert_int_equal(ccs_snp_der_product(ccs_bytes_of("\x16\x04Mila", 6), &p), CCS_ERR_UNSUPPORTED);
    assert_int_equal(ccs_snp_der_product(ccs_bytes_of("\x0c\x05Genoa", 7), &p), CCS_ERR_FORMAT);
    assert_int_equal(ccs_snp_der_product(ccs_bytes_of("\x16\x06Genoa", 7), &p), CCS_ERR_TRUNCATED);
    uint8_t raw[66] = {0x04, 0x40};
    for (int i = 0; i < 64; i++) raw[2 + i] = (uint8_t)i;
    assert_int_equal(ccs_snp_der_hwid(ccs_bytes_of(raw, 66), hw, &n), CCS_OK);
    assert_int_equal(n, 64);
    assert_int_equal(hw[63], 63);
    assert_int_equal(ccs_snp_der_hwid(ccs_bytes_of(raw + 2, 64), hw, &n), CCS_OK);
    assert_int_equal(ccs_snp_der_hwid(ccs_bytes_of(raw, 65), hw, &n), CCS_ERR_FORMAT);
    raw[1] = 0x41;
    assert_int_equal(ccs_snp_der_hwid(ccs_bytes_of(raw, 66), hw, &n), CCS_ERR_FORMAT);
    assert_int_equal(ccs_snp_product_from_cn("SEV-VLEK-Turin"), CCS_SNP_PRODUCT_TURIN);
    assert_int_equal(ccs_snp_product_from_cn("SEV-Milan"), CCS_SNP_PRODUCT_MILAN);
    assert_int_equal(ccs_snp_product_from_cn("SEV-VCEK"), CCS_SNP_PRODUCT_UNKNOWN);
    assert_int_equal(ccs_snp_product_from_cn("ARK-Milan"), CCS_SNP_PRODUCT_UNKNOWN);
}

static void test_tcb_layouts(void **state) {
    (void)state;
    ccs_snp_tcb m = ccs_snp_tcb_decode(0x5417000000000a00ull | 0x0a, CCS_SNP_PRODUCT_GENOA);
    assert_int_equal(m.bootloader, 0x0a);
    assert_int_equal(m.tee, 0x0a);
    assert_int_equal(m.snp, 0x17);
    assert_int_equal(m.microcode, 0x54);
    assert_int_equal(m.fmc, 0);
    ccs_snp_tcb t = ccs_snp_tcb_decode(0x4800000003040201ull, CCS_SNP_PRODUCT_TURIN);
    assert_int_equal(t.fmc, 1);
    assert_int_equal(t.bootloader, 2);
    assert_int_equal(t.tee, 4);
    assert_int_equal(t.snp, 3);
    assert_int_equal(t.microcode, 0x48);
    assert_string_equal(ccs_snp_product_name(CCS_SNP_PRODUCT_TURIN), "Turin");
    for (int p = 1; p <= 3; p++) {
        ccs_x509 *ark = NULL;
        char cn[32], want[32];
        assert_int_equal(ccs_x509_parse_der(ccs_snp_ark_der((ccs_snp_product)p), &ark), CCS_OK);
        assert_int_equal(ccs_x509_subject_cn(ark, cn, sizeof cn), CCS_OK);
        snprintf(want, sizeof want, "ARK-%s", ccs_snp_product_name((ccs_snp_product)p));
        assert_string_equal(cn, want);
        ccs_x509_free(ark);
    }
    assert_int_equal(ccs_snp_ark_der(CCS_SNP_PRODUCT_UNKNOWN).len, 0);
}

static void test_collateral_inputs(void **state) {
    (void)state;
    ccs_snp_collateral *c = NULL;
    ccs_buf k = tu_read(TM "/vcek.der"), ch = tu_read(TM "/cert_chain.pem");
    assert_int_equal(ccs_snp_collateral_load(ccs_bytes_of(k.ptr, k.len - 1), ccs_buf_view(&ch), &c),
                     CCS_ERR_TRUNCATED);
    assert_null(c);
    /* A PEM key file must hold exactly one certificate. */
    assert_int_equal(ccs_snp_collateral_load(ccs_buf_view(&ch), ccs_buf_view(&ch), &c), CCS_ERR_FORMAT);
    char path[1024];
    snprintf(path, sizeof path, "%s/snp/amd-chains", ATT_DIR);
    assert_int_equal(ccs_snp_collateral_load_dir(path, &c), CCS_ERR_NOT_FOUND);
    /* No chain at all: loads, and fails verification on the chain. */
    assert_int_equal(ccs_snp_collateral_load(ccs_buf_view(&k), ccs_bytes_of(NULL, 0), &c), CCS_OK);
    ccs_buf rep = tu_read(TM "/report.bin");
    ccs_snp_options opt = {.now = SNP_ASOF, .max_vmpl = 1} /* the VLEK vector is VMPL 1 */;
    expect(ccs_buf_view(&rep), c, &opt, FAILS(CCS_CHECK_SNP_VCEK_CHAIN));
    ccs_snp_result r;
    assert_int_equal(ccs_snp_verify(ccs_buf_view(&rep), NULL, &opt, &r), CCS_ERR_INVALID_ARG);
    ccs_snp_collateral_free(c);
    ccs_snp_collateral_free(NULL);
    tu_bufs_free((ccs_buf[]){k, ch, rep}, 3);
}

static void test_snp_result_json(void **state) {
    (void)state;
    ccs_buf rep = tu_read(TV "/report.bin");
    ccs_snp_collateral *c = coll_dir(TV);
    ccs_snp_options opt = {.now = SNP_ASOF, .max_vmpl = 1} /* the VLEK vector is VMPL 1 */;
    ccs_snp_result r;
    char *js = NULL;
    assert_int_equal(ccs_snp_verify(ccs_buf_view(&rep), c, &opt, &r), CCS_OK);
    assert_int_equal(ccs_snp_result_json(&r, &js), CCS_OK);
    tu_doc_is_text(ccs_snp_result_doc(&r), js);
    assert_non_null(strstr(js, "\"verdict\": \"pass\""));
    assert_non_null(strstr(js, "\"tee\": \"snp\""));
    assert_non_null(strstr(js, "\"report_version\": 3"));
    assert_non_null(strstr(js, "\"signing_key\": \"vlek\""));
    assert_non_null(strstr(js, "\"product\": \"Milan\""));
    assert_non_null(strstr(js, "\"microcode\": 217"));
    assert_non_null(strstr(js, "\"vmpl\": 1"));
    free(js);
    opt.now = 0;
    assert_int_equal(ccs_snp_verify(ccs_buf_view(&rep), c, &opt, &r), CCS_ERR_VERIFY);
    assert_int_equal(ccs_snp_result_json(&r, &js), CCS_OK);
    assert_non_null(strstr(js, "\"verdict\": \"fail\""));
    assert_non_null(strstr(js, "\"name\": \"vcek_chain\""));
    free(js);
    ccs_snp_collateral_free(c);
    ccs_buf_free(&rep);
}

int ccs_test_snp(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snp_vectors), cmocka_unit_test(test_vmpl),       cmocka_unit_test(test_hcl_embedded_report),
        cmocka_unit_test(test_flip_signed_region), cmocka_unit_test(test_other_chip_vceks),
        cmocka_unit_test(test_vcek_for_other_tcb), cmocka_unit_test(test_chains),
        cmocka_unit_test(test_chain_windows),     cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_format_faults),     cmocka_unit_test(test_masked_chip_id_vcek),
        cmocka_unit_test(test_policy),            cmocka_unit_test(test_der_readers),
        cmocka_unit_test(test_tcb_layouts),       cmocka_unit_test(test_collateral_inputs),
        cmocka_unit_test(test_snp_result_json),
    };
    return cmocka_run_group_tests_name("attest_snp", tests, NULL, NULL);
}
