/* Fuzz target: collateral parsers (dcap-qvl JSON object; TCB Info and QE
 * Identity documents in PCS response form). */
#include <stddef.h>
#include <stdint.h>

#include "ccs/attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_collateral *c = NULL;
    ccs_bytes in = ccs_bytes_of(data, size);
    if (ccs_collateral_load_dcapqvl(in, &c) == CCS_OK) (void)ccs_collateral_expiry(c);
    ccs_collateral_free(c);
    c = NULL;
    /* The same bytes as a TCB Info and as a QE Identity response body. */
    ccs_collateral_raw raw = {.tcb_info = in, .qe_identity = in};
    if (ccs_collateral_load(&raw, &c) == CCS_OK) (void)ccs_collateral_tee(c);
    ccs_collateral_free(c);
    return 0;
}
