/* DCAP quote parsing: SGX quote v3/v4 and TDX quote v4/v5. Structure only;
 * nothing here is verified. Layouts: Intel SGX ECDSA Quote Library API
 * (quote v3), TDX DCAP Quoting Library API (quote v4, v5); offsets in
 * shared specs section 1-2. Every field is read through ccs_reader. */
#include <string.h>

#include "ccs/attest.h"

#define ATT_KEY_TYPE_ECDSA_P256 2
#define CERT_TYPE_PCK_CHAIN 5
#define CERT_TYPE_QE_REPORT 6
#define INTEL_QE_VENDOR_ID "\x93\x9a\x72\x33\xf7\x9c\x4c\xa9\x94\x0a\x0d\xb3\x95\x7f\x06\x07"

const char *ccs_tee_name(ccs_tee tee) {
    switch (tee) {
    case CCS_TEE_SGX: return "sgx";
    case CCS_TEE_TDX: return "tdx";
    default: return "unknown";
    }
}

/* SGX REPORTBODY, 384 bytes (Quote Library API, table "Enclave Report Body"). */
static ccs_status parse_sgx_report(ccs_reader *r, ccs_sgx_report *rep) {
    ccs_reader b;
    CCS_TRY(ccs_reader_sub(r, CCS_SGX_REPORT_LEN, &b));
    rep->raw = ccs_bytes_of(b.ptr, b.len);
    CCS_TRY(ccs_reader_bytes(&b, 16, &rep->cpu_svn));
    CCS_TRY(ccs_reader_u32le(&b, &rep->misc_select));
    CCS_TRY(ccs_reader_skip(&b, 12));
    CCS_TRY(ccs_reader_bytes(&b, 16, &rep->isv_ext_prod_id));
    CCS_TRY(ccs_reader_bytes(&b, 16, &rep->attributes));
    CCS_TRY(ccs_reader_bytes(&b, 32, &rep->mr_enclave));
    CCS_TRY(ccs_reader_skip(&b, 32));
    CCS_TRY(ccs_reader_bytes(&b, 32, &rep->mr_signer));
    CCS_TRY(ccs_reader_skip(&b, 32));
    CCS_TRY(ccs_reader_bytes(&b, 64, &rep->config_id));
    CCS_TRY(ccs_reader_u16le(&b, &rep->isv_prod_id));
    CCS_TRY(ccs_reader_u16le(&b, &rep->isv_svn));
    CCS_TRY(ccs_reader_u16le(&b, &rep->config_svn));
    CCS_TRY(ccs_reader_skip(&b, 42));
    CCS_TRY(ccs_reader_bytes(&b, 16, &rep->isv_family_id));
    CCS_TRY(ccs_reader_bytes(&b, 64, &rep->report_data));
    return ccs_reader_expect_end(&b);
}

/* TD report body: 584 bytes (TDX 1.0) or 648 bytes (TDX 1.5 adds
 * TEE_TCB_SVN_2 and MRSERVICETD). */
static ccs_status parse_tdx_report(ccs_reader *r, size_t len, ccs_tdx_report *rep) {
    ccs_reader b;
    CCS_TRY(ccs_reader_sub(r, len, &b));
    rep->raw = ccs_bytes_of(b.ptr, b.len);
    CCS_TRY(ccs_reader_bytes(&b, 16, &rep->tee_tcb_svn));
    CCS_TRY(ccs_reader_bytes(&b, 48, &rep->mr_seam));
    CCS_TRY(ccs_reader_bytes(&b, 48, &rep->mr_signer_seam));
    CCS_TRY(ccs_reader_bytes(&b, 8, &rep->seam_attributes));
    CCS_TRY(ccs_reader_bytes(&b, 8, &rep->td_attributes));
    CCS_TRY(ccs_reader_bytes(&b, 8, &rep->xfam));
    CCS_TRY(ccs_reader_bytes(&b, 48, &rep->mr_td));
    CCS_TRY(ccs_reader_bytes(&b, 48, &rep->mr_config_id));
    CCS_TRY(ccs_reader_bytes(&b, 48, &rep->mr_owner));
    CCS_TRY(ccs_reader_bytes(&b, 48, &rep->mr_owner_config));
    for (int i = 0; i < 4; i++) CCS_TRY(ccs_reader_bytes(&b, 48, &rep->rtmr[i]));
    CCS_TRY(ccs_reader_bytes(&b, 64, &rep->report_data));
    if (len == CCS_TDX_REPORT15_LEN) {
        CCS_TRY(ccs_reader_bytes(&b, 16, &rep->tee_tcb_svn2));
        CCS_TRY(ccs_reader_bytes(&b, 48, &rep->mr_service_td));
    }
    return ccs_reader_expect_end(&b);
}

static ccs_status parse_header(ccs_reader *r, ccs_dcap_quote *q) {
    ccs_reader h;
    CCS_TRY(ccs_reader_sub(r, CCS_DCAP_HEADER_LEN, &h));
    q->header = ccs_bytes_of(h.ptr, h.len);
    CCS_TRY(ccs_reader_u16le(&h, &q->version));
    CCS_TRY(ccs_reader_u16le(&h, &q->att_key_type));
    CCS_TRY(ccs_reader_u32le(&h, &q->tee_type));
    CCS_TRY(ccs_reader_u16le(&h, &q->qe_svn));
    CCS_TRY(ccs_reader_u16le(&h, &q->pce_svn));
    CCS_TRY(ccs_reader_bytes(&h, 16, &q->qe_vendor_id));
    CCS_TRY(ccs_reader_bytes(&h, 20, &q->user_data));
    CCS_ENSURE(q->version >= 3 && q->version <= 5, CCS_ERR_UNSUPPORTED, "unsupported quote version %u",
               q->version);
    CCS_ENSURE(q->att_key_type == ATT_KEY_TYPE_ECDSA_P256, CCS_ERR_UNSUPPORTED,
               "unsupported attestation key type %u (only ECDSA-P256)", q->att_key_type);
    if (q->tee_type == CCS_DCAP_TEE_TYPE_SGX) {
        q->tee = CCS_TEE_SGX;
    } else if (q->tee_type == CCS_DCAP_TEE_TYPE_TDX) {
        q->tee = CCS_TEE_TDX;
    } else {
        CCS_BAIL(CCS_ERR_UNSUPPORTED, "unknown TEE type 0x%08x", q->tee_type);
    }
    /* Quote v3 predates TDX: a v3 quote claiming TDX is malformed. */
    CCS_ENSURE(!(q->version == 3 && q->tee == CCS_TEE_TDX), CCS_ERR_UNSUPPORTED, "quote v3 cannot carry a TD report");
    return CCS_OK;
}

/* v3/v4: the body follows the header directly; v5 adds type and size. */
static ccs_status parse_body(ccs_reader *r, ccs_dcap_quote *q) {
    size_t start = r->off, body_len = 0;
    if (q->version == 5) {
        uint32_t size = 0;
        CCS_TRY(ccs_reader_u16le(r, &q->body_type));
        CCS_TRY(ccs_reader_u32le(r, &size));
        switch (q->body_type) {
        case 1: body_len = CCS_SGX_REPORT_LEN; break;
        case 2: body_len = CCS_TDX_REPORT10_LEN; break;
        case 3: body_len = CCS_TDX_REPORT15_LEN; break;
        default: CCS_BAIL(CCS_ERR_UNSUPPORTED, "unknown quote v5 body type %u", q->body_type);
        }
        CCS_ENSURE(size == body_len, CCS_ERR_FORMAT, "quote body type %u has size %u, expected %zu", q->body_type,
                   size, body_len);
        CCS_ENSURE((q->body_type == 1) == (q->tee == CCS_TEE_SGX), CCS_ERR_FORMAT,
                   "quote body type %u does not match TEE type", q->body_type);
    } else {
        q->body_type = q->tee == CCS_TEE_SGX ? 1 : 2;
        body_len = q->tee == CCS_TEE_SGX ? CCS_SGX_REPORT_LEN : CCS_TDX_REPORT10_LEN;
    }
    size_t body_off = r->off;
    if (q->tee == CCS_TEE_SGX)
        CCS_TRY(parse_sgx_report(r, &q->sgx));
    else
        CCS_TRY(parse_tdx_report(r, body_len, &q->tdx));
    q->body = ccs_bytes_of(r->ptr + body_off, body_len);
    q->signed_data = ccs_bytes_of(r->ptr, r->off);
    (void)start;
    return CCS_OK;
}

/* Certification data: u16 type, u32 size, data. Type 6 (TDX and quote v4)
 * wraps the QE report, its signature, QE auth data and a nested type 5. */
static ccs_status parse_cert_data(ccs_reader *r, ccs_dcap_quote *q, int depth) {
    uint16_t type = 0;
    uint32_t size = 0;
    ccs_reader c;
    CCS_TRY(ccs_reader_u16le(r, &type));
    CCS_TRY(ccs_reader_u32le(r, &size));
    CCS_TRY(ccs_reader_sub(r, size, &c));
    if (type == CERT_TYPE_QE_REPORT && depth == 0) {
        uint16_t auth_len = 0;
        CCS_TRY(parse_sgx_report(&c, &q->qe_report));
        CCS_TRY(ccs_reader_bytes(&c, 64, &q->qe_report_signature));
        CCS_TRY(ccs_reader_u16le(&c, &auth_len));
        CCS_TRY(ccs_reader_bytes(&c, auth_len, &q->qe_auth_data));
        CCS_TRY(parse_cert_data(&c, q, depth + 1));
        return ccs_reader_expect_end(&c);
    }
    q->cert_type = type;
    CCS_ENSURE(type == CERT_TYPE_PCK_CHAIN, CCS_ERR_UNSUPPORTED,
               "unsupported certification data type %u (need 5, the PCK certificate chain)", type);
    CCS_ENSURE(size > 0, CCS_ERR_FORMAT, "empty PCK certificate chain");
    q->cert_data = ccs_reader_rest(&c);
    return CCS_OK;
}

/* Quote v3 signature data: signature, attestation key, QE report, QE report
 * signature, QE auth data, certification data (type 5). */
static ccs_status parse_sig_v3(ccs_reader *s, ccs_dcap_quote *q) {
    uint16_t auth_len = 0;
    CCS_TRY(parse_sgx_report(s, &q->qe_report));
    CCS_TRY(ccs_reader_bytes(s, 64, &q->qe_report_signature));
    CCS_TRY(ccs_reader_u16le(s, &auth_len));
    CCS_TRY(ccs_reader_bytes(s, auth_len, &q->qe_auth_data));
    return parse_cert_data(s, q, 1);
}

ccs_status ccs_dcap_quote_parse(ccs_bytes raw, ccs_dcap_quote *q) {
    ccs_reader r, s;
    uint32_t sig_len = 0;
    CCS_ENSURE(q != NULL && (raw.ptr != NULL || raw.len == 0), CCS_ERR_INVALID_ARG, "invalid argument");
    memset(q, 0, sizeof *q);
    ccs_reader_init(&r, raw);
    CCS_TRY(parse_header(&r, q));
    CCS_TRY(parse_body(&r, q));
    CCS_TRY(ccs_reader_u32le(&r, &sig_len));
    CCS_TRY(ccs_reader_sub(&r, sig_len, &s));
    CCS_TRY(ccs_reader_bytes(&s, 64, &q->signature));
    CCS_TRY(ccs_reader_bytes(&s, 64, &q->att_key));
    if (q->version == 3)
        CCS_TRY(parse_sig_v3(&s, q));
    else
        CCS_TRY(parse_cert_data(&s, q, 0));
    CCS_ENSURE(q->qe_report.raw.len == CCS_SGX_REPORT_LEN, CCS_ERR_FORMAT, "quote lacks a QE report");
    CCS_TRY(ccs_reader_expect_end(&s));
    q->trailing = ccs_reader_remaining(&r);
    return CCS_OK;
}

bool ccs_dcap_qe_vendor_is_intel(const ccs_dcap_quote *q) {
    return q->qe_vendor_id.len == 16 && memcmp(q->qe_vendor_id.ptr, INTEL_QE_VENDOR_ID, 16) == 0;
}
