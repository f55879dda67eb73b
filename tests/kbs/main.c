/* test_kbs: every group of kbs tests, one program (DESIGN.md). */
#include "kbs_tests.h"

int main(void) {
    int failed = 0;
    failed += ccs_test_jose();
    failed += ccs_test_store();
    failed += ccs_test_policy();
    failed += ccs_test_server();
    failed += ccs_test_server_load();
    failed += ccs_test_initdata();
    failed += ccs_test_coll_cache();
    failed += ccs_test_json_body();
    failed += ccs_test_token_cache();
    failed += ccs_test_challenge();
    return failed ? 1 : 0;
}
