/* TPM 2.0 backend through tss2 ESYS (specs/cvm.md section 3).
 *
 * The AK is a primary key: a restricted ECDSA P-256/SHA-256 signing key
 * created under the endorsement hierarchy from a fixed template (as
 * go-tpm-tools does). A primary key is derived from the hierarchy's seed,
 * so the same TPM gives the same AK every time and nothing needs to be
 * stored; it changes only when the endorsement seed does (TPM2_Clear does
 * not change it, TPM2_ChangeEPS does).
 *
 * Evidence (docs/attest.md "TPM 2.0"): TPM2_Quote over the configured PCR
 * selection with qualifyingData = SHA-256(report data) (ccs_tpm_nonce),
 * the PCR values read before the quote (re-read if an extend raced it),
 * the AK public key and the event log of this handle's extends. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>

#include "tpm.h"

#define QUOTE_TRIES 3

static const TPM2B_PUBLIC ak_template = {
    .publicArea = {
        .type = TPM2_ALG_ECC,
        .nameAlg = TPM2_ALG_SHA256,
        .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                            TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT,
        .parameters.eccDetail = {
            .symmetric = {.algorithm = TPM2_ALG_NULL},
            .scheme = {.scheme = TPM2_ALG_ECDSA, .details = {.ecdsa = {.hashAlg = TPM2_ALG_SHA256}}},
            .curveID = TPM2_ECC_NIST_P256,
            .kdf = {.scheme = TPM2_ALG_NULL},
        },
    },
};

static ccs_status create_ak(tpm_state *s) {
    TPM2B_SENSITIVE_CREATE sens = {0};
    TPM2B_DATA outside = {0};
    TPML_PCR_SELECTION none = {0};
    TPM2B_PUBLIC *pub = NULL;
    TPM2B_CREATION_DATA *cd = NULL;
    TPM2B_DIGEST *ch = NULL;
    TPMT_TK_CREATION *tk = NULL;
    TSS2_RC rc = Esys_CreatePrimary(s->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                    &sens, &ak_template, &outside, &none, &s->ak, &pub, &cd, &ch, &tk);
    Esys_Free(cd);
    Esys_Free(ch);
    Esys_Free(tk);
    if (rc != TSS2_RC_SUCCESS) return ccs_tpm_rc(rc, "CreatePrimary (AK)");
    s->ak_public = *pub; /* for enrollment (tpm_ek.c) */
    uint8_t xy[64];
    const TPMS_ECC_POINT *p = &pub->publicArea.unique.ecc;
    ccs_status st = CCS_OK;
    if (p->x.size != 32 || p->y.size != 32) {
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "tpm: AK point of %u/%u bytes", p->x.size, p->y.size);
    } else {
        ccs_pubkey *k = NULL;
        memcpy(xy, p->x.buffer, 32);
        memcpy(xy + 32, p->y.buffer, 32);
        st = ccs_pubkey_from_ec_raw(CCS_CURVE_P256, ccs_bytes_of(xy, 64), &k);
        if (st == CCS_OK) st = ccs_pubkey_pem(k, &s->ak_pem);
        ccs_pubkey_free(k);
    }
    Esys_Free(pub);
    s->curve = CCS_CURVE_P256;
    return st;
}

void ccs_tpm_session_close(tpm_state *s) {
    if (s == NULL) return;
    if (s->esys && s->ak != ESYS_TR_NONE) (void)Esys_FlushContext(s->esys, s->ak);
    Esys_Finalize(&s->esys);
    Tss2_TctiLdr_Finalize(&s->tcti);
    ccs_buf_free(&s->ak_pem);
    ccs_buf_free(&s->log);
    free(s);
}

static void tpm_close(void *state) { ccs_tpm_session_close(state); }

ccs_status ccs_tpm_session_open(const char *tcti, tpm_state **out) {
    tpm_state *s = calloc(1, sizeof *s);
    CCS_ENSURE(s != NULL, CCS_ERR_NOMEM, "out of memory");
    s->ak = ESYS_TR_NONE;
    ccs_status st = CCS_OK;
    TSS2_RC rc = TSS2_RC_SUCCESS;
    if ((rc = Tss2_TctiLdr_Initialize(tcti, &s->tcti)) != TSS2_RC_SUCCESS)
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "tpm: no TPM reachable through TCTI \"%s\" (%s)",
                           tcti ? tcti : "default", "Tss2_TctiLdr_Initialize failed");
    if (st == CCS_OK && (rc = Esys_Initialize(&s->esys, s->tcti, NULL)) != TSS2_RC_SUCCESS)
        st = ccs_tpm_rc(rc, "Esys_Initialize");
    if (st == CCS_OK) {
        /* A TPM that is already started answers TPM2_RC_INITIALIZE. */
        rc = Esys_Startup(s->esys, TPM2_SU_CLEAR);
        if (rc != TSS2_RC_SUCCESS && (rc & 0xfff) != TPM2_RC_INITIALIZE) st = ccs_tpm_rc(rc, "Startup");
    }
    if (st == CCS_OK) st = create_ak(s);
    if (st != CCS_OK) {
        ccs_tpm_session_close(s);
        return st;
    }
    *out = s;
    return CCS_OK;
}

static ccs_status tpm_open(const ccs_tee_config *cfg, void **state) {
    TPML_PCR_SELECTION sel;
    tpm_state *s = NULL;
    CCS_TRY(ccs_tpm_parse_pcrs(cfg->tpm_pcrs, &sel));
    CCS_TRY(ccs_tpm_session_open(cfg->tpm_tcti, &s));
    s->sel = sel;
    *state = s;
    return CCS_OK;
}

/* H(selected PCR values) as the TPM computes pcrDigest, with SHA-256 (the
 * AK's scheme hash). */
static void pcr_digest(const TPML_PCR_SELECTION *sel, uint8_t values[][CCS_TPM_PCRS][64], uint8_t out[32]) {
    ccs_bytes parts[CCS_TPM_MAX_BANKS * CCS_TPM_PCRS];
    size_t n = 0;
    for (uint32_t b = 0; b < sel->count; b++) {
        uint16_t alg = sel->pcrSelections[b].hash;
        size_t len = alg == TPM2_ALG_SHA1 ? 20 : alg == TPM2_ALG_SHA384 ? 48 : 32;
        for (unsigned i = 0; i < CCS_TPM_PCRS; i++)
            if (sel->pcrSelections[b].pcrSelect[i / 8] & (1u << (i % 8))) parts[n++] = ccs_bytes_of(values[b][i], len);
    }
    ccs_sha256_v(parts, n, out);
}

static ccs_status quote_once(tpm_state *s, const uint8_t nonce[32], uint8_t values[][CCS_TPM_PCRS][64],
                             ccs_buf *attest, ccs_buf *sig, bool *raced) {
    TPM2B_DATA q = {.size = 32};
    TPMT_SIG_SCHEME scheme = {.scheme = TPM2_ALG_NULL}; /* the AK's own scheme */
    TPM2B_ATTEST *quoted = NULL;
    TPMT_SIGNATURE *signature = NULL;
    memcpy(q.buffer, nonce, 32);
    CCS_TRY(ccs_tpm_read_pcrs(s, &s->sel, values));
    TSS2_RC rc = Esys_Quote(s->esys, s->ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &q, &scheme, &s->sel,
                            &quoted, &signature);
    if (rc != TSS2_RC_SUCCESS) return ccs_tpm_rc(rc, "Quote");
    uint8_t sbuf[sizeof(TPMT_SIGNATURE)], want[32];
    size_t off = 0;
    ccs_status st = CCS_OK;
    rc = Tss2_MU_TPMT_SIGNATURE_Marshal(signature, sbuf, sizeof sbuf, &off);
    if (rc != TSS2_RC_SUCCESS) st = ccs_tpm_rc(rc, "marshalling the signature");
    if (st == CCS_OK) st = ccs_buf_set(sig, ccs_bytes_of(sbuf, off));
    if (st == CCS_OK) st = ccs_buf_set(attest, ccs_bytes_of(quoted->attestationData, quoted->size));
    ccs_tpm_attest a;
    if (st == CCS_OK) st = ccs_tpm_attest_parse(ccs_buf_view(attest), &a);
    if (st == CCS_OK) {
        pcr_digest(&s->sel, values, want);
        *raced = a.pcr_digest_len != 32 || memcmp(a.pcr_digest, want, 32) != 0;
    }
    Esys_Free(quoted);
    Esys_Free(signature);
    return st;
}

static ccs_status put_b64(json_t *o, const char *key, ccs_bytes b) {
    ccs_buf t = {0};
    ccs_status st = ccs_base64_encode(b, &t);
    if (st == CCS_OK) json_object_set_new(o, key, json_stringn((const char *)t.ptr, t.len));
    ccs_buf_free(&t);
    return st;
}

static ccs_status tpm_evidence(void *state, const uint8_t report_data[64], ccs_buf *out) {
    tpm_state *s = state;
    uint8_t nonce[32];
    ccs_buf attest = {0}, sig = {0};
    bool raced = true;
    CCS_TRY(ccs_tpm_nonce(ccs_bytes_of(report_data, 64), nonce));
    uint8_t (*values)[CCS_TPM_PCRS][64] = calloc(s->sel.count, sizeof *values);
    CCS_ENSURE(values != NULL, CCS_ERR_NOMEM, "out of memory");
    ccs_status st = CCS_OK;
    for (int i = 0; i < QUOTE_TRIES && raced && st == CCS_OK; i++)
        st = quote_once(s, nonce, values, &attest, &sig, &raced);
    if (st == CCS_OK && raced) st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "tpm: PCRs kept changing during the quote");
    json_t *o = json_object(), *pcrs = NULL;
    if (st == CCS_OK) st = put_b64(o, "tpms_attest", ccs_buf_view(&attest));
    if (st == CCS_OK) st = put_b64(o, "signature", ccs_buf_view(&sig));
    if (st == CCS_OK) {
        json_object_set_new(o, "ak_public", json_stringn((const char *)s->ak_pem.ptr, s->ak_pem.len));
        st = ccs_tpm_pcrs_json(&s->sel, values, (void **)&pcrs);
        if (st == CCS_OK) json_object_set_new(o, "pcrs", pcrs);
    }
    if (st == CCS_OK && s->n_events) st = put_b64(o, "event_log", ccs_buf_view(&s->log));
    char *text = st == CCS_OK ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (st == CCS_OK && text == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (st == CCS_OK) st = ccs_buf_set(out, ccs_bytes_str(text));
    free(text);
    json_decref(o);
    free(values);
    ccs_buf_free(&attest);
    ccs_buf_free(&sig);
    return st;
}

const backend_ops ccs_backend_tpm = {
    .platform = CCS_PLATFORM_TPM,
    .available = NULL,
    .open = tpm_open,
    .close = tpm_close,
    .evidence = tpm_evidence,
    .seal_key = NULL, /* a PCR-policy-sealed secret is a separate feature */
    .measurements = ccs_tpm_measurements,
    .extend = ccs_tpm_extend,
};
