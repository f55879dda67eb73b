/* RA-TLS certificate verification (docs/ratls.md "Verification"): parse the
 * evidence extension, check the self-signature and validity, verify the
 * DCAP quote with the report data this certificate's key must produce, and
 * check the pubkey-hash claim. Fails closed: every failed check is named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratls_internal.h"

static void fail(ccs_ratls_result *r, const char *name, const char *msg) {
    if (r->n_failed >= CCS_RATLS_MAX_FAILED) return;
    r->failed[r->n_failed].name = name;
    snprintf(r->failed[r->n_failed].message, sizeof r->failed[r->n_failed].message, "%s", msg);
    r->n_failed++;
}

/* The self-signature (selfsig.c) and the validity window. */
static void check_cert(const ccs_x509 *c, const ccs_ratls_verify_options *o, ccs_time now, ccs_ratls_result *r) {
    ccs_time nb = 0, na = 0;
    ccs_status st = ccs_x509_validity(c, &nb, &na);
    if (st != CCS_OK) fail(r, CCS_RATLS_CHECK_VALIDITY, ccs_error_detail());
    else if (!o->ignore_validity && (now < nb || now >= na))
        fail(r, CCS_RATLS_CHECK_VALIDITY, "the certificate is not valid at the verification time");
    if (ratls_check_self_signature(c) != CCS_OK) fail(r, CCS_RATLS_CHECK_SIGNATURE, ccs_error_detail());
}

static void verify_quote(const ccs_ratls_evidence *ev, const ccs_ratls_verify_options *o, ccs_time now,
                         ccs_ratls_result *r) {
    ccs_dcap_quote q;
    ccs_x509 *root = NULL;
    ccs_collateral *coll = NULL;
    if (ev->format == CCS_RATLS_FORMAT_TCG && ev->tag == CCS_RATLS_TAG_CCS_TPM_CMW) {
        ratls_tpm_trust t;
        r->is_tpm = true;
        if (ratls_tpm_trust_load(o, &t) != CCS_OK) fail(r, CCS_RATLS_CHECK_AK_TRUST, ccs_error_detail());
        else ratls_tpm_verify(ev, &t, now, r);
        ratls_tpm_trust_clear(&t);
        return;
    }
    if (ev->format == CCS_RATLS_FORMAT_TCG && ev->tag == CCS_RATLS_TAG_SNP_REPORT) {
        ccs_snp_kds *kds = NULL;
        if (ratls_snp_kds_open(o, &kds) != CCS_OK) {
            r->is_snp = true;
            fail(r, CCS_RATLS_CHECK_COLLATERAL, ccs_error_detail());
        } else {
            ratls_snp_verify(ev, o, kds, now, r);
        }
        ccs_snp_kds_free(kds);
        return;
    }
    if (ev->format == CCS_RATLS_FORMAT_TCG && ev->tag == CCS_RATLS_TAG_CSV_REPORT) {
        ratls_csv_verify(ev, o, r);
        return;
    }
    if (ev->format == CCS_RATLS_FORMAT_TCG && ev->tag != CCS_RATLS_TAG_GRAMINE_SGX_QUOTE &&
        ev->tag != CCS_RATLS_TAG_TEE_QUOTE) {
        char m[120];
        snprintf(m, sizeof m, "evidence with CBOR tag 0x%llx is not verified (DCAP quotes, SNP, CSV, TPM only)",
                 (unsigned long long)ev->tag);
        fail(r, CCS_RATLS_CHECK_EVIDENCE, m);
        return;
    }
    if (ccs_dcap_quote_parse(ccs_buf_view(&ev->evidence), &q) != CCS_OK) {
        fail(r, CCS_RATLS_CHECK_EVIDENCE, ccs_error_detail());
        return;
    }
    r->tee = q.tee;
    if (ev->format == CCS_RATLS_FORMAT_TCG && ev->tag == CCS_RATLS_TAG_GRAMINE_SGX_QUOTE && q.tee != CCS_TEE_SGX) {
        fail(r, CCS_RATLS_CHECK_EVIDENCE, "CBOR tag 60000 (SGX quote) over a non-SGX quote");
        return;
    }
    if (ratls_collateral_pick(o, NULL, &q, ev, now, &root, &coll, r) != CCS_OK) {
        fail(r, CCS_RATLS_CHECK_COLLATERAL, ccs_error_detail());
        return;
    }
    ccs_dcap_options dopt = {
        .now = now,
        .accept_tcb = o->accept_tcb,
        .allow_debug = o->allow_debug,
        .report_data = ccs_bytes_of(ev->report_data, ev->report_data_cmp),
        .insecure_root = root,
    };
    ccs_status st = ccs_dcap_verify(ccs_buf_view(&ev->evidence), coll, &dopt, &r->dcap);
    if (st == CCS_ERR_VERIFY) fail(r, CCS_RATLS_CHECK_EVIDENCE, "the quote does not verify (see dcap.failed)");
    else if (st != CCS_OK) fail(r, CCS_RATLS_CHECK_EVIDENCE, ccs_error_detail());
    ccs_collateral_free(coll);
    ccs_x509_free(root);
}

ccs_status ccs_ratls_verify_cert(ccs_bytes cert_der, const ccs_ratls_verify_options *opt, ccs_ratls_result *out) {
    static const ccs_ratls_verify_options defaults = {0};
    const ccs_ratls_verify_options *o = opt != NULL ? opt : &defaults;
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "ratls: NULL argument");
    memset(out, 0, sizeof *out);
    ccs_time now = o->now != 0 ? o->now : ccs_time_now();
    ccs_x509 *c = NULL;
    ccs_ratls_evidence ev;
    memset(&ev, 0, sizeof ev);
    if (ccs_x509_parse_der(cert_der, &c) != CCS_OK) {
        fail(out, CCS_RATLS_CHECK_FORMAT, ccs_error_detail());
        return ccs_error_set(CCS_ERR_VERIFY, CCS_HERE, "ratls: not a certificate");
    }
    check_cert(c, o, now, out);
    ccs_x509_free(c);
    if (ccs_ratls_evidence_parse(cert_der, &ev) != CCS_OK) {
        fail(out, CCS_RATLS_CHECK_FORMAT, ccs_error_detail());
    } else {
        out->format = ev.format;
        out->tag = ev.tag;
        if (!ev.pubkey_hash_ok)
            fail(out, CCS_RATLS_CHECK_PUBKEY_HASH, "the pubkey-hash claim is not the hash of the certificate's key");
        if (o->expected_nonce.len > 0 && !ccs_ct_eq(o->expected_nonce, ccs_buf_view(&ev.nonce)))
            fail(out, CCS_RATLS_CHECK_NONCE, "the nonce claim is not the expected nonce");
        verify_quote(&ev, o, now, out);
    }
    ccs_ratls_evidence_clear(&ev);
    out->pass = out->n_failed == 0 && ratls_result_evidence_pass(out);
    if (out->pass) return CCS_OK;
    char reasons[512];
    ccs_ratls_result_reasons(out, reasons, sizeof reasons);
    return ccs_error_set(CCS_ERR_VERIFY, CCS_HERE, "ratls: refused: %s", reasons);
}

static void append(char *buf, size_t cap, size_t *used, const char *name, const char *msg) {
    if (*used >= cap) return;
    int w = snprintf(buf + *used, cap - *used, "%s%s: %s", *used ? "; " : "", name, msg);
    if (w > 0) *used = *used + (size_t)w < cap ? *used + (size_t)w : cap - 1;
}

void ccs_ratls_result_reasons(const ccs_ratls_result *r, char *buf, size_t cap) {
    size_t used = 0;
    if (buf == NULL || cap == 0) return;
    buf[0] = '\0';
    for (size_t i = 0; r != NULL && i < r->n_failed; i++) append(buf, cap, &used, r->failed[i].name, r->failed[i].message);
    for (size_t i = 0; r != NULL && i < r->dcap.n_failed; i++)
        append(buf, cap, &used, r->dcap.failed[i].name, r->dcap.failed[i].message);
    for (size_t i = 0; r != NULL && r->is_tpm && i < r->tpm.n_failed; i++)
        append(buf, cap, &used, r->tpm.failed[i].name, r->tpm.failed[i].message);
    for (size_t i = 0; r != NULL && r->is_snp && i < r->snp.n_failed; i++)
        append(buf, cap, &used, r->snp.failed[i].name, r->snp.failed[i].message);
    for (size_t i = 0; r != NULL && r->is_csv && i < r->csv.n_failed; i++)
        append(buf, cap, &used, r->csv.failed[i].name, r->csv.failed[i].message);
    if (used == 0 && r != NULL && !r->pass) snprintf(buf, cap, "not verified");
}
