/* DCAP quote verification: the checks of shared specs/attestation.md
 * section 1 (steps 1-10) and section 2, in order. Every check runs that can
 * run, so the result names every failure, and the verdict passes only when
 * none failed. Time-independent results (signatures, chains) are cached in
 * the collateral object together with the time window in which they hold. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "verify.h"

#define TCB_SIGNING_CN "Intel SGX TCB Signing"

void ccs_vfail(vctx *v, const char *check, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ccs_check_vadd(v->res->failed, &v->res->n_failed, CCS_DCAP_MAX_FAILED, check, fmt, ap);
    va_end(ap);
}

/* ---- the pinned root ---------------------------------------------------------- */

static pthread_once_t root_once = PTHREAD_ONCE_INIT;
static ccs_x509 *intel_root; /* parsed once, never freed: a documented constant */

static void parse_intel_root(void) {
    if (ccs_x509_parse_der(ccs_intel_sgx_root_ca_der(), &intel_root) != CCS_OK) intel_root = NULL;
}

static ccs_status pick_root(vctx *v) {
    if (v->opt->insecure_root) {
        v->root = v->opt->insecure_root;
    } else {
        pthread_once(&root_once, parse_intel_root);
        CCS_ENSURE(intel_root != NULL, CCS_ERR_INTERNAL, "built-in Intel SGX Root CA does not parse");
        v->root = intel_root;
    }
    ccs_sha256(ccs_x509_der(v->root), v->root_id);
    return CCS_OK;
}

/* ---- time windows --------------------------------------------------------------- */

static void narrow(ccs_time *lo, ccs_time *hi, ccs_time a, ccs_time b) {
    if (a > *lo) *lo = a;
    if (b < *hi) *hi = b;
}

/* Intersection of the validity periods of the chain and the root, both
 * ends included: [lo, hi]. OpenSSL holds a certificate expired from its
 * notAfter second on, so hi is the second before the earliest notAfter, and
 * a cached verdict ends where a fresh verification would start failing. */
void ccs_chain_window(const ccs_x509_chain *ch, const ccs_x509 *root, ccs_time *lo, ccs_time *hi) {
    ccs_time a, b;
    *lo = INT64_MIN;
    *hi = INT64_MAX;
    for (size_t i = 0; i < ccs_x509_chain_len(ch); i++)
        if (ccs_x509_validity(ccs_x509_chain_get(ch, i), &a, &b) == CCS_OK) narrow(lo, hi, a, b);
    if (ccs_x509_validity(root, &a, &b) == CCS_OK) narrow(lo, hi, a, b);
    if (*hi != INT64_MAX && *hi > INT64_MIN) *hi -= 1;
}

static bool span_holds(const verified_span *s, const vctx *v) {
    return s->done && s->st == CCS_OK && memcmp(s->root, v->root_id, 32) == 0 && v->opt->now >= s->lo &&
           v->opt->now <= s->hi;
}

static void span_record(verified_span *s, const vctx *v, ccs_status st, ccs_time lo, ccs_time hi) {
    s->done = true;
    s->st = st;
    s->lo = lo;
    s->hi = hi;
    memcpy(s->root, v->root_id, 32);
}

/* ---- Root CA CRL ------------------------------------------------------------------ */

/* Root CA CRL: signed by the root, current at `now`. Cached with its window. */
static bool root_crl_ok(vctx *v) {
    ccs_collateral *c = v->c;
    ccs_time lo, hi;
    if (span_holds(&c->root_crl_span, v)) return true;
    if (c->root_crl == NULL) {
        ccs_vfail(v, CCS_CHECK_ROOT_CA_CRL, "Root CA CRL is missing from the collateral");
        return false;
    }
    if (ccs_crl_verify(c->root_crl, v->root) != CCS_OK) {
        ccs_vfail(v, CCS_CHECK_ROOT_CA_CRL, "Root CA CRL signature: %s", ccs_error_detail());
        return false;
    }
    /* [thisUpdate, nextUpdate): the nextUpdate second is outside, as in
     * ccs_x509_verify_chain (OpenSSL) and the SNP CRL. */
    if (ccs_crl_window(c->root_crl, &lo, &hi) != CCS_OK || v->opt->now < lo || v->opt->now >= hi) {
        ccs_vfail(v, CCS_CHECK_ROOT_CA_CRL, "Root CA CRL is not current at the verification time");
        return false;
    }
    span_record(&c->root_crl_span, v, CCS_OK, lo, hi - 1); /* span_holds takes both ends */
    return true;
}

/* ---- TCB Info / QE Identity signatures ---------------------------------------------- */

/* The signing chain ends at the pinned root, its leaf is the TCB Signing
 * certificate, not revoked per the Root CA CRL, and its key signed `body`. */
static ccs_status check_signed_once(vctx *v, ccs_x509_chain *chain, ccs_bytes body, const uint8_t sig[64],
                                    ccs_time *lo, ccs_time *hi) {
    char cn[64];
    ccs_pubkey *key = NULL;
    CCS_ENSURE(chain != NULL, CCS_ERR_NOT_FOUND, "issuer chain is missing from the collateral");
    const ccs_x509 *leaf = ccs_x509_chain_get(chain, 0);
    verified_span *cs = &v->c->signing_chain_span;
    bool shared = chain == v->c->tcb_chain;
    if (!(shared && span_holds(cs, v))) {
        CCS_TRY(ccs_x509_verify_chain(chain, v->root, NULL, 0, v->opt->now));
        ccs_chain_window(chain, v->root, lo, hi);
        if (shared) span_record(cs, v, CCS_OK, *lo, *hi);
    }
    CCS_TRY(ccs_x509_subject_cn(leaf, cn, sizeof cn));
    CCS_ENSURE(strcmp(cn, TCB_SIGNING_CN) == 0, CCS_ERR_CERT, "signer is \"%s\", not the TCB Signing certificate", cn);
    if (v->c->root_crl) CCS_TRY(ccs_crl_check(v->c->root_crl, leaf));
    CCS_TRY(ccs_x509_pubkey(leaf, &key));
    ccs_status st = ccs_ecdsa_verify_raw(key, body, ccs_bytes_of(sig, 64));
    ccs_pubkey_free(key);
    CCS_TRY(st);
    ccs_chain_window(chain, v->root, lo, hi);
    return CCS_OK;
}

static bool check_signed(vctx *v, verified_span *span, ccs_x509_chain *chain, const ccs_buf *body,
                         const uint8_t sig[64], const char *check, const char *what) {
    ccs_time lo = 0, hi = 0;
    if (span_holds(span, v)) return true;
    ccs_status st = check_signed_once(v, chain, ccs_buf_view(body), sig, &lo, &hi);
    if (st != CCS_OK) {
        ccs_vfail(v, check, "%s: %s", what, ccs_error_detail());
        return false;
    }
    span_record(span, v, CCS_OK, lo, hi);
    return true;
}

static void check_window(vctx *v, ccs_time issue, ccs_time next, const char *check, const char *what) {
    char a[21], b[21];
    if (v->opt->now >= issue && v->opt->now <= next) return;
    if (ccs_time_format(issue, a) != CCS_OK) a[0] = '\0';
    if (ccs_time_format(next, b) != CCS_OK) b[0] = '\0';
    ccs_vfail(v, check, "%s is valid from %s to %s, not at the verification time", what, a, b);
}

static void verify_collateral_signatures(vctx *v) {
    ccs_collateral *c = v->c;
    bool tcb_sig = check_signed(v, &c->tcb_span, c->tcb_chain, &c->tcb.signed_bytes, c->tcb.signature,
                                CCS_CHECK_TCB_INFO_SIGNATURE, "TCB Info");
    bool qe_sig = check_signed(v, &c->qe_span, c->qe_chain, &c->qe.signed_bytes, c->qe.signature,
                               CCS_CHECK_QE_IDENTITY_SIGNATURE, "QE Identity");
    /* A stale but authentic document still yields a status (reported, and
     * the verdict fails on the window); an unauthentic one yields none. */
    check_window(v, c->tcb.issue_date, c->tcb.next_update, CCS_CHECK_TCB_INFO_WINDOW, "TCB Info");
    check_window(v, c->qe.issue_date, c->qe.next_update, CCS_CHECK_QE_IDENTITY_WINDOW, "QE Identity");
    v->tcb_info_ok = tcb_sig;
    v->qe_identity_ok = qe_sig;
}

/* ---- quote signatures ---------------------------------------------------------------- */

/* Whether the PCK key of e signed the quote's QE report; a verdict for
 * these exact bytes is remembered in e (an ECDSA verification depends on
 * nothing but the key, the message and the signature). */
static bool qe_report_signed(const ccs_dcap_quote *q, pck_entry *e) {
    uint8_t d[32];
    ccs_bytes parts[2] = {q->qe_report.raw, q->qe_report_signature};
    ccs_sha256_v(parts, 2, d);
    if (e->qe_report_known && memcmp(e->qe_report_ok, d, sizeof d) == 0) return true;
    if (ccs_ecdsa_verify_raw(e->leaf_key, q->qe_report.raw, q->qe_report_signature) != CCS_OK) return false;
    memcpy(e->qe_report_ok, d, sizeof d);
    e->qe_report_known = true;
    return true;
}

/* e is NULL when the PCK chain failed (that failure is already named). */
static void verify_qe_report(vctx *v, pck_entry *e) {
    const ccs_dcap_quote *q = v->q;
    uint8_t h[32];
    if (e != NULL && !qe_report_signed(q, e))
        ccs_vfail(v, CCS_CHECK_QE_REPORT_SIGNATURE, "QE report is not signed by the PCK key");
    /* QE REPORTDATA = SHA-256(attestation key || QE auth data) || 32 zero bytes. */
    ccs_bytes parts[2] = {q->att_key, q->qe_auth_data};
    ccs_sha256_v(parts, 2, h);
    ccs_bytes rd = q->qe_report.report_data;
    if (memcmp(rd.ptr, h, 32) != 0 || !ccs_bytes_is_zero(ccs_bytes_of(rd.ptr + 32, 32)))
        ccs_vfail(v, CCS_CHECK_QE_REPORT_DATA, "QE report data does not bind the attestation key");
}

static void verify_quote_signature(vctx *v) {
    ccs_pubkey *ak = NULL;
    if (ccs_pubkey_from_ec_raw(CCS_CURVE_P256, v->q->att_key, &ak) != CCS_OK) {
        ccs_vfail(v, CCS_CHECK_QUOTE_SIGNATURE, "attestation key is not a P-256 point");
        return;
    }
    if (ccs_ecdsa_verify_raw(ak, v->q->signed_data, v->q->signature) != CCS_OK)
        ccs_vfail(v, CCS_CHECK_QUOTE_SIGNATURE, "quote signature does not verify with the attestation key");
    ccs_pubkey_free(ak);
}

/* ---- claims, debug, report data ---------------------------------------------------- */

#define COPY(dst, view) memcpy((dst), (view).ptr, sizeof(dst))

static void copy_claims(vctx *v) {
    const ccs_dcap_quote *q = v->q;
    ccs_dcap_result *r = v->res;
    r->tee = q->tee;
    r->quote_version = q->version;
    if (q->tee == CCS_TEE_SGX) {
        COPY(r->sgx.mr_enclave, q->sgx.mr_enclave);
        COPY(r->sgx.mr_signer, q->sgx.mr_signer);
        COPY(r->sgx.attributes, q->sgx.attributes);
        COPY(r->sgx.cpu_svn, q->sgx.cpu_svn);
        r->sgx.isv_prod_id = q->sgx.isv_prod_id;
        r->sgx.isv_svn = q->sgx.isv_svn;
        r->sgx.misc_select = q->sgx.misc_select;
        COPY(r->report_data, q->sgx.report_data);
        r->debug = (q->sgx.attributes.ptr[0] & 0x02) != 0; /* SGX ATTRIBUTES.DEBUG, bit 1 */
    } else {
        const ccs_tdx_report *t = &q->tdx;
        COPY(r->tdx.tee_tcb_svn, t->tee_tcb_svn);
        COPY(r->tdx.mr_seam, t->mr_seam);
        COPY(r->tdx.mr_signer_seam, t->mr_signer_seam);
        COPY(r->tdx.seam_attributes, t->seam_attributes);
        COPY(r->tdx.td_attributes, t->td_attributes);
        COPY(r->tdx.xfam, t->xfam);
        COPY(r->tdx.mr_td, t->mr_td);
        COPY(r->tdx.mr_config_id, t->mr_config_id);
        COPY(r->tdx.mr_owner, t->mr_owner);
        COPY(r->tdx.mr_owner_config, t->mr_owner_config);
        for (int i = 0; i < 4; i++) COPY(r->tdx.rtmr[i], t->rtmr[i]);
        COPY(r->report_data, t->report_data);
        r->debug = (t->td_attributes.ptr[0] & 0x01) != 0; /* TDATTRIBUTES.DEBUG, bit 0 */
    }
}

static void check_policy(vctx *v) {
    const ccs_dcap_options *o = v->opt;
    if (v->res->debug && !o->allow_debug)
        ccs_vfail(v, CCS_CHECK_DEBUG, "%s is in debug mode", v->q->tee == CCS_TEE_SGX ? "enclave" : "TD");
    if (!ccs_report_data_matches(v->res->report_data, o->report_data))
        ccs_vfail(v, CCS_CHECK_REPORT_DATA, "report data does not match the expected value");
}

/* ---- entry point -------------------------------------------------------------------- */

ccs_status ccs_dcap_verify(ccs_bytes quote, ccs_collateral *coll, const ccs_dcap_options *opt,
                           ccs_dcap_result *out) {
    ccs_dcap_quote q;
    vctx v;
    CCS_ENSURE(coll != NULL && opt != NULL && out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    memset(out, 0, sizeof *out);
    memset(&v, 0, sizeof v);
    v.q = &q;
    v.c = coll;
    v.opt = opt;
    v.res = out;
    CCS_TRY(pick_root(&v));
    if (ccs_dcap_quote_parse(quote, &q) != CCS_OK) {
        ccs_vfail(&v, CCS_CHECK_QUOTE_FORMAT, "%s", ccs_error_detail());
        return ccs_error_set(CCS_ERR_VERIFY, CCS_HERE, "quote does not parse");
    }
    copy_claims(&v);
    pthread_mutex_lock(&coll->lock);
    pck_entry *e = ccs_verify_pck(&v);
    /* Both CRLs are judged even when one fails, so every failure is named. */
    root_crl_ok(&v);
    if (e != NULL) ccs_check_pck_revocation(&v, e);
    verify_qe_report(&v, e);
    verify_collateral_signatures(&v);
    pthread_mutex_unlock(&coll->lock);
    verify_quote_signature(&v);
    ccs_check_tcb_info_content(&v);
    ccs_check_qe_identity(&v);
    ccs_evaluate_tcb(&v);
    check_policy(&v);
    out->pass = out->n_failed == 0;
    if (!out->pass)
        return ccs_error_set(CCS_ERR_VERIFY, CCS_HERE, "%s: %s", out->failed[0].name, out->failed[0].message);
    return CCS_OK;
}
