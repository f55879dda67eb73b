/* The whole RCAR flow against an in-process KBS: pending the server
 * (include/ccs/kbs.h). */
#include "agent_tests.h"

int ccs_test_agent_e2e(void) { return 0; }
