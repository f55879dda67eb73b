/* The evidence formats `ccs attest verify` dispatches to. A format's name is
 * its --tee value and what ccs_evidence_kind() returns for its bytes. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_format formats[] = {
    {"sgx", "dcap", ccs_cli_verify_dcap},
    {"tdx", "dcap", ccs_cli_verify_dcap},
    {"tpm", "tpm", ccs_cli_verify_tpm},
    {"snp", "snp", ccs_cli_verify_snp},
    {"csv", "csv", ccs_cli_verify_csv},
};

const cli_format *ccs_cli_format(const char *name) {
    for (size_t i = 0; name && i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i].name, name) == 0) return &formats[i];
    return NULL;
}

bool ccs_cli_same_format(const char *a, const char *b) {
    const cli_format *fa = ccs_cli_format(a), *fb = ccs_cli_format(b);
    return fa && fb && fa == fb;
}

const char *ccs_cli_format_list(void) {
    static char list[256];
    size_t n = 0;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? "|" : "", formats[i].name);
    return list;
}

void ccs_cli_print_hex_row(const char *name, const uint8_t *p, size_t n) {
    char buf[2 * 64 + 1];
    if (n <= 64 && ccs_hex_encode(ccs_bytes_of(p, n), buf, sizeof buf) == CCS_OK) printf("  %-16s %s\n", name, buf);
}
