/* Recognising an evidence format from its bytes, for `--tee auto`. Only
 * cheap structural signs are read; the verifier of the chosen format then
 * parses strictly, so a wrong guess fails closed with a format check. */
#include <string.h>

#include "ccs/attest.h"

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* DCAP quote header: version 3-5, attestation key type 2 (ECDSA-P256),
 * TEE type 0 (SGX) or 0x81 (TDX). */
static const char *dcap_kind(ccs_bytes b) {
    if (b.len < CCS_DCAP_HEADER_LEN) return NULL;
    uint16_t version = (uint16_t)(b.ptr[0] | b.ptr[1] << 8), key = (uint16_t)(b.ptr[2] | b.ptr[3] << 8);
    uint32_t tee = le32(b.ptr + 4);
    if (version < 3 || version > 5 || key != 2) return NULL;
    if (tee == CCS_DCAP_TEE_TYPE_SGX) return "sgx";
    if (tee == CCS_DCAP_TEE_TYPE_TDX) return "tdx";
    return NULL;
}

/* SEV-SNP ATTESTATION_REPORT (SNP ABI, Table 22): 0x4A0 bytes, version 2+,
 * signature algorithm 1 (ECDSA P-384 with SHA-384) at 0x34. */
static const char *snp_kind(ccs_bytes b) {
    if (b.len != 0x4A0) return NULL;
    uint32_t version = le32(b.ptr), algo = le32(b.ptr + 0x34);
    return version >= 2 && version <= 16 && algo == 1 ? "snp" : NULL;
}

/* Hygon CSV report v1 (csv-rs layout): sig_usage @180 and sig_algo @184
 * are XOR-masked with the anonce @188; unmasked they are 0x1002 (PEK) and
 * 4 (SM2). The trustee JSON form carries it as "attestation_report". */
const char *ccs_evidence_kind_csv(ccs_bytes b) {
    ccs_bytes v;
    /* v2 (and wrapped v1): the csv-rs extended header "ATTESTATION_EXT\0". */
    if (b.len >= 20 && memcmp(b.ptr, "ATTESTATION_EXT", 16) == 0) return "csv";
    if (b.len >= 2548) {
        uint32_t anonce = le32(b.ptr + 188);
        if ((le32(b.ptr + 180) ^ anonce) == 0x1002 && (le32(b.ptr + 184) ^ anonce) == 4) return "csv";
    }
    if (b.len && b.ptr[0] == '{' && ccs_json_raw_member(b, "attestation_report", &v) == CCS_OK) return "csv";
    return NULL;
}

/* TPM evidence is a JSON object with a "tpms_attest" member (docs/attest.md). */
const char *ccs_evidence_kind_tpm(ccs_bytes b) {
    ccs_bytes v;
    if (b.len && b.ptr[0] == '{' && ccs_json_raw_member(b, "tpms_attest", &v) == CCS_OK) return "tpm";
    return NULL;
}

const char *ccs_evidence_kind(ccs_bytes evidence) {
    const char *k = dcap_kind(evidence);
    if (!k) k = snp_kind(evidence);
    if (!k) k = ccs_evidence_kind_csv(evidence);
    if (!k) k = ccs_evidence_kind_tpm(evidence);
    return k ? k : "unknown";
}
