/* Where the DCAP collateral for an RA-TLS certificate's quote comes from
 * (docs/ratls.md "Collateral sources"). The first configured source wins:
 *
 *   1. `collateral` (a directory or dcap-qvl JSON the caller named),
 *   2. `pccs_url` (a PCCS / Intel PCS, by the quote's FMSPC and PCK CA),
 *   3. the trusted sim directory's own collateral (INSECURE sim trust only;
 *      a sim directory without collateral for the TEE is not a source),
 *   4. the certificate's endorsements (2.23.133.5.4.2).
 *
 * A configured source that fails is a refusal, never a fall-through to a
 * lower one: a PCCS outage must not quietly turn into trusting whatever the
 * peer embedded. Whatever the source, the collateral is only input to the
 * DCAP verifier, which checks its signatures and chains against the trusted
 * root (Intel's, or the sim root when that is trusted). */
#include <string.h>

#include "ratls_internal.h"

ccs_status ratls_collateral_from_endorsements(const ccs_ratls_evidence *ev, ccs_tee tee, ccs_collateral **out) {
    ccs_collateral_raw raw;
    ccs_collateral *c = NULL;
    *out = NULL;
    CCS_ENSURE(ev->has_endorsements, CCS_ERR_NOT_FOUND, "the certificate has no endorsements");
    ccs_ratls_endorsements_raw(&ev->endorsements, &raw);
    ccs_status st = ccs_collateral_load(&raw, &c);
    if (st != CCS_OK) CCS_BAIL(st, "endorsements: %s", ccs_error_detail());
    ccs_tee got = ccs_collateral_tee(c); /* read before the free: the message names it */
    if (got != tee) {
        ccs_collateral_free(c);
        CCS_BAIL(CCS_ERR_MISMATCH, "endorsements: the TCB Info is for %s, the quote is %s", ccs_tee_name(got),
                 ccs_tee_name(tee));
    }
    *out = c;
    return CCS_OK;
}

ccs_status ratls_collateral_from_pccs(ccs_pccs *p, const ccs_dcap_quote *q, ccs_time now, ccs_collateral **out) {
    uint8_t fmspc[6];
    const char *ca = NULL;
    *out = NULL;
    CCS_TRY(ccs_dcap_quote_pck_info(q, fmspc, &ca));
    ccs_status st = ccs_pccs_get_collateral(p, q->tee, fmspc, ca, now, out);
    if (st != CCS_OK) CCS_BAIL(st, "PCCS: %s", ccs_error_detail());
    return CCS_OK;
}

static ccs_status from_pccs_url(const ccs_ratls_verify_options *o, const ccs_dcap_quote *q, ccs_time now,
                                ccs_collateral **out) {
    ccs_pccs *p = NULL;
    CCS_TRY(ccs_pccs_new(o->pccs_url, o->pccs_cache, &p));
    ccs_pccs_insecure_skip_tls_verify(p, o->insecure_pccs_skip_tls_verify);
    ccs_status st = ratls_collateral_from_pccs(p, q, now, out);
    ccs_pccs_free(p);
    return st;
}

static ccs_status pick(const ccs_ratls_verify_options *o, ccs_pccs *pccs, const ccs_dcap_quote *q,
                       const ccs_ratls_evidence *ev, ccs_time now, ccs_collateral **coll, ccs_ratls_result *r) {
    if (o->collateral != NULL) {
        r->collateral_source = "collateral";
        return ccs_collateral_load_path(o->collateral, coll);
    }
    if (pccs != NULL || o->pccs_url != NULL) {
        r->collateral_source = "pccs";
        return pccs != NULL ? ratls_collateral_from_pccs(pccs, q, now, coll) : from_pccs_url(o, q, now, coll);
    }
    if (o->insecure_trust_sim_dir != NULL) {
        ccs_status st = ccs_sim_trust_load(o->insecure_trust_sim_dir, q->tee, NULL, coll);
        if (st != CCS_ERR_NOT_FOUND || !ev->has_endorsements) {
            r->collateral_source = "sim";
            return st;
        }
    }
    if (ev->has_endorsements) {
        r->collateral_source = "endorsements";
        return ratls_collateral_from_endorsements(ev, q->tee, coll);
    }
    CCS_BAIL(CCS_ERR_NOT_FOUND, "no DCAP collateral: give a collateral path or a PCCS, or a certificate with "
                                "endorsements (sim evidence needs the insecure sim trust)");
}

ccs_status ratls_collateral_pick(const ccs_ratls_verify_options *o, ccs_pccs *pccs, const ccs_dcap_quote *q,
                                 const ccs_ratls_evidence *ev, ccs_time now, ccs_x509 **root, ccs_collateral **coll,
                                 ccs_ratls_result *r) {
    *root = NULL;
    *coll = NULL;
    if (o->insecure_trust_sim_dir != NULL) {
        r->sim = true;
        CCS_TRY(ccs_sim_trust_load(o->insecure_trust_sim_dir, q->tee, root, NULL));
    }
    ccs_status st = pick(o, pccs, q, ev, now, coll, r);
    if (st != CCS_OK) {
        ccs_x509_free(*root);
        *root = NULL;
        return st;
    }
    return CCS_OK;
}
