/* Element-wise arithmetic mod q on residues in [0, q). */
#include "he_internal.h"

void ccs_he_add_mod(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q) {
    for (size_t i = 0; i < n; i++) {
        uint64_t s = a[i] + b[i];
        r[i] = s >= q ? s - q : s;
    }
}

void ccs_he_sub_mod(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q) {
    for (size_t i = 0; i < n; i++) r[i] = a[i] >= b[i] ? a[i] - b[i] : a[i] + q - b[i];
}

void ccs_he_mul_mod(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q) {
    for (size_t i = 0; i < n; i++) r[i] = he_mulmod(a[i], b[i], q);
}
