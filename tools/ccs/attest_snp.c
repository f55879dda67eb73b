/* `ccs attest verify` for AMD SEV-SNP attestation reports: the collateral is
 * a directory with vcek.der (or vlek.der) and cert_chain.pem as AMD KDS
 * serves them; the ARK is the compiled-in one of the report's product. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/attest.h"
#include "cli_snp.h"

static void print_tcb(const char *name, const ccs_snp_tcb *t, ccs_snp_product p) {
    printf("  %-16s ", name);
    if (p == CCS_SNP_PRODUCT_TURIN) printf("fmc %u, ", t->fmc);
    printf("bootloader %u, tee %u, snp %u, microcode %u\n", t->bootloader, t->tee, t->snp, t->microcode);
}

static void print_human(const ccs_snp_result *r, const char *evidence) {
    printf("%s: %s\n", evidence, r->pass ? "PASS" : "FAIL");
    printf("  %-16s snp (report v%u)\n", "tee", r->report_version);
    printf("  %-16s %s\n", "product", ccs_snp_product_name(r->product));
    printf("  %-16s %s\n", "signing_key", r->signing_key == CCS_SNP_KEY_VLEK ? "vlek" : "vcek");
    print_tcb("reported_tcb", &r->reported_tcb, r->product);
    ccs_cli_print_hex_row("measurement", r->measurement, sizeof r->measurement);
    ccs_cli_print_hex_row("host_data", r->host_data, sizeof r->host_data);
    ccs_cli_print_hex_row("report_data", r->report_data, sizeof r->report_data);
    printf("  %-16s 0x%llx\n", "policy", (unsigned long long)r->policy);
    printf("  %-16s %u\n", "vmpl", r->vmpl);
    printf("  %-16s %s\n", "debug", r->debug ? "yes" : "no");
    printf("  %-16s %s\n", "crl", r->crl_checked ? "checked (ASK and VCEK not revoked)" : "not checked (no CRL)");
    for (size_t i = 0; i < r->n_failed; i++) printf("  failed: %s: %s\n", r->failed[i].name, r->failed[i].message);
}

int ccs_cli_verify_snp(const verify_args *a, ccs_bytes evidence) {
    ccs_snp_collateral *coll = NULL;
    ccs_snp_result res;
    bool kds = ccs_cli_snp_kds_enabled();
    if (a->collateral == NULL && !kds)
        return ccs_cli_verify_usage_error(
            "SEV-SNP reports need --collateral DIR (vcek.der or vlek.der, cert_chain.pem) or --kds URL", NULL);
    if (a->opt.accept_tcb)
        return ccs_cli_verify_usage_error("--accept-tcb is for DCAP quotes; use --min-tcb for SEV-SNP", NULL);
    if (kds) {
        int rc = ccs_cli_snp_kds_collateral(a, evidence, &coll);
        if (rc != CLI_OK) return rc;
    } else if (ccs_snp_collateral_load_dir(a->collateral, &coll) != CCS_OK) {
        fprintf(stderr, "ccs attest verify: cannot load SEV-SNP collateral: %s\n", ccs_error_detail());
        return CLI_USAGE;
    }
    ccs_snp_options opt = {
        .now = a->opt.now,
        .allow_debug = a->opt.allow_debug,
        .allow_migration_agent = a->snp_allow_migration_agent,
        .refuse_smt = a->snp_refuse_smt,
        .report_data = a->opt.report_data,
        .min_tcb = a->snp_has_min_tcb ? &a->snp_min_tcb : NULL,
        .max_vmpl = a->snp_max_vmpl,
    };
    ccs_status st = ccs_snp_verify(evidence, coll, &opt, &res);
    int rc = st == CCS_OK ? CLI_OK : CLI_REFUSED;
    if (st != CCS_OK && st != CCS_ERR_VERIFY) {
        fprintf(stderr, "ccs attest verify: %s\n", ccs_error_detail());
        rc = CLI_USAGE;
    } else if (a->json) {
        char *js = NULL;
        if (ccs_snp_result_json(&res, &js) == CCS_OK) puts(js);
        free(js);
    } else {
        print_human(&res, a->evidence);
    }
    ccs_snp_collateral_free(coll);
    return rc;
}

/* "bl=3,tee=0,snp=8,ucode=115" (and fmc= on Turin); unnamed components are 0. */
int ccs_cli_parse_snp_tcb(const char *s, ccs_snp_tcb *out) {
    memset(out, 0, sizeof *out);
    while (s && *s) {
        char key[8];
        unsigned v;
        int n = 0;
        if (sscanf(s, "%7[a-z]=%u%n", key, &v, &n) != 2 || v > 255) return -1;
        uint8_t *dst = !strcmp(key, "fmc") ? &out->fmc : !strcmp(key, "bl") ? &out->bootloader
                       : !strcmp(key, "tee") ? &out->tee : !strcmp(key, "snp") ? &out->snp
                       : !strcmp(key, "ucode") ? &out->microcode : NULL;
        if (dst == NULL) return -1;
        *dst = (uint8_t)v;
        s += n;
        if (*s == ',') s++;
        else if (*s) return -1;
    }
    return 0;
}
