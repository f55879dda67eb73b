/* Groups of tests in test_kbs; each returns the number of failures. Add a
 * group: declare it here and call it from main.c. */
#ifndef CCS_KBS_TESTS_H
#define CCS_KBS_TESTS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "ccs/core.h"

/* Asserts the status of expr, printing the error detail when it differs. */
#define check_st(expr, want)                                                                                \
    do {                                                                                                    \
        ccs_status got_ = (expr);                                                                           \
        if (got_ != (want))                                                                                 \
            fail_msg("%s: got %s, want %s (%s)", #expr, ccs_status_name(got_), ccs_status_name(want),      \
                     ccs_error_detail());                                                                   \
    } while (0)

/* The error detail without the " (file:line)" that debug builds append. */
static inline bool detail_is(const char *want) {
    const char *d = ccs_error_detail();
    size_t n = strlen(want);
    return strncmp(d, want, n) == 0 && (d[n] == '\0' || strncmp(d + n, " (", 2) == 0);
}
#define assert_detail(want)                                                                                 \
    do {                                                                                                    \
        if (!detail_is(want)) fail_msg("detail \"%s\", want \"%s\"", ccs_error_detail(), (want));          \
    } while (0)

/* JCS, report-data binding, EAR/JWT/admin tokens, resource JWE (jose_test.c). */
int ccs_test_jose(void);
/* The SQLite store (store_test.c) and the attestation and resource policies
 * (policy_test.c). */
int ccs_test_store(void);
int ccs_test_policy(void);
/* The HTTP(S) server in-process (server_test.c), under load and SIGKILL
 * (server_load_test.c). */
int ccs_test_server(void);
int ccs_test_server_load(void);
/* init-data binding through the server (initdata_test.c). */
int ccs_test_initdata(void);

int ccs_test_coll_cache(void);
/* Request bodies: the fast parser against jansson (json_body_test.c). */
int ccs_test_json_body(void);
/* The per-loop cache of EAR claims (token_cache_test.c). */
int ccs_test_token_cache(void);
/* Stateless session-challenge cookies (challenge_test.c). */
int ccs_test_challenge(void);

#endif
