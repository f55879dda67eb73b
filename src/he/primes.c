/* NTT-friendly primes: deterministic Miller-Rabin for 64-bit integers and
 * the search for the largest primes p < 2^bits with p = 1 mod 2n (the
 * condition for a primitive 2n-th root of unity mod p, which the negacyclic
 * NTT needs). */
#include "he_internal.h"

uint64_t ccs_he_pow_mod(uint64_t b, uint64_t e, uint64_t q) {
    uint64_t r = 1 % q;
    b %= q;
    while (e) {
        if (e & 1) r = he_mulmod(r, b, q);
        b = he_mulmod(b, b, q);
        e >>= 1;
    }
    return r;
}

uint64_t ccs_he_inv_mod(uint64_t a, uint64_t q) { return ccs_he_pow_mod(a, q - 2, q); }

/* One Miller-Rabin round with base a; n odd, n - 1 = d 2^s. */
static bool mr_round(uint64_t n, uint64_t d, unsigned s, uint64_t a) {
    a %= n;
    if (a == 0) return true;
    uint64_t x = ccs_he_pow_mod(a, d, n);
    if (x == 1 || x == n - 1) return true;
    for (unsigned i = 1; i < s; i++) {
        x = he_mulmod(x, x, n);
        if (x == n - 1) return true;
    }
    return false;
}

bool ccs_he_is_prime(uint64_t n) {
    static const uint64_t small[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
    if (n < 2) return false;
    for (size_t i = 0; i < sizeof small / sizeof *small; i++) {
        if (n == small[i]) return true;
        if (n % small[i] == 0) return false;
    }
    uint64_t d = n - 1;
    unsigned s = 0;
    while ((d & 1) == 0) d >>= 1, s++;
    /* These twelve bases decide every n < 3.3e24 (Sorenson and Webster). */
    for (size_t i = 0; i < sizeof small / sizeof *small; i++)
        if (!mr_round(n, d, s, small[i])) return false;
    return true;
}

ccs_status ccs_he_primes(size_t n, unsigned bits, size_t count, uint64_t *out) {
    CCS_ENSURE(out != NULL && count > 0, CCS_ERR_INVALID_ARG, "he: bad arguments");
    CCS_ENSURE(n >= 2 && (n & (n - 1)) == 0 && n <= CCS_HE_N_MAX, CCS_ERR_INVALID_ARG,
               "he: degree %zu is not a power of two up to %u", n, CCS_HE_N_MAX);
    CCS_ENSURE(bits >= 20 && bits <= CCS_HE_Q_BITS_MAX, CCS_ERR_INVALID_ARG, "he: prime size %u bits (20..%u)", bits,
               CCS_HE_Q_BITS_MAX);
    uint64_t step = 2 * (uint64_t)n, top = (uint64_t)1 << bits;
    /* The largest candidate below 2^bits that is 1 mod 2n. */
    uint64_t p = (top - 1) - ((top - 1) % step) + 1;
    if (p >= top) p -= step;
    size_t found = 0;
    for (; found < count && p > step && p > (top >> 1); p -= step)
        if (ccs_he_is_prime(p)) out[found++] = p;
    CCS_ENSURE(found == count, CCS_ERR_NOT_FOUND, "he: only %zu primes of %u bits are 1 mod %zu", found, bits,
               (size_t)step);
    return CCS_OK;
}
