/* The RNS core: the context (primes, NTT tables, per-level constants),
 * polynomials as rows of residues, element-wise arithmetic with Barrett
 * reduction, exact and fast base conversion, mod-down (division by the last
 * prime with rounding or with the BGV t-correction), the CRT for tests and
 * the Galois permutations in NTT form. */
#include <gmp.h>
#include <pthread.h>
#include <stdint.h>

#include "rns_internal.h"

CCS_MUST_USE ccs_status he_params_encode(const ccs_he_ctx *c, ccs_buf *out); /* serial.c */

/* ---- memory ----
 * Polynomials and temporaries are hundreds of KiB to MiBs. With glibc's
 * malloc a block that size, freed at the end of an operation, goes back to
 * the kernel (the heap's top is trimmed, or the block was mmapped) and the
 * next operation faults every page of it in again: where a page fault is
 * dear (a VM whose faults exit to the hypervisor) encryption at n = 8192
 * took 1.3 ms instead of 0.4. So freed blocks are kept in a per-thread
 * cache, as SEAL keeps its memory pool, and the next allocation of the same
 * size takes one back: HE_POOL_BLOCKS blocks and HE_POOL_BYTES at most per
 * thread, returned to malloc at thread exit or by
 * ccs_he_thread_cache_release. Every block carries its size in a 64-byte
 * header (the payload stays 64-byte aligned), so he_free needs no size.
 * Callers wipe what held secrets before he_free, as before. Under
 * AddressSanitizer a cached block is poisoned, so a use after free is still
 * caught. */
#if defined(__SANITIZE_ADDRESS__)
#define HE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HE_ASAN 1
#endif
#endif
#ifdef HE_ASAN
#include <sanitizer/asan_interface.h>
#define HE_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define HE_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define HE_POISON(p, n) ((void)(p), (void)(n))
#define HE_UNPOISON(p, n) ((void)(p), (void)(n))
#endif
#define HE_POOL_BLOCKS 16
#define HE_POOL_BYTES ((size_t)64 << 20)
#define HE_HDR 64

typedef struct he_pool {
    struct {
        void *base;
        size_t size; /* payload bytes, a multiple of 64 */
    } v[HE_POOL_BLOCKS]; /* oldest first */
    size_t n, bytes;
    bool keyed; /* the thread-exit destructor knows this pool */
} he_pool;

static _Thread_local he_pool he_tls_pool;
static pthread_key_t he_pool_key;
static bool he_pool_key_ok;
static pthread_once_t he_pool_once = PTHREAD_ONCE_INIT;

static void pool_release(he_pool *p) {
    for (size_t i = 0; i < p->n; i++) free(p->v[i].base);
    p->n = 0, p->bytes = 0;
}

/* Takes entry i out, keeping the others' order; its block is the caller's. */
static void *pool_remove(he_pool *p, size_t i) {
    void *b = p->v[i].base;
    p->bytes -= p->v[i].size;
    memmove(&p->v[i], &p->v[i + 1], (--p->n - i) * sizeof p->v[0]);
    return b;
}

/* At thread exit. An object freed by a later destructor registers the
 * cache again, and the thread's destructors run once more for it. */
static void pool_at_exit(void *arg) {
    he_pool *p = arg;
    pool_release(p);
    p->keyed = false;
}
static void pool_key_init(void) { he_pool_key_ok = pthread_key_create(&he_pool_key, pool_at_exit) == 0; }

void ccs_he_thread_cache_release(void) { pool_release(&he_tls_pool); }

void he_pool_stats(size_t *blocks, size_t *bytes) {
    *blocks = he_tls_pool.n;
    *bytes = he_tls_pool.bytes;
}

static void *pool_take(size_t sz) {
    he_pool *p = &he_tls_pool;
    for (size_t i = p->n; i-- > 0;) /* the newest first: likeliest still in cache */
        if (p->v[i].size == sz) {
            void *b = pool_remove(p, i);
            HE_UNPOISON((uint8_t *)b + HE_HDR, sz);
            return b;
        }
    return NULL;
}

/* True when the cache took b (sz payload bytes). */
static bool pool_keep(void *b, size_t sz) {
    he_pool *p = &he_tls_pool;
    if (sz > HE_POOL_BYTES) return false;
    if (!p->keyed) {
        pthread_once(&he_pool_once, pool_key_init);
        if (!he_pool_key_ok || pthread_setspecific(he_pool_key, p) != 0) return false;
        p->keyed = true;
    }
    while (p->n > 0 && (p->n == HE_POOL_BLOCKS || p->bytes + sz > HE_POOL_BYTES)) /* the oldest go */
        free(pool_remove(p, 0));
    p->v[p->n].base = b, p->v[p->n].size = sz;
    p->n++, p->bytes += sz;
    HE_POISON((uint8_t *)b + HE_HDR, sz);
    return true;
}

void *he_alloc_raw(size_t bytes) {
    if (bytes > SIZE_MAX - 63 - HE_HDR) return NULL; /* rounding up and the header must not wrap */
    size_t sz = bytes ? (bytes + 63) & ~(size_t)63 : 64;
    uint8_t *b = pool_take(sz);
    if (b == NULL && (b = aligned_alloc(64, sz + HE_HDR)) == NULL) return NULL;
    memcpy(b, &sz, sizeof sz);
    return b + HE_HDR;
}

void he_free(void *ptr) {
    if (ptr == NULL) return;
    uint8_t *b = (uint8_t *)ptr - HE_HDR;
    size_t sz;
    memcpy(&sz, b, sizeof sz);
    if (!pool_keep(b, sz)) free(b);
}

void *he_alloc(size_t bytes) {
    void *p = he_alloc_raw(bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

static _Thread_local struct {
    void *p;
    size_t cap;
} he_tls_scratch[HE_SCR_SLOTS];

void *he_scratch(unsigned slot, size_t bytes) {
    if (slot >= HE_SCR_SLOTS) return NULL;
    if (he_tls_scratch[slot].cap < bytes) {
        he_free(he_tls_scratch[slot].p);
        he_tls_scratch[slot].p = he_alloc_raw(bytes);
        he_tls_scratch[slot].cap = he_tls_scratch[slot].p ? bytes : 0;
    }
    return he_tls_scratch[slot].p;
}

void he_scratch_wipe(unsigned slot) {
    if (slot < HE_SCR_SLOTS && he_tls_scratch[slot].p) ccs_wipe(he_tls_scratch[slot].p, he_tls_scratch[slot].cap);
}

static unsigned bitlen(uint64_t x) { return x ? 64u - (unsigned)__builtin_clzll(x) : 0; }

static void mod_init(he_mod *m, uint64_t q) { he_mod_init(m, q); }

ccs_status ccs_he_params_default(ccs_he_scheme scheme, size_t n, ccs_he_params *out) {
    CCS_ENSURE(out != NULL && (scheme == CCS_HE_BGV || scheme == CCS_HE_BFV || scheme == CCS_HE_CKKS),
               CCS_ERR_INVALID_ARG, "he: bad arguments");
    memset(out, 0, sizeof *out);
    out->scheme = scheme;
    out->n = n;
    out->t = 65537;
    out->security = 128;
    if (scheme == CCS_HE_CKKS) {
        out->t = 0;
        out->scale = 1099511627776.0; /* 2^40 */
        CCS_ENSURE(n == 8192 || n == 16384, CCS_ERR_INVALID_ARG,
                   "he: no default parameters for degree %zu (8192 or 16384)", n);
        out->data_count = n == 8192 ? 4 : 9;
        /* q_0 48 bits: 8 bits above the scale for the final result; the
         * special prime the largest (50 bits) so key switching adds
         * ~2^-21 per rotation (q_0 / P scales that noise) */
        out->data_bits[0] = 48;
        for (size_t i = 1; i < out->data_count; i++) out->data_bits[i] = 40;
        out->special_bits = 50;
        return CCS_OK;
    }
    if (n == 8192) {
        out->data_count = 4;
        unsigned b[4] = {43, 43, 43, 44};
        memcpy(out->data_bits, b, sizeof b);
        out->special_bits = 44;
    } else if (n == 16384) {
        out->data_count = 8;
        for (size_t i = 0; i < 8; i++) out->data_bits[i] = 48;
        out->special_bits = 49;
    } else {
        CCS_BAIL(CCS_ERR_INVALID_ARG, "he: no default parameters for degree %zu (8192 or 16384)", n);
    }
    return CCS_OK;
}

/* The next prime of `bits` bits (1 mod 2n) not already in used[]. */
static ccs_status next_prime(size_t n, unsigned bits, const uint64_t *used, size_t nused, uint64_t *out) {
    uint64_t cand[2 * HE_MAXP + HE_MAX_AUX + 1];
    for (size_t k = 1; k <= nused + 1; k++) {
        CCS_TRY(ccs_he_primes(n, bits, k, cand));
        bool dup = false;
        for (size_t i = 0; i < nused; i++) dup |= used[i] == cand[k - 1];
        if (!dup) {
            *out = cand[k - 1];
            return CCS_OK;
        }
    }
    CCS_BAIL(CCS_ERR_NOT_FOUND, "he: not enough %u-bit primes", bits);
}

void ccs_he_ctx_free(ccs_he_ctx *c) {
    if (c == NULL) return;
    for (size_t i = 0; i < HE_MAXP; i++) ccs_ntt_free(c->m[i].ntt);
    for (size_t i = 0; i < HE_MAX_AUX; i++) ccs_ntt_free(c->aux[i].ntt);
    ccs_ntt_free(c->tm.ntt);
    ccs_ckks_encoder_free(c->ckks);
    for (size_t i = 0; i < HE_MAXP; i++) he_bconv_free(&c->dec[i]);
    he_bconv_free(&c->q_to_b);
    he_bconv_free(&c->b_to_q);
    free(c->s_w);
    free(c->slot_index);
    free(c);
}

static uint64_t mpz_mod_u64(const mpz_t x, uint64_t q) {
    mpz_t r;
    mpz_init(r);
    mpz_fdiv_r_ui(r, x, q);
    uint64_t v = mpz_get_ui(r);
    mpz_clear(r);
    return v;
}

static ccs_status level_constants(ccs_he_ctx *c) {
    mpz_t Q, qh;
    mpz_inits(Q, qh, NULL);
    uint64_t t = c->p.t ? c->p.t : 1, P = c->m[c->L].q; /* CKKS: no t */
    for (size_t l = 1; l <= c->L; l++) {
        mpz_set_ui(Q, 1);
        for (size_t i = 0; i < l; i++) mpz_mul_ui(Q, Q, c->m[i].q);
        c->q_mod_t[l] = mpz_mod_u64(Q, t);
        for (size_t i = 0; i < l; i++) {
            mpz_divexact_ui(qh, Q, c->m[i].q);
            c->qhat_inv[l][i] = ccs_he_inv_mod(mpz_mod_u64(qh, c->m[i].q), c->m[i].q);
            c->qhat_mod_t[l][i] = mpz_mod_u64(qh, t);
            if (i + 1 < l) c->qlast_inv[l][i] = ccs_he_inv_mod(c->m[l - 1].q % c->m[i].q, c->m[i].q);
        }
    }
    for (size_t i = 0; i < c->L; i++) {
        c->p_mod_q[i] = P % c->m[i].q;
        c->p_inv_q[i] = ccs_he_inv_mod(c->p_mod_q[i], c->m[i].q);
    }
    mpz_clears(Q, qh, NULL);
    return CCS_OK;
}

ccs_status ccs_he_ctx_new(const ccs_he_params *p, ccs_he_ctx **out) {
    CCS_ENSURE(p != NULL && out != NULL, CCS_ERR_INVALID_ARG, "he: NULL argument");
    *out = NULL;
    CCS_ENSURE(p->scheme == CCS_HE_BGV || p->scheme == CCS_HE_BFV || p->scheme == CCS_HE_CKKS, CCS_ERR_INVALID_ARG,
               "he: unknown scheme %d", (int)p->scheme);
    const bool ckks = p->scheme == CCS_HE_CKKS;
    CCS_ENSURE(p->n >= CCS_HE_N_MIN && p->n <= CCS_HE_N_MAX && (p->n & (p->n - 1)) == 0, CCS_ERR_INVALID_ARG,
               "he: degree %zu (a power of two, %u..%u)", p->n, CCS_HE_N_MIN, CCS_HE_N_MAX);
    CCS_ENSURE(p->data_count >= 1 && p->data_count <= CCS_HE_RNS_MAX_PRIMES, CCS_ERR_INVALID_ARG,
               "he: %zu data primes (1..%u)", p->data_count, CCS_HE_RNS_MAX_PRIMES);
    for (size_t i = 0; i <= p->data_count; i++) {
        unsigned b = i < p->data_count ? p->data_bits[i] : p->special_bits;
        CCS_ENSURE(b >= 20 && b <= CCS_HE_RNS_PRIME_BITS_MAX, CCS_ERR_INVALID_ARG, "he: prime size %u bits (20..%u)",
                   b, CCS_HE_RNS_PRIME_BITS_MAX);
    }
    if (ckks)
        CCS_ENSURE(p->t == 0 && p->scale >= 1.0 && p->scale <= 0x1p80, CCS_ERR_INVALID_ARG,
                   "he: CKKS needs t = 0 and a scale in 2^0..2^80");
    else
        CCS_ENSURE(p->t >= 2 && p->t < ((uint64_t)1 << 40), CCS_ERR_INVALID_ARG,
                   "he: plain modulus out of range (2..2^40)");
    CCS_ENSURE(p->security == 128 || p->security == 192 || p->security == 256, CCS_ERR_INVALID_ARG,
               "he: security level %u (128, 192 or 256)", p->security);
    ccs_he_ctx *c = calloc(1, sizeof *c);
    CCS_ENSURE(c != NULL, CCS_ERR_NOMEM, "he: no memory");
    c->p = *p;
    c->n = p->n;
    c->L = p->data_count;
    while (((size_t)1 << c->log_n) < c->n) c->log_n++;
    uint64_t used[HE_MAXP + HE_MAX_AUX];
    ccs_status st = CCS_OK;
    for (size_t i = 0; i <= c->L && st == CCS_OK; i++) {
        unsigned b = i < c->L ? p->data_bits[i] : p->special_bits;
        st = next_prime(c->n, b, used, i, &used[i]);
        if (st == CCS_OK) {
            mod_init(&c->m[i], used[i]);
            c->total_bits += bitlen(used[i]);
            st = ccs_ntt_new(c->n, used[i], &c->m[i].ntt);
        }
    }
    for (size_t i = 0; i <= c->L && st == CCS_OK && !ckks; i++)
        if (p->t % used[i] == 0) st = ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "he: t shares a factor with a prime");
    if (st == CCS_OK) st = ccs_he_security_check(c->n, c->total_bits, p->security, p->insecure_allow);
    if (st == CCS_OK && ckks) st = ccs_ckks_encoder_new(c->n, &c->ckks);
    if (st == CCS_OK && !ckks) {
        mod_init(&c->tm, p->t);
        c->batching = p->t % (2 * c->n) == 1 && ccs_he_is_prime(p->t);
        if (c->batching) {
            st = ccs_ntt_new(c->n, p->t, &c->tm.ntt);
            c->slot_index = calloc(c->n, sizeof *c->slot_index);
            if (st == CCS_OK && c->slot_index == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he: no memory");
            uint64_t e = 1, m2 = 2 * c->n;
            for (size_t k = 0; st == CCS_OK && k < c->n / 2; k++) {
                c->slot_index[k] = he_ntt_pos(c, e);
                c->slot_index[c->n / 2 + k] = he_ntt_pos(c, m2 - e);
                e = e * 3 % m2;
            }
        }
    }
    if (st == CCS_OK) st = level_constants(c);
    for (size_t l = 1; st == CCS_OK && !ckks && l <= c->L; l++) st = he_bconv_init(&c->dec[l], c->m, l, &c->tm, 1);
    if (st == CCS_OK && p->scheme == CCS_HE_BFV) st = he_bfv_init(c);
    if (st == CCS_OK) {
        ccs_buf b = {0};
        st = he_params_encode(c, &b);
        if (st == CCS_OK) ccs_sha256(ccs_buf_view(&b), c->params_id);
        ccs_buf_free(&b);
    }
    if (st != CCS_OK) {
        ccs_he_ctx_free(c);
        return st;
    }
    *out = c;
    return CCS_OK;
}

const ccs_he_params *ccs_he_ctx_params(const ccs_he_ctx *c) { return &c->p; }
size_t ccs_he_ctx_degree(const ccs_he_ctx *c) { return c->n; }
size_t ccs_he_ctx_levels(const ccs_he_ctx *c) { return c->L; }
uint64_t ccs_he_ctx_prime(const ccs_he_ctx *c, size_t i) { return i <= c->L ? c->m[i].q : 0; }
unsigned ccs_he_ctx_total_bits(const ccs_he_ctx *c) { return c->total_bits; }
bool ccs_he_ctx_batching(const ccs_he_ctx *c) { return c->batching; }
size_t ccs_he_ctx_slots(const ccs_he_ctx *c) { return c->batching ? c->n : 0; }

/* ---- polynomials ---- */

ccs_status ccs_he_poly_alloc(const ccs_he_ctx *c, size_t count, bool special, ccs_he_poly *p) {
    CCS_ENSURE(c != NULL && p != NULL && count <= c->L && (count > 0 || special), CCS_ERR_INVALID_ARG,
               "he: bad polynomial shape");
    memset(p, 0, sizeof *p);
    p->n = c->n;
    p->count = count + (special ? 1 : 0);
    for (size_t i = 0; i < count; i++) p->idx[i] = (uint8_t)i;
    if (special) p->idx[count] = (uint8_t)c->L;
    p->c = he_alloc(p->count * p->n * sizeof(uint64_t));
    CCS_ENSURE(p->c != NULL, CCS_ERR_NOMEM, "he: no memory");
    return CCS_OK;
}

void ccs_he_poly_free(ccs_he_poly *p) {
    if (p == NULL) return;
    if (p->c) {
        ccs_wipe(p->c, p->count * p->n * sizeof(uint64_t));
        he_free(p->c);
    }
    memset(p, 0, sizeof *p);
}

uint64_t *ccs_he_poly_row(const ccs_he_poly *p, size_t i) { return p->c + i * p->n; }
const he_mod *he_row_mod(const ccs_he_ctx *c, const ccs_he_poly *p, size_t i) { return &c->m[p->idx[i]]; }

void ccs_he_poly_set_i64(const ccs_he_ctx *c, ccs_he_poly *p, const int64_t *v) {
    uint64_t big = 0; /* the largest |v| (small for secrets and errors) */
    for (size_t k = 0; k < p->n; k++) {
        uint64_t a = v[k] < 0 ? (uint64_t)0 - (uint64_t)v[k] : (uint64_t)v[k];
        big = a > big ? a : big;
    }
    for (size_t i = 0; i < p->count; i++) {
        const he_mod m = *he_row_mod(c, p, i);
        uint64_t *r = ccs_he_poly_row(p, i);
        if (big < m.q) {
            for (size_t k = 0; k < p->n; k++) r[k] = (uint64_t)v[k] + (v[k] < 0 ? m.q : 0);
            continue;
        }
        for (size_t k = 0; k < p->n; k++) {
            uint64_t a = he_red64(v[k] < 0 ? (uint64_t)0 - (uint64_t)v[k] : (uint64_t)v[k], &m);
            r[k] = v[k] < 0 && a ? m.q - a : a;
        }
    }
    p->ntt = false;
}

void ccs_he_poly_to_ntt(const ccs_he_ctx *c, ccs_he_poly *p) {
    if (p->ntt) return;
    for (size_t i = 0; i < p->count; i++) ccs_ntt_forward(he_row_mod(c, p, i)->ntt, ccs_he_poly_row(p, i));
    p->ntt = true;
}

void ccs_he_poly_from_ntt(const ccs_he_ctx *c, ccs_he_poly *p) {
    if (!p->ntt) return;
    for (size_t i = 0; i < p->count; i++) ccs_ntt_inverse(he_row_mod(c, p, i)->ntt, ccs_he_poly_row(p, i));
    p->ntt = false;
}

static bool same_shape(const ccs_he_poly *a, const ccs_he_poly *b) {
    return a->n == b->n && a->count == b->count && a->ntt == b->ntt && memcmp(a->idx, b->idx, a->count) == 0;
}

void he_add(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q) {
    if (he_addsub_simd(r, a, b, n, q, false)) return;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = a[i] + b[i];
        r[i] = s >= q ? s - q : s;
    }
}
void he_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, uint64_t q) {
    if (he_addsub_simd(r, a, b, n, q, true)) return;
    for (size_t i = 0; i < n; i++) r[i] = a[i] >= b[i] ? a[i] - b[i] : a[i] + q - b[i];
}
void he_dyadic_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, const he_mod *mp) {
    he_dyadic_macc(r, &a, &b, 1, n, mp);
}
void he_dyadic_muladd(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n, const he_mod *mp) {
    const he_mod m_ = *mp, *m = &m_;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = r[i] + he_mmul(a[i], b[i], m);
        r[i] = s >= m->q ? s - m->q : s;
    }
}
void he_scalar_mul(uint64_t *r, const uint64_t *a, uint64_t s, size_t n, const he_mod *m) {
    const uint64_t q = m->q, ss = he_shoup(s, q, 64);
    for (size_t i = 0; i < n; i++) {
        uint64_t hi = (uint64_t)(((unsigned __int128)ss * a[i]) >> 64);
        uint64_t v = s * a[i] - hi * q;
        r[i] = v >= q ? v - q : v;
    }
}

ccs_status ccs_he_poly_add(const ccs_he_ctx *c, ccs_he_poly *r, const ccs_he_poly *a, const ccs_he_poly *b) {
    CCS_ENSURE(same_shape(a, b) && same_shape(a, r), CCS_ERR_INVALID_ARG, "he: polynomial shapes differ");
    for (size_t i = 0; i < a->count; i++)
        he_add(ccs_he_poly_row(r, i), ccs_he_poly_row(a, i), ccs_he_poly_row(b, i), a->n, he_row_mod(c, a, i)->q);
    return CCS_OK;
}
ccs_status ccs_he_poly_sub(const ccs_he_ctx *c, ccs_he_poly *r, const ccs_he_poly *a, const ccs_he_poly *b) {
    CCS_ENSURE(same_shape(a, b) && same_shape(a, r), CCS_ERR_INVALID_ARG, "he: polynomial shapes differ");
    for (size_t i = 0; i < a->count; i++)
        he_sub(ccs_he_poly_row(r, i), ccs_he_poly_row(a, i), ccs_he_poly_row(b, i), a->n, he_row_mod(c, a, i)->q);
    return CCS_OK;
}
ccs_status ccs_he_poly_neg(const ccs_he_ctx *c, ccs_he_poly *r, const ccs_he_poly *a) {
    CCS_ENSURE(same_shape(a, r), CCS_ERR_INVALID_ARG, "he: polynomial shapes differ");
    for (size_t i = 0; i < a->count; i++) {
        uint64_t q = he_row_mod(c, a, i)->q, *d = ccs_he_poly_row(r, i);
        const uint64_t *s = ccs_he_poly_row(a, i);
        for (size_t k = 0; k < a->n; k++) d[k] = s[k] ? q - s[k] : 0;
    }
    return CCS_OK;
}
ccs_status ccs_he_poly_mul(const ccs_he_ctx *c, ccs_he_poly *r, const ccs_he_poly *a, const ccs_he_poly *b) {
    CCS_ENSURE(same_shape(a, b) && same_shape(a, r) && a->ntt, CCS_ERR_INVALID_ARG,
               "he: polynomial shapes differ or not in NTT form");
    for (size_t i = 0; i < a->count; i++)
        he_dyadic_mul(ccs_he_poly_row(r, i), ccs_he_poly_row(a, i), ccs_he_poly_row(b, i), a->n, he_row_mod(c, a, i));
    return CCS_OK;
}

ccs_status ccs_he_poly_crt(const ccs_he_ctx *c, const ccs_he_poly *p, size_t k, char *out, size_t cap) {
    CCS_ENSURE(c && p && out && k < p->n && !p->ntt, CCS_ERR_INVALID_ARG, "he: bad CRT arguments");
    mpz_t M, x, h, tmp;
    mpz_inits(M, x, h, tmp, NULL);
    mpz_set_ui(M, 1);
    for (size_t i = 0; i < p->count; i++) mpz_mul_ui(M, M, he_row_mod(c, p, i)->q);
    for (size_t i = 0; i < p->count; i++) {
        uint64_t q = he_row_mod(c, p, i)->q;
        mpz_divexact_ui(h, M, q);
        uint64_t inv = ccs_he_inv_mod(mpz_mod_u64(h, q), q);
        mpz_mul_ui(tmp, h, he_mulmod(ccs_he_poly_row(p, i)[k], inv, q));
        mpz_add(x, x, tmp);
    }
    mpz_mod(x, x, M);
    mpz_tdiv_q_2exp(tmp, M, 1);
    if (mpz_cmp(x, tmp) > 0) mpz_sub(x, x, M);
    ccs_status st = CCS_OK;
    if (mpz_sizeinbase(x, 10) + 2 > cap) st = ccs_error_set(CCS_ERR_OVERFLOW, CCS_HERE, "he: CRT output too small");
    else mpz_get_str(out, 10, x);
    mpz_clears(M, x, h, tmp, NULL);
    return st;
}

/* ---- base conversion ---- */

void he_bconv_free(he_bconv *b) {
    free(b->fhat_mod);
    b->fhat_mod = NULL;
}

ccs_status he_bconv_init(he_bconv *b, const he_mod *from, size_t nf, const he_mod *to, size_t nt) {
    CCS_ENSURE(nf >= 1 && nf <= HE_MAX_AUX && nt >= 1 && nt <= HE_MAX_AUX, CCS_ERR_INVALID_ARG,
               "he: base sizes %zu -> %zu", nf, nt);
    memset(b, 0, sizeof *b);
    b->nf = nf, b->nt = nt;
    b->fhat_mod = calloc(nf * nt, sizeof(uint64_t));
    CCS_ENSURE(b->fhat_mod != NULL, CCS_ERR_NOMEM, "he: no memory");
    mpz_t F, h;
    mpz_inits(F, h, NULL);
    mpz_set_ui(F, 1);
    for (size_t i = 0; i < nf; i++) mpz_mul_ui(F, F, from[i].q);
    b->from_below_2_50 = true;
    for (size_t i = 0; i < nf; i++) {
        b->from_below_2_50 &= from[i].q < ((uint64_t)1 << 50);
        b->from[i] = &from[i];
        mpz_divexact_ui(h, F, from[i].q);
        b->fhat_inv[i] = ccs_he_inv_mod(mpz_mod_u64(h, from[i].q), from[i].q);
        b->fhat_inv_s[i] = he_shoup(b->fhat_inv[i], from[i].q, 64);
        b->inv_fix[i] = (~(uint64_t)0) / from[i].q;
        for (size_t j = 0; j < nt; j++) b->fhat_mod[i * nt + j] = mpz_mod_u64(h, to[j].q);
    }
    for (size_t j = 0; j < nt; j++) {
        b->to[j] = &to[j];
        b->f_mod[j] = mpz_mod_u64(F, to[j].q);
        for (size_t v = 0; v <= nf; v++) {
            uint64_t x = he_mulmod(v, b->f_mod[j], to[j].q);
            b->vneg[j][v] = x ? to[j].q - x : 0;
        }
    }
    mpz_clears(F, h, NULL);
    return CCS_OK;
}

void he_bconv_apply(const he_bconv *b, const uint64_t *in, uint64_t *out, size_t n, bool exact) {
    const size_t nf = b->nf, nt = b->nt;
    uint64_t *y = he_scratch(HE_SCR_BCONV, (nf + 1) * n * sizeof(uint64_t) + n);
    uint8_t *vv = y ? (uint8_t *)(y + (nf + 1) * n) : NULL;
    if (y && he_bconv_prep(y, in, n, b, exact)) {
        uint64_t cst[HE_MAX_AUX + 1];
        for (size_t j = 0; j < nt; j++) {
            for (size_t i = 0; i < nf; i++) cst[i] = b->fhat_mod[i * nt + j];
            cst[nf] = b->f_mod[j] ? b->to[j]->q - b->f_mod[j] : 0; /* - v F */
            he_macc(out + j * n, y, exact ? nf + 1 : nf, n, cst, NULL, b->to[j]);
        }
        return;
    }
    if (y == NULL) { /* no scratch: the per-coefficient form */
        uint64_t yy[HE_MAX_AUX];
        for (size_t k = 0; k < n; k++) {
            unsigned __int128 vf = 0;
            for (size_t i = 0; i < nf; i++) {
                yy[i] = he_mul_shoup(in[i * n + k], b->fhat_inv[i], b->fhat_inv_s[i], b->from[i]->q);
                vf += (unsigned __int128)yy[i] * b->inv_fix[i];
            }
            size_t v = exact ? (size_t)((vf + ((unsigned __int128)1 << 63)) >> 64) : 0;
            if (v > nf) v = nf;
            for (size_t j = 0; j < nt; j++) {
                unsigned __int128 acc = b->vneg[j][v];
                for (size_t i = 0; i < nf; i++) acc += (unsigned __int128)yy[i] * b->fhat_mod[i * nt + j];
                out[j * n + k] = he_red128(acc, b->to[j]);
            }
        }
        return;
    }
    for (size_t i = 0; i < nf; i++) {
        const uint64_t w = b->fhat_inv[i], ws = b->fhat_inv_s[i], q = b->from[i]->q;
        const uint64_t *x = in + i * n;
        uint64_t *yi = y + i * n;
        for (size_t k = 0; k < n; k++) yi[k] = he_mul_shoup(x[k], w, ws, q);
    }
    if (exact) {
        for (size_t k = 0; k < n; k++) {
            unsigned __int128 vf = (unsigned __int128)1 << 63;
            for (size_t i = 0; i < nf; i++) vf += (unsigned __int128)y[i * n + k] * b->inv_fix[i];
            size_t v = (size_t)(vf >> 64);
            vv[k] = (uint8_t)(v > nf ? nf : v);
        }
    } else {
        memset(vv, 0, n);
    }
    uint64_t *init = he_scratch(HE_SCR_INIT, n * sizeof(uint64_t));
    for (size_t j = 0; j < nt; j++) {
        uint64_t cst[HE_MAX_AUX], vn[HE_MAX_AUX + 1];
        for (size_t i = 0; i < nf; i++) cst[i] = b->fhat_mod[i * nt + j];
        for (size_t v = 0; v <= nf; v++) vn[v] = b->vneg[j][v];
        uint64_t *o = out + j * n;
        /* he_macc's IFMA path reads 52 bits of y: only for sources below 2^50. */
        if (init && b->from_below_2_50) {
            for (size_t k = 0; k < n; k++) init[k] = vn[vv[k]];
            he_macc(o, y, nf, n, cst, init, b->to[j]);
            continue;
        }
        const he_mod m = *b->to[j];
        for (size_t k = 0; k < n; k++) {
            unsigned __int128 acc = vn[vv[k]];
            for (size_t i = 0; i < nf; i++) acc += (unsigned __int128)y[i * n + k] * cst[i];
            o[k] = he_red128(acc, &m);
        }
    }
}

ccs_status ccs_he_rns_base_conv(const uint64_t *in, size_t n, const uint64_t *from, size_t nf, const uint64_t *to,
                                size_t nt, uint64_t *out) {
    CCS_ENSURE(in && out && from && to && n > 0, CCS_ERR_INVALID_ARG, "he: bad base conversion arguments");
    CCS_ENSURE(nf >= 1 && nf <= HE_MAX_AUX && nt >= 1 && nt <= HE_MAX_AUX, CCS_ERR_INVALID_ARG,
               "he: base sizes %zu -> %zu", nf, nt);
    he_mod fm[HE_MAX_AUX], tm[HE_MAX_AUX];
    for (size_t i = 0; i < nf; i++) {
        CCS_ENSURE(from[i] > 2 && from[i] < ((uint64_t)1 << 61) && ccs_he_is_prime(from[i]), CCS_ERR_INVALID_ARG,
                   "he: base modulus is not a prime below 2^61");
        mod_init(&fm[i], from[i]);
    }
    for (size_t j = 0; j < nt; j++) {
        CCS_ENSURE(to[j] > 2 && to[j] < ((uint64_t)1 << 61), CCS_ERR_INVALID_ARG, "he: target modulus out of range");
        mod_init(&tm[j], to[j]);
    }
    he_bconv b;
    CCS_TRY(he_bconv_init(&b, fm, nf, tm, nt));
    he_bconv_apply(&b, in, out, n, false);
    he_bconv_free(&b);
    return CCS_OK;
}

/* ---- mod-down ---- */

void he_divide_last(const ccs_he_ctx *c, uint64_t *rows, size_t l, const he_mod *last, const uint64_t *last_inv,
                    uint64_t tc, uint64_t *scratch) {
    const size_t n = c->n;
    uint64_t *x = scratch, *d = scratch + n;
    memcpy(x, rows + l * n, n * sizeof *x);
    ccs_ntt_inverse(last->ntt, x);
    const uint64_t P = last->q;
    if (tc != 1) {
        uint64_t tinv = ccs_he_inv_mod(tc % P, P);
        he_scalar_mul(x, x, tinv, n, last);
    }
    for (size_t i = 0; i < l; i++) {
        const he_mod *m = &c->m[i];
        he_lift_centered(d, x, P, tc % m->q, n, m);
        ccs_ntt_forward(m->ntt, d);
        uint64_t *r = rows + i * n;
        he_sub_mul(r, r, d, last_inv[i], n, m);
    }
}

ccs_status ccs_he_poly_mod_down(const ccs_he_ctx *c, ccs_he_poly *p, uint64_t t_corr) {
    CCS_ENSURE(c && p && p->count >= 2 && p->idx[p->count - 1] == c->L && t_corr >= 1, CCS_ERR_INVALID_ARG,
               "he: mod-down needs data rows and the special row");
    size_t l = p->count - 1;
    for (size_t i = 0; i < l; i++) CCS_ENSURE(p->idx[i] == i, CCS_ERR_INVALID_ARG, "he: rows out of order");
    uint64_t *scratch = he_alloc(2 * c->n * sizeof(uint64_t));
    CCS_ENSURE(scratch != NULL, CCS_ERR_NOMEM, "he: no memory");
    bool was = p->ntt;
    ccs_he_poly_to_ntt(c, p);
    he_divide_last(c, p->c, l, &c->m[c->L], c->p_inv_q, t_corr, scratch);
    he_free(scratch);
    p->count = l;
    p->ntt = true;
    if (!was) ccs_he_poly_from_ntt(c, p);
    return CCS_OK;
}

/* ---- Galois ---- */

uint32_t he_galois_elt(const ccs_he_ctx *c, int step) {
    uint64_t m2 = 2 * c->n, half = c->n / 2;
    long s = step % (long)half;
    if (s < 0) s += (long)half;
    return (uint32_t)ccs_he_pow_mod(3, (uint64_t)s, m2);
}

void he_galois_perm(const ccs_he_ctx *c, uint32_t g, size_t *perm) {
    uint64_t m2 = 2 * c->n;
    for (size_t i = 0; i < c->n; i++) {
        size_t x = i, r = 0;
        for (unsigned b = 0; b < c->log_n; b++, x >>= 1) r = (r << 1) | (x & 1);
        uint64_t e = 2 * (uint64_t)r + 1;
        perm[i] = he_ntt_pos(c, e * g % m2);
    }
}
