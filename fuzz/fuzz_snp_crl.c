/* Fuzz target: the AMD SEV-SNP CRL as the collateral takes it
 * (ccs_snp_collateral_set_crl: OpenSSL's CRL parser, then snp_crl.c's own
 * DER walk to the signature algorithm and the revoked serials) and as the
 * verifier judges it against the compiled-in ARK-Genoa, which signed none
 * of these inputs: the judgement must fail closed. The certificate serial
 * reader (ccs_snp_cert_serial) runs on whatever OpenSSL accepts as a
 * certificate. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ccs/attest.h"
#include "snp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_bytes in = ccs_bytes_of(data, size);
    static ccs_snp_collateral *c;
    static ccs_x509 *ark;
    if (c == NULL) {
        ccs_bytes der = ccs_snp_ark_der(CCS_SNP_PRODUCT_GENOA);
        if (ccs_snp_collateral_load(der, ccs_bytes_of(NULL, 0), &c) != CCS_OK ||
            ccs_x509_parse_der(der, &ark) != CCS_OK)
            __builtin_trap();
    }
    if (ccs_snp_collateral_set_crl(c, in) == CCS_OK) {
        /* No input is signed by AMD's ARK: never accepted. */
        if (ccs_snp_crl_judge(c, ark, false, 1748736000) == CCS_OK) __builtin_trap();
        if (ccs_snp_crl_judge(c, ark, true, 1748736000) == CCS_OK) __builtin_trap();
    }
    ccs_x509 *cert = NULL;
    if (ccs_x509_parse_der(in, &cert) == CCS_OK) {
        ccs_bytes serial;
        /* The serial lies inside the certificate's own DER. */
        if (ccs_snp_cert_serial(cert, &serial) == CCS_OK) {
            ccs_bytes whole = ccs_x509_der(cert);
            if (serial.len > whole.len || serial.ptr < whole.ptr || serial.ptr + serial.len > whole.ptr + whole.len)
                __builtin_trap();
        }
        ccs_x509_free(cert);
    }
    return 0;
}
