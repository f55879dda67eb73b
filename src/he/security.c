/* The HomomorphicEncryption.org security standard (2018), classical
 * security, ternary (or uniform) secret: the largest log2 q for each ring
 * degree, the same bounds SEAL enforces (util/hestdparms.h). */
#include "he_internal.h"

static const struct {
    size_t n;
    unsigned bits[3]; /* 128, 192, 256 */
} TABLE[] = {
    {1024, {27, 19, 14}},   {2048, {54, 37, 29}},    {4096, {109, 75, 58}},
    {8192, {218, 152, 118}}, {16384, {438, 305, 237}}, {32768, {881, 611, 476}},
};

unsigned ccs_he_max_log_q(size_t n, unsigned security) {
    int col = security == 128 ? 0 : security == 192 ? 1 : security == 256 ? 2 : -1;
    if (col < 0) return 0;
    for (size_t i = 0; i < sizeof TABLE / sizeof *TABLE; i++)
        if (TABLE[i].n == n) return TABLE[i].bits[col];
    return 0;
}

ccs_status ccs_he_security_check(size_t n, unsigned total_bits, unsigned security, bool insecure_allow) {
    unsigned max = ccs_he_max_log_q(n, security);
    CCS_ENSURE(security == 128 || security == 192 || security == 256, CCS_ERR_INVALID_ARG,
               "he: security level %u (128, 192 or 256)", security);
    if (insecure_allow) return CCS_OK;
    CCS_ENSURE(max != 0, CCS_ERR_POLICY, "he: insecure parameters: degree %zu is not in the security table", n);
    CCS_ENSURE(total_bits <= max, CCS_ERR_POLICY,
               "he: insecure parameters: a %u-bit modulus at degree %zu gives less than %u-bit security (at most %u bits)",
               total_bits, n, security, max);
    return CCS_OK;
}
