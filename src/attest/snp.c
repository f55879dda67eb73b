/* SEV-SNP ATTESTATION_REPORT parsing (SEV-SNP Firmware ABI #56860, table
 * "ATTESTATION_REPORT Structure"; shared specs section 3). Structure only:
 * nothing is verified here. Every field is read through ccs_reader, and
 * every reserved field must be zero: a field this parser does not know is a
 * field the verifier cannot judge (fail closed). */
#include <string.h>

#include "snp.h"

#define SIG_ALGO_ECDSA_P384_SHA384 1
#define POLICY_RSVD_ONE (1ull << 17)     /* reserved, must be one */
#define POLICY_KNOWN ((1ull << 26) - 1)  /* bits 0-25 defined through ABI 1.58 */

const char *ccs_snp_product_name(ccs_snp_product p) {
    switch (p) {
    case CCS_SNP_PRODUCT_MILAN: return "Milan";
    case CCS_SNP_PRODUCT_GENOA: return "Genoa";
    case CCS_SNP_PRODUCT_TURIN: return "Turin";
    default: return "unknown";
    }
}

ccs_snp_tcb ccs_snp_tcb_decode(uint64_t raw, ccs_snp_product p) {
    ccs_snp_tcb t = {0};
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(raw >> (8 * i));
    if (p == CCS_SNP_PRODUCT_TURIN) {
        t.fmc = b[0];
        t.bootloader = b[1];
        t.tee = b[2];
        t.snp = b[3];
    } else {
        t.bootloader = b[0];
        t.tee = b[1];
        t.snp = b[6];
    }
    t.microcode = b[7];
    return t;
}

/* CPUID Fn0000_0001 family (base + extended) and model as the firmware
 * reports them (version 3+). Family 19h: models 00h-0Fh Milan, 10h-1Fh and
 * A0h-AFh Genoa (Genoa, Bergamo, Siena); family 1Ah: 00h-1Fh Turin. */
ccs_snp_product ccs_snp_report_product(const ccs_snp_report *r) {
    if (r == NULL || r->version < 3) return CCS_SNP_PRODUCT_UNKNOWN;
    uint8_t m = r->cpuid_model;
    if (r->cpuid_family == 0x19) {
        if (m <= 0x0F) return CCS_SNP_PRODUCT_MILAN;
        if ((m >= 0x10 && m <= 0x1F) || (m >= 0xA0 && m <= 0xAF)) return CCS_SNP_PRODUCT_GENOA;
    } else if (r->cpuid_family == 0x1A && m <= 0x1F) {
        return CCS_SNP_PRODUCT_TURIN;
    }
    return CCS_SNP_PRODUCT_UNKNOWN;
}

static ccs_status zeros(ccs_reader *r, size_t n, const char *what) {
    ccs_bytes b;
    CCS_TRY(ccs_reader_bytes(r, n, &b));
    CCS_ENSURE(ccs_bytes_is_zero(b), CCS_ERR_FORMAT, "snp: reserved bytes (%s) are not zero", what);
    return CCS_OK;
}

/* 0x000-0x04F: version, guest SVN, policy, family and image id, VMPL,
 * signature algorithm, current TCB, platform info, signer info. */
static ccs_status parse_head(ccs_reader *r, ccs_snp_report *o) {
    CCS_TRY(ccs_reader_u32le(r, &o->version));
    CCS_ENSURE(o->version >= 2 && o->version <= 5, CCS_ERR_UNSUPPORTED, "snp: unsupported report version %u",
               o->version);
    CCS_TRY(ccs_reader_u32le(r, &o->guest_svn));
    CCS_TRY(ccs_reader_u64le(r, &o->policy));
    CCS_ENSURE(o->policy & POLICY_RSVD_ONE, CCS_ERR_FORMAT, "snp: policy bit 17 (reserved, must be one) is zero");
    CCS_ENSURE((o->policy & ~POLICY_KNOWN) == 0, CCS_ERR_FORMAT, "snp: unknown policy bits set (0x%016llx)",
               (unsigned long long)(o->policy & ~POLICY_KNOWN));
    CCS_TRY(ccs_reader_bytes(r, 16, &o->family_id));
    CCS_TRY(ccs_reader_bytes(r, 16, &o->image_id));
    CCS_TRY(ccs_reader_u32le(r, &o->vmpl));
    CCS_ENSURE(o->vmpl <= 3, CCS_ERR_FORMAT, "snp: VMPL %u is not 0-3", o->vmpl);
    CCS_TRY(ccs_reader_u32le(r, &o->signature_algo));
    CCS_ENSURE(o->signature_algo == SIG_ALGO_ECDSA_P384_SHA384, CCS_ERR_UNSUPPORTED,
               "snp: unsupported signature algorithm %u (only 1, ECDSA P-384 with SHA-384)", o->signature_algo);
    CCS_TRY(ccs_reader_u64le(r, &o->current_tcb));
    CCS_TRY(ccs_reader_u64le(r, &o->platform_info));
    CCS_TRY(ccs_reader_u32le(r, &o->signer_info));
    /* signer_info: bit 0 AUTHOR_KEY_EN, bit 1 MASK_CHIP_KEY, bits 2-4
     * SIGNING_KEY, the rest reserved. */
    CCS_ENSURE((o->signer_info >> 5) == 0, CCS_ERR_FORMAT, "snp: reserved signer_info bits set (0x%08x)",
               o->signer_info);
    o->author_key_en = o->signer_info & 1;
    o->mask_chip_key = (o->signer_info >> 1) & 1;
    unsigned key = (o->signer_info >> 2) & 7;
    CCS_ENSURE(key == CCS_SNP_KEY_VCEK || key == CCS_SNP_KEY_VLEK, CCS_ERR_UNSUPPORTED,
               "snp: signing key %u is neither VCEK (0) nor VLEK (1)", key);
    o->signing_key = (ccs_snp_key)key;
    return zeros(r, 4, "0x04C");
}

/* 0x050-0x2A0: guest data, measurements, ids, TCBs, chip id, versions. */
static ccs_status parse_body(ccs_reader *r, ccs_snp_report *o) {
    CCS_TRY(ccs_reader_bytes(r, 64, &o->report_data));
    CCS_TRY(ccs_reader_bytes(r, 48, &o->measurement));
    CCS_TRY(ccs_reader_bytes(r, 32, &o->host_data));
    CCS_TRY(ccs_reader_bytes(r, 48, &o->id_key_digest));
    CCS_TRY(ccs_reader_bytes(r, 48, &o->author_key_digest));
    CCS_TRY(ccs_reader_bytes(r, 32, &o->report_id));
    CCS_TRY(ccs_reader_bytes(r, 32, &o->report_id_ma));
    CCS_TRY(ccs_reader_u64le(r, &o->reported_tcb));
    if (o->version >= 3) {
        CCS_TRY(ccs_reader_u8(r, &o->cpuid_family));
        CCS_TRY(ccs_reader_u8(r, &o->cpuid_model));
        CCS_TRY(ccs_reader_u8(r, &o->cpuid_stepping));
        CCS_TRY(zeros(r, 0x1A0 - 0x18B, "0x18B-0x19F"));
    } else {
        CCS_TRY(zeros(r, 0x1A0 - 0x188, "0x188-0x19F"));
    }
    CCS_TRY(ccs_reader_bytes(r, 64, &o->chip_id));
    CCS_TRY(ccs_reader_u64le(r, &o->committed_tcb));
    CCS_TRY(ccs_reader_u8(r, &o->current_build));
    CCS_TRY(ccs_reader_u8(r, &o->current_minor));
    CCS_TRY(ccs_reader_u8(r, &o->current_major));
    CCS_TRY(zeros(r, 1, "0x1EB"));
    CCS_TRY(ccs_reader_u8(r, &o->committed_build));
    CCS_TRY(ccs_reader_u8(r, &o->committed_minor));
    CCS_TRY(ccs_reader_u8(r, &o->committed_major));
    CCS_TRY(zeros(r, 1, "0x1EF"));
    CCS_TRY(ccs_reader_u64le(r, &o->launch_tcb));
    if (o->version >= 5) {
        CCS_TRY(ccs_reader_u64le(r, &o->launch_mit_vector));
        CCS_TRY(ccs_reader_u64le(r, &o->current_mit_vector));
    }
    return zeros(r, ccs_reader_remaining(r), "0x1F8-0x29F");
}

ccs_status ccs_snp_report_parse(ccs_bytes raw, ccs_snp_report *out) {
    ccs_reader r, signed_part;
    CCS_ENSURE(out != NULL && (raw.ptr != NULL || raw.len == 0), CCS_ERR_INVALID_ARG, "invalid argument");
    memset(out, 0, sizeof *out);
    CCS_ENSURE(raw.len >= CCS_SNP_REPORT_LEN, CCS_ERR_TRUNCATED, "snp: report is %zu bytes, not 0x4A0 (1184)",
               raw.len);
    CCS_ENSURE(raw.len == CCS_SNP_REPORT_LEN, CCS_ERR_TRAILING, "snp: report is %zu bytes, not 0x4A0 (1184)",
               raw.len);
    ccs_reader_init(&r, raw);
    out->raw = raw;
    CCS_TRY(ccs_reader_sub(&r, CCS_SNP_SIGNED_LEN, &signed_part));
    out->signed_data = ccs_bytes_of(signed_part.ptr, signed_part.len);
    CCS_TRY(parse_head(&signed_part, out));
    CCS_TRY(parse_body(&signed_part, out));
    CCS_TRY(ccs_reader_expect_end(&signed_part));
    /* SIGNATURE (ABI "ECDSA P-384 with SHA-384 Signature"): R and S, 72
     * bytes each, little-endian, then reserved space up to 0x4A0. */
    CCS_TRY(ccs_reader_bytes(&r, 72, &out->sig_r));
    CCS_TRY(ccs_reader_bytes(&r, 72, &out->sig_s));
    CCS_TRY(zeros(&r, ccs_reader_remaining(&r), "signature 0x330-0x49F"));
    return ccs_reader_expect_end(&r);
}
