/* DCAP quote verification: the checks of shared specs/attestation.md
 * section 1 (steps 1-10) and section 2, in order. Every check runs that can
 * run, so the result names every failure, and the verdict passes only when
 * none failed. Time-independent results (signatures, chains) are cached in
 * the collateral object together with the time window in which they hold. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "verify.h"

#define TCB_SIGNING_CN "Intel SGX TCB Signing"

void ccs_vfail(vctx *v, const char *check, const char *fmt, ...) {
    ccs_dcap_result *r = v->res;
    if (r->n_failed >= CCS_DCAP_MAX_FAILED) return;
    ccs_failed_check *f = &r->failed[r->n_failed++];
    va_list ap;
    f->name = check;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
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

/* Intersection of the validity periods of the chain and the root. */
static void chain_window(const ccs_x509_chain *ch, const ccs_x509 *root, ccs_time *lo, ccs_time *hi) {
    ccs_time a, b;
    *lo = INT64_MIN;
    *hi = INT64_MAX;
    for (size_t i = 0; i < ccs_x509_chain_len(ch); i++)
        if (ccs_x509_validity(ccs_x509_chain_get(ch, i), &a, &b) == CCS_OK) narrow(lo, hi, a, b);
    if (ccs_x509_validity(root, &a, &b) == CCS_OK) narrow(lo, hi, a, b);
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
    if (ccs_crl_window(c->root_crl, &lo, &hi) != CCS_OK || v->opt->now < lo || v->opt->now > hi) {
        ccs_vfail(v, CCS_CHECK_ROOT_CA_CRL, "Root CA CRL is not current at the verification time");
        return false;
    }
    span_record(&c->root_crl_span, v, CCS_OK, lo, hi);
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
        chain_window(chain, v->root, lo, hi);
        if (shared) span_record(cs, v, CCS_OK, *lo, *hi);
    }
    CCS_TRY(ccs_x509_subject_cn(leaf, cn, sizeof cn));
    CCS_ENSURE(strcmp(cn, TCB_SIGNING_CN) == 0, CCS_ERR_CERT, "signer is \"%s\", not the TCB Signing certificate", cn);
    if (v->c->root_crl) CCS_TRY(ccs_crl_check(v->c->root_crl, leaf));
    CCS_TRY(ccs_x509_pubkey(leaf, &key));
    ccs_status st = ccs_ecdsa_verify_raw(key, body, ccs_bytes_of(sig, 64));
    ccs_pubkey_free(key);
    CCS_TRY(st);
    chain_window(chain, v->root, lo, hi);
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

/* ---- PCK chain and CRLs -------------------------------------------------------------- */

static pck_entry *pck_lookup(vctx *v, const uint8_t key[32]) {
    for (size_t i = 0; i < PCK_CACHE_SIZE; i++) {
        pck_entry *e = &v->c->pck[i];
        if (e->used && memcmp(e->key, key, 32) == 0 && memcmp(e->root, v->root_id, 32) == 0) return e;
    }
    return NULL;
}

/* Verifies the PCK chain from the quote and stores it in the cache. */
static ccs_status pck_verify_chain(vctx *v, const uint8_t key[32], pck_entry **out) {
    ccs_x509_chain *chain = NULL;
    ccs_pubkey *leaf_key = NULL;
    ccs_status st = ccs_x509_chain_parse_pem(v->q->cert_data, &chain);
    /* Intel's profile: PCK, its CA, and optionally the root. Nothing else may
     * ride along: revocation is judged on chain[1], so chain[1] must be the
     * only candidate issuer on the validated path (a second CA of the same
     * name, e.g. after a re-key, must not stand in for a revoked one). */
    size_t n = st == CCS_OK ? ccs_x509_chain_len(chain) : 0;
    if (st == CCS_OK && (n < 2 || n > 3))
        st = ccs_error_set(CCS_ERR_CERT, CCS_HERE, "PCK chain has %zu certificates, expected PCK, CA and root", n);
    if (st == CCS_OK && n == 3 && !ccs_x509_equal(ccs_x509_chain_get(chain, 2), v->root))
        st = ccs_error_set(CCS_ERR_UNTRUSTED, CCS_HERE, "PCK chain ends at a root other than the trusted root");
    if (st == CCS_OK) st = ccs_x509_verify_chain(chain, v->root, NULL, 0, v->opt->now);
    if (st == CCS_OK) st = ccs_x509_pubkey(ccs_x509_chain_get(chain, 0), &leaf_key);
    if (st != CCS_OK) {
        ccs_x509_chain_free(chain);
        return st;
    }
    pck_entry *e = &v->c->pck[v->c->pck_next];
    v->c->pck_next = (v->c->pck_next + 1) % PCK_CACHE_SIZE;
    ccs_x509_chain_free(e->chain);
    ccs_pubkey_free(e->leaf_key);
    memset(e, 0, sizeof *e);
    e->used = true;
    memcpy(e->key, key, 32);
    memcpy(e->root, v->root_id, 32);
    e->chain = chain;
    e->leaf_key = leaf_key;
    chain_window(chain, v->root, &e->lo, &e->hi);
    *out = e;
    return CCS_OK;
}

/* The PCK CRL comes from the CA that issued the PCK (Platform or Processor):
 * verified with that CA's key, current, and not listing the PCK. The Root
 * CA CRL must not list that CA. */
static void check_pck_revocation(vctx *v, pck_entry *e) {
    const ccs_x509 *leaf = ccs_x509_chain_get(e->chain, 0), *ca = ccs_x509_chain_get(e->chain, 1);
    ccs_collateral *c = v->c;
    ccs_time lo, hi;
    if (c->root_crl && ccs_crl_check(c->root_crl, ca) != CCS_OK)
        ccs_vfail(v, CCS_CHECK_ROOT_CA_CRL, "the PCK CA certificate is revoked: %s", ccs_error_detail());
    if (c->pck_crl == NULL) {
        ccs_vfail(v, CCS_CHECK_PCK_CRL, "PCK CRL is missing from the collateral");
        return;
    }
    if (e->pck_crl_sig == 0) { /* signatures do not depend on time: once per chain */
        e->pck_crl_sig = ccs_crl_verify(c->pck_crl, ca) == CCS_OK ? 1 : -1;
        snprintf(e->pck_crl_msg, sizeof e->pck_crl_msg, "%s", ccs_error_detail());
    }
    if (e->pck_crl_sig < 0) {
        ccs_vfail(v, CCS_CHECK_PCK_CRL, "PCK CRL was not issued by the PCK's CA: %s", e->pck_crl_msg);
        return;
    }
    if (ccs_crl_window(c->pck_crl, &lo, &hi) != CCS_OK || v->opt->now < lo || v->opt->now > hi)
        ccs_vfail(v, CCS_CHECK_PCK_CRL, "PCK CRL is not current at the verification time");
    if (ccs_crl_check(c->pck_crl, leaf) != CCS_OK)
        ccs_vfail(v, CCS_CHECK_PCK_CRL, "the PCK certificate is revoked: %s", ccs_error_detail());
}

/* The validated path is PCK <- chain[1] <- root: the PCK names chain[1] as
 * its issuer, and chain[1] is a PCK CA (not the root under another name). */
static ccs_status check_pck_issuer(const pck_entry *e) {
    char issuer[128], ca[128];
    CCS_TRY(ccs_x509_issuer_cn(ccs_x509_chain_get(e->chain, 0), issuer, sizeof issuer));
    CCS_TRY(ccs_x509_subject_cn(ccs_x509_chain_get(e->chain, 1), ca, sizeof ca));
    CCS_ENSURE(strcmp(issuer, ca) == 0, CCS_ERR_CERT, "PCK issuer \"%s\" is not the chain's CA \"%s\"", issuer, ca);
    return CCS_OK;
}

/* PCK chain, revocation, QE report signature; returns the PCK key's entry. */
static pck_entry *verify_pck(vctx *v) {
    uint8_t key[32];
    pck_entry *e;
    ccs_sha256(v->q->cert_data, key);
    e = pck_lookup(v, key);
    if (e == NULL || v->opt->now < e->lo || v->opt->now > e->hi) {
        ccs_status st = pck_verify_chain(v, key, &e);
        if (st != CCS_OK) {
            ccs_vfail(v, CCS_CHECK_PCK_CHAIN, "PCK certificate chain: %s", ccs_error_detail());
            return NULL;
        }
    }
    if (ccs_pck_info_from_cert(ccs_x509_chain_get(e->chain, 0), &v->pck) != CCS_OK ||
        check_pck_issuer(e) != CCS_OK) {
        ccs_vfail(v, CCS_CHECK_PCK_EXTENSIONS, "PCK certificate SGX extensions: %s", ccs_error_detail());
        return e;
    }
    v->pck_ok = true;
    memcpy(v->res->fmspc, v->pck.fmspc, 6);
    memcpy(v->res->pce_id, v->pck.pce_id, 2);
    return e;
}

/* ---- quote signatures ---------------------------------------------------------------- */

static void verify_qe_report(vctx *v, const ccs_pubkey *pck_key) {
    const ccs_dcap_quote *q = v->q;
    uint8_t h[32];
    if (pck_key && ccs_ecdsa_verify_raw(pck_key, q->qe_report.raw, q->qe_report_signature) != CCS_OK)
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
    if (o->report_data.len == 0) return;
    /* Expected data is a prefix; the rest of REPORTDATA must be zero. */
    if (o->report_data.len > 64 || memcmp(v->res->report_data, o->report_data.ptr, o->report_data.len) != 0 ||
        !ccs_bytes_is_zero(ccs_bytes_of(v->res->report_data + o->report_data.len, 64 - o->report_data.len)))
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
    pck_entry *e = verify_pck(&v);
    /* Both CRLs are judged even when one fails, so every failure is named. */
    root_crl_ok(&v);
    if (e != NULL) check_pck_revocation(&v, e);
    if (e == NULL) verify_qe_report(&v, NULL);
    else verify_qe_report(&v, e->leaf_key);
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
