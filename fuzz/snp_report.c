/* Fuzz target: the SEV-SNP report parser, the strict VCEK extension value
 * readers, and the verifier on every input (with the compiled-in ARK-Genoa
 * standing in as the key certificate, so every check after parsing runs and
 * fails closed), plus the collateral loader on the raw bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ccs/attest.h"
#include "snp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_bytes in = ccs_bytes_of(data, size);
    ccs_snp_report r;
    if (ccs_snp_report_parse(in, &r) == CCS_OK) {
        /* Every view lies inside the input; the signed part is its head. */
        if (r.signed_data.ptr != data || r.signed_data.len != CCS_SNP_SIGNED_LEN) __builtin_trap();
        if (r.chip_id.ptr < data || r.chip_id.ptr + r.chip_id.len > data + size) __builtin_trap();
        if (r.sig_s.ptr + r.sig_s.len > data + size) __builtin_trap();
        if (r.version < 2 || r.version > 5) __builtin_trap();
        (void)ccs_snp_report_product(&r);
        (void)ccs_snp_tcb_decode(r.reported_tcb, ccs_snp_report_product(&r));
    }
    uint8_t v, hw[64];
    size_t n;
    ccs_snp_product p;
    if (ccs_snp_der_u8(in, &v) == CCS_OK && size > 4) __builtin_trap();
    if (ccs_snp_der_product(in, &p) == CCS_OK && p == CCS_SNP_PRODUCT_UNKNOWN) __builtin_trap();
    if (ccs_snp_der_hwid(in, hw, &n) == CCS_OK && n != 64 && n != 8) __builtin_trap();
    static ccs_snp_collateral *ark_as_key;
    if (ark_as_key == NULL &&
        ccs_snp_collateral_load(ccs_snp_ark_der(CCS_SNP_PRODUCT_GENOA), ccs_bytes_of(NULL, 0), &ark_as_key) != CCS_OK)
        __builtin_trap();
    ccs_snp_options opt = {.now = 1748736000};
    ccs_snp_result res;
    if (ccs_snp_verify(in, ark_as_key, &opt, &res) != CCS_ERR_VERIFY || res.pass || res.n_failed == 0)
        __builtin_trap();
    ccs_snp_collateral *c = NULL;
    if (ccs_snp_collateral_load(in, ccs_bytes_of(NULL, 0), &c) == CCS_OK) ccs_snp_collateral_free(c);
    return 0;
}
