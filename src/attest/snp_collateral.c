/* SEV-SNP collateral: the VCEK or VLEK certificate and its issuing chain
 * (AMD KDS: /vcek/v1/<product>/cert_chain = ASK, ARK; /vlek/v1/... = ASVK,
 * ARK), and strict readers of the VCEK/VLEK extensions (KDS spec #57230,
 * "VCEK certificate extensions"). Each extension value is DER: the SPL
 * values are INTEGERs, the product name an IA5String, the hwID either the
 * 64 raw bytes (older certificates) or an OCTET STRING of them. No prefix
 * matching anywhere: a value is read whole or refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snp.h"

#define OID_PRODUCT "1.3.6.1.4.1.3704.1.2"
#define OID_BL "1.3.6.1.4.1.3704.1.3.1"
#define OID_TEE "1.3.6.1.4.1.3704.1.3.2"
#define OID_SNP "1.3.6.1.4.1.3704.1.3.3"
#define OID_UCODE "1.3.6.1.4.1.3704.1.3.8"
#define OID_FMC "1.3.6.1.4.1.3704.1.3.9"
#define OID_HWID "1.3.6.1.4.1.3704.1.4"

#define MAX_CERT (64u * 1024)
#define MAX_CRL (1024u * 1024)

/* DER INTEGER 0..255: tag 02, short length 1 or 2, minimal two's
 * complement (a leading 00 only before a byte >= 0x80), nothing after. */
ccs_status ccs_snp_der_u8(ccs_bytes der, uint8_t *out) {
    ccs_reader r;
    uint8_t tag, len, b0, b1;
    ccs_reader_init(&r, der);
    CCS_TRY(ccs_reader_u8(&r, &tag));
    CCS_ENSURE(tag == 0x02, CCS_ERR_FORMAT, "snp: extension is not a DER INTEGER (tag 0x%02x)", tag);
    CCS_TRY(ccs_reader_u8(&r, &len));
    CCS_ENSURE(len == 1 || len == 2, CCS_ERR_FORMAT, "snp: INTEGER of %u bytes is not a value 0-255", len);
    CCS_TRY(ccs_reader_u8(&r, &b0));
    if (len == 1) {
        CCS_ENSURE(b0 < 0x80, CCS_ERR_FORMAT, "snp: negative INTEGER");
        *out = b0;
    } else {
        CCS_TRY(ccs_reader_u8(&r, &b1));
        CCS_ENSURE(b0 == 0 && b1 >= 0x80, CCS_ERR_FORMAT, "snp: INTEGER is not minimally encoded or above 255");
        *out = b1;
    }
    CCS_TRY(ccs_reader_expect_end(&r));
    return CCS_OK;
}

/* "Milan", "Genoa", "Turin" (VLEK, newer VCEKs) or with a stepping,
 * "Milan-B0" (older VCEKs): the product is the whole name or the part
 * before the one hyphen. */
static ccs_snp_product product_of(const char *s, size_t n) {
    static const char *const names[] = {NULL, "Milan", "Genoa", "Turin"};
    for (int p = 1; p <= 3; p++) {
        size_t k = strlen(names[p]);
        if (n >= k && memcmp(s, names[p], k) == 0 && (n == k || (s[k] == '-' && n > k + 1 && !memchr(s + k + 1, '-', n - k - 1))))
            return (ccs_snp_product)p;
    }
    return CCS_SNP_PRODUCT_UNKNOWN;
}

ccs_status ccs_snp_der_product(ccs_bytes der, ccs_snp_product *out) {
    ccs_reader r;
    uint8_t tag, len;
    ccs_bytes s;
    ccs_reader_init(&r, der);
    CCS_TRY(ccs_reader_u8(&r, &tag));
    CCS_ENSURE(tag == 0x16, CCS_ERR_FORMAT, "snp: product name is not an IA5String (tag 0x%02x)", tag);
    CCS_TRY(ccs_reader_u8(&r, &len));
    CCS_ENSURE(len < 0x80, CCS_ERR_FORMAT, "snp: product name too long");
    CCS_TRY(ccs_reader_bytes(&r, len, &s));
    CCS_TRY(ccs_reader_expect_end(&r));
    for (size_t i = 0; i < s.len; i++)
        CCS_ENSURE(s.ptr[i] > 0x20 && s.ptr[i] < 0x7f, CCS_ERR_FORMAT, "snp: product name has a non-printable byte");
    *out = product_of((const char *)s.ptr, s.len);
    CCS_ENSURE(*out != CCS_SNP_PRODUCT_UNKNOWN, CCS_ERR_UNSUPPORTED, "snp: unknown product \"%.*s\"", (int)s.len,
               (const char *)s.ptr);
    return CCS_OK;
}

/* hwID: 64 bytes (Milan, Genoa) or 8 (Turin), raw or as a DER OCTET
 * STRING; the two forms differ in length, so neither can pass for the other. */
ccs_status ccs_snp_der_hwid(ccs_bytes der, uint8_t out[64], size_t *len) {
    if (der.len == 64 || der.len == 8) {
        memcpy(out, der.ptr, der.len);
        *len = der.len;
        return CCS_OK;
    }
    CCS_ENSURE(der.len == 66 || der.len == 10, CCS_ERR_FORMAT, "snp: hwID extension of %zu bytes", der.len);
    CCS_ENSURE(der.ptr[0] == 0x04 && der.ptr[1] == der.len - 2, CCS_ERR_FORMAT,
               "snp: hwID extension is not an OCTET STRING of %zu bytes", der.len - 2);
    memcpy(out, der.ptr + 2, der.len - 2);
    *len = der.len - 2;
    return CCS_OK;
}

ccs_snp_product ccs_snp_product_from_cn(const char *cn) {
    if (cn == NULL || strncmp(cn, "SEV-", 4) != 0) return CCS_SNP_PRODUCT_UNKNOWN;
    cn += 4;
    if (strncmp(cn, "VLEK-", 5) == 0) cn += 5;
    return strchr(cn, '-') ? CCS_SNP_PRODUCT_UNKNOWN : product_of(cn, strlen(cn));
}

static ccs_status ext_u8(const ccs_x509 *c, const char *oid, const char *name, uint8_t *out) {
    ccs_bytes v;
    ccs_status st = ccs_x509_extension(c, oid, &v);
    CCS_ENSURE(st == CCS_OK, st, "%s SPL (%s): %s", name, oid, ccs_error_detail());
    st = ccs_snp_der_u8(v, out);
    CCS_ENSURE(st == CCS_OK, st, "%s SPL (%s): %s", name, oid, ccs_error_detail());
    return CCS_OK;
}

ccs_status ccs_snp_cert_ext_parse(const ccs_x509 *cert, snp_cert_ext *out) {
    ccs_bytes v;
    memset(out, 0, sizeof *out);
    CCS_TRY(ext_u8(cert, OID_BL, "boot loader", &out->tcb.bootloader));
    CCS_TRY(ext_u8(cert, OID_TEE, "TEE", &out->tcb.tee));
    CCS_TRY(ext_u8(cert, OID_SNP, "SNP", &out->tcb.snp));
    CCS_TRY(ext_u8(cert, OID_UCODE, "microcode", &out->tcb.microcode));
    ccs_status st = ccs_x509_extension(cert, OID_FMC, &v);
    if (st == CCS_OK) {
        CCS_TRY(ext_u8(cert, OID_FMC, "FMC", &out->tcb.fmc));
        out->has_fmc = true;
    } else if (st != CCS_ERR_NOT_FOUND) {
        return st;
    }
    st = ccs_x509_extension(cert, OID_PRODUCT, &v);
    if (st == CCS_OK) {
        st = ccs_snp_der_product(v, &out->product);
        CCS_ENSURE(st == CCS_OK, st, "product name (%s): %s", OID_PRODUCT, ccs_error_detail());
        out->has_product = true;
    } else if (st != CCS_ERR_NOT_FOUND) {
        return st;
    }
    st = ccs_x509_extension(cert, OID_HWID, &v);
    if (st == CCS_OK) {
        st = ccs_snp_der_hwid(v, out->hwid, &out->hwid_len);
        CCS_ENSURE(st == CCS_OK, st, "hwID (%s): %s", OID_HWID, ccs_error_detail());
    } else if (st != CCS_ERR_NOT_FOUND) {
        return st;
    }
    return CCS_OK;
}

/* ---- loading ----------------------------------------------------------------------- */

/* The key certificate as PEM text (the chain parser reads PEM), so that
 * key certificate and issuers form one ccs_x509_chain, leaf first. */
static ccs_status key_cert_pem(ccs_bytes key_cert, ccs_buf *pem) {
    ccs_x509 *c = NULL;
    if (key_cert.len >= 10 && memcmp(key_cert.ptr, "-----BEGIN", 10) == 0) {
        ccs_x509_chain *ch = NULL;
        CCS_TRY(ccs_x509_chain_parse_pem(key_cert, &ch));
        size_t n = ccs_x509_chain_len(ch);
        ccs_x509_chain_free(ch);
        CCS_ENSURE(n == 1, CCS_ERR_FORMAT, "snp: the VCEK/VLEK file holds %zu certificates, expected one", n);
        return ccs_buf_append(pem, key_cert.ptr, key_cert.len);
    }
    CCS_TRY(ccs_x509_parse_der(key_cert, &c));
    ccs_x509_free(c);
    ccs_buf b64 = {0};
    ccs_status st = ccs_base64_encode(key_cert, &b64);
    if (st == CCS_OK) st = ccs_buf_append_str(pem, "-----BEGIN CERTIFICATE-----\n");
    if (st == CCS_OK) st = ccs_buf_append(pem, b64.ptr, b64.len);
    if (st == CCS_OK) st = ccs_buf_append_str(pem, "\n-----END CERTIFICATE-----\n");
    ccs_buf_free(&b64);
    return st;
}

ccs_status ccs_snp_collateral_load(ccs_bytes key_cert, ccs_bytes cert_chain, ccs_snp_collateral **out) {
    CCS_ENSURE(out != NULL && key_cert.ptr != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    *out = NULL;
    ccs_buf pem = {0};
    ccs_x509_chain *chain = NULL;
    ccs_status st = key_cert_pem(key_cert, &pem);
    if (st == CCS_OK && cert_chain.len) st = ccs_buf_append(&pem, cert_chain.ptr, cert_chain.len);
    if (st == CCS_OK) st = ccs_x509_chain_parse_pem(ccs_buf_view(&pem), &chain);
    ccs_buf_free(&pem);
    if (st != CCS_OK) return st;
    ccs_snp_collateral *c = calloc(1, sizeof *c);
    if (c == NULL) {
        ccs_x509_chain_free(chain);
        CCS_BAIL(CCS_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&c->lock, NULL);
    c->chain = chain;
    c->n_issuers = ccs_x509_chain_len(chain) - 1;
    c->key_cert = ccs_x509_chain_get(chain, 0);
    if (ccs_x509_pubkey(c->key_cert, &c->key) != CCS_OK) c->key = NULL; /* judged by ccs_snp_verify */
    *out = c;
    return CCS_OK;
}

void ccs_snp_collateral_free(ccs_snp_collateral *c) {
    if (c == NULL) return;
    ccs_crl_free(c->crl);
    ccs_buf_free(&c->crl_der);
    ccs_pubkey_free(c->key);
    ccs_x509_chain_free(c->chain);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static ccs_status read_first(const char *dir, const char *const *names, size_t n, ccs_buf *out, const char *what) {
    char path[4096];
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        CCS_ENSURE(k > 0 && (size_t)k < sizeof path, CCS_ERR_INVALID_ARG, "snp: path too long");
        if (ccs_file_read(path, MAX_CERT, out) == CCS_OK) return CCS_OK;
        out->len = 0;
    }
    CCS_BAIL(CCS_ERR_NOT_FOUND, "snp: no %s in %s", what, dir);
}

ccs_status ccs_snp_collateral_load_dir(const char *dir, ccs_snp_collateral **out) {
    static const char *const keys[] = {"vcek.der", "vlek.der", "vcek.pem", "vlek.pem"};
    static const char *const chains[] = {"cert_chain.pem"};
    ccs_buf key = {0}, chain = {0};
    CCS_ENSURE(dir != NULL && out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    ccs_status st = read_first(dir, keys, 4, &key, "vcek.der or vlek.der");
    if (st == CCS_OK) st = read_first(dir, chains, 1, &chain, "cert_chain.pem");
    if (st == CCS_OK) st = ccs_snp_collateral_load(ccs_buf_view(&key), ccs_buf_view(&chain), out);
    ccs_buf_free(&key);
    ccs_buf_free(&chain);
    if (st != CCS_OK) return st;
    /* crl.der is optional: without it revocation is not checked (the
     * result says so); present but unreadable is an error. */
    char path[4096];
    ccs_buf crl = {0};
    int k = snprintf(path, sizeof path, "%s/crl.der", dir);
    if (k > 0 && (size_t)k < sizeof path && access(path, F_OK) == 0) {
        st = ccs_file_read(path, MAX_CRL, &crl);
        if (st == CCS_OK) st = ccs_snp_collateral_set_crl(*out, ccs_buf_view(&crl));
        ccs_buf_free(&crl);
        if (st != CCS_OK) {
            ccs_snp_collateral_free(*out);
            *out = NULL;
        }
    }
    return st;
}
