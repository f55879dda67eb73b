/* Evidence for the KBS: the report data that binds the challenge nonce and
 * the tee-pubkey (specs/kbs-image-ratls.md 1.1, "Binding of the key to the
 * hardware report"), and the primary_evidence JSON shape for each platform
 * (include/ccs/kbs_protocol.h). */
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"

#define MAX_TPM_JSON (4u << 20)

ccs_status agent_report_data(const char *nonce, const json_t *tee_pubkey, ccs_hash_alg alg, uint8_t rd[static 64]) {
    size_t len = 0;
    memset(rd, 0, 64);
    /* H(JCS({"nonce","tee-pubkey"})), zero-padded to the 64-byte field. */
    return ccs_kbs_runtime_data_hash(nonce, tee_pubkey, alg, rd, &len);
}

static ccs_status b64_object(const char *member, ccs_bytes raw, json_t **out) {
    ccs_buf b = {0};
    CCS_TRY(ccs_base64_encode(raw, &b));
    *out = json_pack("{s:s%}", member, b.ptr ? (const char *)b.ptr : "", b.len);
    ccs_buf_free(&b);
    CCS_ENSURE(*out != NULL, CCS_ERR_NOMEM, "evidence: no memory");
    return CCS_OK;
}

ccs_status agent_primary_evidence(ccs_platform p, ccs_bytes raw, json_t **out) {
    CCS_ENSURE(out != NULL && raw.len > 0, CCS_ERR_INVALID_ARG, "evidence: empty evidence");
    *out = NULL;
    switch (p) {
    case CCS_PLATFORM_SIM_SGX:
    case CCS_PLATFORM_SIM_TDX:
    case CCS_PLATFORM_SGX:
    case CCS_PLATFORM_TDX: return b64_object("quote", raw, out); /* DCAP quote */
    case CCS_PLATFORM_SNP:
    case CCS_PLATFORM_CSV: return b64_object("report", raw, out);
    case CCS_PLATFORM_TPM: {
        /* The TPM evidence is JSON already (docs/attest.md); sent as an object. */
        CCS_ENSURE(raw.len <= MAX_TPM_JSON, CCS_ERR_OVERFLOW, "evidence: TPM evidence of %zu bytes", raw.len);
        json_error_t e;
        json_t *v = json_loadb((const char *)raw.ptr, raw.len, JSON_REJECT_DUPLICATES, &e);
        if (!json_is_object(v)) {
            bool parsed = v != NULL;
            json_decref(v);
            CCS_BAIL(CCS_ERR_FORMAT, "evidence: TPM evidence is not a JSON object (%s)",
                     parsed ? "another JSON value" : e.text);
        }
        *out = v;
        return CCS_OK;
    }
    case CCS_PLATFORM_NONE: break;
    }
    CCS_BAIL(CCS_ERR_UNSUPPORTED, "evidence: no KBS evidence format for platform %s", ccs_platform_name(p));
}

ccs_status agent_evidence_json(ccs_agent *a, ccs_bytes rd, json_t **out) {
    CCS_ENSURE(a != NULL && out != NULL, CCS_ERR_INVALID_ARG, "evidence: bad arguments");
    CCS_ENSURE(rd.len <= 64, CCS_ERR_INVALID_ARG, "evidence: report data of %zu bytes (at most 64)", rd.len);
    ccs_buf raw = {0};
    ccs_status st = ccs_backend_evidence(a->backend, rd, &raw);
    if (st == CCS_OK) st = agent_primary_evidence(ccs_backend_platform(a->backend), ccs_buf_view(&raw), out);
    ccs_buf_free(&raw);
    return st;
}

ccs_status ccs_agent_get_evidence(ccs_agent *a, ccs_bytes report_data, ccs_buf *out) {
    CCS_ENSURE(a != NULL && out != NULL, CCS_ERR_INVALID_ARG, "evidence: bad arguments");
    json_t *ev = NULL;
    CCS_TRY(agent_evidence_json(a, report_data, &ev));
    char *text = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    CCS_ENSURE(text != NULL, CCS_ERR_NOMEM, "evidence: no memory");
    ccs_status st = ccs_buf_append_str(out, text);
    free(text);
    return st;
}
