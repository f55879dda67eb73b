/* The AK certificate that ends TPM enrollment (docs/attest.md "TPM 2.0 AK
 * enrollment"): issued by the caller's enrollment CA for an AK whose
 * credential the TPM activated. ccs_x509_build cannot be used: it takes the
 * subject's private key, and an AK's never leaves its TPM. So this file
 * builds the certificate with OpenSSL directly (the exception noted in
 * tpm_credential.c); ccs_tpm_verify then accepts the AK through
 * ak_chain/ak_root. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tpm_enroll.h"

#define DEFAULT_DAYS 365u

static int no_passphrase(char *buf, int size, int rwflag, void *u) {
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1; /* encrypted keys are refused, never prompted for */
}

static ccs_status load_ca(const ccs_tpm_enroll_options *opt, X509 **ca, EVP_PKEY **key) {
    ccs_bytes der = ccs_x509_der(opt->ca_cert);
    const uint8_t *p = der.ptr;
    *ca = d2i_X509(NULL, &p, (long)der.len);
    CCS_ENSURE(*ca != NULL, CCS_ERR_CRYPTO, "tpm: cannot decode the CA certificate");
    BIO *bio = BIO_new_mem_buf(opt->ca_key_pem.ptr, (int)opt->ca_key_pem.len);
    *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
    BIO_free(bio);
    CCS_ENSURE(*key != NULL, CCS_ERR_KEY, "tpm: the CA key is not an unencrypted PEM private key");
    CCS_ENSURE(X509_check_private_key(*ca, *key) == 1, CCS_ERR_KEY,
               "tpm: the CA key does not belong to the CA certificate");
    return CCS_OK;
}

static ccs_status add_ext(X509 *x, X509 *ca, int nid, const char *value) {
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    int ok = e != NULL && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    CCS_ENSURE(ok, CCS_ERR_CRYPTO, "tpm: cannot add extension %s", value);
    return CCS_OK;
}

static ccs_status fill(X509 *x, X509 *ca, EVP_PKEY *ak, const ccs_tpm_public *pub, const ccs_tpm_enroll_options *o) {
    uint8_t serial[16];
    char cn[64] = "TPM AK ";
    CCS_TRY(ccs_random(serial, sizeof serial));
    serial[0] &= 0x7f; /* positive, 127 random bits */
    serial[0] |= 0x40; /* and no leading zero octet */
    CCS_TRY(ccs_hex_encode(ccs_bytes_of(pub->name + 2, 8), cn + 7, sizeof cn - 7));
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    X509_NAME *name = X509_NAME_new();
    unsigned days = o->days ? o->days : DEFAULT_DAYS;
    bool ok = bn != NULL && name != NULL && X509_set_version(x, 2) == 1 &&
              BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const uint8_t *)cn, -1, -1, 0) == 1 &&
              X509_set_subject_name(x, name) == 1 && X509_set_issuer_name(x, X509_get_subject_name(ca)) == 1 &&
              ASN1_TIME_set(X509_getm_notBefore(x), (time_t)o->now) != NULL &&
              ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(o->now + (ccs_time)days * 86400)) != NULL &&
              X509_set_pubkey(x, ak) == 1;
    BN_free(bn);
    X509_NAME_free(name);
    CCS_ENSURE(ok, CCS_ERR_CRYPTO, "tpm: cannot set the AK certificate's fields");
    CCS_TRY(add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE"));
    CCS_TRY(add_ext(x, ca, NID_key_usage, "critical,digitalSignature"));
    CCS_TRY(add_ext(x, ca, NID_subject_key_identifier, "hash"));
    return add_ext(x, ca, NID_authority_key_identifier, "keyid");
}

ccs_status ccs_tpm__ak_cert_issue(const ccs_tpm_public *ak, const ccs_tpm_enroll_options *opt, ccs_buf *cert_pem) {
    CCS_ENSURE(opt->ca_cert != NULL && opt->ca_key_pem.ptr != NULL && opt->ca_key_pem.len <= INT32_MAX,
               CCS_ERR_INVALID_ARG, "tpm: an enrollment CA certificate and key are required");
    CCS_ENSURE(opt->days <= 36500, CCS_ERR_INVALID_ARG, "tpm: AK certificate validity of %u days", opt->days);
    X509 *ca = NULL, *x = NULL;
    EVP_PKEY *key = NULL, *akey = NULL;
    ccs_pubkey *pk = NULL;
    ccs_buf spki = {0};
    uint8_t *der = NULL;
    ccs_status st = load_ca(opt, &ca, &key);
    if (st == CCS_OK) st = ccs_tpm_public_key(ak, &pk);
    if (st == CCS_OK) st = ccs_pubkey_spki(pk, &spki);
    if (st == CCS_OK) {
        const uint8_t *p = spki.ptr;
        akey = d2i_PUBKEY(NULL, &p, (long)spki.len);
        x = X509_new();
        if (akey == NULL || x == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "tpm: out of memory");
    }
    if (st == CCS_OK) st = fill(x, ca, akey, ak, opt);
    if (st == CCS_OK) {
        int id = EVP_PKEY_get_base_id(key);
        const EVP_MD *md = id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? NULL : EVP_sha256();
        if (X509_sign(x, key, md) <= 0) st = ccs_error_set(CCS_ERR_CRYPTO, CCS_HERE, "tpm: signing the AK certificate failed");
    }
    int n = st == CCS_OK ? i2d_X509(x, &der) : 0;
    if (st == CCS_OK && n <= 0) st = ccs_error_set(CCS_ERR_CRYPTO, CCS_HERE, "tpm: cannot encode the AK certificate");
    if (st == CCS_OK) st = ccs_pem_encode("CERTIFICATE", ccs_bytes_of(der, (size_t)n), cert_pem);
    OPENSSL_free(der);
    X509_free(x);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(akey);
    ccs_pubkey_free(pk);
    ccs_buf_free(&spki);
    return st;
}
