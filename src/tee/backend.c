/* One interface over every backend: open by platform (or detect the first
 * hardware platform present), then evidence, sealing keys, measurements. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

extern const backend_ops ccs_backend_tdx, ccs_backend_sgx;
extern const backend_ops ccs_backend_sim_sgx, ccs_backend_sim_tdx;
extern const backend_ops ccs_backend_tpm;
extern const backend_ops ccs_backend_snp;
extern const backend_ops ccs_backend_csv;

/* Detection order: the confidential-VM platforms first (their guest devices
 * are unambiguous), then SGX; sim and tpm are only opened by name. */
static const backend_ops *const backends[] = {
    &ccs_backend_tdx,
    &ccs_backend_snp,
    &ccs_backend_csv,
    &ccs_backend_sgx,
    &ccs_backend_sim_sgx, /* available == NULL: opened by name only */
    &ccs_backend_sim_tdx,
    &ccs_backend_tpm, /* available == NULL: opened by name only */
};

struct ccs_backend {
    const backend_ops *ops;
    void *state;
};

static const char *const names[] = {
    [CCS_PLATFORM_NONE] = "none", [CCS_PLATFORM_SIM_SGX] = "sim-sgx", [CCS_PLATFORM_SIM_TDX] = "sim-tdx",
    [CCS_PLATFORM_SGX] = "sgx",   [CCS_PLATFORM_TDX] = "tdx",         [CCS_PLATFORM_SNP] = "snp",
    [CCS_PLATFORM_CSV] = "csv",   [CCS_PLATFORM_TPM] = "tpm",
};

const char *ccs_platform_name(ccs_platform p) {
    return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "none";
}

ccs_status ccs_platform_parse(const char *name, ccs_platform *out) {
    for (unsigned i = 1; name && i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (ccs_platform)i;
            return CCS_OK;
        }
    }
    CCS_BAIL(CCS_ERR_INVALID_ARG, "unknown platform \"%s\" (sim-sgx, sim-tdx, sgx, tdx, snp, csv, tpm)",
             name ? name : "");
}

ccs_status ccs_tee_path(const ccs_tee_config *cfg, const char *abs, char *out, size_t cap) {
    const char *root = cfg && cfg->root ? cfg->root : "";
    int n = snprintf(out, cap, "%s%s", root, abs);
    CCS_ENSURE(n > 0 && (size_t)n < cap, CCS_ERR_INVALID_ARG, "path too long");
    return CCS_OK;
}

static const backend_ops *find(ccs_platform p) {
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (backends[i]->platform == p) return backends[i];
    return NULL;
}

ccs_status ccs_backend_open(const ccs_tee_config *cfg, ccs_backend **out) {
    CCS_ENSURE(cfg != NULL && out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    *out = NULL;
    const backend_ops *ops = NULL;
    if (cfg->platform == CCS_PLATFORM_NONE) {
        for (size_t i = 0; i < sizeof backends / sizeof backends[0] && !ops; i++)
            if (backends[i]->available && backends[i]->available(cfg)) ops = backends[i];
        CCS_ENSURE(ops != NULL, CCS_ERR_UNSUPPORTED,
                   "no TEE found on this machine (no TDX, SEV-SNP, CSV or SGX guest interface); "
                   "use the sim platform for development");
    } else {
        ops = find(cfg->platform);
        CCS_ENSURE(ops != NULL, CCS_ERR_UNSUPPORTED, "platform %s is not built in", ccs_platform_name(cfg->platform));
    }
    ccs_backend *b = calloc(1, sizeof *b);
    CCS_ENSURE(b != NULL, CCS_ERR_NOMEM, "out of memory");
    b->ops = ops;
    ccs_status st = ops->open(cfg, &b->state);
    if (st != CCS_OK) {
        free(b);
        return st;
    }
    *out = b;
    return CCS_OK;
}

void ccs_backend_free(ccs_backend *b) {
    if (b == NULL) return;
    if (b->ops->close) b->ops->close(b->state);
    free(b);
}

ccs_platform ccs_backend_platform(const ccs_backend *b) { return b ? b->ops->platform : CCS_PLATFORM_NONE; }

ccs_status ccs_backend_evidence(ccs_backend *b, ccs_bytes report_data, ccs_buf *evidence) {
    uint8_t rd[64] = {0};
    CCS_ENSURE(b != NULL && evidence != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    CCS_ENSURE(report_data.len <= 64, CCS_ERR_INVALID_ARG, "report data is %zu bytes, at most 64", report_data.len);
    if (report_data.len) memcpy(rd, report_data.ptr, report_data.len);
    return b->ops->evidence(b->state, rd, evidence);
}

ccs_status ccs_backend_evidence_aux(ccs_backend *b, ccs_bytes report_data, ccs_buf *evidence, ccs_buf *aux) {
    uint8_t rd[64] = {0};
    CCS_ENSURE(b != NULL && evidence != NULL && aux != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    CCS_ENSURE(report_data.len <= 64, CCS_ERR_INVALID_ARG, "report data is %zu bytes, at most 64", report_data.len);
    if (report_data.len) memcpy(rd, report_data.ptr, report_data.len);
    aux->len = 0;
    if (b->ops->evidence_aux == NULL) return b->ops->evidence(b->state, rd, evidence);
    return b->ops->evidence_aux(b->state, rd, evidence, aux);
}

ccs_status ccs_backend_seal_key(ccs_backend *b, ccs_seal_policy policy, ccs_bytes label, uint8_t key[static 32]) {
    CCS_ENSURE(b != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    CCS_ENSURE(policy == CCS_SEAL_MEASUREMENT || policy == CCS_SEAL_SIGNER, CCS_ERR_INVALID_ARG,
               "unknown sealing policy %d", (int)policy);
    CCS_ENSURE(b->ops->seal_key != NULL, CCS_ERR_UNSUPPORTED, "%s offers no sealing key",
               ccs_platform_name(b->ops->platform));
    return b->ops->seal_key(b->state, policy, label, key);
}

ccs_status ccs_backend_measurements(ccs_backend *b, char **json) {
    CCS_ENSURE(b != NULL && json != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    return b->ops->measurements(b->state, json);
}

ccs_status ccs_backend_extend(ccs_backend *b, unsigned index, ccs_bytes data) {
    CCS_ENSURE(b != NULL && (data.ptr != NULL || data.len == 0), CCS_ERR_INVALID_ARG, "invalid argument");
    CCS_ENSURE(b->ops->extend != NULL, CCS_ERR_UNSUPPORTED, "%s has no measurement registers to extend",
               ccs_platform_name(b->ops->platform));
    return b->ops->extend(b->state, index, data);
}
