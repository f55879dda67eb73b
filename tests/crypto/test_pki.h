/* A throwaway P-256 PKI built at test time with OpenSSL: root CA,
 * intermediate CA, leaf, and CRLs, for the revocation and chain tests. */
#ifndef CCS_TEST_PKI_H
#define CCS_TEST_PKI_H

#include <stdbool.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ccs/crypto.h"

typedef struct test_pki {
    EVP_PKEY *root_key, *inter_key, *leaf_key;
    X509 *root, *inter, *leaf;
} test_pki;

/* Builds root -> intermediate -> leaf, all valid [not_before, not_after].
 * Aborts the test (cmocka assert) on any OpenSSL failure. */
void test_pki_build(test_pki *p, time_t not_before, time_t not_after);
void test_pki_free(test_pki *p);

EVP_PKEY *test_pki_key(void);
/* A certificate for cn/key signed by issuer_key; issuer NULL = self-signed. */
X509 *test_pki_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, bool ca, long serial,
                    time_t not_before, time_t not_after);
/* A CRL named after issuer, signed with sign_key, listing `revoked` (may be
 * NULL), valid [this_update, next_update]. */
X509_CRL *test_pki_crl(X509 *issuer, EVP_PKEY *sign_key, X509 *revoked, time_t this_update, time_t next_update);

/* Conversions into the ccs types (through their public parsers). */
ccs_x509 *test_pki_ccs_cert(X509 *x);
ccs_crl *test_pki_ccs_crl(X509_CRL *crl);
/* A chain from PEM text of certs[0..n-1], leaf first. */
ccs_x509_chain *test_pki_ccs_chain(X509 *const *certs, size_t n);

#endif
