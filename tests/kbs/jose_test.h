/* Helpers shared by the token and JWE tests (jose_test.c, jose_jwe_test.c). */
#ifndef CCS_KBS_JOSE_TEST_H
#define CCS_KBS_JOSE_TEST_H

#include "kbs_tests.h"

#include <jansson.h>

#include "kbs_internal.h"

/* Asserts st, printing the error detail when it differs (kbs_tests.h). */
#define assert_status(expr, want) check_st(expr, want)

/* A fresh key made by libjose: {"kty":"EC","crv":crv} or {"kty":"RSA","bits":n}. */
json_t *jose_test_gen_ec(const char *crv);
json_t *jose_test_gen_rsa(int bits);
/* The public half of a private JWK (new reference). */
json_t *jose_test_public(const json_t *jwk);

int ccs_test_jose_jwe(void);

#endif
