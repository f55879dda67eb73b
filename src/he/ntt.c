/* The negacyclic NTT over Z_q[X]/(X^n + 1), portable path and tables.
 *
 * Forward: Cooley-Tukey, natural order in, bit-reversed order out, with the
 * powers of psi (a primitive 2n-th root of unity) merged into the twiddles
 * so no separate pre-multiplication is needed. Harvey's lazy butterflies:
 * values stay in [0, 4q) between stages and each twiddle product uses its
 * precomputed Shoup companion floor(w 2^64 / q), so a product costs two
 * multiplications and no division. Inverse: Gentleman-Sande with the
 * inverse twiddles in reverse stage order, then a multiplication by n^-1.
 * The AVX-512 IFMA path (ntt_avx512.c) computes the same values. */
#include <stdlib.h>
#include <string.h>

#include "he_internal.h"

static unsigned log2_exact(size_t n) {
    unsigned l = 0;
    while (((size_t)1 << l) < n) l++;
    return l;
}

static size_t bitrev(size_t x, unsigned bits) {
    size_t r = 0;
    for (unsigned i = 0; i < bits; i++, x >>= 1) r = (r << 1) | (x & 1);
    return r;
}

/* A primitive 2n-th root of unity: x^((q-1)/2n) with order exactly 2n, i.e.
 * its n-th power is -1. The smallest such root, for reproducible tables. */
static uint64_t find_psi(size_t n, uint64_t q) {
    uint64_t e = (q - 1) / (2 * n), best = 0;
    for (uint64_t x = 2; x < q && x < 1000; x++) {
        uint64_t r = ccs_he_pow_mod(x, e, q);
        if (ccs_he_pow_mod(r, n, q) != q - 1) continue;
        /* every primitive 2n-th root is r^k for odd k: take the smallest */
        uint64_t r2 = he_mulmod(r, r, q), cur = r;
        best = r;
        for (size_t k = 1; k < 2 * n; k += 2) {
            if (cur < best) best = cur;
            cur = he_mulmod(cur, r2, q);
        }
        return best;
    }
    return 0;
}

static uint64_t *table(size_t n) { return aligned_alloc(64, n * sizeof(uint64_t)); }

void ccs_ntt_free(ccs_ntt *t) {
    if (t == NULL) return;
    free(t->root);
    free(t->root_s64);
    free(t->root_s52);
    free(t->root_n52);
    free(t->inv_root);
    free(t->inv_root_s64);
    free(t->inv_root_s52);
    free(t);
}

ccs_status ccs_ntt_new(size_t n, uint64_t q, ccs_ntt **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "ntt: NULL output");
    *out = NULL;
    CCS_ENSURE(n >= CCS_HE_N_MIN && n <= CCS_HE_N_MAX && (n & (n - 1)) == 0, CCS_ERR_INVALID_ARG,
               "ntt: degree %zu (a power of two, %u..%u)", n, CCS_HE_N_MIN, CCS_HE_N_MAX);
    CCS_ENSURE(q > 2 && q < ((uint64_t)1 << CCS_HE_Q_BITS_MAX), CCS_ERR_INVALID_ARG, "ntt: modulus must be below 2^%u",
               CCS_HE_Q_BITS_MAX);
    CCS_ENSURE(q % (2 * n) == 1, CCS_ERR_INVALID_ARG, "ntt: %llu is not 1 mod 2n = %zu", (unsigned long long)q, 2 * n);
    CCS_ENSURE(ccs_he_is_prime(q), CCS_ERR_INVALID_ARG, "ntt: %llu is not prime", (unsigned long long)q);
    ccs_ntt *t = calloc(1, sizeof *t);
    CCS_ENSURE(t != NULL, CCS_ERR_NOMEM, "ntt: no memory");
    t->n = n;
    t->log_n = log2_exact(n);
    t->q = q;
    t->psi = find_psi(n, q);
    t->root = table(n), t->root_s64 = table(n), t->root_s52 = table(n), t->root_n52 = table(n);
    t->inv_root = table(n), t->inv_root_s64 = table(n), t->inv_root_s52 = table(n);
    if (t->psi == 0 || !t->root || !t->root_s64 || !t->root_s52 || !t->root_n52 || !t->inv_root || !t->inv_root_s64 ||
        !t->inv_root_s52) {
        const ccs_status st = t->psi == 0 ? CCS_ERR_INTERNAL : CCS_ERR_NOMEM;
        ccs_ntt_free(t);
        CCS_BAIL(st, "ntt: cannot build the tables");
    }
    bool ifma = q < ((uint64_t)1 << CCS_HE_IFMA_Q_BITS);
    /* root[bitrev(k)] = psi^k and inv_root[bitrev(k)] = psi^-k = psi^(2n-k)
     * for k = 0..n-1: the powers psi^0..psi^(2n-1) once, no inversions. */
    uint64_t *pw = malloc(2 * n * sizeof *pw);
    if (pw == NULL) {
        ccs_ntt_free(t);
        CCS_BAIL(CCS_ERR_NOMEM, "ntt: no memory");
    }
    pw[0] = 1;
    for (size_t k = 1; k < 2 * n; k++) pw[k] = he_mulmod(pw[k - 1], t->psi, q);
    for (size_t k = 0; k < n; k++) {
        size_t i = bitrev(k, t->log_n);
        t->root[i] = pw[k];
        t->inv_root[i] = pw[(2 * n - k) % (2 * n)];
    }
    free(pw);
    for (size_t i = 0; i < n; i++) {
        t->root_s64[i] = he_shoup(t->root[i], q, 64);
        t->inv_root_s64[i] = he_shoup(t->inv_root[i], q, 64);
        t->root_s52[i] = ifma ? he_shoup(t->root[i], q, 52) : 0;
        t->root_n52[i] = ifma ? ((uint64_t)1 << 52) - t->root[i] : 0;
        t->inv_root_s52[i] = ifma ? he_shoup(t->inv_root[i], q, 52) : 0;
    }
    t->n_inv = ccs_he_inv_mod((uint64_t)n % q, q);
    t->n_inv_s64 = he_shoup(t->n_inv, q, 64);
    t->n_inv_s52 = ifma ? he_shoup(t->n_inv, q, 52) : 0;
    *out = t;
    return CCS_OK;
}

size_t ccs_ntt_degree(const ccs_ntt *t) { return t->n; }
uint64_t ccs_ntt_modulus(const ccs_ntt *t) { return t->q; }
uint64_t ccs_ntt_root(const ccs_ntt *t) { return t->psi; }

/* w*y mod q in [0, 2q), with ws = floor(w 2^64 / q). */
static inline uint64_t mul_shoup_lazy(uint64_t y, uint64_t w, uint64_t ws, uint64_t q) {
    uint64_t hi = (uint64_t)(((unsigned __int128)ws * y) >> 64);
    return w * y - hi * q;
}

static void forward_scalar(const ccs_ntt *t, uint64_t *a) {
    const uint64_t q = t->q, q2 = 2 * q;
    const size_t n = t->n;
    for (size_t m = 1, h = n >> 1; m < n; m <<= 1, h >>= 1) {
        for (size_t i = 0; i < m; i++) {
            const uint64_t w = t->root[m + i], ws = t->root_s64[m + i];
            uint64_t *x = a + 2 * i * h, *y = x + h;
            for (size_t j = 0; j < h; j++) {
                uint64_t u = x[j] >= q2 ? x[j] - q2 : x[j];
                uint64_t v = mul_shoup_lazy(y[j], w, ws, q);
                x[j] = u + v;
                y[j] = u - v + q2;
            }
        }
    }
    for (size_t j = 0; j < n; j++) {
        uint64_t v = a[j] >= q2 ? a[j] - q2 : a[j];
        a[j] = v >= q ? v - q : v;
    }
}

static void inverse_scalar(const ccs_ntt *t, uint64_t *a) {
    const uint64_t q = t->q, q2 = 2 * q;
    const size_t n = t->n;
    for (size_t m = n >> 1, h = 1; m >= 1; m >>= 1, h <<= 1) {
        for (size_t i = 0; i < m; i++) {
            const uint64_t w = t->inv_root[m + i], ws = t->inv_root_s64[m + i];
            uint64_t *x = a + 2 * i * h, *y = x + h;
            for (size_t j = 0; j < h; j++) {
                uint64_t u = x[j], v = y[j]; /* both in [0, 2q) */
                uint64_t s = u + v;
                x[j] = s >= q2 ? s - q2 : s;
                y[j] = mul_shoup_lazy(u - v + q2, w, ws, q);
            }
        }
    }
    for (size_t j = 0; j < n; j++) {
        uint64_t v = mul_shoup_lazy(a[j], t->n_inv, t->n_inv_s64, q);
        a[j] = v >= q ? v - q : v;
    }
}

/* ---- dispatch ---- */

bool ccs_he_isa_available(ccs_he_isa isa) {
    return isa == CCS_HE_ISA_SCALAR || (isa == CCS_HE_ISA_AVX512IFMA && ccs__he_cpu_has_ifma()) ||
           (isa == CCS_HE_ISA_AVX512DQ && ccs__he_cpu_has_dq());
}

const char *ccs_he_isa_name(ccs_he_isa isa) {
    return isa == CCS_HE_ISA_AVX512IFMA ? "avx512ifma" : isa == CCS_HE_ISA_AVX512DQ ? "avx512dq" : "scalar";
}

ccs_he_isa ccs_he_isa_active(void) {
    static int chosen = -1; /* benign race: every thread computes the same value */
    if (chosen < 0) {
        const char *env = getenv("CCS_HE_ISA");
        ccs_he_isa best = ccs__he_cpu_has_ifma() ? CCS_HE_ISA_AVX512IFMA
                          : ccs__he_cpu_has_dq() ? CCS_HE_ISA_AVX512DQ
                                                 : CCS_HE_ISA_SCALAR;
        if (env != NULL && strcmp(env, "scalar") == 0) best = CCS_HE_ISA_SCALAR;
        if (env != NULL && strcmp(env, "avx512dq") == 0 && ccs__he_cpu_has_dq()) best = CCS_HE_ISA_AVX512DQ;
        chosen = (int)best;
    }
    return (ccs_he_isa)chosen;
}

static bool usable(const ccs_ntt *t, ccs_he_isa isa) {
    return ccs_he_isa_available(isa) && (isa != CCS_HE_ISA_AVX512IFMA || t->q < ((uint64_t)1 << CCS_HE_IFMA_Q_BITS));
}

/* The path for t under the active choice: IFMA when the prime allows it,
 * else DQ when the CPU has it (unless scalar is forced). */
static ccs_he_isa path_for(const ccs_ntt *t) {
    ccs_he_isa a = ccs_he_isa_active();
    if (a == CCS_HE_ISA_SCALAR) return a;
    if (a == CCS_HE_ISA_AVX512IFMA && usable(t, a)) return a;
    return usable(t, CCS_HE_ISA_AVX512DQ) ? CCS_HE_ISA_AVX512DQ : CCS_HE_ISA_SCALAR;
}

ccs_status ccs_ntt_forward_isa(const ccs_ntt *t, ccs_he_isa isa, uint64_t *a) {
    CCS_ENSURE(t != NULL && a != NULL, CCS_ERR_INVALID_ARG, "ntt: bad arguments");
    CCS_ENSURE(usable(t, isa), CCS_ERR_UNSUPPORTED, "ntt: the %s path is not available for this CPU or modulus",
               ccs_he_isa_name(isa));
    if (isa == CCS_HE_ISA_AVX512IFMA) ccs__ntt_forward_ifma(t, a);
    else if (isa == CCS_HE_ISA_AVX512DQ) ccs__ntt_forward_dq(t, a);
    else forward_scalar(t, a);
    return CCS_OK;
}

ccs_status ccs_ntt_inverse_isa(const ccs_ntt *t, ccs_he_isa isa, uint64_t *a) {
    CCS_ENSURE(t != NULL && a != NULL, CCS_ERR_INVALID_ARG, "ntt: bad arguments");
    CCS_ENSURE(usable(t, isa), CCS_ERR_UNSUPPORTED, "ntt: the %s path is not available for this CPU or modulus",
               ccs_he_isa_name(isa));
    if (isa == CCS_HE_ISA_AVX512IFMA) ccs__ntt_inverse_ifma(t, a);
    else if (isa == CCS_HE_ISA_AVX512DQ) ccs__ntt_inverse_dq(t, a);
    else inverse_scalar(t, a);
    return CCS_OK;
}

void ccs_ntt_forward(const ccs_ntt *t, uint64_t *a) {
    switch (path_for(t)) {
    case CCS_HE_ISA_AVX512IFMA: ccs__ntt_forward_ifma(t, a); break;
    case CCS_HE_ISA_AVX512DQ: ccs__ntt_forward_dq(t, a); break;
    default: forward_scalar(t, a);
    }
}

void ccs_ntt_inverse(const ccs_ntt *t, uint64_t *a) {
    switch (path_for(t)) {
    case CCS_HE_ISA_AVX512IFMA: ccs__ntt_inverse_ifma(t, a); break;
    case CCS_HE_ISA_AVX512DQ: ccs__ntt_inverse_dq(t, a); break;
    default: inverse_scalar(t, a);
    }
}
