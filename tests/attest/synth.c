/*
 * A synthetic Intel DCAP PKI and evidence for verifier tests (see synth.h).
 * Layouts follow shared specs/attestation.md sections 1-2; the SGX extension
 * follows the SGX PCK Certificate and CRL Profile. This is test code: an
 * OpenSSL or allocation failure aborts the test program with a message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ccs/crypto.h"
#include "synth.h"

#define SERIAL_ROOT 1
#define SERIAL_CA 2
#define SERIAL_TCB_SIGNER 3
#define SERIAL_DECOY_CA 4
#define SERIAL_PROCESSOR_CA 5
#define SERIAL_OTHER_ROOT 6
#define SERIAL_PCK 0x1001 /* + pck_key */
#define SGX_EXT_OID "1.2.840.113741.1.13.1"

struct synth_ctx {
    EVP_PKEY *root_key, *ca_key, *pck_key[2], *tcb_key, *att_key[2], *rogue_key, *processor_key, *other_root_key;
    X509 *root, *ca, *decoy_ca, *processor_ca, *other_root;
};

const uint8_t synth_fmspc[6] = {0x00, 0x90, 0x6E, 0xD5, 0x00, 0x00};
const uint8_t synth_qe_mrsigner[32] = {0x8C, 0x4F, 0x57, 0x75, 0xD7, 0x96, 0x50, 0x3E, 0x96, 0x13, 0x7F,
                                       0x77, 0xC6, 0x8A, 0x82, 0x9A, 0x00, 0x56, 0xAC, 0x8D, 0xED, 0x70,
                                       0x14, 0x0B, 0x08, 0x1B, 0x09, 0x44, 0x90, 0xC5, 0x7B, 0xFF};
static const uint8_t intel_qe_vendor[16] = {0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9,
                                            0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07};

/* ---- failure handling and byte helpers ---------------------------------------------- */

static void need_(int ok, const char *what, int line) {
    if (ok) return;
    fprintf(stderr, "synth.c:%d: %s failed\n", line, what);
    ERR_print_errors_fp(stderr);
    abort();
}
#define NEED(x) need_((x) ? 1 : 0, #x, __LINE__)

static void put(ccs_buf *b, const void *p, size_t n) { NEED(ccs_buf_append(b, p, n) == CCS_OK); }
static void put_u8(ccs_buf *b, uint8_t v) { put(b, &v, 1); }
static void put_u16(ccs_buf *b, uint16_t v) {
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, x, 2);
}
static void put_u32(ccs_buf *b, uint32_t v) {
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}
static void put_str(ccs_buf *b, const char *s) { put(b, s, strlen(s)); }
static void put_fmt(ccs_buf *b, const char *fmt, ...) CCS_PRINTF(2, 3);
static void put_fmt(ccs_buf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    NEED(n >= 0 && (size_t)n < sizeof tmp);
    put(b, tmp, (size_t)n);
}
/* Upper-case hex, as Intel's JSON writes it. */
static bool g_lower_hex; /* set during one build (builds are not concurrent) */
static void put_hex(ccs_buf *b, const uint8_t *p, size_t n) {
    const char *digits = g_lower_hex ? "0123456789abcdef" : "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        char x[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
        put(b, x, 2);
    }
}
static void put_time(ccs_buf *b, ccs_time t) {
    char s[21];
    NEED(ccs_time_format(t, s) == CCS_OK);
    put_fmt(b, "\"%s\"", s);
}

/* ---- DER for the SGX extension ------------------------------------------------------- */

static void der_tlv(ccs_buf *o, uint8_t tag, const uint8_t *v, size_t n) {
    put_u8(o, tag);
    if (n < 0x80) {
        put_u8(o, (uint8_t)n);
    } else if (n < 0x100) {
        put_u8(o, 0x81);
        put_u8(o, (uint8_t)n);
    } else {
        NEED(n < 0x10000);
        put_u8(o, 0x82);
        put_u8(o, (uint8_t)(n >> 8));
        put_u8(o, (uint8_t)n);
    }
    put(o, v, n);
}
static void der_wrap(ccs_buf *o, uint8_t tag, ccs_buf *inner) {
    der_tlv(o, tag, inner->ptr, inner->len);
    ccs_buf_free(inner);
}
/* Minimal non-negative INTEGER / ENUMERATED. */
static void der_uint(ccs_buf *o, uint8_t tag, unsigned v) {
    uint8_t tmp[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v}, b[5];
    size_t i = 0, n = 0;
    while (i < 3 && tmp[i] == 0) i++;
    if (tmp[i] & 0x80) b[n++] = 0;
    while (i < 4) b[n++] = tmp[i++];
    der_tlv(o, tag, b, n);
}
/* OID 1.2.840.113741.1.13.1.<arc>[.<sub>] (arcs below 128). */
static void der_sgx_oid(ccs_buf *o, uint8_t arc, uint8_t sub) {
    uint8_t oid[11] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01, arc, sub};
    der_tlv(o, 0x06, oid, sub ? 11 : 10);
}
/* SEQUENCE { OID, value } where value is already DER in v. */
static void der_entry(ccs_buf *o, uint8_t arc, uint8_t sub, ccs_buf *v) {
    ccs_buf e = {0};
    der_sgx_oid(&e, arc, sub);
    put(&e, v->ptr, v->len);
    ccs_buf_free(v);
    der_wrap(o, 0x30, &e);
}

static void sgx_extension(const synth_config *cfg, ccs_buf *out) {
    static const uint8_t ppid[16] = {0x50, 0x50, 0x49, 0x44};
    ccs_buf top = {0}, tcb = {0}, v = {0};
    der_tlv(&v, 0x04, ppid, 16);
    der_entry(&top, 1, 0, &v);
    for (int i = 0; i < 16; i++) {
        der_uint(&v, 0x02, cfg->pck_comp[i]);
        der_entry(&tcb, 2, (uint8_t)(i + 1), &v);
    }
    der_uint(&v, 0x02, cfg->pck_pcesvn);
    der_entry(&tcb, 2, 17, &v);
    der_tlv(&v, 0x04, cfg->pck_cpusvn, 16);
    der_entry(&tcb, 2, 18, &v);
    der_wrap(&v, 0x30, &tcb);
    der_entry(&top, 2, 0, &v);
    der_tlv(&v, 0x04, cfg->pck_pce_id, 2);
    der_entry(&top, 3, 0, &v);
    der_tlv(&v, 0x04, cfg->pck_fmspc, 6);
    der_entry(&top, 4, 0, &v);
    der_uint(&v, 0x0a, 0); /* SGX Type: Standard */
    der_entry(&top, 5, 0, &v);
    der_wrap(out, 0x30, &top);
}

/* ---- keys, signatures, certificates, CRLs ------------------------------------------------ */

static EVP_PKEY *gen_key(void) {
    EVP_PKEY *k = EVP_EC_gen("P-256");
    NEED(k != NULL);
    return k;
}

static void pub_raw(EVP_PKEY *k, uint8_t out[64]) {
    BIGNUM *x = NULL, *y = NULL;
    NEED(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1);
    NEED(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1);
    NEED(BN_bn2binpad(x, out, 32) == 32 && BN_bn2binpad(y, out + 32, 32) == 32);
    BN_free(x);
    BN_free(y);
}

/* ECDSA-P256/SHA-256, raw r||s (what Intel uses outside X.509). */
static void sign_raw(EVP_PKEY *k, const uint8_t *msg, size_t n, uint8_t out[64]) {
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned char der[80];
    size_t len = sizeof der;
    NEED(m != NULL && EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, k) == 1);
    NEED(EVP_DigestSign(m, der, &len, msg, n) == 1);
    EVP_MD_CTX_free(m);
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    NEED(sig != NULL);
    NEED(BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32) == 32);
    NEED(BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32) == 32);
    ECDSA_SIG_free(sig);
}

static X509_NAME *intel_name(const char *cn) {
    X509_NAME *n = X509_NAME_new();
    NEED(n != NULL);
    NEED(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0));
    NEED(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Intel Corporation", -1, -1, 0));
    NEED(X509_NAME_add_entry_by_txt(n, "L", MBSTRING_ASC, (const unsigned char *)"Santa Clara", -1, -1, 0));
    NEED(X509_NAME_add_entry_by_txt(n, "ST", MBSTRING_ASC, (const unsigned char *)"CA", -1, -1, 0));
    NEED(X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1, 0));
    return n;
}

static void add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value) {
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, v3, nid, value);
    NEED(e != NULL);
    NEED(X509_add_ext(x, e, -1) == 1);
    X509_EXTENSION_free(e);
}

enum cert_kind { CERT_ROOT, CERT_CA, CERT_LEAF };

/* issuer NULL: self-signed. ext: the SGX extension DER (PCK leaves). */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, long serial,
                       ccs_time nb, ccs_time na, enum cert_kind kind, const ccs_buf *ext) {
    X509 *x = X509_new();
    X509V3_CTX v3;
    NEED(x != NULL && X509_set_version(x, 2) == 1);
    NEED(ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1);
    X509_NAME *name = intel_name(cn);
    NEED(X509_set_subject_name(x, name) == 1);
    NEED(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) == 1);
    X509_NAME_free(name);
    NEED(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) != NULL);
    NEED(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) != NULL);
    NEED(X509_set_pubkey(x, key) == 1);
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    add_ext(x, &v3, NID_basic_constraints,
            kind == CERT_LEAF ? "critical,CA:FALSE" : kind == CERT_ROOT ? "critical,CA:TRUE,pathlen:1"
                                                                        : "critical,CA:TRUE,pathlen:0");
    add_ext(x, &v3, NID_key_usage,
            kind == CERT_LEAF ? "critical,digitalSignature,nonRepudiation" : "critical,keyCertSign,cRLSign");
    add_ext(x, &v3, NID_subject_key_identifier, "hash");
    add_ext(x, &v3, NID_authority_key_identifier, "keyid:always");
    if (ext != NULL) {
        ASN1_OBJECT *obj = OBJ_txt2obj(SGX_EXT_OID, 1);
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        NEED(obj != NULL && os != NULL && ASN1_OCTET_STRING_set(os, ext->ptr, (int)ext->len) == 1);
        X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
        NEED(e != NULL && X509_add_ext(x, e, -1) == 1);
        X509_EXTENSION_free(e);
        ASN1_OCTET_STRING_free(os);
        ASN1_OBJECT_free(obj);
    }
    NEED(X509_sign(x, issuer_key, EVP_sha256()) > 0);
    return x;
}

static void put_pem(ccs_buf *b, X509 *x) {
    BIO *bio = BIO_new(BIO_s_mem());
    char *p = NULL;
    NEED(bio != NULL && PEM_write_bio_X509(bio, x) == 1);
    long n = BIO_get_mem_data(bio, &p);
    NEED(n > 0);
    put(b, p, (size_t)n);
    BIO_free(bio);
}

static void make_crl_once(ccs_buf *out, X509 *issuer, EVP_PKEY *key, ccs_time this_update, ccs_time next_update,
                          const long *revoked, size_t nrev) {
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *tu = ASN1_TIME_set(NULL, (time_t)this_update), *nu = ASN1_TIME_set(NULL, (time_t)next_update);
    NEED(crl != NULL && tu != NULL && nu != NULL);
    NEED(X509_CRL_set_version(crl, 1) == 1);
    NEED(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) == 1);
    NEED(X509_CRL_set1_lastUpdate(crl, tu) == 1 && X509_CRL_set1_nextUpdate(crl, nu) == 1);
    for (size_t i = 0; i < nrev; i++) {
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_INTEGER *sn = ASN1_INTEGER_new();
        NEED(r != NULL && sn != NULL && ASN1_INTEGER_set(sn, revoked[i]) == 1);
        NEED(X509_REVOKED_set_serialNumber(r, sn) == 1 && X509_REVOKED_set_revocationDate(r, tu) == 1);
        NEED(X509_CRL_add0_revoked(crl, r) == 1);
        ASN1_INTEGER_free(sn);
    }
    NEED(X509_CRL_sort(crl) == 1);
    NEED(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
    unsigned char *der = NULL;
    int n = i2d_X509_CRL(crl, &der);
    NEED(n > 0);
    put(out, der, (size_t)n);
    OPENSSL_free(der);
    ASN1_TIME_free(tu);
    ASN1_TIME_free(nu);
    X509_CRL_free(crl);
}

/* ECDSA signatures vary, so the last DER byte (of s) does too: with tail >= 0,
 * sign again until it is that byte. */
static void make_crl(ccs_buf *out, X509 *issuer, EVP_PKEY *key, ccs_time this_update, ccs_time next_update,
                     const long *revoked, size_t nrev, int tail) {
    for (int i = 0; i < 100000; i++) {
        make_crl_once(out, issuer, key, this_update, next_update, revoked, nrev);
        if (tail < 0 || out->ptr[out->len - 1] == tail) return;
        out->len = 0;
    }
    NEED(!"a CRL with the wanted last byte");
}

/* ---- context ------------------------------------------------------------------------------ */

int synth_ctx_new(synth_ctx **out) {
    synth_ctx *c = calloc(1, sizeof *c);
    if (c == NULL) return -1;
    c->root_key = gen_key();
    c->ca_key = gen_key();
    c->pck_key[0] = gen_key();
    c->pck_key[1] = gen_key();
    c->tcb_key = gen_key();
    c->att_key[0] = gen_key();
    c->att_key[1] = gen_key();
    c->rogue_key = gen_key();
    c->processor_key = gen_key();
    c->other_root_key = gen_key();
    c->root = make_cert("Intel SGX Root CA", c->root_key, NULL, c->root_key, SERIAL_ROOT, SYNTH_T - 5 * 365 * SYNTH_DAY,
                        SYNTH_T + 20 * 365 * SYNTH_DAY, CERT_ROOT, NULL);
    c->ca = make_cert("Intel SGX PCK Platform CA", c->ca_key, c->root, c->root_key, SERIAL_CA,
                      SYNTH_T - 5 * 365 * SYNTH_DAY, SYNTH_T + 15 * 365 * SYNTH_DAY, CERT_CA, NULL);
    c->decoy_ca = make_cert("Intel SGX PCK Platform CA", c->rogue_key, c->root, c->root_key, SERIAL_DECOY_CA,
                            SYNTH_T - 2 * 365 * SYNTH_DAY, SYNTH_T + 15 * 365 * SYNTH_DAY, CERT_CA, NULL);
    c->processor_ca = make_cert("Intel SGX PCK Processor CA", c->processor_key, c->root, c->root_key,
                                SERIAL_PROCESSOR_CA, SYNTH_T - 5 * 365 * SYNTH_DAY, SYNTH_T + 15 * 365 * SYNTH_DAY,
                                CERT_CA, NULL);
    c->other_root = make_cert("Intel SGX Root CA", c->other_root_key, NULL, c->other_root_key, SERIAL_OTHER_ROOT,
                              SYNTH_T - 5 * 365 * SYNTH_DAY, SYNTH_T + 20 * 365 * SYNTH_DAY, CERT_ROOT, NULL);
    *out = c;
    return 0;
}

void synth_ctx_free(synth_ctx *c) {
    if (c == NULL) return;
    EVP_PKEY_free(c->root_key);
    EVP_PKEY_free(c->ca_key);
    EVP_PKEY_free(c->pck_key[0]);
    EVP_PKEY_free(c->pck_key[1]);
    EVP_PKEY_free(c->tcb_key);
    EVP_PKEY_free(c->att_key[0]);
    EVP_PKEY_free(c->att_key[1]);
    EVP_PKEY_free(c->rogue_key);
    EVP_PKEY_free(c->processor_key);
    EVP_PKEY_free(c->other_root_key);
    X509_free(c->root);
    X509_free(c->ca);
    X509_free(c->decoy_ca);
    X509_free(c->processor_ca);
    X509_free(c->other_root);
    free(c);
}

/* ---- defaults ------------------------------------------------------------------------------ */

void synth_config_default(synth_config *cfg, ccs_tee tee) {
    static const uint8_t comp[16] = {3, 3, 2, 2, 4, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t tdx_svn[16] = {5, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    memset(cfg, 0, sizeof *cfg);
    cfg->tee = tee;
    cfg->version = tee == CCS_TEE_TDX ? 4 : 3;
    cfg->body_type = 2;

    cfg->attributes[0] = 0x05; /* INIT | MODE64BIT */
    cfg->attributes[8] = 0x03; /* XFRM x87 | SSE */
    memset(cfg->mr_enclave, 0x11, 32);
    memset(cfg->mr_signer, 0x22, 32);
    for (int i = 0; i < 32; i++) cfg->report_data[i] = (uint8_t)(0xA0 + i);
    memcpy(cfg->tee_tcb_svn, tdx_svn, 16);
    cfg->td_attributes[3] = 0x10; /* SEPT_VE_DISABLE (bit 28) */

    memcpy(cfg->qe_mrsigner, synth_qe_mrsigner, 32);
    cfg->qe_isvprodid = tee == CCS_TEE_TDX ? 2 : 1;
    cfg->qe_isvsvn = 8;
    cfg->qe_attributes[0] = 0x11; /* INIT | PROVISIONKEY */
    for (int i = 0; i < 32; i++) cfg->qe_auth_data[i] = (uint8_t)i;

    memcpy(cfg->pck_comp, comp, 16);
    cfg->pck_pcesvn = 13;
    memcpy(cfg->pck_cpusvn, comp, 16);
    memcpy(cfg->pck_fmspc, synth_fmspc, 6);
    cfg->pck_not_before = SYNTH_T - 365 * SYNTH_DAY;
    cfg->pck_not_after = SYNTH_T + 7 * 365 * SYNTH_DAY;
    cfg->tcb_signer_not_before = SYNTH_T - 365 * SYNTH_DAY;
    cfg->tcb_signer_not_after = SYNTH_T + 7 * 365 * SYNTH_DAY;

    cfg->pck_crl_present = cfg->root_crl_present = true;
    cfg->pck_crl_this = cfg->root_crl_this = SYNTH_T - SYNTH_DAY;
    cfg->pck_crl_next = cfg->root_crl_next = SYNTH_T + 30 * SYNTH_DAY;

    cfg->tcb_info_version = 3;
    cfg->tcb_id = tee == CCS_TEE_TDX ? "TDX" : "SGX";
    cfg->tcb_issue = SYNTH_T - SYNTH_DAY;
    cfg->tcb_next = SYNTH_T + 30 * SYNTH_DAY;
    memcpy(cfg->tcb_fmspc, synth_fmspc, 6);
    cfg->tcb_eval_num = 17;
    cfg->n_levels = 2;
    memcpy(cfg->levels[0].sgx, comp, 16);
    cfg->levels[0].pcesvn = 13;
    memcpy(cfg->levels[0].tdx, tdx_svn, 16);
    cfg->levels[0].status = "UpToDate";
    cfg->levels[0].date = "2024-11-13T00:00:00Z";
    cfg->levels[1].pcesvn = 5;
    cfg->levels[1].status = "OutOfDate";
    cfg->levels[1].date = "2018-01-04T00:00:00Z";
    cfg->levels[1].advisories = "INTEL-SA-00106,INTEL-SA-00115";

    cfg->module_id = "TDX_01";
    memset(cfg->module_attributes_mask, 0xFF, 8);
    cfg->n_module_levels = 2;
    cfg->module_levels[0] = (synth_isv_level){5, "UpToDate", "2024-03-13T00:00:00Z", NULL};
    cfg->module_levels[1] = (synth_isv_level){3, "OutOfDate", "2023-08-09T00:00:00Z", "INTEL-SA-00960"};

    cfg->qe_id = tee == CCS_TEE_TDX ? "TD_QE" : "QE";
    cfg->qe_issue = SYNTH_T - SYNTH_DAY;
    cfg->qe_next = SYNTH_T + 30 * SYNTH_DAY;
    memcpy(cfg->qei_mrsigner, synth_qe_mrsigner, 32);
    cfg->qei_isvprodid = cfg->qe_isvprodid;
    cfg->qei_miscselect_mask = 0xFFFFFFFFu;
    cfg->qei_attributes[0] = 0x11;
    memset(cfg->qei_attributes_mask, 0xFF, 8);
    cfg->qei_attributes_mask[0] = 0xFB;
    cfg->n_qe_levels = 2;
    cfg->qe_levels[0] = (synth_isv_level){8, "UpToDate", "2024-03-13T00:00:00Z", NULL};
    cfg->qe_levels[1] = (synth_isv_level){6, "OutOfDate", "2021-11-10T00:00:00Z", "INTEL-SA-00615"};
}

/* ---- collateral JSON ------------------------------------------------------------------------ */

static void put_advisories(ccs_buf *b, const char *list) {
    if (list == NULL) return;
    put_str(b, ",\"advisoryIDs\":[");
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        put_fmt(b, "%s\"%.*s\"", p == list ? "" : ",", (int)n, p);
        p += n + (e ? 1 : 0);
    }
    put_str(b, "]");
}

static void put_components(ccs_buf *b, const char *key, const uint8_t c[16]) {
    put_fmt(b, "\"%s\":[", key);
    for (int i = 0; i < 16; i++) put_fmt(b, "%s{\"svn\":%u}", i ? "," : "", c[i]);
    put_str(b, "]");
}

static void put_isv_levels(ccs_buf *b, const synth_isv_level *lv, size_t n) {
    put_str(b, "\"tcbLevels\":[");
    for (size_t i = 0; i < n; i++) {
        put_fmt(b, "%s{\"tcb\":{\"isvsvn\":%u},\"tcbDate\":\"%s\",\"tcbStatus\":\"%s\"", i ? "," : "",
                lv[i].isvsvn, lv[i].date ? lv[i].date : "2024-03-13T00:00:00Z", lv[i].status);
        put_advisories(b, lv[i].advisories);
        put_str(b, "}");
    }
    put_str(b, "]");
}

/* TCB Info v2 (SGX only): the components are members of "tcb". */
static void put_components_v2(ccs_buf *b, const uint8_t c[16]) {
    for (int i = 0; i < 16; i++) put_fmt(b, "%s\"sgxtcbcomp%02dsvn\":%u", i ? "," : "", i + 1, c[i]);
}

static void tcb_info_json(const synth_config *cfg, ccs_buf *b) {
    bool v2 = cfg->tcb_info_version == 2;
    bool tdx = !v2 && strcmp(cfg->tcb_id, "TDX") == 0;
    if (v2)
        put_str(b, "{\"version\":2,\"issueDate\":");
    else
        put_fmt(b, "{\"id\":\"%s\",\"version\":%d,\"issueDate\":", cfg->tcb_id, cfg->tcb_info_version);
    put_time(b, cfg->tcb_issue);
    put_str(b, ",\"nextUpdate\":");
    put_time(b, cfg->tcb_next);
    put_str(b, ",\"fmspc\":\"");
    put_hex(b, cfg->tcb_fmspc, 6);
    put_str(b, "\",\"pceId\":\"");
    put_hex(b, cfg->tcb_pce_id, 2);
    put_fmt(b, "\",\"tcbType\":0,\"tcbEvaluationDataNumber\":%d,", cfg->tcb_eval_num);
    if (tdx) {
        put_str(b, "\"tdxModule\":{\"mrsigner\":\"");
        put_hex(b, cfg->module_mrsigner, 48);
        put_str(b, "\",\"attributes\":\"");
        put_hex(b, cfg->module_attributes, 8);
        put_str(b, "\",\"attributesMask\":\"");
        put_hex(b, cfg->module_attributes_mask, 8);
        put_fmt(b, "\"},\"tdxModuleIdentities\":[{\"id\":\"%s\",\"mrsigner\":\"", cfg->module_id);
        put_hex(b, cfg->module_mrsigner, 48);
        put_str(b, "\",\"attributes\":\"");
        put_hex(b, cfg->module_attributes, 8);
        put_str(b, "\",\"attributesMask\":\"");
        put_hex(b, cfg->module_attributes_mask, 8);
        put_str(b, "\",");
        put_isv_levels(b, cfg->module_levels, cfg->n_module_levels);
        put_str(b, "}],");
    }
    put_str(b, "\"tcbLevels\":[");
    for (size_t i = 0; i < cfg->n_levels; i++) {
        const synth_tcb_level *lv = &cfg->levels[i];
        put_str(b, i ? ",{\"tcb\":{" : "{\"tcb\":{");
        if (v2)
            put_components_v2(b, lv->sgx);
        else
            put_components(b, "sgxtcbcomponents", lv->sgx);
        put_fmt(b, ",\"pcesvn\":%u", lv->pcesvn);
        if (tdx) {
            put_str(b, ",");
            put_components(b, "tdxtcbcomponents", lv->tdx);
        }
        put_fmt(b, "},\"tcbDate\":\"%s\",\"tcbStatus\":\"%s\"", lv->date ? lv->date : "2024-03-13T00:00:00Z",
                lv->status);
        put_advisories(b, lv->advisories);
        put_str(b, "}");
    }
    put_str(b, "]}");
}

static void qe_identity_json(const synth_config *cfg, ccs_buf *b) {
    uint8_t m[4];
    put_fmt(b, "{\"id\":\"%s\",\"version\":2,\"issueDate\":", cfg->qe_id);
    put_time(b, cfg->qe_issue);
    put_str(b, ",\"nextUpdate\":");
    put_time(b, cfg->qe_next);
    put_fmt(b, ",\"tcbEvaluationDataNumber\":%d,\"miscselect\":\"", cfg->tcb_eval_num);
    /* MISCSELECT: the report's little-endian u32, written big-endian. */
    m[0] = (uint8_t)(cfg->qei_miscselect >> 24), m[1] = (uint8_t)(cfg->qei_miscselect >> 16);
    m[2] = (uint8_t)(cfg->qei_miscselect >> 8), m[3] = (uint8_t)cfg->qei_miscselect;
    put_hex(b, m, 4);
    put_str(b, "\",\"miscselectMask\":\"");
    m[0] = (uint8_t)(cfg->qei_miscselect_mask >> 24), m[1] = (uint8_t)(cfg->qei_miscselect_mask >> 16);
    m[2] = (uint8_t)(cfg->qei_miscselect_mask >> 8), m[3] = (uint8_t)cfg->qei_miscselect_mask;
    put_hex(b, m, 4);
    put_str(b, "\",\"attributes\":\"");
    put_hex(b, cfg->qei_attributes, 16);
    put_str(b, "\",\"attributesMask\":\"");
    put_hex(b, cfg->qei_attributes_mask, 16);
    put_str(b, "\",\"mrsigner\":\"");
    put_hex(b, cfg->qei_mrsigner, 32);
    put_fmt(b, "\",\"isvprodid\":%u,", cfg->qei_isvprodid);
    put_isv_levels(b, cfg->qe_levels, cfg->n_qe_levels);
    put_str(b, "}");
}

/* Re-spaces compact JSON: `":` becomes `": ` and `,"` / `,{` get a newline. */
static void prettify(ccs_buf *b) {
    ccs_buf o = {0};
    for (size_t i = 0; i < b->len; i++) {
        put_u8(&o, b->ptr[i]);
        if (b->ptr[i] == ':' && i > 0 && b->ptr[i - 1] == '"') put_u8(&o, ' ');
        if (b->ptr[i] == ',' && i + 1 < b->len && (b->ptr[i + 1] == '"' || b->ptr[i + 1] == '{')) put_str(&o, "\n  ");
    }
    ccs_buf_free(b);
    *b = o;
}

/* body: the signed inner object; doc: {"<key>":body,"signature":"hex"}; sig: hex. */
static void sign_json(EVP_PKEY *k, const char *key, const ccs_buf *body, ccs_buf *doc, ccs_buf *sig_hex) {
    uint8_t sig[64];
    sign_raw(k, body->ptr, body->len, sig);
    NEED(ccs_hex_append(sig_hex, ccs_bytes_of(sig, 64)) == CCS_OK);
    sig_hex->len = 128; /* drop the NUL kept after len, if counted */
    put_fmt(doc, "{\"%s\":", key);
    put(doc, body->ptr, body->len);
    put_str(doc, ",\"signature\":\"");
    put(doc, sig_hex->ptr, 128);
    put_str(doc, "\"}");
}

/* ---- the quote ------------------------------------------------------------------------------ */

static void sgx_report(ccs_buf *q, const uint8_t cpusvn[16], uint32_t misc, const uint8_t attr[16],
                       const uint8_t mrenclave[32], const uint8_t mrsigner[32], uint16_t prodid, uint16_t isvsvn,
                       const uint8_t report_data[64]) {
    uint8_t r[CCS_SGX_REPORT_LEN] = {0};
    memcpy(r, cpusvn, 16);
    r[16] = (uint8_t)misc, r[17] = (uint8_t)(misc >> 8), r[18] = (uint8_t)(misc >> 16), r[19] = (uint8_t)(misc >> 24);
    memcpy(r + 48, attr, 16);
    memcpy(r + 64, mrenclave, 32);
    memcpy(r + 128, mrsigner, 32);
    r[256] = (uint8_t)prodid, r[257] = (uint8_t)(prodid >> 8);
    r[258] = (uint8_t)isvsvn, r[259] = (uint8_t)(isvsvn >> 8);
    memcpy(r + 320, report_data, 64);
    put(q, r, sizeof r);
}

static void tdx_report(ccs_buf *q, const synth_config *cfg, size_t len) {
    uint8_t r[CCS_TDX_REPORT15_LEN] = {0};
    memcpy(r, cfg->tee_tcb_svn, 16);
    memset(r + 16, 0x5E, 48); /* MRSEAM */
    memcpy(r + 64, cfg->mr_signer_seam, 48);
    memcpy(r + 112, cfg->seam_attributes, 8);
    memcpy(r + 120, cfg->td_attributes, 8);
    r[128] = 0xE7; /* XFAM */
    r[129] = 0x02;
    r[130] = 0x06;
    memset(r + 136, 0x7D, 48); /* MRTD */
    for (int i = 0; i < 4; i++) memset(r + 328 + 48 * i, 0x30 + i, 48);
    memcpy(r + 520, cfg->report_data, 64);
    if (len == CCS_TDX_REPORT15_LEN) memcpy(r + 584, cfg->tee_tcb_svn, 16); /* TEE_TCB_SVN_2 */
    put(q, r, len);
}

static void build_quote(synth_ctx *ctx, const synth_config *cfg, const ccs_buf *pem, synth_out *out) {
    ccs_buf *q = &out->quote;
    bool tdx = cfg->tee == CCS_TEE_TDX;
    uint8_t sig[64], att[64], qe_sig[64], zero20[20] = {0};
    EVP_PKEY *pck = ctx->pck_key[cfg->pck_key];

    put_u16(q, cfg->version);
    put_u16(q, 2); /* ECDSA-P256 */
    put_u32(q, tdx ? CCS_DCAP_TEE_TYPE_TDX : CCS_DCAP_TEE_TYPE_SGX);
    put_u16(q, cfg->qe_isvsvn);
    put_u16(q, cfg->pck_pcesvn);
    put(q, intel_qe_vendor, 16);
    put(q, zero20, 20);
    size_t body_len = !tdx ? CCS_SGX_REPORT_LEN
                      : (cfg->version == 5 && cfg->body_type == 3) ? CCS_TDX_REPORT15_LEN
                                                                   : CCS_TDX_REPORT10_LEN;
    if (cfg->version == 5) {
        put_u16(q, tdx ? cfg->body_type : 1);
        put_u32(q, (uint32_t)body_len);
    }
    out->body_off = q->len;
    out->body_len = body_len;
    if (tdx)
        tdx_report(q, cfg, body_len);
    else
        sgx_report(q, cfg->pck_cpusvn, 0, cfg->attributes, cfg->mr_enclave, cfg->mr_signer, 0, 1, cfg->report_data);
    sign_raw(ctx->att_key[0], q->ptr, q->len, sig);
    pub_raw(ctx->att_key[0], att);

    /* The QE report binds the attestation key: REPORTDATA = SHA-256(key || auth) || 0^32. */
    ccs_buf qe = {0};
    uint8_t qe_rd[64] = {0};
    ccs_bytes parts[2] = {ccs_bytes_of(att, 64), ccs_bytes_of(cfg->qe_auth_data, 32)};
    ccs_sha256_v(parts, 2, qe_rd);
    sgx_report(&qe, cfg->pck_cpusvn, cfg->qe_miscselect, cfg->qe_attributes, (const uint8_t[32]){0x9E},
               cfg->qe_mrsigner, cfg->qe_isvprodid, cfg->qe_isvsvn, qe_rd);
    sign_raw(pck, qe.ptr, qe.len, qe_sig);

    size_t chain_len = 2 + 4 + pem->len;
    size_t qe_part = CCS_SGX_REPORT_LEN + 64 + 2 + 32;
    size_t sig_len = 64 + 64 + (cfg->version == 3 ? qe_part + chain_len : 2 + 4 + qe_part + chain_len);
    put_u32(q, (uint32_t)sig_len);
    put(q, sig, 64);
    out->att_key_off = q->len;
    if (cfg->swap_att_key) pub_raw(ctx->att_key[1], att);
    put(q, att, 64);
    if (cfg->version != 3) {
        put_u16(q, 6);
        put_u32(q, (uint32_t)(qe_part + chain_len));
    }
    out->qe_report_off = q->len;
    put(q, qe.ptr, qe.len);
    put(q, qe_sig, 64);
    put_u16(q, 32);
    out->qe_auth_off = q->len;
    put(q, cfg->qe_auth_data, 32);
    put_u16(q, 5);
    put_u32(q, (uint32_t)pem->len);
    put(q, pem->ptr, pem->len);
    ccs_buf_free(&qe);
}

/* ---- build -------------------------------------------------------------------------------- */

int synth_build(synth_ctx *ctx, const synth_config *cfg, synth_out *out) {
    ccs_buf ext = {0};
    memset(out, 0, sizeof *out);
    if (cfg->pck_key < 0 || cfg->pck_key > 1 || cfg->n_levels > SYNTH_MAX_LEVELS ||
        cfg->n_qe_levels > SYNTH_MAX_LEVELS || cfg->n_module_levels > SYNTH_MAX_LEVELS ||
        (cfg->tcb_info_version != 2 && cfg->tcb_info_version != 3))
        return -1;

    /* The PCK's CA, and the CA whose CRL is served. */
    X509 *ca = cfg->pck_processor_ca ? ctx->processor_ca : ctx->ca;
    EVP_PKEY *ca_key = cfg->pck_processor_ca ? ctx->processor_key : ctx->ca_key;
    long ca_serial = cfg->pck_processor_ca ? SERIAL_PROCESSOR_CA : SERIAL_CA;
    X509 *crl_ca = cfg->pck_crl_from_platform ? ctx->ca : ca;
    EVP_PKEY *crl_key = cfg->pck_crl_from_platform ? ctx->ca_key : ca_key;

    /* Certificates that depend on the configuration. */
    sgx_extension(cfg, &ext);
    X509 *pck = make_cert("Intel SGX PCK Certificate", ctx->pck_key[cfg->pck_key], ca, ca_key,
                          SERIAL_PCK + cfg->pck_key, cfg->pck_not_before, cfg->pck_not_after, CERT_LEAF, &ext);
    ccs_buf_free(&ext);
    X509 *signer = make_cert("Intel SGX TCB Signing", ctx->tcb_key, ctx->root, ctx->root_key, SERIAL_TCB_SIGNER,
                             cfg->tcb_signer_not_before, cfg->tcb_signer_not_after, CERT_LEAF, NULL);
    put_pem(&out->pck_chain, pck);
    if (cfg->pck_decoy_ca) put_pem(&out->pck_chain, ctx->decoy_ca);
    put_pem(&out->pck_chain, ca);
    switch (cfg->pck_chain_shape) {
    case SYNTH_CHAIN_FULL: put_pem(&out->pck_chain, ctx->root); break;
    case SYNTH_CHAIN_NO_ROOT: break;
    case SYNTH_CHAIN_EXTRA:
        put_pem(&out->pck_chain, ctx->root);
        put_pem(&out->pck_chain, signer);
        break;
    case SYNTH_CHAIN_OTHER_ROOT: put_pem(&out->pck_chain, ctx->other_root); break;
    default: NEED(!"a known pck_chain_shape");
    }
    put_pem(&out->tcb_chain, signer);
    put_pem(&out->tcb_chain, ctx->root);
    NEED(ccs_buf_set(&out->qe_chain, ccs_buf_view(&out->tcb_chain)) == CCS_OK);
    put_pem(&out->pck_crl_chain, crl_ca);
    put_pem(&out->pck_crl_chain, ctx->root);

    /* CRLs. */
    if (cfg->pck_crl_present) {
        long rev = SERIAL_PCK + cfg->pck_key;
        make_crl(&out->pck_crl, crl_ca, cfg->pck_crl_rogue_signer ? ctx->rogue_key : crl_key, cfg->pck_crl_this,
                 cfg->pck_crl_next, &rev, cfg->pck_crl_revoke_pck ? 1 : 0, cfg->crl_awkward_tail ? 0x00 : -1);
    }
    if (cfg->root_crl_present) {
        long rev[2];
        size_t n = 0;
        if (cfg->root_crl_revoke_ca) rev[n++] = ca_serial;
        if (cfg->root_crl_revoke_tcb_signer) rev[n++] = SERIAL_TCB_SIGNER;
        make_crl(&out->root_crl, ctx->root, ctx->root_key, cfg->root_crl_this, cfg->root_crl_next, rev, n,
                 cfg->crl_awkward_tail ? 0x0a : -1);
    }

    /* Signed collateral JSON. */
    g_lower_hex = cfg->json_lower_hex;
    tcb_info_json(cfg, &out->tcb_info_body);
    if (cfg->json_pretty) prettify(&out->tcb_info_body);
    sign_json(ctx->tcb_key, "tcbInfo", &out->tcb_info_body, &out->tcb_info, &out->tcb_info_sig);
    qe_identity_json(cfg, &out->qe_identity_body);
    g_lower_hex = false;
    if (cfg->json_pretty) prettify(&out->qe_identity_body);
    sign_json(ctx->tcb_key, "enclaveIdentity", &out->qe_identity_body, &out->qe_identity, &out->qe_identity_sig);

    build_quote(ctx, cfg, &out->pck_chain, out);

    out->raw.tcb_info = ccs_buf_view(&out->tcb_info);
    out->raw.tcb_info_issuer_chain = ccs_buf_view(&out->tcb_chain);
    out->raw.qe_identity = ccs_buf_view(&out->qe_identity);
    out->raw.qe_identity_issuer_chain = ccs_buf_view(&out->qe_chain);
    out->raw.pck_crl = ccs_buf_view(&out->pck_crl);
    out->raw.pck_crl_issuer_chain = ccs_buf_view(&out->pck_crl_chain);
    out->raw.root_ca_crl = ccs_buf_view(&out->root_crl);

    unsigned char *der = NULL;
    int n = i2d_X509(ctx->root, &der);
    NEED(n > 0);
    NEED(ccs_x509_parse_der(ccs_bytes_of(der, (size_t)n), &out->root) == CCS_OK);
    OPENSSL_free(der);
    X509_free(pck);
    X509_free(signer);
    return 0;
}

void synth_out_free(synth_out *out) {
    if (out == NULL) return;
    ccs_buf *bufs[] = {&out->quote,         &out->tcb_info,       &out->qe_identity,     &out->tcb_info_body,
                       &out->tcb_info_sig,  &out->qe_identity_body, &out->qe_identity_sig, &out->tcb_chain,
                       &out->qe_chain,      &out->pck_crl,        &out->pck_crl_chain,   &out->root_crl,
                       &out->pck_chain};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) ccs_buf_free(bufs[i]);
    ccs_x509_free(out->root);
    memset(out, 0, sizeof *out);
}
