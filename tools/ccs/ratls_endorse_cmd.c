/* `ccs ratls cert --endorsements`: the DCAP collateral to embed under
 * 2.23.133.5.4.2 (docs/ratls.md "Endorsements"), from --collateral PATH,
 * else --pccs URL (for the FMSPC and PCK CA of a quote made for the
 * purpose), else, for the sim platforms, the sim directory's collateral. */
#include <stdio.h>

#include "ccs/ratls.h"
#include "cli.h"

int ccs_cli_ratls_endorsements(const char *verb, const ccs_tee_config *cfg, ccs_backend *b,
                               const ccs_ratls_verify_options *src,
                               ccs_collateral **out);

/* The collateral for the PCK certificate of a quote over zero report data. */
static ccs_status from_pccs(ccs_backend *b, const ccs_ratls_verify_options *src, ccs_collateral **out) {
    static const uint8_t zero[64];
    ccs_buf quote = {0};
    ccs_dcap_quote q;
    ccs_pccs *p = NULL;
    uint8_t fmspc[6];
    const char *ca = NULL;
    ccs_status st = ccs_backend_evidence(b, ccs_bytes_of(zero, sizeof zero), &quote);
    if (st == CCS_OK) st = ccs_dcap_quote_parse(ccs_buf_view(&quote), &q);
    if (st == CCS_OK) st = ccs_dcap_quote_pck_info(&q, fmspc, &ca);
    if (st == CCS_OK) st = ccs_pccs_new(src->pccs_url, src->pccs_cache, &p);
    if (st == CCS_OK) {
        ccs_pccs_insecure_skip_tls_verify(p, src->insecure_pccs_skip_tls_verify);
        st = ccs_pccs_get_collateral(p, q.tee, fmspc, ca, ccs_time_now(), out);
    }
    ccs_pccs_free(p);
    ccs_buf_free(&quote);
    return st;
}

int ccs_cli_ratls_endorsements(const char *verb, const ccs_tee_config *cfg, ccs_backend *b,
                               const ccs_ratls_verify_options *src,
                               ccs_collateral **out) {
    ccs_status st;
    ccs_platform pf = cfg->platform;
    bool sim = pf == CCS_PLATFORM_SIM_SGX || pf == CCS_PLATFORM_SIM_TDX;
    *out = NULL;
    if (!sim && pf != CCS_PLATFORM_SGX && pf != CCS_PLATFORM_TDX) {
        fprintf(stderr, "ccs ratls %s: --endorsements: DCAP collateral, for sgx, tdx, sim-sgx and sim-tdx only\n", verb);
        return CLI_USAGE;
    }
    if (src->collateral != NULL) {
        st = ccs_collateral_load_path(src->collateral, out);
    } else if (src->pccs_url != NULL) {
        st = from_pccs(b, src, out);
    } else if (sim) {
        st = ccs_sim_trust_load(cfg->sim_dir, pf == CCS_PLATFORM_SIM_SGX ? CCS_TEE_SGX : CCS_TEE_TDX, NULL, out);
    } else {
        fprintf(stderr, "ccs ratls %s: --endorsements needs --collateral PATH or --pccs URL for %s\n", verb,
                ccs_platform_name(pf));
        return CLI_USAGE;
    }
    if (st != CCS_OK) {
        fprintf(stderr, "ccs ratls %s: endorsements: %s\n", verb, ccs_error_detail());
        return CLI_USAGE;
    }
    return CLI_OK;
}
