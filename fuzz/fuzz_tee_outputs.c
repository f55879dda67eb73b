/* Fuzz target: what the TEE drivers hand back, as the tee backends check it
 * before anything leaves the machine: a configfs-tsm outblob (TDX quote,
 * SNP report), an SGX quote, the SNP_GET_REPORT response (MSG_REPORT_RSP)
 * and a Hygon CSV report. Each check is run with report data taken from the
 * input's head, so matching data is reachable; a copied-out SNP report is
 * always exactly one report long. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_bytes in = ccs_bytes_of(data, size);
    uint8_t rd[64] = {0}, mnonce[16] = {0};
    memcpy(rd, data, size < sizeof rd ? size : sizeof rd);
    if (size > 80) memcpy(mnonce, data + 64, sizeof mnonce);
    const bool tdx = ccs_tdx_check_outblob(in, rd) == CCS_OK, sgx = ccs_sgx_check_quote(in, rd) == CCS_OK;
    if (tdx && sgx) __builtin_trap(); /* a quote's header names one TEE */
    const bool snp = ccs_snp_check_report(in, rd) == CCS_OK, csv = ccs_csv_check_report(in, rd, mnonce) == CCS_OK;
    (void)snp, (void)csv;
    ccs_buf report = {0};
    if (ccs_snp_parse_report_resp(in, rd, &report) == CCS_OK && report.len != 0x4A0) __builtin_trap();
    ccs_buf_free(&report);
    return 0;
}
