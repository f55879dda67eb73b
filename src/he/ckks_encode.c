/* CKKS encoding: the canonical embedding through the special FFT over the
 * rotation group {5^j mod 2n} (as HEAAN and SEAL compute it). Slot j is the
 * value at zeta^(5^j): decoding takes u_j = (m_j + i m_(j+n/2)) / scale and
 * applies the special FFT; encoding applies its inverse and writes the real
 * parts to m_0..m_(n/2-1) and the imaginary parts to m_(n/2)..m_(n-1). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "he_internal.h"

struct ccs_ckks_encoder {
    size_t n, slots, m; /* m = 2n */
    double complex *ksi; /* exp(2 pi i k / m), k = 0..m */
    size_t *rot;         /* 5^j mod m, j < slots */
};

void ccs_ckks_encoder_free(ccs_ckks_encoder *e) {
    if (e == NULL) return;
    free(e->ksi);
    free(e->rot);
    free(e);
}

ccs_status ccs_ckks_encoder_new(size_t n, ccs_ckks_encoder **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "ckks: NULL output");
    *out = NULL;
    CCS_ENSURE(n >= 4 && n <= CCS_HE_N_MAX && (n & (n - 1)) == 0, CCS_ERR_INVALID_ARG,
               "ckks: degree %zu (a power of two, 4..%u)", n, CCS_HE_N_MAX);
    ccs_ckks_encoder *e = calloc(1, sizeof *e);
    CCS_ENSURE(e != NULL, CCS_ERR_NOMEM, "ckks: no memory");
    e->n = n, e->slots = n / 2, e->m = 2 * n;
    e->ksi = malloc((e->m + 1) * sizeof *e->ksi);
    e->rot = malloc(e->slots * sizeof *e->rot);
    if (e->ksi == NULL || e->rot == NULL) {
        ccs_ckks_encoder_free(e);
        CCS_BAIL(CCS_ERR_NOMEM, "ckks: no memory");
    }
    for (size_t k = 0; k <= e->m; k++) {
        double a = 2.0 * M_PI * (double)k / (double)e->m;
        e->ksi[k] = cos(a) + I * sin(a);
    }
    size_t r = 1;
    for (size_t j = 0; j < e->slots; j++) {
        e->rot[j] = r;
        r = (r * 5) % e->m;
    }
    *out = e;
    return CCS_OK;
}

static void bit_reverse(double complex *v, size_t n) {
    for (size_t i = 1, j = 0; i < n; i++) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            double complex t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
    }
}

/* Evaluation: coefficients (folded to n/2 complex values) to slots. */
static void fft_special(const ccs_ckks_encoder *e, double complex *v) {
    const size_t s = e->slots;
    bit_reverse(v, s);
    for (size_t len = 2; len <= s; len <<= 1) {
        size_t half = len >> 1, lenq = len << 2;
        for (size_t i = 0; i < s; i += len)
            for (size_t j = 0; j < half; j++) {
                size_t idx = (e->rot[j] % lenq) * e->m / lenq;
                double complex u = v[i + j], w = v[i + j + half] * e->ksi[idx];
                v[i + j] = u + w;
                v[i + j + half] = u - w;
            }
    }
}

/* Its inverse: slots to folded coefficients. */
static void fft_special_inv(const ccs_ckks_encoder *e, double complex *v) {
    const size_t s = e->slots;
    for (size_t len = s; len >= 2; len >>= 1) {
        size_t half = len >> 1, lenq = len << 2;
        for (size_t i = 0; i < s; i += len)
            for (size_t j = 0; j < half; j++) {
                size_t idx = (lenq - (e->rot[j] % lenq)) * e->m / lenq;
                double complex u = v[i + j] + v[i + j + half];
                double complex w = (v[i + j] - v[i + j + half]) * e->ksi[idx];
                v[i + j] = u;
                v[i + j + half] = w;
            }
    }
    bit_reverse(v, s);
    for (size_t i = 0; i < s; i++) v[i] /= (double)s;
}

ccs_status ccs_ckks_encode(const ccs_ckks_encoder *e, const double *re_im, size_t count, double scale,
                           int64_t *coeffs) {
    CCS_ENSURE(e != NULL && coeffs != NULL && (re_im != NULL || count == 0), CCS_ERR_INVALID_ARG, "ckks: bad arguments");
    CCS_ENSURE(count <= e->slots, CCS_ERR_INVALID_ARG, "ckks: %zu values for %zu slots", count, e->slots);
    CCS_ENSURE(isfinite(scale) && scale >= 1.0, CCS_ERR_INVALID_ARG, "ckks: scale must be finite and >= 1");
    double complex *v = calloc(e->slots, sizeof *v);
    CCS_ENSURE(v != NULL, CCS_ERR_NOMEM, "ckks: no memory");
    ccs_status st = CCS_OK;
    for (size_t i = 0; i < count && st == CCS_OK; i++) {
        if (!isfinite(re_im[2 * i]) || !isfinite(re_im[2 * i + 1]))
            st = ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "ckks: slot %zu is not finite", i);
        v[i] = re_im[2 * i] + I * re_im[2 * i + 1];
    }
    if (st == CCS_OK) fft_special_inv(e, v);
    const double lim = 4611686018427387904.0; /* 2^62 */
    for (size_t i = 0; i < e->slots && st == CCS_OK; i++) {
        double a = round(creal(v[i]) * scale), b = round(cimag(v[i]) * scale);
        if (!(fabs(a) < lim && fabs(b) < lim)) {
            st = ccs_error_set(CCS_ERR_OVERFLOW, CCS_HERE, "ckks: a coefficient exceeds 2^62 (scale too large for the values)");
            break;
        }
        coeffs[i] = (int64_t)a;
        coeffs[i + e->slots] = (int64_t)b;
    }
    free(v);
    return st;
}

ccs_status ccs_ckks_decode(const ccs_ckks_encoder *e, const double *coeffs, double scale, double *re_im) {
    CCS_ENSURE(e != NULL && coeffs != NULL && re_im != NULL, CCS_ERR_INVALID_ARG, "ckks: bad arguments");
    CCS_ENSURE(isfinite(scale) && scale > 0, CCS_ERR_INVALID_ARG, "ckks: scale must be finite and positive");
    double complex *v = malloc(e->slots * sizeof *v);
    CCS_ENSURE(v != NULL, CCS_ERR_NOMEM, "ckks: no memory");
    for (size_t i = 0; i < e->slots; i++) v[i] = (coeffs[i] + I * coeffs[i + e->slots]) / scale;
    fft_special(e, v);
    for (size_t i = 0; i < e->slots; i++) {
        re_im[2 * i] = creal(v[i]);
        re_im[2 * i + 1] = cimag(v[i]);
    }
    free(v);
    return CCS_OK;
}
