/* The quote's PCK chain and its revocation status (shared specs section 1,
 * steps 2-3). A verified chain is cached in the collateral object by its
 * exact bytes, with every time-independent verdict about it, so verifying
 * many quotes from one platform costs no certificate work after the first. */
#include <stdio.h>
#include <string.h>

#include "verify.h"

static pck_entry *lookup(vctx *v) {
    ccs_bytes cd = v->q->cert_data;
    for (size_t i = 0; i < PCK_CACHE_SIZE; i++) {
        pck_entry *e = &v->c->pck[i];
        if (e->used && ccs_bytes_eq(ccs_buf_view(&e->cert_data), cd) && memcmp(e->root, v->root_id, 32) == 0)
            return e;
    }
    return NULL;
}

/* Intel's profile: PCK, its CA, and optionally the root. Nothing else may
 * ride along: revocation is judged on chain[1], so chain[1] must be the only
 * candidate issuer on the validated path (a second CA of the same name, e.g.
 * after a re-key, must not stand in for a revoked one). */
static ccs_status check_shape(const vctx *v, const ccs_x509_chain *chain) {
    size_t n = ccs_x509_chain_len(chain);
    CCS_ENSURE(n >= 2 && n <= 3, CCS_ERR_CERT, "PCK chain has %zu certificates, expected PCK, CA and root", n);
    CCS_ENSURE(n == 2 || ccs_x509_equal(ccs_x509_chain_get(chain, 2), v->root), CCS_ERR_UNTRUSTED,
               "PCK chain ends at a root other than the trusted root");
    return CCS_OK;
}

static void entry_reset(pck_entry *e) {
    ccs_x509_chain_free(e->chain);
    ccs_pubkey_free(e->leaf_key);
    ccs_buf_free(&e->cert_data);
    memset(e, 0, sizeof *e);
}

/* Verifies the quote's PCK chain at `now` and stores it in the cache. */
static ccs_status verify_chain(vctx *v, pck_entry **out) {
    ccs_x509_chain *chain = NULL;
    ccs_pubkey *leaf_key = NULL;
    ccs_status st = ccs_x509_chain_parse_pem(v->q->cert_data, &chain);
    if (st == CCS_OK) st = check_shape(v, chain);
    if (st == CCS_OK) st = ccs_x509_verify_chain(chain, v->root, NULL, 0, v->opt->now);
    if (st == CCS_OK) st = ccs_x509_pubkey(ccs_x509_chain_get(chain, 0), &leaf_key);
    pck_entry *e = &v->c->pck[v->c->pck_next];
    if (st == CCS_OK) {
        entry_reset(e);
        st = ccs_buf_set(&e->cert_data, v->q->cert_data);
    }
    if (st != CCS_OK) {
        ccs_x509_chain_free(chain);
        ccs_pubkey_free(leaf_key);
        return st;
    }
    v->c->pck_next = (v->c->pck_next + 1) % PCK_CACHE_SIZE;
    e->used = true;
    memcpy(e->root, v->root_id, 32);
    e->chain = chain;
    e->leaf_key = leaf_key;
    ccs_chain_window(chain, v->root, &e->lo, &e->hi);
    *out = e;
    return CCS_OK;
}

static void remember(memo *m, ccs_status st) {
    m->state = st == CCS_OK ? 1 : -1;
    snprintf(m->msg, sizeof m->msg, "%s", st == CCS_OK ? "" : ccs_error_detail());
}

/* The validated path is PCK <- chain[1] <- root: the PCK names chain[1] as
 * its issuer, and chain[1] is a PCK CA (not the root under another name). */
static ccs_status check_extensions(pck_entry *e) {
    char issuer[128], ca[128];
    CCS_TRY(ccs_pck_info_from_cert(ccs_x509_chain_get(e->chain, 0), &e->info));
    CCS_TRY(ccs_x509_issuer_cn(ccs_x509_chain_get(e->chain, 0), issuer, sizeof issuer));
    CCS_TRY(ccs_x509_subject_cn(ccs_x509_chain_get(e->chain, 1), ca, sizeof ca));
    CCS_ENSURE(strcmp(issuer, ca) == 0, CCS_ERR_CERT, "PCK issuer \"%s\" is not the chain's CA \"%s\"", issuer, ca);
    return CCS_OK;
}

pck_entry *ccs_verify_pck(vctx *v) {
    pck_entry *e = lookup(v);
    if (e == NULL || v->opt->now < e->lo || v->opt->now > e->hi) {
        ccs_status st = verify_chain(v, &e);
        if (st != CCS_OK) {
            ccs_vfail(v, CCS_CHECK_PCK_CHAIN, "PCK certificate chain: %s", ccs_error_detail());
            return NULL;
        }
    }
    if (e->extensions.state == 0) remember(&e->extensions, check_extensions(e));
    if (e->extensions.state < 0) {
        ccs_vfail(v, CCS_CHECK_PCK_EXTENSIONS, "PCK certificate SGX extensions: %s", e->extensions.msg);
        return e;
    }
    v->pck = e->info;
    v->pck_ok = true;
    memcpy(v->res->fmspc, v->pck.fmspc, 6);
    memcpy(v->res->pce_id, v->pck.pce_id, 2);
    return e;
}

/* The PCK CRL comes from the CA that issued the PCK (Platform or Processor):
 * verified with that CA's key, current, and not listing the PCK. The Root CA
 * CRL must not list that CA. Only the windows depend on the time. */
void ccs_check_pck_revocation(vctx *v, pck_entry *e) {
    const ccs_x509 *leaf = ccs_x509_chain_get(e->chain, 0), *ca = ccs_x509_chain_get(e->chain, 1);
    ccs_collateral *c = v->c;
    ccs_time lo, hi;
    if (c->root_crl) {
        if (e->ca_not_revoked.state == 0) remember(&e->ca_not_revoked, ccs_crl_check(c->root_crl, ca));
        if (e->ca_not_revoked.state < 0)
            ccs_vfail(v, CCS_CHECK_ROOT_CA_CRL, "the PCK CA certificate is revoked: %s", e->ca_not_revoked.msg);
    }
    if (c->pck_crl == NULL) {
        ccs_vfail(v, CCS_CHECK_PCK_CRL, "PCK CRL is missing from the collateral");
        return;
    }
    if (e->pck_crl_signed.state == 0) remember(&e->pck_crl_signed, ccs_crl_verify(c->pck_crl, ca));
    if (e->pck_crl_signed.state < 0) {
        ccs_vfail(v, CCS_CHECK_PCK_CRL, "PCK CRL was not issued by the PCK's CA: %s", e->pck_crl_signed.msg);
        return;
    }
    if (ccs_crl_window(c->pck_crl, &lo, &hi) != CCS_OK || v->opt->now < lo || v->opt->now >= hi)
        ccs_vfail(v, CCS_CHECK_PCK_CRL, "PCK CRL is not current at the verification time");
    if (e->pck_not_revoked.state == 0) remember(&e->pck_not_revoked, ccs_crl_check(c->pck_crl, leaf));
    if (e->pck_not_revoked.state < 0)
        ccs_vfail(v, CCS_CHECK_PCK_CRL, "the PCK certificate is revoked: %s", e->pck_not_revoked.msg);
}
