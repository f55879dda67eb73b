/* TPM 2.0 structures read with libtss2-mu (the TCG's reference
 * unmarshalling), then checked strictly: TPMS_ATTEST of a quote (TPM 2.0
 * Part 2, sections 10.12.8-10.12.12) and TPMT_SIGNATURE (11.3.4). */
#include <string.h>

#include <tss2/tss2_mu.h>

#include "tpm_internal.h"

static const struct {
    uint16_t alg;
    const char *name;
    size_t len;
    ccs_hash_alg hash;
} algs[] = {
    {CCS_TPM_ALG_SHA1, "sha1", 20, 0},
    {CCS_TPM_ALG_SHA256, "sha256", 32, CCS_HASH_SHA256},
    {CCS_TPM_ALG_SHA384, "sha384", 48, CCS_HASH_SHA384},
    {CCS_TPM_ALG_SHA512, "sha512", 64, CCS_HASH_SHA512},
};

size_t ccs_tpm_alg_len(uint16_t alg) {
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (algs[i].alg == alg) return algs[i].len;
    return 0;
}

const char *ccs_tpm_alg_name(uint16_t alg) {
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (algs[i].alg == alg) return algs[i].name;
    return "unknown";
}

bool ccs_tpm_alg_parse(const char *name, uint16_t *alg) {
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (strcmp(algs[i].name, name) == 0) {
            *alg = algs[i].alg;
            return true;
        }
    return false;
}

ccs_status ccs_tpm_hash_of(uint16_t alg, ccs_hash_alg *out) {
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (algs[i].alg == alg && algs[i].hash) {
            *out = algs[i].hash;
            return CCS_OK;
        }
    CCS_BAIL(CCS_ERR_UNSUPPORTED, "tpm: hash algorithm 0x%04x is not accepted", alg);
}

static ccs_status read_selection(const TPML_PCR_SELECTION *sel, ccs_tpm_attest *out) {
    CCS_ENSURE(sel->count >= 1 && sel->count <= CCS_TPM_MAX_BANKS, CCS_ERR_UNSUPPORTED,
               "tpm: quote selects %u PCR banks (1 to %d)", sel->count, CCS_TPM_MAX_BANKS);
    for (uint32_t i = 0; i < sel->count; i++) {
        const TPMS_PCR_SELECTION *s = &sel->pcrSelections[i];
        CCS_ENSURE(ccs_tpm_alg_len(s->hash) != 0, CCS_ERR_UNSUPPORTED, "tpm: unknown PCR bank 0x%04x", s->hash);
        for (uint32_t j = 0; j < i; j++)
            CCS_ENSURE(out->banks[j].hash_alg != s->hash, CCS_ERR_FORMAT, "tpm: PCR bank %s selected twice",
                       ccs_tpm_alg_name(s->hash));
        uint32_t mask = 0;
        for (unsigned b = 0; b < s->sizeofSelect; b++) mask |= (uint32_t)s->pcrSelect[b] << (8 * b);
        CCS_ENSURE((mask >> CCS_TPM_PCRS) == 0, CCS_ERR_UNSUPPORTED,
                   "tpm: quote selects PCRs above 23");
        out->banks[i].hash_alg = s->hash;
        out->banks[i].mask = mask;
    }
    out->n_banks = sel->count;
    return CCS_OK;
}

ccs_status ccs_tpm_attest_parse(ccs_bytes raw, ccs_tpm_attest *out) {
    TPMS_ATTEST a;
    size_t off = 0;
    CCS_ENSURE(out != NULL && (raw.ptr != NULL || raw.len == 0), CCS_ERR_INVALID_ARG, "invalid argument");
    memset(out, 0, sizeof *out);
    memset(&a, 0, sizeof a);
    CCS_ENSURE(raw.len >= 6, CCS_ERR_TRUNCATED, "tpm: TPMS_ATTEST of %zu bytes", raw.len);
    /* Check magic and type before handing the rest to the unmarshaller, so a
     * non-quote never reaches the type-dependent union. */
    uint32_t magic = (uint32_t)raw.ptr[0] << 24 | (uint32_t)raw.ptr[1] << 16 | (uint32_t)raw.ptr[2] << 8 | raw.ptr[3];
    uint16_t type = (uint16_t)(raw.ptr[4] << 8 | raw.ptr[5]);
    CCS_ENSURE(magic == CCS_TPM_GENERATED_VALUE, CCS_ERR_FORMAT, "tpm: magic 0x%08x is not TPM_GENERATED_VALUE", magic);
    CCS_ENSURE(type == CCS_TPM_ST_ATTEST_QUOTE, CCS_ERR_UNSUPPORTED, "tpm: attestation type 0x%04x is not a quote",
               type);
    TSS2_RC rc = Tss2_MU_TPMS_ATTEST_Unmarshal(raw.ptr, raw.len, &off, &a);
    CCS_ENSURE(rc == TSS2_RC_SUCCESS, CCS_ERR_FORMAT, "tpm: TPMS_ATTEST does not unmarshal (0x%x)", rc);
    CCS_ENSURE(off == raw.len, CCS_ERR_TRAILING, "tpm: %zu bytes after TPMS_ATTEST", raw.len - off);
    CCS_ENSURE(a.clockInfo.safe <= 1, CCS_ERR_FORMAT, "tpm: clockInfo.safe is %u", a.clockInfo.safe);
    CCS_ENSURE(a.qualifiedSigner.size <= sizeof out->qualified_signer && a.extraData.size <= sizeof out->extra_data,
               CCS_ERR_FORMAT, "tpm: oversized name or extraData");
    const TPMS_QUOTE_INFO *q = &a.attested.quote;
    CCS_ENSURE(q->pcrDigest.size > 0 && q->pcrDigest.size <= sizeof out->pcr_digest, CCS_ERR_FORMAT,
               "tpm: pcrDigest of %u bytes", q->pcrDigest.size);
    out->magic = magic;
    out->type = type;
    memcpy(out->qualified_signer, a.qualifiedSigner.name, a.qualifiedSigner.size);
    out->qualified_signer_len = a.qualifiedSigner.size;
    memcpy(out->extra_data, a.extraData.buffer, a.extraData.size);
    out->extra_data_len = a.extraData.size;
    out->clock = a.clockInfo.clock;
    out->reset_count = a.clockInfo.resetCount;
    out->restart_count = a.clockInfo.restartCount;
    out->safe = a.clockInfo.safe == 1;
    out->firmware_version = a.firmwareVersion;
    memcpy(out->pcr_digest, q->pcrDigest.buffer, q->pcrDigest.size);
    out->pcr_digest_len = q->pcrDigest.size;
    return read_selection(&q->pcrSelect, out);
}

/* r or s into a field_len slot: the TPM may drop leading zero bytes. */
static ccs_status put_scalar(const TPM2B_ECC_PARAMETER *p, size_t field_len, uint8_t *dst) {
    size_t n = p->size, skip = 0;
    while (n - skip > field_len && p->buffer[skip] == 0) skip++;
    CCS_ENSURE(n - skip <= field_len && n > 0, CCS_ERR_FORMAT, "tpm: ECDSA scalar of %zu bytes", n);
    memset(dst, 0, field_len);
    memcpy(dst + field_len - (n - skip), p->buffer + skip, n - skip);
    return CCS_OK;
}

ccs_status ccs_tpm_sig_parse(ccs_bytes raw, size_t field_len, tpm_sig *out) {
    TPMT_SIGNATURE s;
    size_t off = 0;
    memset(out, 0, sizeof *out);
    memset(&s, 0, sizeof s);
    TSS2_RC rc = Tss2_MU_TPMT_SIGNATURE_Unmarshal(raw.ptr, raw.len, &off, &s);
    CCS_ENSURE(rc == TSS2_RC_SUCCESS, CCS_ERR_FORMAT, "tpm: TPMT_SIGNATURE does not unmarshal (0x%x)", rc);
    CCS_ENSURE(off == raw.len, CCS_ERR_TRAILING, "tpm: %zu bytes after TPMT_SIGNATURE", raw.len - off);
    out->alg = s.sigAlg;
    switch (s.sigAlg) {
    case TPM_ALG_ECDSA:
        CCS_ENSURE(field_len == 32 || field_len == 48, CCS_ERR_KEY, "tpm: ECDSA signature but the AK is not EC");
        out->hash_alg = s.signature.ecdsa.hash;
        out->scheme = CCS_SIG_ECDSA_RAW;
        CCS_TRY(put_scalar(&s.signature.ecdsa.signatureR, field_len, out->bytes));
        CCS_TRY(put_scalar(&s.signature.ecdsa.signatureS, field_len, out->bytes + field_len));
        out->len = 2 * field_len;
        break;
    case TPM_ALG_RSASSA:
    case TPM_ALG_RSAPSS:
        out->hash_alg = s.signature.rsassa.hash;
        out->scheme = s.sigAlg == TPM_ALG_RSASSA ? CCS_SIG_RSA_PKCS1 : CCS_SIG_RSA_PSS;
        CCS_ENSURE(s.signature.rsassa.sig.size <= sizeof out->bytes, CCS_ERR_FORMAT, "tpm: RSA signature too long");
        memcpy(out->bytes, s.signature.rsassa.sig.buffer, s.signature.rsassa.sig.size);
        out->len = s.signature.rsassa.sig.size;
        break;
    default: CCS_BAIL(CCS_ERR_UNSUPPORTED, "tpm: signature algorithm 0x%04x (ECDSA, RSASSA, RSAPSS only)", s.sigAlg);
    }
    return ccs_tpm_hash_of(out->hash_alg, &out->hash);
}

ccs_status ccs_tpm_nonce(ccs_bytes report_data, uint8_t out[static 32]) {
    uint8_t rd[64] = {0};
    CCS_ENSURE(report_data.len <= 64 && (report_data.ptr != NULL || report_data.len == 0), CCS_ERR_INVALID_ARG,
               "tpm: report data is %zu bytes, at most 64", report_data.len);
    if (report_data.len) memcpy(rd, report_data.ptr, report_data.len);
    ccs_sha256(ccs_bytes_of(rd, sizeof rd), out);
    return CCS_OK;
}
