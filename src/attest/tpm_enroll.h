/* Private to the TPM enrollment code (tpm_public.c, tpm_credential.c,
 * tpm_akcert.c, tpm_enroll.c). TPM structures are big-endian; ccs_reader
 * has little-endian integers only, so these read through ccs_reader_bytes. */
#ifndef CCS_ATTEST_TPM_ENROLL_H
#define CCS_ATTEST_TPM_ENROLL_H

#include "ccs/attest.h"

static inline ccs_status tpm_rd_u16(ccs_reader *r, uint16_t *v) {
    ccs_bytes b;
    CCS_TRY(ccs_reader_bytes(r, 2, &b));
    *v = (uint16_t)(b.ptr[0] << 8 | b.ptr[1]);
    return CCS_OK;
}

static inline ccs_status tpm_rd_u32(ccs_reader *r, uint32_t *v) {
    ccs_bytes b;
    CCS_TRY(ccs_reader_bytes(r, 4, &b));
    *v = (uint32_t)b.ptr[0] << 24 | (uint32_t)b.ptr[1] << 16 | (uint32_t)b.ptr[2] << 8 | b.ptr[3];
    return CCS_OK;
}

/* A TPM2B: u16 size, then that many bytes (a view into the input). */
static inline ccs_status tpm_rd_2b(ccs_reader *r, ccs_bytes *out) {
    uint16_t n;
    size_t at = r->off;
    CCS_TRY(tpm_rd_u16(r, &n));
    ccs_status st = ccs_reader_bytes(r, n, out);
    if (st != CCS_OK) r->off = at; /* the reader does not move on failure */
    return st;
}

static inline void tpm_put_u16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Digest length of a TPM hash algorithm accepted for names and KDFs
 * (SHA-256/384/512), else 0. */
size_t ccs_tpm_name_hash_len(uint16_t alg);

/* tpm_credential.c (OpenSSL EVP): the TPM's key derivation and the pieces of
 * MakeCredential, TPM 2.0 Part 1 section 11.4. */
/* KDFa (SP 800-108 counter mode with HMAC): out_len bytes from key, label
 * (its terminating NUL included), context_u, context_v. */
ccs_status ccs_tpm_kdfa(uint16_t hash_alg, ccs_bytes key, const char *label, ccs_bytes context_u,
                        ccs_bytes context_v, uint8_t *out, size_t out_len);
/* KDFe (SP 800-56A concatenation KDF with the TPM's argument order). */
ccs_status ccs_tpm_kdfe(uint16_t hash_alg, ccs_bytes z, const char *label, ccs_bytes party_u, ccs_bytes party_v,
                        uint8_t *out, size_t out_len);
/* The DER SubjectPublicKeyInfo of an RSA key (n, e). */
ccs_status ccs_tpm_rsa_spki(ccs_bytes n, uint32_t e, ccs_buf *der);
/* The modulus and exponent of an RSA SubjectPublicKeyInfo; CCS_ERR_UNSUPPORTED
 * for another key type. */
ccs_status ccs_tpm_spki_rsa(ccs_bytes spki, uint8_t n[static 512], size_t *n_len, uint32_t *e);

/* tpm_akcert.c: the AK certificate for ak, issued per opt (PEM appended). */
ccs_status ccs_tpm__ak_cert_issue(const ccs_tpm_public *ak, const ccs_tpm_enroll_options *opt, ccs_buf *cert_pem);

#endif
