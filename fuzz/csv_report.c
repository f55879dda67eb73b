/* Fuzz target: the Hygon CSV report parser (raw v1, the v1/v2 wrapper, and
 * trustee JSON), the CCEL (SM3 event log) replay, the "ca"
 * and "csv" certificate parsers, and the verifier on whatever parses (with
 * the built-in HRK and, when the input is long enough, an HSK/CEK taken from
 * its tail so the chain code runs too). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ccs/attest.h"
#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_bytes in = ccs_bytes_of(data, size);
    csv_cert c;
    ccs_csv_result r;
    if (ccs_csv_ca_cert_parse(in, &c) == CCS_OK && c.user_id.len > 254) __builtin_trap();
    if (ccs_csv_cert_parse(in, &c) == CCS_OK) {
        if (c.user_id.ptr < data || c.user_id.ptr + c.user_id.len > data + size) __builtin_trap();
    }
    uint8_t rtmr[CCS_CSV_RTMRS][32];
    size_t n_events = 0;
    if (ccs_csv_ccel_replay(in, rtmr, &n_events) == CCS_OK && n_events > size / 14) __builtin_trap();
    /* A prefix as a certificate of each format. */
    if (size >= CCS_CSV_CERT_LEN && ccs_csv_cert_parse(ccs_bytes_of(data, CCS_CSV_CERT_LEN), &c) == CCS_OK &&
        c.n_sig != 2)
        __builtin_trap();
    /* Binary input long enough for report || HSK || CEK: split it so. */
    ccs_csv_certs certs = {{0}, {0}, {0}};
    size_t pair = CCS_CSV_CA_CERT_LEN + CCS_CSV_CERT_LEN;
    if (size >= CCS_CSV_REPORT_LEN + pair && data[0] != '{') {
        certs.hsk = ccs_bytes_of(data + size - pair, CCS_CSV_CA_CERT_LEN);
        certs.cek = ccs_bytes_of(data + size - CCS_CSV_CERT_LEN, CCS_CSV_CERT_LEN);
        in.len -= pair;
    }
    /* The input also as its own event log (runs the RTMR comparison on v2). */
    ccs_csv_options opt = {.event_log = in};
    ccs_status st = ccs_csv_verify(in, &certs, &opt, &r);
    if ((st == CCS_OK) != r.pass || r.report_version > 2) __builtin_trap();
    st = ccs_csv_verify(in, &certs, NULL, &r);
    if ((st == CCS_OK) != r.pass) __builtin_trap();
    if (r.n_failed > CCS_DCAP_MAX_FAILED || strlen(r.chip_id) > 64) __builtin_trap();
    return 0;
}
