/* test_agent: every group of agent tests, one program (DESIGN.md). */
#include <signal.h>
#include <stdio.h>

#include "agent_tests.h"
#include "ccs/tee.h"

int main(void) {
    signal(SIGPIPE, SIG_IGN); /* the servers (agent REST, in-process KBS) write to sockets */
    if (ccs_sim_init(AGENT_SIM_DIR, ccs_time_now(), true) != CCS_OK) {
        fprintf(stderr, "sim init: %s\n", ccs_error_detail());
        return 1;
    }
    int failed = 0;
    failed += ccs_test_agent_proto();
    failed += ccs_test_agent_evidence();
    failed += ccs_test_agent_rest();
    failed += ccs_test_agent_e2e();
    return failed ? 1 : 0;
}
