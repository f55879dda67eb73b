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

#endif
