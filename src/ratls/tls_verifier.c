/* A reusable RA-TLS verification context (docs/ratls.md "TLS"): the steps of
 * ccs_ratls_verify_cert (verify.c) with the trust loaded once -- the sim
 * root and sim collateral per TEE, or the DCAP collateral -- then the policy.
 * This is what a TLS verify callback runs on every handshake, so loading the
 * collateral per handshake would dominate its cost (bench/ratls.c). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratls_internal.h"

struct ccs_ratls_verifier {
    ccs_ratls_verify_options o; /* strings below owned */
    char *sim_dir, *collateral, *ak_pem, *ak_chain, *ak_root, *pccs_url, *pccs_cache, *kds_url, *kds_cache;
    ccs_buf nonce;
    const ccs_ratls_policy *policy;
    pthread_mutex_t mu;
    /* Cached trust: [0] SGX, [1] TDX. */
    ccs_x509 *root[2];
    ccs_collateral *coll[2];
    /* PCCS: one client, and the last collateral per TEE with its key and
     * expiry (refetched for another FMSPC / PCK CA, or once expired). */
    ccs_pccs *pccs;
    ccs_collateral *pccs_coll[2];
    uint8_t pccs_fmspc[2][6];
    const char *pccs_ca[2];
    ccs_time pccs_expiry[2];
    /* SEV-SNP: one KDS client (with its own cache), made on first use; SNP and
     * CSV collateral is otherwise read per certificate (it is per chip). */
    ccs_snp_kds *kds;
    /* Cached TPM AK trust (loaded on first TPM certificate; immutable after). */
    bool tpm_loaded;
    ratls_tpm_trust tpm;
};

static bool dup_opt(const char *in, char **out) {
    return in == NULL || (*out = strdup(in)) != NULL;
}

static void fail(ccs_ratls_result *r, const char *name, const char *msg) {
    if (r->n_failed >= CCS_RATLS_MAX_FAILED) return;
    r->failed[r->n_failed].name = name;
    snprintf(r->failed[r->n_failed].message, sizeof r->failed[r->n_failed].message, "%s", msg);
    r->n_failed++;
}

ccs_status ccs_ratls_verifier_new(const ccs_ratls_verify_options *opt, const ccs_ratls_policy *policy,
                                  ccs_ratls_verifier **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "ratls verifier: NULL argument");
    *out = NULL;
    ccs_ratls_verifier *v = calloc(1, sizeof *v);
    CCS_ENSURE(v != NULL, CCS_ERR_NOMEM, "out of memory");
    if (opt != NULL) v->o = *opt;
    v->policy = policy;
    ccs_status st = CCS_OK;
    if (v->o.insecure_trust_sim_dir != NULL && (v->sim_dir = strdup(v->o.insecure_trust_sim_dir)) == NULL)
        st = CCS_ERR_NOMEM;
    if (v->o.collateral != NULL && (v->collateral = strdup(v->o.collateral)) == NULL) st = CCS_ERR_NOMEM;
    if (!dup_opt(v->o.tpm_ak_pem, &v->ak_pem) || !dup_opt(v->o.tpm_ak_chain_pem, &v->ak_chain) ||
        !dup_opt(v->o.tpm_ak_root_pem, &v->ak_root) || !dup_opt(v->o.pccs_url, &v->pccs_url) ||
        !dup_opt(v->o.pccs_cache, &v->pccs_cache) || !dup_opt(v->o.snp_kds_url, &v->kds_url) ||
        !dup_opt(v->o.snp_kds_cache, &v->kds_cache))
        st = CCS_ERR_NOMEM;
    v->o.snp_kds_url = v->kds_url;
    v->o.snp_kds_cache = v->kds_cache;
    v->o.pccs_url = v->pccs_url;
    v->o.pccs_cache = v->pccs_cache;
    v->o.tpm_ak_pem = v->ak_pem;
    v->o.tpm_ak_chain_pem = v->ak_chain;
    v->o.tpm_ak_root_pem = v->ak_root;
    if (st == CCS_OK && v->o.expected_nonce.len > 0) st = ccs_buf_set(&v->nonce, v->o.expected_nonce);
    v->o.insecure_trust_sim_dir = v->sim_dir;
    v->o.collateral = v->collateral;
    v->o.expected_nonce = ccs_buf_view(&v->nonce);
    if (policy != NULL) {
        /* The policy judges TCB status and debug (as the KBS does). */
        v->o.accept_tcb = CCS_TCB_ACCEPT_DEFAULT | CCS_TCB_BIT(CCS_TCB_OUT_OF_DATE) |
                          CCS_TCB_BIT(CCS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
        v->o.allow_debug = true;
    }
    if (st != CCS_OK || pthread_mutex_init(&v->mu, NULL) != 0) {
        ccs_buf_free(&v->nonce);
        free(v->sim_dir);
        free(v->collateral);
        free(v->ak_pem);
        free(v->ak_chain);
        free(v->ak_root);
        free(v->pccs_url);
        free(v->pccs_cache);
        free(v->kds_url);
        free(v->kds_cache);
        free(v);
        CCS_BAIL(CCS_ERR_NOMEM, "out of memory");
    }
    *out = v;
    return CCS_OK;
}

void ccs_ratls_verifier_free(ccs_ratls_verifier *v) {
    if (v == NULL) return;
    for (int i = 0; i < 2; i++) {
        ccs_x509_free(v->root[i]);
        ccs_collateral_free(v->coll[i]);
        ccs_collateral_free(v->pccs_coll[i]);
    }
    ccs_pccs_free(v->pccs);
    ccs_snp_kds_free(v->kds);
    free(v->kds_url);
    free(v->kds_cache);
    free(v->pccs_url);
    free(v->pccs_cache);
    ratls_tpm_trust_clear(&v->tpm);
    pthread_mutex_destroy(&v->mu);
    ccs_buf_free(&v->nonce);
    free(v->sim_dir);
    free(v->collateral);
    free(v->ak_pem);
    free(v->ak_chain);
    free(v->ak_root);
    free(v);
}

/* The PCCS collateral for q, cached per TEE until it expires or the quote
 * names another FMSPC / PCK CA. Called with v->mu held. */
static ccs_status pccs_for(ccs_ratls_verifier *v, const ccs_dcap_quote *q, int i, ccs_time now,
                           ccs_collateral **coll) {
    uint8_t fmspc[6];
    const char *ca = NULL;
    CCS_TRY(ccs_dcap_quote_pck_info(q, fmspc, &ca));
    if (v->pccs_coll[i] != NULL && now < v->pccs_expiry[i] && memcmp(v->pccs_fmspc[i], fmspc, 6) == 0 &&
        strcmp(v->pccs_ca[i], ca) == 0) {
        *coll = v->pccs_coll[i];
        return CCS_OK;
    }
    if (v->pccs == NULL) {
        CCS_TRY(ccs_pccs_new(v->pccs_url, v->pccs_cache, &v->pccs));
        ccs_pccs_insecure_skip_tls_verify(v->pccs, v->o.insecure_pccs_skip_tls_verify);
    }
    ccs_collateral *c = NULL;
    CCS_TRY(ratls_collateral_from_pccs(v->pccs, q, now, &c));
    ccs_collateral_free(v->pccs_coll[i]);
    v->pccs_coll[i] = c;
    memcpy(v->pccs_fmspc[i], fmspc, 6);
    v->pccs_ca[i] = ca; /* a static string ("platform" / "processor") */
    v->pccs_expiry[i] = ccs_collateral_expiry(c);
    *coll = c;
    return CCS_OK;
}

/* The trust for q (docs/ratls.md "Collateral sources"; coll_source.c): the
 * sim root, and the collateral from the first configured source, cached
 * except the certificate's own endorsements, which go to *owned (the
 * caller frees them). Called with v->mu held. */
static ccs_status trust_for(ccs_ratls_verifier *v, const ccs_dcap_quote *q, const ccs_ratls_evidence *ev,
                            ccs_time now, ccs_x509 **root, ccs_collateral **coll, ccs_collateral **owned,
                            ccs_ratls_result *r) {
    int i = q->tee == CCS_TEE_TDX ? 1 : 0;
    *root = NULL;
    *owned = NULL;
    if (v->sim_dir != NULL) {
        r->sim = true;
        if (v->root[i] == NULL) CCS_TRY(ccs_sim_trust_load(v->sim_dir, q->tee, &v->root[i], NULL));
        *root = v->root[i];
    }
    if (v->collateral != NULL) {
        r->collateral_source = "collateral";
        if (v->coll[0] == NULL) CCS_TRY(ccs_collateral_load_path(v->collateral, &v->coll[0]));
        *coll = v->coll[0];
        return CCS_OK;
    }
    if (v->pccs_url != NULL) {
        r->collateral_source = "pccs";
        return pccs_for(v, q, i, now, coll);
    }
    if (v->sim_dir != NULL) {
        ccs_status st = v->coll[i] != NULL ? CCS_OK : ccs_sim_trust_load(v->sim_dir, q->tee, NULL, &v->coll[i]);
        if (st != CCS_ERR_NOT_FOUND || !ev->has_endorsements) {
            r->collateral_source = "sim";
            *coll = v->coll[i];
            return st;
        }
    }
    if (ev->has_endorsements) {
        r->collateral_source = "endorsements";
        CCS_TRY(ratls_collateral_from_endorsements(ev, q->tee, owned));
        *coll = *owned;
        return CCS_OK;
    }
    CCS_BAIL(CCS_ERR_NOT_FOUND, "no DCAP collateral: give a collateral path or a PCCS, or a certificate with "
                                "endorsements (sim evidence needs the insecure sim trust)");
}

/* TPM evidence: the AK trust loaded once (then immutable, so the quote is
 * verified outside the lock). */
static void verify_tpm(ccs_ratls_verifier *v, const ccs_ratls_evidence *ev, ccs_time now, ccs_ratls_result *r) {
    r->is_tpm = true;
    pthread_mutex_lock(&v->mu);
    ccs_status st = v->tpm_loaded ? CCS_OK : ratls_tpm_trust_load(&v->o, &v->tpm);
    if (st == CCS_OK) v->tpm_loaded = true;
    pthread_mutex_unlock(&v->mu);
    if (st != CCS_OK) fail(r, CCS_RATLS_CHECK_AK_TRUST, ccs_error_detail());
    else ratls_tpm_verify(ev, &v->tpm, now, r);
}

/* SEV-SNP: the KDS client is shared and not safe for concurrent use, so
 * the verification runs under the lock when a KDS is configured. */
static void verify_snp(ccs_ratls_verifier *v, const ccs_ratls_evidence *ev, ccs_time now, ccs_ratls_result *r) {
    if (v->kds_url == NULL || v->o.collateral != NULL) {
        ratls_snp_verify(ev, &v->o, NULL, now, r);
        return;
    }
    pthread_mutex_lock(&v->mu);
    ccs_status st = v->kds != NULL ? CCS_OK : ratls_snp_kds_open(&v->o, &v->kds);
    if (st != CCS_OK) {
        r->is_snp = true;
        fail(r, CCS_RATLS_CHECK_COLLATERAL, ccs_error_detail());
    } else {
        ratls_snp_verify(ev, &v->o, v->kds, now, r);
    }
    pthread_mutex_unlock(&v->mu);
}

static void verify_quote(ccs_ratls_verifier *v, const ccs_ratls_evidence *ev, ccs_time now, ccs_ratls_result *r) {
    ccs_dcap_quote q;
    ccs_x509 *root = NULL;
    ccs_collateral *coll = NULL, *owned = NULL;
    if (ev->format == CCS_RATLS_FORMAT_TCG && ev->tag == CCS_RATLS_TAG_CCS_TPM_CMW) {
        verify_tpm(v, ev, now, r);
        return;
    }
    if (ev->format == CCS_RATLS_FORMAT_TCG && ev->tag == CCS_RATLS_TAG_SNP_REPORT) {
        verify_snp(v, ev, now, r);
        return;
    }
    if (ev->format == CCS_RATLS_FORMAT_TCG && ev->tag == CCS_RATLS_TAG_CSV_REPORT) {
        ratls_csv_verify(ev, &v->o, r);
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
    pthread_mutex_lock(&v->mu);
    if (trust_for(v, &q, ev, now, &root, &coll, &owned, r) != CCS_OK) {
        pthread_mutex_unlock(&v->mu);
        fail(r, CCS_RATLS_CHECK_COLLATERAL, ccs_error_detail());
        return;
    }
    ccs_dcap_options dopt = {
        .now = now,
        .accept_tcb = v->o.accept_tcb,
        .allow_debug = v->o.allow_debug,
        .report_data = ccs_bytes_of(ev->report_data, ev->report_data_cmp),
        .insecure_root = root,
    };
    /* Under the lock: the collateral object is shared. */
    ccs_status st = ccs_dcap_verify(ccs_buf_view(&ev->evidence), coll, &dopt, &r->dcap);
    pthread_mutex_unlock(&v->mu);
    ccs_collateral_free(owned);
    if (st == CCS_ERR_VERIFY) fail(r, CCS_RATLS_CHECK_EVIDENCE, "the quote does not verify (see dcap.failed)");
    else if (st != CCS_OK) fail(r, CCS_RATLS_CHECK_EVIDENCE, ccs_error_detail());
}

ccs_status ccs_ratls_verifier_check(ccs_ratls_verifier *v, ccs_bytes cert_der, ccs_ratls_result *out) {
    CCS_ENSURE(v != NULL && out != NULL, CCS_ERR_INVALID_ARG, "ratls verifier: NULL argument");
    memset(out, 0, sizeof *out);
    ccs_time now = v->o.now != 0 ? v->o.now : ccs_time_now();
    ccs_x509 *c = NULL;
    ccs_ratls_evidence ev;
    memset(&ev, 0, sizeof ev);
    if (ccs_x509_parse_der(cert_der, &c) != CCS_OK) {
        fail(out, CCS_RATLS_CHECK_FORMAT, ccs_error_detail());
        return ccs_error_set(CCS_ERR_VERIFY, CCS_HERE, "ratls: not a certificate");
    }
    ccs_time nb = 0, na = 0;
    if (ccs_x509_validity(c, &nb, &na) != CCS_OK) fail(out, CCS_RATLS_CHECK_VALIDITY, ccs_error_detail());
    else if (!v->o.ignore_validity && (now < nb || now >= na))
        fail(out, CCS_RATLS_CHECK_VALIDITY, "the certificate is not valid at the verification time");
    if (ratls_check_self_signature(c) != CCS_OK) fail(out, CCS_RATLS_CHECK_SIGNATURE, ccs_error_detail());
    ccs_x509_free(c);
    if (ccs_ratls_evidence_parse(cert_der, &ev) != CCS_OK) {
        fail(out, CCS_RATLS_CHECK_FORMAT, ccs_error_detail());
    } else {
        out->format = ev.format;
        out->tag = ev.tag;
        if (!ev.pubkey_hash_ok)
            fail(out, CCS_RATLS_CHECK_PUBKEY_HASH, "the pubkey-hash claim is not the hash of the certificate's key");
        if (v->nonce.len > 0 && !ccs_ct_eq(ccs_buf_view(&v->nonce), ccs_buf_view(&ev.nonce)))
            fail(out, CCS_RATLS_CHECK_NONCE, "the nonce claim is not the expected nonce");
        verify_quote(v, &ev, now, out);
    }
    ccs_ratls_evidence_clear(&ev);
    out->pass = out->n_failed == 0 && ratls_result_evidence_pass(out);
    if (out->pass && v->policy != NULL) {
        char why[sizeof out->failed[0].message];
        ccs_status st = ccs_ratls_policy_check(v->policy, out, why, sizeof why);
        if (st == CCS_ERR_POLICY) fail(out, CCS_RATLS_CHECK_POLICY, why);
        else if (st != CCS_OK) fail(out, CCS_RATLS_CHECK_POLICY, ccs_error_detail());
        out->pass = out->n_failed == 0;
    }
    if (out->pass) return CCS_OK;
    char reasons[512];
    ccs_ratls_result_reasons(out, reasons, sizeof reasons);
    return ccs_error_set(CCS_ERR_VERIFY, CCS_HERE, "ratls: refused: %s", reasons);
}
