/* Shared declarations of the crypto test program: one cmocka group per file,
 * all run from test_main.c. */
#ifndef CCS_TEST_CRYPTO_H
#define CCS_TEST_CRYPTO_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ccs/core.h"
#include "ccs/crypto.h"

/* Unix time the Intel SGX v3 data is verified at: 2025-06-19T11:00:00Z. */
#define TEST_INTEL_ASOF 1750330800

/* Reads CCS_TEST_DATA/<rel> into out (asserts on failure). */
void test_read_data(const char *rel, ccs_buf *out);
/* Parses an RFC 3339 time (asserts on failure). */
ccs_time test_time(const char *rfc3339);

int test_group_digest_ecdsa(void);
int test_group_wycheproof(void);
int test_group_x509_intel(void);
int test_group_revocation(void);
int test_group_parsers(void);
int test_group_build(void);     /* test_build.c */
int test_group_kdf_aead(void);  /* test_kdf_aead.c */
int test_group_sm(void);
int test_group_rsa(void);

#endif
