/* AMD SEV-SNP revocation: the CRL that AMD KDS serves per product at
 * /vcek/v1/<product>/crl (KDS spec #57230, "Certificate Revocation List"),
 * issued and signed by the product's ARK with RSASSA-PSS/SHA-384. It lists
 * revoked ASKs/ASVKs (and, should AMD list them, VCEKs/VLEKs).
 *
 * The signature and the issuer name are checked by ccs_crl_verify (OpenSSL
 * verifies RSA-PSS CRLs, parameters included); the algorithm is pinned here
 * from the CRL's own signatureAlgorithm (RSASSA-PSS with SHA-384, or
 * ECDSA-SHA-384 for the test roots of the unit tests), so a CRL signed some
 * other way by the same key is refused. ccs_crl_check matches a serial only
 * for certificates the CRL's issuer issued, and the VCEK's issuer is the
 * ASK, so the serials are compared here, read from the DER of both. */
#include <stdio.h>
#include <string.h>

#include "snp.h"

/* ccs_error_detail() copied out: formatting it into a new error in place
 * would read the buffer being written. */
static const char *why(char buf[static 256]) {
    snprintf(buf, 256, "%s", ccs_error_detail());
    return buf;
}

/* 1.2.840.113549.1.1.10 RSASSA-PSS, 1.2.840.10045.4.3.3 ecdsa-with-SHA384,
 * 2.16.840.1.101.3.4.2.2 SHA-384 (DER contents of the OIDs). */
static const uint8_t oid_pss[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};
static const uint8_t oid_ecdsa384[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
static const uint8_t oid_sha384[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};

/* One DER TLV (definite length, at most 4 length bytes). */
static ccs_status tlv(ccs_reader *r, uint8_t *tag, ccs_bytes *val) {
    uint8_t t, l, b;
    size_t len = 0;
    CCS_TRY(ccs_reader_u8(r, &t));
    CCS_TRY(ccs_reader_u8(r, &l));
    if (l < 0x80) {
        len = l;
    } else {
        unsigned n = l & 0x7f;
        CCS_ENSURE(n >= 1 && n <= 4, CCS_ERR_FORMAT, "crl: unsupported DER length");
        for (unsigned i = 0; i < n; i++) {
            CCS_TRY(ccs_reader_u8(r, &b));
            len = (len << 8) | b;
        }
    }
    *tag = t;
    return ccs_reader_bytes(r, len, val);
}

static ccs_status expect(ccs_reader *r, uint8_t want, ccs_bytes *val, const char *what) {
    uint8_t tag;
    CCS_TRY(tlv(r, &tag, val));
    CCS_ENSURE(tag == want, CCS_ERR_FORMAT, "DER: %s has tag 0x%02x, expected 0x%02x", what, tag, want);
    return CCS_OK;
}

static uint8_t peek(const ccs_reader *r) {
    ccs_reader c = *r;
    uint8_t t = 0;
    return ccs_reader_u8(&c, &t) == CCS_OK ? t : 0;
}

ccs_status ccs_snp_cert_serial(const ccs_x509 *cert, ccs_bytes *out) {
    ccs_reader r, tbs;
    ccs_bytes v;
    ccs_reader_init(&r, ccs_x509_der(cert));
    CCS_TRY(expect(&r, 0x30, &v, "Certificate"));
    ccs_reader_init(&r, v);
    CCS_TRY(expect(&r, 0x30, &v, "tbsCertificate"));
    ccs_reader_init(&tbs, v);
    if (peek(&tbs) == 0xa0) CCS_TRY(expect(&tbs, 0xa0, &v, "version"));
    return expect(&tbs, 0x02, out, "serialNumber");
}

/* The parts of a CertificateList (RFC 5280 5.1) this file needs. */
typedef struct crl_view {
    ccs_bytes sig_oid, sig_params, revoked; /* revoked: SEQUENCE OF contents, may be empty */
} crl_view;

static ccs_status crl_split(ccs_bytes der, crl_view *o) {
    ccs_reader r, tbs, alg;
    ccs_bytes v, skip;
    uint8_t tag;
    memset(o, 0, sizeof *o);
    ccs_reader_init(&r, der);
    CCS_TRY(expect(&r, 0x30, &v, "CertificateList"));
    ccs_reader_init(&r, v);
    CCS_TRY(expect(&r, 0x30, &v, "tbsCertList"));
    ccs_reader_init(&tbs, v);
    if (peek(&tbs) == 0x02) CCS_TRY(expect(&tbs, 0x02, &skip, "version"));
    CCS_TRY(expect(&tbs, 0x30, &skip, "signature"));
    CCS_TRY(expect(&tbs, 0x30, &skip, "issuer"));
    CCS_TRY(tlv(&tbs, &tag, &skip)); /* thisUpdate */
    if (peek(&tbs) == 0x17 || peek(&tbs) == 0x18) CCS_TRY(tlv(&tbs, &tag, &skip)); /* nextUpdate */
    if (peek(&tbs) == 0x30) CCS_TRY(expect(&tbs, 0x30, &o->revoked, "revokedCertificates"));
    CCS_TRY(expect(&r, 0x30, &v, "signatureAlgorithm"));
    ccs_reader_init(&alg, v);
    CCS_TRY(expect(&alg, 0x06, &o->sig_oid, "algorithm"));
    o->sig_params = ccs_reader_rest(&alg);
    return CCS_OK;
}

/* RSASSA-PSS-params (RFC 4055 3.1) whose hashAlgorithm [0] is SHA-384. */
static bool pss_sha384(ccs_bytes params) {
    ccs_reader r;
    ccs_bytes v;
    ccs_reader_init(&r, params);
    if (expect(&r, 0x30, &v, "RSASSA-PSS-params") != CCS_OK) return false;
    ccs_reader_init(&r, v);
    if (expect(&r, 0xa0, &v, "hashAlgorithm") != CCS_OK) return false;
    ccs_reader_init(&r, v);
    if (expect(&r, 0x30, &v, "AlgorithmIdentifier") != CCS_OK) return false;
    ccs_reader_init(&r, v);
    if (expect(&r, 0x06, &v, "hash OID") != CCS_OK) return false;
    return ccs_bytes_eq(v, ccs_bytes_of(oid_sha384, sizeof oid_sha384));
}

static ccs_status check_algorithm(const crl_view *v) {
    if (ccs_bytes_eq(v->sig_oid, ccs_bytes_of(oid_pss, sizeof oid_pss))) {
        CCS_ENSURE(pss_sha384(v->sig_params), CCS_ERR_SIGNATURE,
                   "CRL signature does not verify: RSA-PSS with a hash other than SHA-384");
        return CCS_OK;
    }
    CCS_ENSURE(ccs_bytes_eq(v->sig_oid, ccs_bytes_of(oid_ecdsa384, sizeof oid_ecdsa384)), CCS_ERR_SIGNATURE,
               "CRL signature does not verify: not signed with RSA-PSS/SHA-384");
    return CCS_OK;
}

/* True when `serial` (INTEGER contents) is among the CRL entries. DER
 * INTEGERs are minimal, so equal numbers have equal bytes. */
static ccs_status listed(ccs_bytes revoked, ccs_bytes serial, bool *out) {
    ccs_reader r, e;
    ccs_bytes entry, sn;
    uint8_t tag;
    *out = false;
    ccs_reader_init(&r, revoked);
    while (ccs_reader_remaining(&r) > 0) {
        CCS_TRY(tlv(&r, &tag, &entry));
        CCS_ENSURE(tag == 0x30, CCS_ERR_FORMAT, "crl: revoked entry is not a SEQUENCE");
        ccs_reader_init(&e, entry);
        CCS_TRY(expect(&e, 0x02, &sn, "userCertificate"));
        if (ccs_bytes_eq(sn, serial)) *out = true;
    }
    return CCS_OK;
}

static ccs_status check_cert(const crl_view *v, const ccs_x509 *cert, const char *what) {
    ccs_bytes serial;
    bool hit = false;
    char hex[2 * 32 + 1] = "?";
    CCS_TRY(ccs_snp_cert_serial(cert, &serial));
    CCS_TRY(listed(v->revoked, serial, &hit));
    if (!hit) return CCS_OK;
    if (serial.len > 32 || ccs_hex_encode(serial, hex, sizeof hex) != CCS_OK) snprintf(hex, sizeof hex, "?");
    CCS_BAIL(CCS_ERR_REVOKED, "%s is revoked (serial %s)", what, hex);
}

ccs_status ccs_snp_crl_judge(const ccs_snp_collateral *c, const ccs_x509 *ark, bool vlek, ccs_time now) {
    char wb[256];
    crl_view v;
    ccs_time this_update, next_update;
    char name[64] = "ARK", t[21];
    CCS_ENSURE(c != NULL && c->crl != NULL && ark != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    if (ccs_x509_subject_cn(ark, name, sizeof name) != CCS_OK) snprintf(name, sizeof name, "the ARK");
    ccs_status st = crl_split(ccs_buf_view(&c->crl_der), &v);
    CCS_ENSURE(st == CCS_OK, CCS_ERR_FORMAT, "CRL does not parse: %s", why(wb));
    CCS_TRY(check_algorithm(&v));
    st = ccs_crl_verify(c->crl, ark);
    CCS_ENSURE(st == CCS_OK, CCS_ERR_SIGNATURE, "CRL signature does not verify with %s: %s", name,
               why(wb));
    CCS_TRY(ccs_crl_window(c->crl, &this_update, &next_update));
    if (now < this_update) {
        if (ccs_time_format(this_update, t) != CCS_OK) t[0] = 0;
        CCS_BAIL(CCS_ERR_EXPIRED, "CRL is not yet valid (thisUpdate %s)", t);
    }
    if (now >= next_update) { /* as OpenSSL: the nextUpdate second is outside */
        if (ccs_time_format(next_update, t) != CCS_OK) t[0] = 0;
        CCS_BAIL(CCS_ERR_EXPIRED, "CRL expired (nextUpdate %s)", t);
    }
    if (c->n_issuers >= 1) CCS_TRY(check_cert(&v, ccs_x509_chain_get(c->chain, 1), vlek ? "ASVK" : "ASK"));
    return check_cert(&v, c->key_cert, vlek ? "VLEK" : "VCEK");
}

ccs_status ccs_snp_collateral_set_crl(ccs_snp_collateral *c, ccs_bytes crl) {
    ccs_crl *parsed = NULL;
    ccs_buf der = {0};
    CCS_ENSURE(c != NULL && crl.ptr != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    CCS_ENSURE(crl.len > 0 && crl.ptr[0] == 0x30, CCS_ERR_FORMAT, "crl: the AMD CRL must be DER");
    CCS_TRY(ccs_crl_parse(crl, &parsed));
    /* KDS serves DER; the serials are read from those bytes. */
    ccs_status st = ccs_buf_append(&der, crl.ptr, crl.len);
    crl_view v;
    if (st == CCS_OK) st = crl_split(ccs_buf_view(&der), &v);
    if (st != CCS_OK) {
        ccs_crl_free(parsed);
        ccs_buf_free(&der);
        return st;
    }
    ccs_crl_free(c->crl);
    ccs_buf_free(&c->crl_der);
    c->crl = parsed;
    c->crl_der = der;
    return CCS_OK;
}
