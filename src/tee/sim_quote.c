/* Sim quotes in the real layouts (shared specs/attestation.md sections 1
 * and 2): SGX quote v3 (ISV enclave report, QE report and PCK chain in the
 * signature data) and TDX quote v4 (TD report, certification data type 6
 * wrapping the QE report and a type-5 PCK chain). The attestation key signs
 * header+body; the QE report, signed by the PCK key at `sim init`, binds
 * the attestation key: REPORTDATA = SHA-256(key || auth data) || 0^32. */
#include <string.h>

#include "sim.h"

/* The sim platforms' TCB: one level of the sim TCB Info matches exactly. */
const sim_platform ccs_sim_sgx = {
    .tee = CCS_TEE_SGX,
    .name = "sgx",
    .fmspc = {0xCC, 0x51, 0x00, 0x00, 0x00, 0x01},
    .pce_id = {0x00, 0x00},
    .comp = {3, 3, 2, 2, 4, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0},
    .pcesvn = 13,
    .qe_prod_id = 1,
    .qe_svn = 8,
    .pck_serial = 0x5101,
};
const sim_platform ccs_sim_tdx = {
    .tee = CCS_TEE_TDX,
    .name = "tdx",
    .fmspc = {0xCC, 0x51, 0x00, 0x00, 0x00, 0x02},
    .pce_id = {0x00, 0x00},
    .comp = {3, 3, 2, 2, 4, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0},
    .pcesvn = 13,
    .tee_tcb_svn = {5, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, /* module SVN 5 of TDX_01 */
    .qe_prod_id = 2,
    .qe_svn = 8,
    .pck_serial = 0x5102,
};

/* SHA-256("ccs sim quoting enclave signer"): not Intel's QE MRSIGNER. */
const uint8_t ccs_sim_qe_mrsigner[32] = {0xb5, 0x3f, 0x19, 0x6c, 0x0e, 0x2d, 0x7a, 0x41, 0x93, 0x58, 0xc1,
                                         0x0d, 0x6e, 0x84, 0x27, 0xf2, 0x3a, 0x9b, 0x51, 0xc8, 0x04, 0xe6,
                                         0x7d, 0x22, 0x18, 0xaf, 0x90, 0x3c, 0x65, 0xd1, 0x4e, 0x07};
/* The quote header's QE vendor ID: Intel's (the verifier expects its layout). */
const uint8_t ccs_sim_qe_vendor[16] = {0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9,
                                       0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07};
const uint8_t ccs_sim_qe_attributes[16] = {0x11}; /* INIT | PROVISIONKEY */
const uint8_t ccs_sim_mr_signer_seam[48] = {0};   /* Intel-signed TDX modules have 0 */

const sim_platform *ccs_sim_platform(ccs_tee tee) {
    return tee == CCS_TEE_SGX ? &ccs_sim_sgx : tee == CCS_TEE_TDX ? &ccs_sim_tdx : NULL;
}

static void le16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void le32(uint8_t *p, uint32_t v) {
    le16(p, (uint16_t)v);
    le16(p + 2, (uint16_t)(v >> 16));
}

/* An SGX REPORTBODY (384 bytes), offsets from specs section 1. */
static void sgx_report(uint8_t r[CCS_SGX_REPORT_LEN], const uint8_t cpusvn[16], const uint8_t attributes[16],
                       const uint8_t mrenclave[32], const uint8_t mrsigner[32], uint16_t prod_id, uint16_t svn,
                       const uint8_t report_data[64]) {
    memset(r, 0, CCS_SGX_REPORT_LEN);
    memcpy(r, cpusvn, 16);
    memcpy(r + 48, attributes, 16);
    memcpy(r + 64, mrenclave, 32);
    memcpy(r + 128, mrsigner, 32);
    le16(r + 256, prod_id);
    le16(r + 258, svn);
    memcpy(r + 320, report_data, 64);
}

ccs_status ccs_sim_att_pub(const ccs_privkey *att_key, uint8_t out[64]) {
    uint8_t att[96];
    size_t att_len = 0;
    ccs_pubkey *pub = NULL;
    CCS_TRY(ccs_privkey_public(att_key, &pub));
    ccs_status st = ccs_pubkey_ec_raw(pub, att, sizeof att, &att_len);
    ccs_pubkey_free(pub);
    CCS_TRY(st);
    CCS_ENSURE(att_len == 64, CCS_ERR_KEY, "sim: the attestation key must be P-256");
    memcpy(out, att, 64);
    return CCS_OK;
}

ccs_status ccs_sim_qe_blob(const sim_platform *p, const ccs_privkey *pck_key, const ccs_privkey *att_key,
                           ccs_buf *out) {
    uint8_t att[64], rd[64] = {0}, auth[SIM_QE_AUTH_LEN], rep[CCS_SGX_REPORT_LEN], mrenclave[32], len2[2];
    CCS_TRY(ccs_sim_att_pub(att_key, att));
    for (size_t i = 0; i < sizeof auth; i++) auth[i] = (uint8_t)i;
    ccs_bytes parts[2] = {ccs_bytes_of(att, 64), ccs_bytes_of(auth, sizeof auth)};
    ccs_sha256_v(parts, 2, rd);
    ccs_sha256(ccs_bytes_str("ccs sim quoting enclave"), mrenclave);
    sgx_report(rep, p->comp, ccs_sim_qe_attributes, mrenclave, ccs_sim_qe_mrsigner, p->qe_prod_id, p->qe_svn, rd);
    size_t start = out->len;
    CCS_TRY(ccs_buf_append(out, rep, sizeof rep));
    CCS_TRY(ccs_ecdsa_sign_raw(pck_key, ccs_bytes_of(rep, sizeof rep), out));
    CCS_ENSURE(out->len - start == CCS_SGX_REPORT_LEN + 64, CCS_ERR_INTERNAL, "sim: QE report signature size");
    le16(len2, SIM_QE_AUTH_LEN);
    CCS_TRY(ccs_buf_append(out, len2, 2));
    return ccs_buf_append(out, auth, sizeof auth);
}

static const char *const default_measurement = "ccs sim: default measurement";
static const char *const default_signer = "ccs sim: default signer";

void ccs_sim_identity(const ccs_tee_config *cfg, sim_identity *id) {
    ccs_bytes m = cfg && cfg->sim_measurement.len ? cfg->sim_measurement : ccs_bytes_str(default_measurement);
    ccs_bytes s = cfg && cfg->sim_signer.len ? cfg->sim_signer : ccs_bytes_str(default_signer);
    ccs_sha256(m, id->mr_enclave);
    ccs_sha256(s, id->mr_signer);
    ccs_sha384(m, id->mr_td);
    ccs_sha384(s, id->mr_owner);
    memset(id->config_id, 0, sizeof id->config_id);
    if (cfg && cfg->sim_config_id.len)
        memcpy(id->config_id, cfg->sim_config_id.ptr,
               cfg->sim_config_id.len < sizeof id->config_id ? cfg->sim_config_id.len : sizeof id->config_id);
}

/* A TDX 1.0 TD report body (584 bytes), offsets from specs section 2. */
static void td_report(uint8_t r[CCS_TDX_REPORT10_LEN], const sim_platform *p, const sim_identity *id,
                      const uint8_t report_data[64]) {
    memset(r, 0, CCS_TDX_REPORT10_LEN);
    memcpy(r, p->tee_tcb_svn, 16);
    ccs_sha384(ccs_bytes_str("ccs sim TDX module"), r + 16); /* MRSEAM */
    memcpy(r + 64, ccs_sim_mr_signer_seam, 48);
    r[120 + 3] = 0x10;                                     /* TDATTRIBUTES: SEPT_VE_DISABLE (bit 28) */
    r[128] = 0xE7, r[129] = 0x02, r[130] = 0x06;           /* XFAM: x87 SSE AVX ... AMX */
    memcpy(r + 136, id->mr_td, 48);
    memcpy(r + 184, id->config_id, 48);                    /* MRCONFIGID */
    memcpy(r + 232, id->mr_owner, 48);
    memcpy(r + 520, report_data, 64);
}

ccs_status ccs_sim_quote(const sim_platform *p, const sim_identity *id, const uint8_t report_data[64],
                         const ccs_privkey *att_key, const uint8_t att_pub[64], ccs_bytes qe_blob, ccs_bytes pck_pem,
                         ccs_buf *out) {
    static const uint8_t sgx_attributes[16] = {0x05, 0, 0, 0, 0, 0, 0, 0, 0x03}; /* INIT|MODE64BIT, XFRM */
    bool tdx = p->tee == CCS_TEE_TDX;
    uint8_t hdr[CCS_DCAP_HEADER_LEN] = {0}, body[CCS_TDX_REPORT10_LEN], u[6];
    size_t body_len = tdx ? CCS_TDX_REPORT10_LEN : CCS_SGX_REPORT_LEN;
    CCS_ENSURE(pck_pem.len > 0 && pck_pem.len < UINT32_MAX / 2 && qe_blob.len == CCS_SGX_REPORT_LEN + 64 + 2 + SIM_QE_AUTH_LEN,
               CCS_ERR_INVALID_ARG, "sim: bad QE report or PCK chain");
    le16(hdr, tdx ? 4 : 3);
    le16(hdr + 2, 2); /* ECDSA-P256 */
    le32(hdr + 4, tdx ? CCS_DCAP_TEE_TYPE_TDX : CCS_DCAP_TEE_TYPE_SGX);
    le16(hdr + 8, p->qe_svn);
    le16(hdr + 10, p->pcesvn);
    memcpy(hdr + 12, ccs_sim_qe_vendor, 16);
    if (tdx) {
        td_report(body, p, id, report_data);
    } else {
        sgx_report(body, p->comp, sgx_attributes, id->mr_enclave, id->mr_signer, 0, 1, report_data);
        memcpy(body + 192, id->config_id, 64); /* CONFIGID */
    }

    size_t start = out->len;
    CCS_TRY(ccs_buf_append(out, hdr, sizeof hdr));
    CCS_TRY(ccs_buf_append(out, body, body_len));
    size_t signed_len = out->len - start;
    /* Signature data: signature, attestation key, [type 6 header], QE blob, type 5 chain. */
    size_t cert5 = 2 + 4 + pck_pem.len;
    size_t sig_len = 64 + 64 + (tdx ? 2 + 4 : 0) + qe_blob.len + cert5;
    le32(u, (uint32_t)sig_len);
    CCS_TRY(ccs_buf_append(out, u, 4));
    CCS_TRY(ccs_ecdsa_sign_raw(att_key, ccs_bytes_of(out->ptr + start, signed_len), out));
    CCS_TRY(ccs_buf_append(out, att_pub, 64));
    if (tdx) {
        le16(u, 6);
        le32(u + 2, (uint32_t)(qe_blob.len + cert5));
        CCS_TRY(ccs_buf_append(out, u, 6));
    }
    CCS_TRY(ccs_buf_append(out, qe_blob.ptr, qe_blob.len));
    le16(u, 5);
    le32(u + 2, (uint32_t)pck_pem.len);
    CCS_TRY(ccs_buf_append(out, u, 6));
    CCS_TRY(ccs_buf_append(out, pck_pem.ptr, pck_pem.len));
    CCS_ENSURE(out->len - start == signed_len + 4 + sig_len, CCS_ERR_INTERNAL, "sim: quote size");
    return CCS_OK;
}
