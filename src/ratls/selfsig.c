/* The self-signature of an RA-TLS certificate. OpenSSL does not check a
 * trust anchor's own signature and src/crypto has no "verify this
 * certificate with this key" call yet, so this walks the outer DER
 * (Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
 * signatureValue }, RFC 5280 4.1) with the bounded reader and verifies the
 * signature over the TBS bytes with ccs_pubkey_verify. The certificate has
 * already been parsed (and its DER checked) by ccs_x509_parse_der. */
#include <string.h>

#include "ratls_internal.h"

/* One DER TLV with the expected tag: whole = header + content. */
static ccs_status der_tlv(ccs_reader *r, uint8_t tag, ccs_bytes *whole, ccs_bytes *content) {
    size_t start = r->off;
    uint8_t t, l;
    size_t len = 0;
    CCS_TRY(ccs_reader_u8(r, &t));
    CCS_ENSURE(t == tag, CCS_ERR_FORMAT, "ratls: certificate DER: tag 0x%02x, expected 0x%02x", t, tag);
    CCS_TRY(ccs_reader_u8(r, &l));
    if (l < 0x80) {
        len = l;
    } else {
        unsigned n = l & 0x7fu;
        CCS_ENSURE(n >= 1 && n <= 4, CCS_ERR_FORMAT, "ratls: certificate DER: bad length");
        for (unsigned i = 0; i < n; i++) {
            uint8_t b;
            CCS_TRY(ccs_reader_u8(r, &b));
            len = (len << 8) | b;
        }
    }
    CCS_TRY(ccs_reader_bytes(r, len, content));
    *whole = ccs_bytes_of(r->ptr + start, r->off - start);
    return CCS_OK;
}

static const struct {
    uint8_t oid[9];
    size_t len;
    ccs_sig_scheme scheme;
    ccs_hash_alg hash;
} sig_algs[] = {
    {{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}, 8, CCS_SIG_ECDSA_DER, CCS_HASH_SHA256},
    {{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03}, 8, CCS_SIG_ECDSA_DER, CCS_HASH_SHA384},
    {{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04}, 8, CCS_SIG_ECDSA_DER, CCS_HASH_SHA512},
    {{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b}, 9, CCS_SIG_RSA_PKCS1, CCS_HASH_SHA256},
    {{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c}, 9, CCS_SIG_RSA_PKCS1, CCS_HASH_SHA384},
};

ccs_status ratls_check_self_signature(const ccs_x509 *c) {
    ccs_reader r, cert, tbs_r, alg_r;
    ccs_bytes whole, content, tbs, tbs_alg, alg, oid, sig, version;
    ccs_reader_init(&r, ccs_x509_der(c));
    CCS_TRY(der_tlv(&r, 0x30, &whole, &content));
    CCS_TRY(ccs_reader_expect_end(&r));
    ccs_reader_init(&cert, content);
    CCS_TRY(der_tlv(&cert, 0x30, &tbs, &content));
    ccs_reader_init(&tbs_r, content);
    CCS_TRY(der_tlv(&cert, 0x30, &alg, &content));
    ccs_reader_init(&alg_r, content);
    CCS_TRY(der_tlv(&cert, 0x03, &whole, &sig));
    CCS_TRY(ccs_reader_expect_end(&cert));

    /* The TBS's own signature field must name the same algorithm. */
    if (ccs_reader_remaining(&tbs_r) > 0 && tbs_r.ptr[tbs_r.off] == 0xa0) CCS_TRY(der_tlv(&tbs_r, 0xa0, &whole, &version));
    CCS_TRY(der_tlv(&tbs_r, 0x02, &whole, &content)); /* serialNumber */
    CCS_TRY(der_tlv(&tbs_r, 0x30, &tbs_alg, &content));
    CCS_ENSURE(ccs_bytes_eq(tbs_alg, alg), CCS_ERR_FORMAT, "ratls: the signature algorithms of the certificate "
                                                          "and its TBS differ");
    CCS_TRY(der_tlv(&alg_r, 0x06, &whole, &oid));
    CCS_ENSURE(sig.len >= 2 && sig.ptr[0] == 0, CCS_ERR_FORMAT, "ratls: malformed signature BIT STRING");
    for (size_t i = 0; i < sizeof sig_algs / sizeof sig_algs[0]; i++) {
        if (oid.len != sig_algs[i].len || memcmp(oid.ptr, sig_algs[i].oid, oid.len) != 0) continue;
        ccs_pubkey *k = NULL;
        CCS_TRY(ccs_x509_pubkey(c, &k));
        ccs_status st = ccs_pubkey_verify(k, sig_algs[i].scheme, sig_algs[i].hash, tbs,
                                          ccs_bytes_of(sig.ptr + 1, sig.len - 1));
        ccs_pubkey_free(k);
        if (st == CCS_ERR_SIGNATURE) CCS_BAIL(st, "ratls: the certificate's self-signature does not verify");
        return st;
    }
    CCS_BAIL(CCS_ERR_UNSUPPORTED, "ratls: unsupported certificate signature algorithm");
}
