/* SGX PCK certificate extensions (SGX PCK Certificate and CRL Profile,
 * section "Intel SGX Extensions", OID 1.2.840.113741.1.13.1). The value is
 * SEQUENCE OF SEQUENCE { OID, value }; the TCB entry nests another such
 * sequence. A tiny DER reader over ccs_reader: definite lengths only, minimal
 * length encoding, no indefinite forms. */
#include <string.h>

#include "pck.h"

#define SGX_EXT_OID "1.2.840.113741.1.13.1"
/* DER body of OID 1.2.840.113741.1.13.1 */
static const uint8_t oid_sgx[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};

enum { T_INT = 0x02, T_OCTETS = 0x04, T_OID = 0x06, T_ENUM = 0x0a, T_SEQ = 0x30 };

static ccs_status der_tlv(ccs_reader *r, uint8_t *tag, ccs_bytes *content) {
    uint8_t b = 0, lb = 0;
    size_t len = 0;
    CCS_TRY(ccs_reader_u8(r, tag));
    CCS_ENSURE((*tag & 0x1f) != 0x1f, CCS_ERR_FORMAT, "PCK extension: high-tag-number form");
    CCS_TRY(ccs_reader_u8(r, &lb));
    if (lb < 0x80) {
        len = lb;
    } else {
        int n = lb & 0x7f;
        CCS_ENSURE(n >= 1 && n <= 3, CCS_ERR_FORMAT, "PCK extension: bad DER length");
        for (int i = 0; i < n; i++) {
            CCS_TRY(ccs_reader_u8(r, &b));
            CCS_ENSURE(!(i == 0 && b == 0), CCS_ERR_FORMAT, "PCK extension: non-minimal DER length");
            len = len << 8 | b;
        }
        CCS_ENSURE(len >= 0x80, CCS_ERR_FORMAT, "PCK extension: non-minimal DER length");
    }
    return ccs_reader_bytes(r, len, content);
}

static ccs_status der_expect(ccs_reader *r, uint8_t want, ccs_bytes *content) {
    uint8_t tag = 0;
    CCS_TRY(der_tlv(r, &tag, content));
    CCS_ENSURE(tag == want, CCS_ERR_FORMAT, "PCK extension: expected DER tag 0x%02x, got 0x%02x", want, tag);
    return CCS_OK;
}

/* Small non-negative INTEGER/ENUMERATED (minimal encoding). */
static ccs_status der_uint(ccs_bytes c, uint32_t max, uint32_t *out) {
    uint32_t v = 0;
    CCS_ENSURE(c.len >= 1 && c.len <= 3, CCS_ERR_FORMAT, "PCK extension: integer size");
    CCS_ENSURE(!(c.ptr[0] & 0x80), CCS_ERR_FORMAT, "PCK extension: negative integer");
    CCS_ENSURE(!(c.len > 1 && c.ptr[0] == 0 && !(c.ptr[1] & 0x80)), CCS_ERR_FORMAT,
               "PCK extension: non-minimal integer");
    for (size_t i = 0; i < c.len; i++) v = v << 8 | c.ptr[i];
    CCS_ENSURE(v <= max, CCS_ERR_FORMAT, "PCK extension: integer out of range");
    *out = v;
    return CCS_OK;
}

/* Returns the arc following the SGX prefix (e.g. 2 for .2; for .2.x, sub). */
static bool sgx_arc(ccs_bytes oid, size_t depth, uint8_t *arc, uint8_t *sub) {
    if (oid.len != sizeof oid_sgx + depth || memcmp(oid.ptr, oid_sgx, sizeof oid_sgx) != 0) return false;
    *arc = oid.ptr[sizeof oid_sgx];
    if (depth == 2) *sub = oid.ptr[sizeof oid_sgx + 1];
    return oid.ptr[sizeof oid_sgx] < 0x80 && (depth == 1 || oid.ptr[sizeof oid_sgx + 1] < 0x80);
}

static ccs_status parse_tcb(ccs_bytes seq, pck_info *out) {
    ccs_reader r;
    uint32_t seen = 0;
    ccs_reader_init(&r, seq);
    while (ccs_reader_remaining(&r)) {
        ccs_bytes item, oid, val;
        ccs_reader ir;
        uint8_t arc = 0, sub = 0, tag = 0;
        uint32_t v = 0;
        CCS_TRY(der_expect(&r, T_SEQ, &item));
        ccs_reader_init(&ir, item);
        CCS_TRY(der_expect(&ir, T_OID, &oid));
        CCS_TRY(der_tlv(&ir, &tag, &val));
        CCS_TRY(ccs_reader_expect_end(&ir));
        CCS_ENSURE(sgx_arc(oid, 2, &arc, &sub) && arc == 2 && sub >= 1 && sub <= 18, CCS_ERR_FORMAT,
                   "PCK extension: unknown TCB component OID");
        CCS_ENSURE(!(seen & (1u << sub)), CCS_ERR_FORMAT, "PCK extension: duplicate TCB component %u", sub);
        seen |= 1u << sub;
        if (sub == 18) {
            CCS_ENSURE(tag == T_OCTETS && val.len == 16, CCS_ERR_FORMAT, "PCK extension: bad CPUSVN");
            memcpy(out->cpusvn, val.ptr, 16);
            continue;
        }
        CCS_ENSURE(tag == T_INT, CCS_ERR_FORMAT, "PCK extension: TCB component is not an INTEGER");
        CCS_TRY(der_uint(val, sub == 17 ? 65535 : 255, &v));
        if (sub == 17)
            out->pcesvn = (uint16_t)v;
        else
            out->comp[sub - 1] = (uint8_t)v;
    }
    CCS_ENSURE(seen == 0x7fffeu, CCS_ERR_FORMAT, "PCK extension: TCB lacks components");
    return CCS_OK;
}

ccs_status ccs_pck_parse_extensions(ccs_bytes ext, pck_info *out) {
    ccs_reader outer, r;
    ccs_bytes seq;
    uint32_t seen = 0;
    memset(out, 0, sizeof *out);
    ccs_reader_init(&outer, ext);
    CCS_TRY(der_expect(&outer, T_SEQ, &seq));
    CCS_TRY(ccs_reader_expect_end(&outer));
    ccs_reader_init(&r, seq);
    while (ccs_reader_remaining(&r)) {
        ccs_bytes item, oid, val;
        ccs_reader ir;
        uint8_t arc = 0, tag = 0;
        CCS_TRY(der_expect(&r, T_SEQ, &item));
        ccs_reader_init(&ir, item);
        CCS_TRY(der_expect(&ir, T_OID, &oid));
        CCS_TRY(der_tlv(&ir, &tag, &val));
        CCS_TRY(ccs_reader_expect_end(&ir));
        CCS_ENSURE(sgx_arc(oid, 1, &arc, NULL) && arc >= 1 && arc <= 7, CCS_ERR_FORMAT,
                   "PCK extension: unknown SGX extension OID");
        CCS_ENSURE(!(seen & (1u << arc)), CCS_ERR_FORMAT, "PCK extension: duplicate entry %u", arc);
        seen |= 1u << arc;
        if (arc == 2) {
            CCS_ENSURE(tag == T_SEQ, CCS_ERR_FORMAT, "PCK extension: TCB is not a SEQUENCE");
            CCS_TRY(parse_tcb(val, out));
        } else if (arc == 3) {
            CCS_ENSURE(tag == T_OCTETS && val.len == 2, CCS_ERR_FORMAT, "PCK extension: bad PCE-ID");
            memcpy(out->pce_id, val.ptr, 2);
        } else if (arc == 4) {
            CCS_ENSURE(tag == T_OCTETS && val.len == 6, CCS_ERR_FORMAT, "PCK extension: bad FMSPC");
            memcpy(out->fmspc, val.ptr, 6);
        }
    }
    /* PPID (1), TCB (2), PCE-ID (3), FMSPC (4), SGX type (5) are mandatory. */
    CCS_ENSURE((seen & 0x3e) == 0x3e, CCS_ERR_FORMAT, "PCK extension: mandatory entries missing");
    return CCS_OK;
}

ccs_status ccs_pck_info_from_cert(const ccs_x509 *leaf, pck_info *out) {
    ccs_bytes ext;
    char cn[128];
    CCS_TRY(ccs_x509_extension(leaf, SGX_EXT_OID, &ext));
    CCS_TRY(ccs_pck_parse_extensions(ext, out));
    CCS_TRY(ccs_x509_issuer_cn(leaf, cn, sizeof cn));
    if (strcmp(cn, "Intel SGX PCK Processor CA") == 0)
        out->processor_ca = true;
    else
        CCS_ENSURE(strcmp(cn, "Intel SGX PCK Platform CA") == 0, CCS_ERR_FORMAT,
                   "PCK certificate issuer \"%s\" is neither the Platform nor the Processor CA", cn);
    return CCS_OK;
}
