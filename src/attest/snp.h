/* SEV-SNP verifier internals shared by src/attest/snp*.c (private). */
#ifndef CCS_ATTEST_SNP_H
#define CCS_ATTEST_SNP_H

#include <pthread.h>

#include "ccs/attest.h"

/* A chain verdict remembered per pinned ARK (product), with the window of
 * times for which it holds (intersection of the certificates' validity). */
typedef struct snp_chain_memo {
    bool ok;
    ccs_time lo, hi;
} snp_chain_memo;

struct ccs_snp_collateral {
    pthread_mutex_t lock;
    const ccs_x509 *key_cert; /* VCEK or VLEK: chain[0] */
    ccs_x509_chain *chain;  /* key_cert, then the cert_chain certificates */
    size_t n_issuers;       /* certificates from cert_chain */
    ccs_pubkey *key;        /* the key certificate's public key; NULL if unusable */
    snp_chain_memo memo[4]; /* by ccs_snp_product */
    ccs_crl *crl;           /* the ARK's CRL (snp_crl.c); NULL: not checked */
    ccs_buf crl_der;        /* its DER bytes (serials are read from them) */
};

/* VCEK/VLEK extensions (KDS spec #57230, "VCEK certificate extensions"),
 * each parsed strictly from its DER value. */
typedef struct snp_cert_ext {
    ccs_snp_product product; /* from .1.2 (product name); UNKNOWN if absent */
    bool has_product;
    ccs_snp_tcb tcb;         /* .1.3.1 boot loader, .3.2 TEE, .3.3 SNP, .3.8 microcode, .3.9 FMC */
    bool has_fmc;
    uint8_t hwid[64];        /* .1.4; 64 bytes (Milan, Genoa) or 8 (Turin) */
    size_t hwid_len;         /* 0 when absent */
} snp_cert_ext;

/* The TCB fields of the key certificate; fails (with a message) when one is
 * missing or not a DER INTEGER 0..255. hwID and product are optional here. */
CCS_MUST_USE ccs_status ccs_snp_cert_ext_parse(const ccs_x509 *cert, snp_cert_ext *out);
/* Strict DER readers of the extension values (exposed for tests). */
CCS_MUST_USE ccs_status ccs_snp_der_u8(ccs_bytes der, uint8_t *out);
CCS_MUST_USE ccs_status ccs_snp_der_product(ccs_bytes der, ccs_snp_product *out);
CCS_MUST_USE ccs_status ccs_snp_der_hwid(ccs_bytes der, uint8_t out[64], size_t *len);
/* Product from an ASK/ASVK or key certificate issuer CN: "SEV-Milan",
 * "SEV-VLEK-Genoa", ...; UNKNOWN otherwise. */
ccs_snp_product ccs_snp_product_from_cn(const char *cn);

/* The ARK pinned for a product (the compiled-in one, or a test root set
 * with ccs__snp_set_test_ark); NULL for UNKNOWN or one that does not parse. */
const ccs_x509 *ccs_snp_pinned_ark(ccs_snp_product p);
/* TESTS ONLY: makes `ark` (owned by the caller, kept alive until reset with
 * NULL) the pinned ARK of product p. Not thread-safe; no production caller. */
void ccs__snp_set_test_ark(ccs_snp_product p, const ccs_x509 *ark);

/* Judges the collateral's CRL (snp_crl.c) against the ARK at `now`: the
 * signature (RSA-PSS/SHA-384, or ECDSA-SHA-384 for test roots) by the ARK,
 * the window, then the issuing certificate (ASK/ASVK) and the key
 * certificate (VCEK/VLEK) by serial. CCS_ERR_SIGNATURE, CCS_ERR_EXPIRED,
 * CCS_ERR_REVOKED, CCS_ERR_FORMAT; the detail is the check's message. */
CCS_MUST_USE ccs_status ccs_snp_crl_judge(const ccs_snp_collateral *c, const ccs_x509 *ark, bool vlek,
                                          ccs_time now);
/* The DER serialNumber (INTEGER contents) of a certificate. */
CCS_MUST_USE ccs_status ccs_snp_cert_serial(const ccs_x509 *cert, ccs_bytes *out);

#endif
