/* TPM 2.0 public areas and credential blobs for EK/AK enrollment (docs/attest.md
 * "TPM 2.0 AK enrollment").
 *
 * TPM2B_PUBLIC (TPM 2.0 Part 2, 12.2.5): the size framing is read with the
 * bounded reader; the TPMT_PUBLIC inside is unmarshalled by libtss2-mu (the
 * TCG's reference unmarshalling, as for TPMS_ATTEST in tpm_attest.c), must
 * consume the frame exactly and must marshal back to the same bytes, so the
 * Name (nameAlg || H(TPMT_PUBLIC), Part 1 section 16) is over a canonical
 * encoding. The credential blob (tpm2-tools' file format) is read with the
 * bounded reader alone. */
#include <string.h>

#include <tss2/tss2_mu.h>

#include "tpm_enroll.h"
#include "tpm_internal.h"

#define CRED_MAGIC 0xBADCC0DEu
#define CRED_VERSION 1u

size_t ccs_tpm_name_hash_len(uint16_t alg) {
    return alg == CCS_TPM_ALG_SHA256 ? 32 : alg == CCS_TPM_ALG_SHA384 ? 48 : alg == CCS_TPM_ALG_SHA512 ? 64 : 0;
}

static ccs_status set_name(ccs_bytes body, uint16_t name_alg, ccs_tpm_public *out) {
    ccs_hash_alg h;
    size_t len = 0;
    CCS_ENSURE(ccs_tpm_name_hash_len(name_alg) != 0, CCS_ERR_UNSUPPORTED,
               "tpm: nameAlg 0x%04x (SHA-256/384/512 only)", name_alg);
    CCS_TRY(ccs_tpm_hash_of(name_alg, &h));
    tpm_put_u16(out->name, name_alg);
    CCS_TRY(ccs_digest(h, body, out->name + 2, sizeof out->name - 2, &len));
    out->name_len = 2 + len;
    return CCS_OK;
}

static ccs_status copy_rsa(const TPMT_PUBLIC *p, ccs_tpm_public *out) {
    const TPMS_RSA_PARMS *r = &p->parameters.rsaDetail;
    CCS_ENSURE(r->keyBits >= 1024 && r->keyBits <= 4096 && r->keyBits % 8 == 0, CCS_ERR_UNSUPPORTED,
               "tpm: RSA key of %u bits", r->keyBits);
    CCS_ENSURE(p->unique.rsa.size == r->keyBits / 8, CCS_ERR_FORMAT, "tpm: RSA modulus of %u bytes for %u bits",
               p->unique.rsa.size, r->keyBits);
    out->sym_alg = r->symmetric.algorithm;
    out->sym_bits = r->symmetric.algorithm == TPM2_ALG_NULL ? 0 : r->symmetric.keyBits.sym;
    out->sym_mode = r->symmetric.algorithm == TPM2_ALG_NULL ? 0 : r->symmetric.mode.sym;
    out->scheme = r->scheme.scheme;
    out->scheme_hash = r->scheme.scheme == TPM2_ALG_NULL ? 0 : r->scheme.details.anySig.hashAlg;
    out->rsa_bits = r->keyBits;
    out->rsa_exponent = r->exponent;
    memcpy(out->key, p->unique.rsa.buffer, p->unique.rsa.size);
    out->key_len = p->unique.rsa.size;
    return CCS_OK;
}

static ccs_status copy_ecc(const TPMT_PUBLIC *p, ccs_tpm_public *out) {
    const TPMS_ECC_PARMS *e = &p->parameters.eccDetail;
    size_t field = e->curveID == TPM2_ECC_NIST_P256 ? 32 : e->curveID == TPM2_ECC_NIST_P384 ? 48 : 0;
    CCS_ENSURE(field != 0, CCS_ERR_UNSUPPORTED, "tpm: ECC curve 0x%04x (P-256/P-384 only)", e->curveID);
    CCS_ENSURE(e->kdf.scheme == TPM2_ALG_NULL, CCS_ERR_UNSUPPORTED, "tpm: ECC key with a KDF scheme");
    const TPMS_ECC_POINT *q = &p->unique.ecc;
    CCS_ENSURE(q->x.size <= field && q->y.size <= field && q->x.size > 0 && q->y.size > 0, CCS_ERR_FORMAT,
               "tpm: ECC point of %u/%u bytes", q->x.size, q->y.size);
    out->sym_alg = e->symmetric.algorithm;
    out->sym_bits = e->symmetric.algorithm == TPM2_ALG_NULL ? 0 : e->symmetric.keyBits.sym;
    out->sym_mode = e->symmetric.algorithm == TPM2_ALG_NULL ? 0 : e->symmetric.mode.sym;
    out->scheme = e->scheme.scheme;
    out->scheme_hash = e->scheme.scheme == TPM2_ALG_NULL ? 0 : e->scheme.details.anySig.hashAlg;
    out->curve = e->curveID;
    memset(out->key, 0, 2 * field);
    memcpy(out->key + field - q->x.size, q->x.buffer, q->x.size);
    memcpy(out->key + 2 * field - q->y.size, q->y.buffer, q->y.size);
    out->key_len = 2 * field;
    return CCS_OK;
}

ccs_status ccs_tpm_public_parse(ccs_bytes raw, ccs_tpm_public *out) {
    CCS_ENSURE(out != NULL && (raw.ptr != NULL || raw.len == 0), CCS_ERR_INVALID_ARG, "invalid argument");
    memset(out, 0, sizeof *out);
    ccs_reader r;
    ccs_bytes body;
    ccs_reader_init(&r, raw);
    CCS_TRY(tpm_rd_2b(&r, &body));
    CCS_TRY(ccs_reader_expect_end(&r));
    CCS_ENSURE(body.len >= 10, CCS_ERR_TRUNCATED, "tpm: TPMT_PUBLIC of %zu bytes", body.len);
    /* type first, so only RSA and ECC reach the type-dependent unions. */
    uint16_t type = (uint16_t)(body.ptr[0] << 8 | body.ptr[1]);
    CCS_ENSURE(type == TPM2_ALG_RSA || type == TPM2_ALG_ECC, CCS_ERR_UNSUPPORTED,
               "tpm: public area of type 0x%04x (RSA or ECC only)", type);
    TPMT_PUBLIC p;
    size_t off = 0;
    memset(&p, 0, sizeof p);
    TSS2_RC rc = Tss2_MU_TPMT_PUBLIC_Unmarshal(body.ptr, body.len, &off, &p);
    CCS_ENSURE(rc == TSS2_RC_SUCCESS, CCS_ERR_FORMAT, "tpm: TPMT_PUBLIC does not unmarshal (0x%x)", rc);
    CCS_ENSURE(off == body.len, CCS_ERR_TRAILING, "tpm: %zu bytes after TPMT_PUBLIC in its TPM2B",
               body.len - off);
    uint8_t again[sizeof(TPMT_PUBLIC)];
    size_t n = 0;
    rc = Tss2_MU_TPMT_PUBLIC_Marshal(&p, again, sizeof again, &n);
    CCS_ENSURE(rc == TSS2_RC_SUCCESS && n == body.len && memcmp(again, body.ptr, n) == 0, CCS_ERR_FORMAT,
               "tpm: TPMT_PUBLIC is not in canonical form");
    out->type = p.type;
    out->name_alg = p.nameAlg;
    out->attributes = p.objectAttributes;
    CCS_TRY(set_name(body, p.nameAlg, out));
    return p.type == TPM2_ALG_RSA ? copy_rsa(&p, out) : copy_ecc(&p, out);
}

ccs_status ccs_tpm_public_key(const ccs_tpm_public *p, ccs_pubkey **out) {
    CCS_ENSURE(p != NULL && out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    *out = NULL;
    if (p->type == CCS_TPM_ALG_ECC)
        return ccs_pubkey_from_ec_raw(p->curve == CCS_TPM_ECC_P384 ? CCS_CURVE_P384 : CCS_CURVE_P256,
                                      ccs_bytes_of(p->key, p->key_len), out);
    CCS_ENSURE(p->type == CCS_TPM_ALG_RSA, CCS_ERR_UNSUPPORTED, "tpm: key type 0x%04x", p->type);
    ccs_buf der = {0};
    ccs_status st = ccs_tpm_rsa_spki(ccs_bytes_of(p->key, p->key_len), p->rsa_exponent ? p->rsa_exponent : 65537,
                                     &der);
    if (st == CCS_OK) st = ccs_pubkey_from_spki(ccs_buf_view(&der), out);
    ccs_buf_free(&der);
    return st;
}

ccs_status ccs_tpm_ak_check(const ccs_tpm_public *p) {
    CCS_ENSURE(p != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    uint32_t a = p->attributes;
    CCS_ENSURE((a & CCS_TPMA_RESTRICTED) && (a & CCS_TPMA_SIGN) && !(a & CCS_TPMA_DECRYPT), CCS_ERR_POLICY,
               "AK is not a restricted signing key (objectAttributes 0x%08x)", a);
    CCS_ENSURE(a & CCS_TPMA_FIXEDTPM, CCS_ERR_POLICY, "AK is not fixedTPM (objectAttributes 0x%08x)", a);
    CCS_ENSURE(a & CCS_TPMA_FIXEDPARENT, CCS_ERR_POLICY, "AK is not fixedParent (objectAttributes 0x%08x)", a);
    CCS_ENSURE(a & CCS_TPMA_SENSITIVEDATAORIGIN, CCS_ERR_POLICY,
               "AK was not generated in the TPM (no sensitiveDataOrigin, objectAttributes 0x%08x)", a);
    return CCS_OK;
}

/* TCG EK Credential Profile 2.0, B.3.3 and B.3.4: templates L-1 and L-2. */
#define EK_ATTRIBUTES                                                                                         \
    (CCS_TPMA_FIXEDTPM | CCS_TPMA_FIXEDPARENT | CCS_TPMA_SENSITIVEDATAORIGIN | CCS_TPMA_ADMINWITHPOLICY |       \
     CCS_TPMA_RESTRICTED | CCS_TPMA_DECRYPT)

ccs_status ccs_tpm_ek_from_cert(const ccs_x509 *ek_cert, ccs_tpm_public *out) {
    CCS_ENSURE(ek_cert != NULL && out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    memset(out, 0, sizeof *out);
    ccs_pubkey *k = NULL;
    ccs_buf spki = {0};
    CCS_TRY(ccs_x509_pubkey(ek_cert, &k));
    ccs_status st = CCS_OK;
    out->name_alg = CCS_TPM_ALG_SHA256;
    out->attributes = EK_ATTRIBUTES;
    out->sym_alg = CCS_TPM_ALG_AES;
    out->sym_bits = 128;
    out->sym_mode = CCS_TPM_ALG_CFB;
    out->scheme = CCS_TPM_ALG_NULL;
    if (ccs_pubkey_curve(k) == CCS_CURVE_P256) {
        out->type = CCS_TPM_ALG_ECC;
        out->curve = CCS_TPM_ECC_P256;
        st = ccs_pubkey_ec_raw(k, out->key, sizeof out->key, &out->key_len);
    } else if (ccs_pubkey_curve(k) != 0) {
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE,
                           "tpm: EK certificate with an EC key other than P-256 (template L-2)");
    } else {
        uint32_t e = 0;
        st = ccs_pubkey_spki(k, &spki);
        if (st == CCS_OK) st = ccs_tpm_spki_rsa(ccs_buf_view(&spki), out->key, &out->key_len, &e);
        if (st == CCS_OK && (out->key_len != 256 || e != 65537))
            st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE,
                               "tpm: EK certificate with an RSA key of %zu bits, exponent %u (template L-1 is "
                               "2048 bits, 65537)", out->key_len * 8, e);
        out->type = CCS_TPM_ALG_RSA;
        out->rsa_bits = 2048;
    }
    ccs_buf_free(&spki);
    ccs_pubkey_free(k);
    return st;
}

ccs_status ccs_tpm_credential_parse(ccs_bytes blob, ccs_tpm_credential *out) {
    CCS_ENSURE(out != NULL && (blob.ptr != NULL || blob.len == 0), CCS_ERR_INVALID_ARG, "invalid argument");
    memset(out, 0, sizeof *out);
    ccs_reader r, id;
    uint32_t magic, version;
    ccs_bytes id_object, hmac, secret;
    ccs_reader_init(&r, blob);
    CCS_TRY(tpm_rd_u32(&r, &magic));
    CCS_ENSURE(magic == CRED_MAGIC, CCS_ERR_FORMAT, "tpm: credential blob magic 0x%08x is not 0xbadcc0de", magic);
    CCS_TRY(tpm_rd_u32(&r, &version));
    CCS_ENSURE(version == CRED_VERSION, CCS_ERR_FORMAT, "tpm: credential blob version %u (1 only)", version);
    CCS_TRY(tpm_rd_2b(&r, &id_object));
    CCS_TRY(tpm_rd_2b(&r, &secret));
    CCS_TRY(ccs_reader_expect_end(&r));
    CCS_ENSURE(id_object.len <= sizeof out->id_object, CCS_ERR_FORMAT, "tpm: TPM2B_ID_OBJECT of %zu bytes",
               id_object.len);
    CCS_ENSURE(secret.len > 0 && secret.len <= sizeof out->enc_secret, CCS_ERR_FORMAT,
               "tpm: TPM2B_ENCRYPTED_SECRET of %zu bytes", secret.len);
    /* TPMS_ID_OBJECT: integrityHMAC (a digest), then encIdentity (the rest). */
    ccs_reader_init(&id, id_object);
    CCS_TRY(tpm_rd_2b(&id, &hmac));
    CCS_ENSURE(hmac.len == 32 || hmac.len == 48 || hmac.len == 64, CCS_ERR_FORMAT,
               "tpm: integrityHMAC of %zu bytes", hmac.len);
    CCS_ENSURE(ccs_reader_remaining(&id) > 2, CCS_ERR_FORMAT, "tpm: encIdentity of %zu bytes",
               ccs_reader_remaining(&id));
    memcpy(out->id_object, id_object.ptr, id_object.len);
    out->id_object_len = id_object.len;
    memcpy(out->enc_secret, secret.ptr, secret.len);
    out->enc_secret_len = secret.len;
    return CCS_OK;
}

ccs_status ccs_tpm_credential_encode(const ccs_tpm_credential *c, ccs_buf *out) {
    CCS_ENSURE(c != NULL && out != NULL && c->id_object_len <= sizeof c->id_object &&
                   c->enc_secret_len <= sizeof c->enc_secret,
               CCS_ERR_INVALID_ARG, "invalid argument");
    uint8_t head[10] = {0xba, 0xdc, 0xc0, 0xde, 0, 0, 0, CRED_VERSION};
    tpm_put_u16(head + 8, (uint16_t)c->id_object_len);
    uint8_t len2[2];
    tpm_put_u16(len2, (uint16_t)c->enc_secret_len);
    CCS_TRY(ccs_buf_append(out, head, sizeof head));
    CCS_TRY(ccs_buf_append(out, c->id_object, c->id_object_len));
    CCS_TRY(ccs_buf_append(out, len2, 2));
    return ccs_buf_append(out, c->enc_secret, c->enc_secret_len);
}
