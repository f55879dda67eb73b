/* tpm backend: PCR selections, reading and extending PCRs, the event log of
 * this handle's extends (TCG PC Client crypto-agile format, SHA-256 only)
 * and the measurements JSON. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_rc.h>

#include "tpm.h"

#define EV_NO_ACTION 0x00000003u
#define EV_IPL 0x0000000du
#define MAX_EVENT_DATA 4096u
#define MAX_LOG (1u << 20)

ccs_status ccs_tpm_rc(TSS2_RC rc, const char *what) {
    CCS_BAIL(CCS_ERR_IO, "tpm: %s: %s", what, Tss2_RC_Decode(rc));
}

ccs_status ccs_tpm_parse_pcrs(const char *spec, TPML_PCR_SELECTION *out) {
    char buf[128];
    memset(out, 0, sizeof *out);
    if (spec == NULL) spec = "sha256:0-7,16,23";
    CCS_ENSURE(strlen(spec) < sizeof buf, CCS_ERR_INVALID_ARG, "tpm: PCR selection too long");
    snprintf(buf, sizeof buf, "%s", spec);
    char *colon = strchr(buf, ':');
    CCS_ENSURE(colon != NULL, CCS_ERR_INVALID_ARG, "tpm: PCR selection \"%s\" is not BANK:LIST", spec);
    *colon = '\0';
    uint16_t alg = strcmp(buf, "sha256") == 0 ? TPM2_ALG_SHA256 : strcmp(buf, "sha384") == 0 ? TPM2_ALG_SHA384
                 : strcmp(buf, "sha1") == 0   ? TPM2_ALG_SHA1
                                               : 0;
    CCS_ENSURE(alg != 0, CCS_ERR_INVALID_ARG, "tpm: unknown PCR bank \"%s\" (sha1, sha256, sha384)", buf);
    uint32_t mask = 0;
    for (char *p = colon + 1; *p;) {
        char *end;
        unsigned long lo = strtoul(p, &end, 10), hi = lo;
        CCS_ENSURE(end != p, CCS_ERR_INVALID_ARG, "tpm: bad PCR list in \"%s\"", spec);
        if (*end == '-') {
            p = end + 1;
            hi = strtoul(p, &end, 10);
            CCS_ENSURE(end != p, CCS_ERR_INVALID_ARG, "tpm: bad PCR range in \"%s\"", spec);
        }
        CCS_ENSURE(lo <= hi && hi < CCS_TPM_PCRS, CCS_ERR_INVALID_ARG, "tpm: PCRs are 0 to 23 (\"%s\")", spec);
        for (unsigned long i = lo; i <= hi; i++) mask |= 1u << i;
        CCS_ENSURE(*end == ',' || *end == '\0', CCS_ERR_INVALID_ARG, "tpm: bad PCR list in \"%s\"", spec);
        p = *end ? end + 1 : end;
    }
    CCS_ENSURE(mask != 0, CCS_ERR_INVALID_ARG, "tpm: empty PCR selection");
    out->count = 1;
    out->pcrSelections[0].hash = alg;
    out->pcrSelections[0].sizeofSelect = 3;
    for (int b = 0; b < 3; b++) out->pcrSelections[0].pcrSelect[b] = (uint8_t)(mask >> (8 * b));
    return CCS_OK;
}

static uint32_t mask_of(const TPMS_PCR_SELECTION *s) {
    uint32_t m = 0;
    for (unsigned b = 0; b < s->sizeofSelect && b < 3; b++) m |= (uint32_t)s->pcrSelect[b] << (8 * b);
    return m;
}

/* TPM2_PCR_Read returns at most 8 digests a call: ask again for the rest. */
ccs_status ccs_tpm_read_pcrs(tpm_state *s, const TPML_PCR_SELECTION *sel, uint8_t values[][CCS_TPM_PCRS][64]) {
    for (uint32_t b = 0; b < sel->count; b++) {
        uint32_t want = mask_of(&sel->pcrSelections[b]);
        while (want) {
            TPML_PCR_SELECTION in = {.count = 1}, *got = NULL;
            TPML_DIGEST *vals = NULL;
            UINT32 counter;
            in.pcrSelections[0] = sel->pcrSelections[b];
            for (int i = 0; i < 3; i++) in.pcrSelections[0].pcrSelect[i] = (uint8_t)(want >> (8 * i));
            TSS2_RC rc = Esys_PCR_Read(s->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &in, &counter, &got, &vals);
            if (rc != TSS2_RC_SUCCESS) return ccs_tpm_rc(rc, "PCR_Read");
            uint32_t done = got->count == 1 ? mask_of(&got->pcrSelections[0]) & want : 0;
            size_t k = 0;
            ccs_status st = CCS_OK;
            for (unsigned i = 0; i < CCS_TPM_PCRS && st == CCS_OK; i++) {
                if (!(done & (1u << i))) continue;
                if (k >= vals->count || vals->digests[k].size > 64)
                    st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "tpm: PCR_Read returned too few digests");
                else
                    memcpy(values[b][i], vals->digests[k].buffer, vals->digests[k].size);
                k++;
            }
            Esys_Free(got);
            Esys_Free(vals);
            CCS_TRY(st);
            CCS_ENSURE(done != 0, CCS_ERR_UNSUPPORTED, "tpm: the TPM has no such PCR bank or PCRs");
            want &= ~done;
        }
    }
    return CCS_OK;
}

ccs_status ccs_tpm_pcrs_json(const TPML_PCR_SELECTION *sel, uint8_t values[][CCS_TPM_PCRS][64], void **json_obj) {
    json_t *o = json_object();
    char idx[4];
    for (uint32_t b = 0; b < sel->count; b++) {
        uint16_t alg = sel->pcrSelections[b].hash;
        size_t len = alg == TPM2_ALG_SHA1 ? 20 : alg == TPM2_ALG_SHA384 ? 48 : 32;
        json_t *bank = json_object();
        uint32_t m = mask_of(&sel->pcrSelections[b]);
        for (unsigned i = 0; i < CCS_TPM_PCRS; i++) {
            if (!(m & (1u << i))) continue;
            ccs_buf h = {0};
            if (ccs_hex_append(&h, ccs_bytes_of(values[b][i], len)) == CCS_OK) {
                snprintf(idx, sizeof idx, "%u", i);
                json_object_set_new(bank, idx, json_stringn((const char *)h.ptr, h.len));
            }
            ccs_buf_free(&h);
        }
        json_object_set_new(o, alg == TPM2_ALG_SHA1 ? "sha1" : alg == TPM2_ALG_SHA384 ? "sha384" : "sha256", bank);
    }
    *json_obj = o;
    return CCS_OK;
}

static ccs_status put_u32(ccs_buf *b, uint32_t v) {
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return ccs_buf_append(b, le, 4);
}

/* The Spec ID event: TCG_PCR_EVENT (SHA-1 format) carrying
 * TCG_EfiSpecIDEvent with one algorithm, SHA-256 (PFP section 10.4.5.1). */
static ccs_status log_header(ccs_buf *log) {
    static const uint8_t spec[] = {'S', 'p', 'e', 'c', ' ', 'I', 'D', ' ', 'E', 'v', 'e', 'n', 't', '0', '3', 0,
                                   0, 0, 0, 0,          /* platformClass: client */
                                   0, 2, 0, 2,          /* version 2.0, errata 0, uintnSize 2 (UINT64) */
                                   1, 0, 0, 0,          /* numberOfAlgorithms */
                                   0x0b, 0x00, 32, 0,   /* TPM_ALG_SHA256, 32 */
                                   0};                  /* vendorInfoSize */
    uint8_t zero[20] = {0};
    CCS_TRY(put_u32(log, 0));
    CCS_TRY(put_u32(log, EV_NO_ACTION));
    CCS_TRY(ccs_buf_append(log, zero, sizeof zero));
    CCS_TRY(put_u32(log, sizeof spec));
    return ccs_buf_append(log, spec, sizeof spec);
}

ccs_status ccs_tpm_extend(void *state, unsigned index, ccs_bytes data) {
    tpm_state *s = state;
    uint8_t md[32];
    CCS_ENSURE(index < CCS_TPM_PCRS, CCS_ERR_INVALID_ARG, "tpm: PCR %u (0 to 23)", index);
    CCS_ENSURE(data.len <= MAX_EVENT_DATA, CCS_ERR_INVALID_ARG, "tpm: event data over %u bytes", MAX_EVENT_DATA);
    CCS_ENSURE(s->log.len + data.len + 64 <= MAX_LOG, CCS_ERR_INVALID_ARG, "tpm: event log full");
    ccs_sha256(data, md);
    TPML_DIGEST_VALUES d = {.count = 1};
    d.digests[0].hashAlg = TPM2_ALG_SHA256;
    memcpy(d.digests[0].digest.sha256, md, 32);
    TSS2_RC rc = Esys_PCR_Extend(s->esys, ESYS_TR_PCR0 + index, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d);
    if (rc != TSS2_RC_SUCCESS) return ccs_tpm_rc(rc, "PCR_Extend");
    /* TCG_PCR_EVENT2: pcrIndex, eventType, TPML_DIGEST_VALUES, event. */
    if (s->log.len == 0) CCS_TRY(log_header(&s->log));
    uint8_t alg[2] = {0x0b, 0x00};
    CCS_TRY(put_u32(&s->log, index));
    CCS_TRY(put_u32(&s->log, EV_IPL));
    CCS_TRY(put_u32(&s->log, 1));
    CCS_TRY(ccs_buf_append(&s->log, alg, 2));
    CCS_TRY(ccs_buf_append(&s->log, md, 32));
    CCS_TRY(put_u32(&s->log, (uint32_t)data.len));
    if (data.len) CCS_TRY(ccs_buf_append(&s->log, data.ptr, data.len));
    s->n_events++;
    return CCS_OK;
}

ccs_status ccs_tpm_measurements(void *state, char **json) {
    tpm_state *s = state;
    uint8_t (*values)[CCS_TPM_PCRS][64] = calloc(s->sel.count, sizeof *values);
    CCS_ENSURE(values != NULL, CCS_ERR_NOMEM, "out of memory");
    json_t *o = NULL;
    ccs_status st = ccs_tpm_read_pcrs(s, &s->sel, values);
    if (st == CCS_OK) st = ccs_tpm_pcrs_json(&s->sel, values, (void **)&o);
    free(values);
    CCS_TRY(st);
    json_t *top = json_object();
    json_object_set_new(top, "pcrs", o);
    json_object_set_new(top, "ak_public", json_stringn((const char *)s->ak_pem.ptr, s->ak_pem.len));
    *json = json_dumps(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(top);
    CCS_ENSURE(*json != NULL, CCS_ERR_NOMEM, "out of memory");
    return CCS_OK;
}
