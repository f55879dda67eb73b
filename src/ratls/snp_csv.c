/* AMD SEV-SNP and Hygon CSV evidence in RA-TLS certificates (docs/ratls.md
 * "SEV-SNP and CSV evidence"). The evidence byte strings follow rats-tls
 * (tag 0x1a7504: the SNP report; tag 0x1a7506: the CSV report followed by
 * the chip's HSK and CEK, rats-tls's csv_evidence) with one CCS addition:
 * the SNP report may be followed by the host's certificate table (SEV-SNP
 * GHCB spec, "certificate table"), which is how a verifier gets the VCEK
 * or VLEK without AMD KDS. Everything here is untrusted input: split
 * strictly, then verified by the attest SNP/CSV verifiers to the pinned
 * AMD ARKs / Hygon HRK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratls_internal.h"

#define SNP_ENTRY_LEN 24u /* GUID 16, offset u32 le, length u32 le */
#define SNP_TABLE_ENTRIES_MAX 16u
#define CSV_HSK_CEK_LEN (CCS_CSV_CA_CERT_LEN + CCS_CSV_CERT_LEN)
#define PEM_MAX (64u * 1024u)

/* The GHCB certificate-table GUIDs, RFC 4122 byte order (as the AMD
 * sev-guest tools and the virtee/sev crate write them). The mixed-endian
 * (EFI) order of the same GUIDs is accepted too: the table is only a
 * carrier, its certificates are verified to the pinned ARK either way. */
static const uint8_t guid_vcek[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                      0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
static const uint8_t guid_vlek[16] = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
                                      0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};
static const uint8_t guid_ask[16] = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                     0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
static const uint8_t guid_ark[16] = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                                     0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};

static bool guid_is(const uint8_t *g, const uint8_t want[16]) {
    static const uint8_t swap[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    if (memcmp(g, want, 16) == 0) return true;
    for (int i = 0; i < 16; i++)
        if (g[i] != want[swap[i]]) return false;
    return true;
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

ccs_status ratls_snp_table_parse(ccs_bytes table, ratls_snp_certs *out) {
    memset(out, 0, sizeof *out);
    size_t n = 0;
    for (;; n++) {
        size_t at = n * SNP_ENTRY_LEN;
        CCS_ENSURE(n <= SNP_TABLE_ENTRIES_MAX, CCS_ERR_FORMAT, "ratls: SNP certificate table: over %u entries",
                   SNP_TABLE_ENTRIES_MAX);
        CCS_ENSURE(at <= table.len && table.len - at >= SNP_ENTRY_LEN, CCS_ERR_TRUNCATED,
                   "ratls: SNP certificate table: no terminating entry");
        static const uint8_t zero[SNP_ENTRY_LEN] = {0};
        if (memcmp(table.ptr + at, zero, 16) == 0) {
            CCS_ENSURE(memcmp(table.ptr + at, zero, SNP_ENTRY_LEN) == 0, CCS_ERR_FORMAT,
                       "ratls: SNP certificate table: the terminating entry is not all zero");
            break;
        }
    }
    CCS_ENSURE(n > 0, CCS_ERR_FORMAT, "ratls: SNP certificate table: no entries");
    size_t data_start = (n + 1) * SNP_ENTRY_LEN;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = table.ptr + i * SNP_ENTRY_LEN;
        uint32_t off = le32(e + 16), len = le32(e + 20);
        CCS_ENSURE(len > 0 && off >= data_start && off <= table.len && len <= table.len - off, CCS_ERR_FORMAT,
                   "ratls: SNP certificate table: entry %zu (offset %u, length %u) is outside the table", i, off, len);
        ccs_bytes *slot = guid_is(e, guid_vcek)   ? &out->vcek
                          : guid_is(e, guid_vlek) ? &out->vlek
                          : guid_is(e, guid_ask)  ? &out->ask
                          : guid_is(e, guid_ark)  ? &out->ark
                                                  : NULL;
        if (slot == NULL) continue; /* other entries (e.g. a CRL) are not used */
        CCS_ENSURE(slot->len == 0, CCS_ERR_FORMAT, "ratls: SNP certificate table: duplicate entry %zu", i);
        *slot = ccs_bytes_of(table.ptr + off, len);
    }
    return CCS_OK;
}

ccs_status ratls_snp_split(ccs_bytes ev, ccs_bytes *report, ratls_snp_certs *certs) {
    memset(certs, 0, sizeof *certs);
    CCS_ENSURE(ev.len >= CCS_SNP_REPORT_LEN, CCS_ERR_TRUNCATED,
               "ratls: SNP evidence of %zu bytes, shorter than the 0x4A0-byte report", ev.len);
    *report = ccs_bytes_of(ev.ptr, CCS_SNP_REPORT_LEN);
    if (ev.len == CCS_SNP_REPORT_LEN) return CCS_OK;
    return ratls_snp_table_parse(ccs_bytes_of(ev.ptr + CCS_SNP_REPORT_LEN, ev.len - CCS_SNP_REPORT_LEN), certs);
}

static void put_entry(uint8_t *e, const uint8_t guid[16], size_t off, size_t len) {
    memcpy(e, guid, 16);
    for (int i = 0; i < 4; i++) {
        e[16 + i] = (uint8_t)(off >> (8 * i));
        e[20 + i] = (uint8_t)(len >> (8 * i));
    }
}

ccs_status ratls_snp_evidence_build(ccs_bytes report, const ratls_snp_certs *c, ccs_buf *out) {
    CCS_ENSURE(report.len == CCS_SNP_REPORT_LEN, CCS_ERR_INVALID_ARG, "ratls: an SNP report is 0x4A0 bytes, not %zu",
               report.len);
    const struct {
        const uint8_t *guid;
        ccs_bytes der;
    } items[] = {{guid_vcek, c ? c->vcek : (ccs_bytes){0}},
                 {guid_vlek, c ? c->vlek : (ccs_bytes){0}},
                 {guid_ask, c ? c->ask : (ccs_bytes){0}},
                 {guid_ark, c ? c->ark : (ccs_bytes){0}}};
    size_t n = 0, total = 0;
    for (size_t i = 0; i < 4; i++)
        if (items[i].der.len > 0) {
            n++;
            total += items[i].der.len;
        }
    CCS_TRY(ccs_buf_set(out, report));
    if (n == 0) return CCS_OK;
    size_t table = (n + 1) * SNP_ENTRY_LEN;
    CCS_ENSURE(total <= CCS_RATLS_EVIDENCE_MAX && report.len + table + total <= CCS_RATLS_EVIDENCE_MAX,
               CCS_ERR_OVERFLOW, "ratls: SNP evidence with its certificates is over %u bytes", CCS_RATLS_EVIDENCE_MAX);
    uint8_t hdr[5 * SNP_ENTRY_LEN] = {0};
    size_t k = 0, off = table;
    for (size_t i = 0; i < 4; i++) {
        if (items[i].der.len == 0) continue;
        put_entry(hdr + k++ * SNP_ENTRY_LEN, items[i].guid, off, items[i].der.len);
        off += items[i].der.len;
    }
    CCS_TRY(ccs_buf_append(out, hdr, table));
    for (size_t i = 0; i < 4; i++)
        if (items[i].der.len > 0) CCS_TRY(ccs_buf_append(out, items[i].der.ptr, items[i].der.len));
    return CCS_OK;
}

ccs_status ratls_csv_split(ccs_bytes ev, ccs_bytes *report, ccs_bytes *hsk, ccs_bytes *cek) {
    *hsk = *cek = (ccs_bytes){0};
    CCS_ENSURE(ev.len >= CCS_CSV_REPORT_LEN, CCS_ERR_TRUNCATED,
               "ratls: CSV evidence of %zu bytes, shorter than a %u-byte report", ev.len, CCS_CSV_REPORT_LEN);
    if (ev.len <= CCS_CSV_REPORT_BUF_LEN) { /* the report alone: no report and certificates fit in a page */
        *report = ev;
        return CCS_OK;
    }
    CCS_ENSURE(ev.len >= CCS_CSV_REPORT_LEN + CSV_HSK_CEK_LEN, CCS_ERR_FORMAT,
               "ratls: CSV evidence of %zu bytes is neither a report nor a report with the HSK and CEK", ev.len);
    size_t rl = ev.len - CSV_HSK_CEK_LEN;
    CCS_ENSURE(rl <= CCS_CSV_REPORT_BUF_LEN, CCS_ERR_TRAILING,
               "ratls: CSV evidence of %zu bytes: the report before the HSK and CEK is over %u bytes", ev.len,
               CCS_CSV_REPORT_BUF_LEN);
    *report = ccs_bytes_of(ev.ptr, rl);
    *hsk = ccs_bytes_of(ev.ptr + rl, CCS_CSV_CA_CERT_LEN);
    *cek = ccs_bytes_of(ev.ptr + rl + CCS_CSV_CA_CERT_LEN, CCS_CSV_CERT_LEN);
    return CCS_OK;
}

ccs_status ratls_evidence_layout_check(uint64_t tag, ccs_bytes ev) {
    ccs_bytes a, b, c;
    ratls_snp_certs certs;
    if (tag == CCS_RATLS_TAG_SNP_REPORT) return ratls_snp_split(ev, &a, &certs);
    if (tag == CCS_RATLS_TAG_CSV_REPORT) return ratls_csv_split(ev, &a, &b, &c);
    return CCS_OK;
}

/* ---- verification ---------------------------------------------------------------- */

static void fail(ccs_ratls_result *r, const char *name, const char *msg) {
    if (r->n_failed >= CCS_RATLS_MAX_FAILED) return;
    r->failed[r->n_failed].name = name;
    snprintf(r->failed[r->n_failed].message, sizeof r->failed[r->n_failed].message, "%s", msg);
    r->n_failed++;
}

/* PEM of the table's ASK (ASVK), then its ARK if present. */
static ccs_status table_chain(const ratls_snp_certs *c, ccs_buf *pem) {
    CCS_ENSURE(c->ask.len > 0, CCS_ERR_NOT_FOUND,
               "no SNP collateral: the certificate carries the %s but not the ASK; give a collateral directory "
               "(cert_chain.pem) or a KDS", c->vlek.len > 0 ? "VLEK" : "VCEK");
    CCS_TRY(ccs_pem_encode("CERTIFICATE", c->ask, pem)); /* appends */
    if (c->ark.len > 0) CCS_TRY(ccs_pem_encode("CERTIFICATE", c->ark, pem));
    return CCS_OK;
}

/* The SNP collateral from the first configured source: the collateral
 * directory (with the certificate's own VCEK/VLEK, if it carries one, as
 * the KBS does), the KDS, the certificate's table. */
static ccs_status snp_collateral(const ccs_ratls_verify_options *o, ccs_snp_kds *kds, ccs_bytes report,
                                 const ratls_snp_certs *c, ccs_time now, ccs_snp_collateral **coll,
                                 ccs_ratls_result *r) {
    ccs_snp_report rep;
    bool vlek = ccs_snp_report_parse(report, &rep) == CCS_OK && rep.signing_key == CCS_SNP_KEY_VLEK;
    ccs_bytes key = vlek ? c->vlek : c->vcek;
    ccs_buf chain = {0};
    ccs_status st;
    if (o->collateral != NULL) {
        r->collateral_source = "collateral";
        if (key.len == 0) return ccs_snp_collateral_load_dir(o->collateral, coll);
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/cert_chain.pem", o->collateral);
        CCS_ENSURE(n > 0 && (size_t)n < sizeof path, CCS_ERR_INVALID_ARG, "collateral path too long");
        st = ccs_file_read(path, PEM_MAX, &chain);
        if (st == CCS_OK) st = ccs_snp_collateral_load(key, ccs_buf_view(&chain), coll);
        ccs_buf_free(&chain);
        return st;
    }
    if (kds != NULL) {
        r->collateral_source = "kds";
        return ccs_snp_kds_get_collateral(kds, report, CCS_SNP_PRODUCT_UNKNOWN, c->vlek, now, coll);
    }
    CCS_ENSURE(key.len > 0, CCS_ERR_NOT_FOUND,
               "no SNP collateral: the certificate carries no %s; give a collateral directory (vcek.der, "
               "cert_chain.pem) or a KDS", vlek ? "VLEK" : "VCEK");
    r->collateral_source = "evidence";
    st = table_chain(c, &chain);
    if (st == CCS_OK) st = ccs_snp_collateral_load(key, ccs_buf_view(&chain), coll);
    ccs_buf_free(&chain);
    return st;
}

void ratls_snp_verify(const ccs_ratls_evidence *ev, const ccs_ratls_verify_options *o, ccs_snp_kds *kds,
                      ccs_time now, ccs_ratls_result *r) {
    ccs_bytes report;
    ratls_snp_certs c;
    ccs_snp_collateral *coll = NULL;
    r->is_snp = true;
    if (ratls_snp_split(ccs_buf_view(&ev->evidence), &report, &c) != CCS_OK) {
        fail(r, CCS_RATLS_CHECK_EVIDENCE, ccs_error_detail());
        return;
    }
    if (snp_collateral(o, kds, report, &c, now, &coll, r) != CCS_OK) {
        fail(r, CCS_RATLS_CHECK_COLLATERAL, ccs_error_detail());
        return;
    }
    ccs_snp_options so = {
        .now = now,
        .allow_debug = o->allow_debug,
        .report_data = ccs_bytes_of(ev->report_data, 64),
        .max_vmpl = o->snp_max_vmpl,
    };
    ccs_status st = ccs_snp_verify(report, coll, &so, &r->snp);
    if (st == CCS_ERR_VERIFY) fail(r, CCS_RATLS_CHECK_EVIDENCE, "the SNP report does not verify (see snp.failed)");
    else if (st != CCS_OK) fail(r, CCS_RATLS_CHECK_EVIDENCE, ccs_error_detail());
    ccs_snp_collateral_free(coll);
}

void ratls_csv_verify(const ccs_ratls_evidence *ev, const ccs_ratls_verify_options *o, ccs_ratls_result *r) {
    ccs_bytes report, hsk, cek;
    ccs_buf store = {0};
    ccs_csv_certs certs = {0};
    r->is_csv = true;
    if (ratls_csv_split(ccs_buf_view(&ev->evidence), &report, &hsk, &cek) != CCS_OK) {
        fail(r, CCS_RATLS_CHECK_EVIDENCE, ccs_error_detail());
        return;
    }
    ccs_status st = CCS_OK;
    if (o->collateral != NULL) {
        r->collateral_source = "collateral";
        st = ccs_csv_certs_load_dir(o->collateral, &store, &certs);
    } else if (hsk.len > 0) {
        r->collateral_source = "evidence";
        certs.hsk = hsk; /* untrusted: chained to the compiled-in HRK by ccs_csv_verify */
        certs.cek = cek;
    } else {
        st = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "no CSV collateral: the certificate carries no HSK and CEK; "
                                                        "give a collateral directory (hsk_cek.cert)");
    }
    if (st != CCS_OK) {
        fail(r, CCS_RATLS_CHECK_COLLATERAL, ccs_error_detail());
        ccs_buf_free(&store);
        return;
    }
    ccs_csv_options co = {.allow_debug = o->allow_debug, .report_data = ccs_bytes_of(ev->report_data, 64)};
    st = ccs_csv_verify(report, &certs, &co, &r->csv);
    if (st == CCS_ERR_VERIFY) fail(r, CCS_RATLS_CHECK_EVIDENCE, "the CSV report does not verify (see csv.failed)");
    else if (st != CCS_OK) fail(r, CCS_RATLS_CHECK_EVIDENCE, ccs_error_detail());
    ccs_buf_free(&store);
}

ccs_status ratls_snp_kds_open(const ccs_ratls_verify_options *o, ccs_snp_kds **out) {
    *out = NULL;
    if (o->snp_kds_url == NULL) return CCS_OK;
    CCS_TRY(ccs_snp_kds_new(o->snp_kds_url, o->snp_kds_cache, out));
    ccs_snp_kds_insecure_skip_tls_verify(*out, o->insecure_kds_skip_tls_verify);
    return CCS_OK;
}

bool ratls_result_evidence_pass(const ccs_ratls_result *r) {
    return r->is_tpm ? r->tpm.pass : r->is_snp ? r->snp.pass : r->is_csv ? r->csv.pass : r->dcap.pass;
}
