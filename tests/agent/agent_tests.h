/* Groups of tests in test_agent; each returns the number of failures. Add a
 * group: declare it here and call it from main.c. */
#ifndef CCS_AGENT_TESTS_H
#define CCS_AGENT_TESTS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "ccs/core.h"

/* Asserts st, printing the error detail when it differs. */
#define assert_status(expr, want)                                                                     \
    do {                                                                                              \
        ccs_status got_ = (expr);                                                                     \
        if (got_ != (want))                                                                           \
            fail_msg("%s: got %s, want %s (%s)", #expr, ccs_status_name(got_), ccs_status_name(want), \
                     ccs_error_detail());                                                             \
    } while (0)

/* The sim platform all groups share (created once by main.c). */
#define AGENT_SIM_DIR CCS_TEST_TMP "/sim"

/* URIs, report-data binding, KBS error mapping, JWE (proto_test.c). */
int ccs_test_agent_proto(void);
/* Evidence shapes and the /attest body with the sim backend (evidence_test.c). */
int ccs_test_agent_evidence(void);
/* The loopback REST endpoint (rest_test.c). */
int ccs_test_agent_rest(void);
/* The whole RCAR flow against an in-process KBS (e2e_test.c). */
int ccs_test_agent_e2e(void);

/* An HTTP GET through libcurl to 127.0.0.1:port (rest_test.c): the status,
 * the body appended to body; host overrides the Host header when non-NULL. */
long agent_test_http_get(uint16_t port, const char *path, const char *host, ccs_buf *body);

#endif
