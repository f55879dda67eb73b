/* TPM 2.0 EK/AK enrollment, the attester's side (docs/tee.md "TPM 2.0 AK
 * enrollment"): the EK certificate from NV, the EK from its default template
 * (TCG EK Credential Profile 2.0, B.3.3 L-1 RSA 2048 and B.3.4 L-2 ECC
 * P-256), the AK's public area, and TPM2_ActivateCredential (Part 3, 12.5)
 * with the EK authorized by PolicySecret(TPM_RH_ENDORSEMENT), the policy
 * that the templates' authPolicy (PolicyA) stands for. */
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "tpm.h"

#define NV_EK_CERT_RSA 0x01c00002u
#define NV_EK_CERT_ECC 0x01c0000au
#define NV_CHUNK 512u /* every TPM's TPM_PT_NV_BUFFER_MAX is at least this */
#define MAX_CERT 4096u

/* PolicyA_SHA256 = PolicySecret(TPM_RH_ENDORSEMENT) (EK Credential Profile B.3.2). */
static const uint8_t policy_a[32] = {0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc,
                                     0x8d, 0x46, 0xa5, 0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52,
                                     0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa};

static void ek_template(ccs_tpm_ek_kind kind, TPM2B_PUBLIC *t) {
    memset(t, 0, sizeof *t);
    TPMT_PUBLIC *p = &t->publicArea;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                          TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
    p->authPolicy.size = sizeof policy_a;
    memcpy(p->authPolicy.buffer, policy_a, sizeof policy_a);
    TPMT_SYM_DEF_OBJECT aes = {.algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB};
    if (kind == CCS_TPM_EK_ECC) {
        p->type = TPM2_ALG_ECC;
        p->parameters.eccDetail.symmetric = aes;
        p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
        p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
        p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
        p->unique.ecc.x.size = 32; /* zeros */
        p->unique.ecc.y.size = 32;
    } else {
        p->type = TPM2_ALG_RSA;
        p->parameters.rsaDetail.symmetric = aes;
        p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
        p->parameters.rsaDetail.keyBits = 2048;
        p->parameters.rsaDetail.exponent = 0;
        p->unique.rsa.size = 256; /* zeros */
    }
}

static ccs_status create_ek(tpm_state *s, ccs_tpm_ek_kind kind, ESYS_TR *ek, ccs_buf *pub_out) {
    TPM2B_PUBLIC t;
    TPM2B_SENSITIVE_CREATE sens = {0};
    TPM2B_DATA outside = {0};
    TPML_PCR_SELECTION none = {0};
    TPM2B_PUBLIC *pub = NULL;
    TPM2B_CREATION_DATA *cd = NULL;
    TPM2B_DIGEST *ch = NULL;
    TPMT_TK_CREATION *tk = NULL;
    ek_template(kind, &t);
    TSS2_RC rc = Esys_CreatePrimary(s->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                    &sens, &t, &outside, &none, ek, &pub, &cd, &ch, &tk);
    Esys_Free(cd);
    Esys_Free(ch);
    Esys_Free(tk);
    if (rc != TSS2_RC_SUCCESS) return ccs_tpm_rc(rc, "CreatePrimary (EK)");
    ccs_status st = CCS_OK;
    if (pub_out) {
        uint8_t buf[sizeof(TPM2B_PUBLIC)];
        size_t off = 0;
        rc = Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, sizeof buf, &off);
        st = rc == TSS2_RC_SUCCESS ? ccs_buf_set(pub_out, ccs_bytes_of(buf, off)) : ccs_tpm_rc(rc, "marshalling the EK");
    }
    Esys_Free(pub);
    if (st != CCS_OK) {
        (void)Esys_FlushContext(s->esys, *ek);
        *ek = ESYS_TR_NONE;
    }
    return st;
}

/* Reads an NV index whole; *present = false when it is not defined. */
static ccs_status nv_read(tpm_state *s, TPM2_HANDLE index, ccs_buf *out, bool *present) {
    ESYS_TR nv = ESYS_TR_NONE;
    TPM2B_NV_PUBLIC *pub = NULL;
    TPM2B_NAME *name = NULL;
    *present = false;
    TSS2_RC rc = Esys_TR_FromTPMPublic(s->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
    if (rc != TSS2_RC_SUCCESS) {
        if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER && (rc & (TPM2_RC_FMT1 | 0x3f)) == TPM2_RC_HANDLE)
            return CCS_OK; /* not defined */
        return ccs_tpm_rc(rc, "reading the public area of an EK certificate index");
    }
    *present = true;
    ccs_status st = CCS_OK;
    rc = Esys_NV_ReadPublic(s->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name);
    if (rc != TSS2_RC_SUCCESS) st = ccs_tpm_rc(rc, "NV_ReadPublic");
    uint16_t size = st == CCS_OK ? pub->nvPublic.dataSize : 0;
    /* EK certificate indices are readable with their own (empty) auth or
     * the owner's (Profile 2.2.1.4: AUTHREAD and OWNERREAD are both set). */
    ESYS_TR auth = st == CCS_OK && !(pub->nvPublic.attributes & TPMA_NV_AUTHREAD) ? ESYS_TR_RH_OWNER : nv;
    if (st == CCS_OK && (size == 0 || size > MAX_CERT))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "tpm: NV index 0x%08x holds %u bytes", index, size);
    for (uint16_t off = 0; st == CCS_OK && off < size;) {
        uint16_t n = (unsigned)(size - off) < NV_CHUNK ? (uint16_t)(size - off) : (uint16_t)NV_CHUNK;
        TPM2B_MAX_NV_BUFFER *data = NULL;
        rc = Esys_NV_Read(s->esys, auth, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n, off, &data);
        if (rc != TSS2_RC_SUCCESS) st = ccs_tpm_rc(rc, "NV_Read (EK certificate)");
        else if (data->size != n) st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "tpm: NV_Read returned %u of %u bytes", data->size, n);
        else st = ccs_buf_append(out, data->buffer, n);
        Esys_Free(data);
        off = (uint16_t)(off + n);
    }
    Esys_Free(pub);
    Esys_Free(name);
    (void)Esys_TR_Close(s->esys, &nv);
    return st;
}

/* Some TPMs pad the certificate in NV: keep the DER SEQUENCE only. */
static void trim_der(ccs_buf *b) {
    if (b->len < 4 || b->ptr[0] != 0x30) return;
    size_t len = 0, hdr = 2;
    if (b->ptr[1] == 0x82) len = (size_t)b->ptr[2] << 8 | b->ptr[3], hdr = 4;
    else if (b->ptr[1] == 0x81) len = b->ptr[2], hdr = 3;
    else if (b->ptr[1] < 0x80) len = b->ptr[1];
    else return;
    if (hdr + len < b->len) b->len = hdr + len;
}

/* The EK certificate of kind (AUTO: RSA, else ECC); *kind gets the one found. */
static ccs_status read_ek_cert(tpm_state *s, ccs_tpm_ek_kind *kind, ccs_buf *der) {
    bool present = false;
    der->len = 0;
    if (*kind != CCS_TPM_EK_ECC) {
        CCS_TRY(nv_read(s, NV_EK_CERT_RSA, der, &present));
        if (present) *kind = CCS_TPM_EK_RSA;
    }
    if (!present && *kind != CCS_TPM_EK_RSA) {
        CCS_TRY(nv_read(s, NV_EK_CERT_ECC, der, &present));
        if (present) *kind = CCS_TPM_EK_ECC;
    }
    CCS_ENSURE(present, CCS_ERR_NOT_FOUND, "tpm: no %s in NV (index %s)",
               *kind == CCS_TPM_EK_RSA ? "RSA EK certificate" : *kind == CCS_TPM_EK_ECC ? "ECC EK certificate" : "EK certificate",
               *kind == CCS_TPM_EK_RSA ? "0x01c00002" : *kind == CCS_TPM_EK_ECC ? "0x01c0000a" : "0x01c00002 or 0x01c0000a");
    trim_der(der);
    return CCS_OK;
}

static ccs_status same_key(ccs_bytes cert_der, ccs_bytes ek_public) {
    ccs_x509 *c = NULL;
    ccs_pubkey *a = NULL, *b = NULL;
    ccs_tpm_public p;
    ccs_status st = ccs_x509_parse_der(cert_der, &c);
    if (st == CCS_OK) st = ccs_x509_pubkey(c, &a);
    if (st == CCS_OK) st = ccs_tpm_public_parse(ek_public, &p);
    if (st == CCS_OK) st = ccs_tpm_public_key(&p, &b);
    if (st == CCS_OK && !ccs_pubkey_equal(a, b))
        st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE,
                           "tpm: the EK certificate's key is not this TPM's EK (from the default template)");
    ccs_pubkey_free(a);
    ccs_pubkey_free(b);
    ccs_x509_free(c);
    return st;
}

ccs_status ccs_tpm_ek_cert(const char *tcti, ccs_tpm_ek_kind kind, ccs_buf *der, ccs_buf *ek_public) {
    CCS_ENSURE(der != NULL && kind <= CCS_TPM_EK_ECC, CCS_ERR_INVALID_ARG, "invalid argument");
    tpm_state *s = NULL;
    ccs_buf pub = {0};
    ESYS_TR ek = ESYS_TR_NONE;
    CCS_TRY(ccs_tpm_session_open(tcti, &s));
    ccs_status st = read_ek_cert(s, &kind, der);
    if (st == CCS_OK) st = create_ek(s, kind, &ek, &pub);
    if (st == CCS_OK) st = same_key(ccs_buf_view(der), ccs_buf_view(&pub));
    if (st == CCS_OK && ek_public) st = ccs_buf_set(ek_public, ccs_buf_view(&pub));
    if (ek != ESYS_TR_NONE) (void)Esys_FlushContext(s->esys, ek);
    ccs_buf_free(&pub);
    ccs_tpm_session_close(s);
    return st;
}

ccs_status ccs_tpm_ak_public(const char *tcti, ccs_buf *out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    tpm_state *s = NULL;
    uint8_t buf[sizeof(TPM2B_PUBLIC)];
    size_t off = 0;
    CCS_TRY(ccs_tpm_session_open(tcti, &s));
    TSS2_RC rc = Tss2_MU_TPM2B_PUBLIC_Marshal(&s->ak_public, buf, sizeof buf, &off);
    ccs_status st = rc == TSS2_RC_SUCCESS ? ccs_buf_set(out, ccs_bytes_of(buf, off)) : ccs_tpm_rc(rc, "marshalling the AK");
    ccs_tpm_session_close(s);
    return st;
}

static ccs_status activate(tpm_state *s, ESYS_TR ek, const ccs_tpm_credential *c, ccs_buf *secret) {
    TPM2B_ID_OBJECT blob = {.size = (UINT16)c->id_object_len};
    TPM2B_ENCRYPTED_SECRET enc = {.size = (UINT16)c->enc_secret_len};
    CCS_ENSURE(c->id_object_len <= sizeof blob.credential && c->enc_secret_len <= sizeof enc.secret, CCS_ERR_FORMAT,
               "tpm: credential too large for this TSS");
    memcpy(blob.credential, c->id_object, c->id_object_len);
    memcpy(enc.secret, c->enc_secret, c->enc_secret_len);
    TPMT_SYM_DEF sym = {.algorithm = TPM2_ALG_NULL};
    ESYS_TR session = ESYS_TR_NONE;
    TPM2B_TIMEOUT *timeout = NULL;
    TPMT_TK_AUTH *ticket = NULL;
    TPM2B_DIGEST *cert_info = NULL;
    TSS2_RC rc = Esys_StartAuthSession(s->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                       NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &session);
    if (rc != TSS2_RC_SUCCESS) return ccs_tpm_rc(rc, "StartAuthSession (policy)");
    ccs_status st = CCS_OK;
    rc = Esys_PolicySecret(s->esys, ESYS_TR_RH_ENDORSEMENT, session, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                           NULL, NULL, NULL, 0, &timeout, &ticket);
    if (rc != TSS2_RC_SUCCESS) st = ccs_tpm_rc(rc, "PolicySecret (endorsement)");
    if (st == CCS_OK) {
        rc = Esys_ActivateCredential(s->esys, s->ak, ek, ESYS_TR_PASSWORD, session, ESYS_TR_NONE, &blob, &enc,
                                     &cert_info);
        if (rc != TSS2_RC_SUCCESS && (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER)
            st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE,
                               "tpm: the TPM refused the credential (made for another EK or AK, or altered): %s",
                               Tss2_RC_Decode(rc));
        else if (rc != TSS2_RC_SUCCESS)
            st = ccs_tpm_rc(rc, "ActivateCredential");
    }
    if (st == CCS_OK) st = ccs_buf_set(secret, ccs_bytes_of(cert_info->buffer, cert_info->size));
    if (cert_info) ccs_wipe(cert_info->buffer, cert_info->size);
    Esys_Free(cert_info);
    Esys_Free(timeout);
    Esys_Free(ticket);
    (void)Esys_FlushContext(s->esys, session); /* already gone when the command used it up */
    return st;
}

ccs_status ccs_tpm_activate(const char *tcti, ccs_tpm_ek_kind kind, ccs_bytes credential_blob, ccs_buf *secret) {
    CCS_ENSURE(secret != NULL && kind <= CCS_TPM_EK_ECC, CCS_ERR_INVALID_ARG, "invalid argument");
    ccs_tpm_credential c;
    CCS_TRY(ccs_tpm_credential_parse(credential_blob, &c));
    tpm_state *s = NULL;
    ESYS_TR ek = ESYS_TR_NONE;
    CCS_TRY(ccs_tpm_session_open(tcti, &s));
    ccs_status st = CCS_OK;
    if (kind == CCS_TPM_EK_AUTO) {
        ccs_buf der = {0};
        st = read_ek_cert(s, &kind, &der);
        if (st == CCS_ERR_NOT_FOUND) st = CCS_OK, kind = CCS_TPM_EK_RSA;
        ccs_buf_free(&der);
    }
    if (st == CCS_OK) st = create_ek(s, kind, &ek, NULL);
    if (st == CCS_OK) st = activate(s, ek, &c, secret);
    if (ek != ESYS_TR_NONE) (void)Esys_FlushContext(s->esys, ek);
    ccs_tpm_session_close(s);
    return st;
}
