/* Versioned serialization of params, keys, ciphertexts and plaintexts.
 * Layout (little-endian): "CCHE", u16 version (1), u16 type, then for every
 * type but params the 32-byte params id (SHA-256 of the serialized params),
 * then the body:
 *   params: u8 scheme, u16 security, u8 insecure, u32 n, u64 t, u8 L,
 *           L x u8 bits, u8 special bits, (L+1) x u64 primes,
 *           and for CKKS (scheme 3) u64 scale (IEEE-754 binary64 bits); t = 0
 *   secret key: 32-byte seed (s is expanded from it)
 *   public key: 32-byte seed of a, L x N u64 (b, NTT form)
 *   relin key: one key-switching key: u32 galois (0), seed, L x (L+1) x N u64
 *   galois keys: u32 count, count key-switching keys (galois odd, < 2N, distinct)
 *   ciphertext: u8 level, u8 size, u8 seeded, u64 cf, [seed when seeded],
 *               size x level x N u64 (only c0 when seeded: c1 is expanded);
 *               CKKS: cf holds the scale's binary64 bits
 *   plaintext: N x u64; CKKS: u8 level, u64 scale bits, level x N u64 (NTT form)
 * CKKS objects only add fields under scheme 3, so version 1 objects of BGV
 * and BFV are unchanged.
 * Loads check every length, every residue below its modulus, and refuse
 * trailing bytes. Residues are stored as whole u64 words. */
#include <math.h>

#include "rns_internal.h"

#define MAGIC "CCHE"
enum { T_PARAMS = 1, T_SK = 2, T_PK = 3, T_RK = 4, T_GK = 5, T_CT = 6, T_PT = 7 };

static ccs_status put(ccs_buf *b, uint64_t v, size_t bytes) {
    uint8_t x[8];
    for (size_t i = 0; i < bytes; i++) x[i] = (uint8_t)(v >> (8 * i));
    return ccs_buf_append(b, x, bytes);
}

static ccs_status put_rows(ccs_buf *b, const uint64_t *rows, size_t count) {
    CCS_TRY(ccs_buf_reserve(b, count * 8));
    for (size_t i = 0; i < count; i++) CCS_TRY(put(b, rows[i], 8));
    return CCS_OK;
}

static ccs_status header(ccs_buf *b, unsigned type, const ccs_he_ctx *c) {
    CCS_TRY(ccs_buf_append(b, MAGIC, 4));
    CCS_TRY(put(b, CCS_HE_SER_VERSION, 2));
    CCS_TRY(put(b, type, 2));
    if (c) CCS_TRY(ccs_buf_append(b, c->params_id, 32));
    return CCS_OK;
}

static ccs_status read_header(ccs_reader *r, unsigned type, const ccs_he_ctx *c) {
    ccs_bytes m;
    uint16_t ver, ty;
    CCS_TRY(ccs_reader_bytes(r, 4, &m));
    CCS_ENSURE(memcmp(m.ptr, MAGIC, 4) == 0, CCS_ERR_FORMAT, "he: not a serialized HE object");
    CCS_TRY(ccs_reader_u16le(r, &ver));
    CCS_ENSURE(ver == CCS_HE_SER_VERSION, CCS_ERR_UNSUPPORTED, "he: serialization version %u", ver);
    CCS_TRY(ccs_reader_u16le(r, &ty));
    CCS_ENSURE(ty == type, CCS_ERR_FORMAT, "he: object type %u, expected %u", ty, type);
    if (c) {
        uint8_t id[32];
        CCS_TRY(ccs_reader_copy(r, id, 32));
        CCS_ENSURE(memcmp(id, c->params_id, 32) == 0, CCS_ERR_MISMATCH, "he: object made for other parameters");
    }
    return CCS_OK;
}

/* count residues, row i of n values below mod(i). */
static ccs_status read_rows(ccs_reader *r, const ccs_he_ctx *c, const uint8_t *idx, size_t rows, uint64_t *out) {
    CCS_ENSURE(ccs_reader_remaining(r) / 8 / c->n >= rows, CCS_ERR_TRUNCATED, "he: input too short");
    for (size_t i = 0; i < rows; i++) {
        uint64_t q = idx ? c->m[idx[i]].q : c->m[i].q;
        for (size_t k = 0; k < c->n; k++) {
            uint64_t v;
            CCS_TRY(ccs_reader_u64le(r, &v));
            CCS_ENSURE(v < q, CCS_ERR_FORMAT, "he: residue out of range");
            out[i * c->n + k] = v;
        }
    }
    return CCS_OK;
}

ccs_status he_params_encode(const ccs_he_ctx *c, ccs_buf *b) {
    const ccs_he_params *p = &c->p;
    CCS_TRY(header(b, T_PARAMS, NULL));
    CCS_TRY(put(b, (uint64_t)p->scheme, 1));
    CCS_TRY(put(b, p->security, 2));
    CCS_TRY(put(b, p->insecure_allow ? 1 : 0, 1));
    CCS_TRY(put(b, p->n, 4));
    CCS_TRY(put(b, p->t, 8));
    CCS_TRY(put(b, p->data_count, 1));
    for (size_t i = 0; i < p->data_count; i++) CCS_TRY(put(b, p->data_bits[i], 1));
    CCS_TRY(put(b, p->special_bits, 1));
    for (size_t i = 0; i <= c->L; i++) CCS_TRY(put(b, c->m[i].q, 8));
    if (p->scheme == CCS_HE_CKKS) {
        uint64_t sb;
        memcpy(&sb, &p->scale, 8);
        CCS_TRY(put(b, sb, 8));
    }
    return CCS_OK;
}

/* A CKKS scale: finite, 2^0..2^(bits of the whole chain). */
static bool scale_ok(const ccs_he_ctx *c, uint64_t bits, double *out) {
    double s;
    memcpy(&s, &bits, 8);
    if (!(s >= 1.0 && s <= 0x1p1000)) return false;
    int e;
    (void)frexp(s, &e);
    if (c && (unsigned)e > c->total_bits) return false;
    *out = s;
    return true;
}

ccs_status ccs_he_params_save(const ccs_he_ctx *c, ccs_buf *out) {
    CCS_ENSURE(c && out, CCS_ERR_INVALID_ARG, "he: NULL argument");
    return he_params_encode(c, out);
}

static ccs_status params_load(ccs_bytes in, bool allow_insecure, ccs_he_params *out) {
    CCS_ENSURE(out != NULL && (in.ptr || in.len == 0), CCS_ERR_INVALID_ARG, "he: NULL argument");
    ccs_reader r;
    ccs_reader_init(&r, in);
    CCS_TRY(read_header(&r, T_PARAMS, NULL));
    ccs_he_params p;
    memset(&p, 0, sizeof p);
    uint8_t scheme, ins, L, sb;
    uint16_t sec;
    uint32_t n;
    CCS_TRY(ccs_reader_u8(&r, &scheme));
    CCS_TRY(ccs_reader_u16le(&r, &sec));
    CCS_TRY(ccs_reader_u8(&r, &ins));
    CCS_TRY(ccs_reader_u32le(&r, &n));
    CCS_TRY(ccs_reader_u64le(&r, &p.t));
    CCS_TRY(ccs_reader_u8(&r, &L));
    CCS_ENSURE((scheme == CCS_HE_BGV || scheme == CCS_HE_BFV || scheme == CCS_HE_CKKS) && ins <= 1 && L >= 1 && L <= CCS_HE_RNS_MAX_PRIMES,
               CCS_ERR_FORMAT, "he: malformed parameters");
    for (size_t i = 0; i < L; i++) {
        uint8_t b;
        CCS_TRY(ccs_reader_u8(&r, &b));
        p.data_bits[i] = b;
    }
    CCS_TRY(ccs_reader_u8(&r, &sb));
    uint64_t primes[HE_MAXP];
    for (size_t i = 0; i <= L; i++) CCS_TRY(ccs_reader_u64le(&r, &primes[i]));
    if (scheme == CCS_HE_CKKS) {
        uint64_t scale_bits;
        CCS_TRY(ccs_reader_u64le(&r, &scale_bits));
        CCS_ENSURE(scale_ok(NULL, scale_bits, &p.scale), CCS_ERR_FORMAT, "he: bad CKKS scale");
    }
    CCS_TRY(ccs_reader_expect_end(&r));
    /* The record's own insecure_allow is the sender's say: honoured only
     * when this caller opted in. */
    CCS_ENSURE(!ins || allow_insecure, CCS_ERR_POLICY,
               "he: the parameters are marked insecure_allow (refused; ccs_he_params_load_insecure accepts them)");
    p.scheme = (ccs_he_scheme)scheme, p.security = sec, p.insecure_allow = ins, p.n = n, p.data_count = L;
    p.special_bits = sb;
    /* the primes must be the ones these parameters generate */
    ccs_he_ctx *c = NULL;
    ccs_status st = ccs_he_ctx_new(&p, &c);
    if (st == CCS_ERR_NOMEM) return st;
    CCS_ENSURE(st == CCS_OK, st == CCS_ERR_POLICY ? CCS_ERR_POLICY : CCS_ERR_FORMAT, "he: invalid parameters: %s",
               ccs_error_detail());
    bool same = true;
    for (size_t i = 0; i <= L; i++) same &= c->m[i].q == primes[i];
    ccs_he_ctx_free(c);
    CCS_ENSURE(same, CCS_ERR_FORMAT, "he: the primes do not match the parameters");
    *out = p;
    return CCS_OK;
}

ccs_status ccs_he_params_load(ccs_bytes in, ccs_he_params *out) { return params_load(in, false, out); }

ccs_status ccs_he_params_load_insecure(ccs_bytes in, ccs_he_params *out) { return params_load(in, true, out); }

ccs_status ccs_he_secret_key_save(const ccs_he_ctx *c, const ccs_he_secret_key *k, ccs_buf *out) {
    CCS_ENSURE(c && k && out, CCS_ERR_INVALID_ARG, "he: NULL argument");
    CCS_TRY(header(out, T_SK, c));
    return ccs_buf_append(out, k->seed, 32);
}

ccs_status ccs_he_secret_key_load(const ccs_he_ctx *c, ccs_bytes in, ccs_he_secret_key **out) {
    CCS_ENSURE(c && out && (in.ptr || in.len == 0), CCS_ERR_INVALID_ARG, "he: NULL argument");
    *out = NULL;
    ccs_reader r;
    ccs_reader_init(&r, in);
    CCS_TRY(read_header(&r, T_SK, c));
    ccs_he_secret_key *k = calloc(1, sizeof *k);
    CCS_ENSURE(k != NULL, CCS_ERR_NOMEM, "he: no memory");
    memcpy(k->params_id, c->params_id, 32);
    ccs_status st = ccs_reader_copy(&r, k->seed, 32);
    if (st == CCS_OK) st = ccs_reader_expect_end(&r);
    if (st == CCS_OK) st = he_sk_expand(c, k);
    if (st != CCS_OK) {
        ccs_he_secret_key_free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}

ccs_status ccs_he_public_key_save(const ccs_he_ctx *c, const ccs_he_public_key *k, ccs_buf *out) {
    CCS_ENSURE(c && k && out, CCS_ERR_INVALID_ARG, "he: NULL argument");
    CCS_TRY(header(out, T_PK, c));
    CCS_TRY(ccs_buf_append(out, k->seed, 32));
    return put_rows(out, k->b.c, c->L * c->n);
}

ccs_status ccs_he_public_key_load(const ccs_he_ctx *c, ccs_bytes in, ccs_he_public_key **out) {
    CCS_ENSURE(c && out && (in.ptr || in.len == 0), CCS_ERR_INVALID_ARG, "he: NULL argument");
    *out = NULL;
    ccs_reader r;
    ccs_reader_init(&r, in);
    CCS_TRY(read_header(&r, T_PK, c));
    ccs_he_public_key *k = calloc(1, sizeof *k);
    CCS_ENSURE(k != NULL, CCS_ERR_NOMEM, "he: no memory");
    memcpy(k->params_id, c->params_id, 32);
    ccs_status st = ccs_reader_copy(&r, k->seed, 32);
    if (st == CCS_OK) st = ccs_reader_remaining(&r) == c->L * c->n * 8 ? CCS_OK
                          : ccs_error_set(ccs_reader_remaining(&r) < c->L * c->n * 8 ? CCS_ERR_TRUNCATED : CCS_ERR_TRAILING,
                                          CCS_HERE, "he: public key length");
    if (st == CCS_OK) st = he_pk_expand_a(c, k);
    if (st == CCS_OK) st = read_rows(&r, c, NULL, c->L, k->b.c);
    if (st == CCS_OK) st = ccs_reader_expect_end(&r);
    if (st != CCS_OK) {
        ccs_he_public_key_free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}

static ccs_status put_ks(ccs_buf *b, const ccs_he_ctx *c, const he_kswitch *k) {
    CCS_TRY(put(b, k->galois, 4));
    CCS_TRY(ccs_buf_append(b, k->seed, 32));
    for (size_t j = 0; j < c->L; j++) CCS_TRY(put_rows(b, k->b[j].c, (c->L + 1) * c->n));
    return CCS_OK;
}

static ccs_status read_ks(ccs_reader *r, const ccs_he_ctx *c, he_kswitch *k, bool galois) {
    uint32_t g;
    CCS_TRY(ccs_reader_u32le(r, &g));
    if (galois)
        CCS_ENSURE((g & 1) && g > 1 && g < 2 * c->n, CCS_ERR_FORMAT, "he: bad Galois element %u", g);
    else
        CCS_ENSURE(g == 0, CCS_ERR_FORMAT, "he: relinearization key with a Galois element");
    k->galois = g;
    CCS_TRY(ccs_reader_copy(r, k->seed, 32));
    CCS_ENSURE(ccs_reader_remaining(r) / 8 / c->n / (c->L + 1) >= c->L, CCS_ERR_TRUNCATED, "he: key too short");
    CCS_TRY(he_kswitch_expand(c, k));
    uint8_t idx[HE_MAXP];
    for (size_t i = 0; i <= c->L; i++) idx[i] = (uint8_t)i;
    for (size_t j = 0; j < c->L; j++) CCS_TRY(read_rows(r, c, idx, c->L + 1, k->b[j].c));
    if (galois) CCS_TRY(he_kswitch_set_perm(c, k));
    return CCS_OK;
}

ccs_status ccs_he_relin_key_save(const ccs_he_ctx *c, const ccs_he_relin_key *k, ccs_buf *out) {
    CCS_ENSURE(c && k && out, CCS_ERR_INVALID_ARG, "he: NULL argument");
    CCS_TRY(header(out, T_RK, c));
    return put_ks(out, c, &k->k);
}

ccs_status ccs_he_relin_key_load(const ccs_he_ctx *c, ccs_bytes in, ccs_he_relin_key **out) {
    CCS_ENSURE(c && out && (in.ptr || in.len == 0), CCS_ERR_INVALID_ARG, "he: NULL argument");
    *out = NULL;
    ccs_reader r;
    ccs_reader_init(&r, in);
    CCS_TRY(read_header(&r, T_RK, c));
    ccs_he_relin_key *k = calloc(1, sizeof *k);
    CCS_ENSURE(k != NULL, CCS_ERR_NOMEM, "he: no memory");
    memcpy(k->params_id, c->params_id, 32);
    ccs_status st = read_ks(&r, c, &k->k, false);
    if (st == CCS_OK) st = ccs_reader_expect_end(&r);
    if (st != CCS_OK) {
        ccs_he_relin_key_free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}

ccs_status ccs_he_galois_keys_save(const ccs_he_ctx *c, const ccs_he_galois_keys *k, ccs_buf *out) {
    CCS_ENSURE(c && k && out, CCS_ERR_INVALID_ARG, "he: NULL argument");
    CCS_TRY(header(out, T_GK, c));
    CCS_TRY(put(out, k->count, 4));
    for (size_t i = 0; i < k->count; i++) CCS_TRY(put_ks(out, c, &k->k[i]));
    return CCS_OK;
}

ccs_status ccs_he_galois_keys_load(const ccs_he_ctx *c, ccs_bytes in, ccs_he_galois_keys **out) {
    CCS_ENSURE(c && out && (in.ptr || in.len == 0), CCS_ERR_INVALID_ARG, "he: NULL argument");
    *out = NULL;
    ccs_reader r;
    ccs_reader_init(&r, in);
    CCS_TRY(read_header(&r, T_GK, c));
    uint32_t count;
    CCS_TRY(ccs_reader_u32le(&r, &count));
    size_t one = 36 + c->L * (c->L + 1) * c->n * 8;
    CCS_ENSURE(count <= c->n && ccs_reader_remaining(&r) / one >= count, CCS_ERR_TRUNCATED, "he: Galois keys too short");
    ccs_he_galois_keys *k = calloc(1, sizeof *k);
    CCS_ENSURE(k != NULL, CCS_ERR_NOMEM, "he: no memory");
    memcpy(k->params_id, c->params_id, 32);
    k->k = calloc(count + 1, sizeof *k->k);
    ccs_status st = k->k ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he: no memory");
    for (size_t i = 0; st == CCS_OK && i < count; i++) {
        k->count++;
        st = read_ks(&r, c, &k->k[i], true);
        for (size_t x = 0; st == CCS_OK && x < i; x++)
            if (k->k[x].galois == k->k[i].galois) st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "he: duplicate Galois key");
    }
    if (st == CCS_OK) st = ccs_reader_expect_end(&r);
    if (st != CCS_OK) {
        ccs_he_galois_keys_free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}

ccs_status ccs_he_ciphertext_save(const ccs_he_ctx *c, const ccs_he_ciphertext *ct, ccs_buf *out) {
    CCS_ENSURE(c && ct && out && ct->n == c->n && ct->cap_rows == c->L, CCS_ERR_INVALID_ARG, "he: bad arguments");
    CCS_TRY(header(out, T_CT, c));
    bool seeded = ct->seeded && ct->size == 2;
    CCS_TRY(put(out, ct->level, 1));
    CCS_TRY(put(out, ct->size, 1));
    CCS_TRY(put(out, seeded, 1));
    CCS_TRY(put(out, ct->cf, 8));
    if (seeded) CCS_TRY(ccs_buf_append(out, ct->seed, 32));
    for (size_t k = 0; k < (seeded ? 1 : ct->size); k++) CCS_TRY(put_rows(out, he_ct_row(ct, k, 0), ct->level * c->n));
    return CCS_OK;
}

ccs_status ccs_he_ciphertext_load(const ccs_he_ctx *c, ccs_bytes in, ccs_he_ciphertext *out) {
    CCS_ENSURE(c && out && (in.ptr || in.len == 0) && out->n == c->n && out->cap_rows == c->L, CCS_ERR_INVALID_ARG,
               "he: bad arguments");
    ccs_reader r;
    ccs_reader_init(&r, in);
    CCS_TRY(read_header(&r, T_CT, c));
    uint8_t level, size, seeded;
    uint64_t cf;
    CCS_TRY(ccs_reader_u8(&r, &level));
    CCS_TRY(ccs_reader_u8(&r, &size));
    CCS_TRY(ccs_reader_u8(&r, &seeded));
    CCS_TRY(ccs_reader_u64le(&r, &cf));
    CCS_ENSURE(level >= 1 && level <= c->L && (size == 2 || size == 3) && seeded <= 1 && (!seeded || size == 2),
               CCS_ERR_FORMAT, "he: malformed ciphertext header");
    double scale;
    if (c->p.scheme == CCS_HE_BFV)
        CCS_ENSURE(level == c->L && cf == 1, CCS_ERR_FORMAT, "he: malformed BFV ciphertext");
    else if (c->p.scheme == CCS_HE_CKKS)
        CCS_ENSURE(scale_ok(c, cf, &scale), CCS_ERR_FORMAT, "he: bad CKKS scale");
    else
        CCS_ENSURE(cf >= 1 && cf < c->p.t && he_inv_any(cf, c->p.t) != 0, CCS_ERR_FORMAT, "he: bad correction factor");
    uint8_t seed[32];
    if (seeded) CCS_TRY(ccs_reader_copy(&r, seed, 32));
    size_t polys = seeded ? 1 : size;
    CCS_ENSURE(ccs_reader_remaining(&r) == polys * level * c->n * 8,
               ccs_reader_remaining(&r) < polys * level * c->n * 8 ? CCS_ERR_TRUNCATED : CCS_ERR_TRAILING,
               "he: ciphertext length");
    /* decode into a scratch ciphertext so a failure leaves out untouched */
    ccs_he_ciphertext *t = NULL;
    CCS_TRY(ccs_he_ciphertext_new(c, &t));
    ccs_status st = CCS_OK;
    for (size_t k = 0; st == CCS_OK && k < polys; k++) st = read_rows(&r, c, NULL, level, he_ct_row(t, k, 0));
    if (st == CCS_OK && seeded) {
        he_prng g = {0};
        ccs_he_poly a = {0};
        st = he_prng_init(&g, seed, 0x20u);
        if (st == CCS_OK) st = ccs_he_poly_alloc(c, c->L, false, &a);
        if (st == CCS_OK) st = he_sample_uniform(c, &g, &a);
        if (st == CCS_OK) memcpy(he_ct_row(t, 1, 0), a.c, level * c->n * sizeof(uint64_t));
        he_prng_done(&g);
        ccs_he_poly_free(&a);
        memcpy(t->seed, seed, 32);
    }
    if (st == CCS_OK) {
        t->level = level, t->size = size, t->cf = cf, t->seeded = seeded && level == c->L;
        st = ccs_he_ciphertext_copy(out, t);
    }
    ccs_he_ciphertext_free(t);
    return st;
}

ccs_status ccs_he_plaintext_save(const ccs_he_ctx *c, const ccs_he_plaintext *pt, ccs_buf *out) {
    CCS_ENSURE(c && pt && out && pt->n == c->n, CCS_ERR_INVALID_ARG, "he: bad arguments");
    if (c->p.scheme == CCS_HE_CKKS) {
        CCS_ENSURE(pt->level >= 1 && pt->level <= c->L, CCS_ERR_INVALID_ARG, "he: not a CKKS plaintext");
        uint64_t sb;
        memcpy(&sb, &pt->scale, 8);
        CCS_TRY(header(out, T_PT, c));
        CCS_TRY(put(out, pt->level, 1));
        CCS_TRY(put(out, sb, 8));
        return put_rows(out, pt->c, pt->level * c->n);
    }
    CCS_TRY(header(out, T_PT, c));
    return put_rows(out, pt->c, c->n);
}

static ccs_status ckks_plaintext_load(const ccs_he_ctx *c, ccs_reader *r, ccs_he_plaintext *out) {
    CCS_ENSURE(out->level >= 1 && out->rows == c->L, CCS_ERR_INVALID_ARG,
               "he: not a CKKS plaintext of this context (ccs_he_ckks_plaintext_new)");
    uint8_t level;
    uint64_t sb;
    double scale;
    CCS_TRY(ccs_reader_u8(r, &level));
    CCS_TRY(ccs_reader_u64le(r, &sb));
    CCS_ENSURE(level >= 1 && level <= c->L && scale_ok(c, sb, &scale), CCS_ERR_FORMAT, "he: malformed CKKS plaintext");
    CCS_ENSURE(ccs_reader_remaining(r) == level * c->n * 8,
               ccs_reader_remaining(r) < level * c->n * 8 ? CCS_ERR_TRUNCATED : CCS_ERR_TRAILING,
               "he: plaintext length");
    uint64_t *tmp = he_alloc(level * c->n * sizeof(uint64_t));
    CCS_ENSURE(tmp != NULL, CCS_ERR_NOMEM, "he: no memory");
    ccs_status st = read_rows(r, c, NULL, level, tmp);
    if (st == CCS_OK) {
        memcpy(out->c, tmp, level * c->n * sizeof(uint64_t));
        out->level = level, out->scale = scale;
    }
    he_free(tmp);
    return st;
}

ccs_status ccs_he_plaintext_load(const ccs_he_ctx *c, ccs_bytes in, ccs_he_plaintext *out) {
    CCS_ENSURE(c && out && (in.ptr || in.len == 0) && out->n == c->n, CCS_ERR_INVALID_ARG, "he: bad arguments");
    ccs_reader r;
    ccs_reader_init(&r, in);
    CCS_TRY(read_header(&r, T_PT, c));
    if (c->p.scheme == CCS_HE_CKKS) return ckks_plaintext_load(c, &r, out);
    CCS_ENSURE(ccs_reader_remaining(&r) == c->n * 8,
               ccs_reader_remaining(&r) < c->n * 8 ? CCS_ERR_TRUNCATED : CCS_ERR_TRAILING, "he: plaintext length");
    for (size_t k = 0; k < c->n; k++) {
        uint64_t v;
        CCS_TRY(ccs_reader_u64le(&r, &v));
        CCS_ENSURE(v < c->p.t, CCS_ERR_FORMAT, "he: plaintext coefficient out of range");
    }
    ccs_reader_init(&r, in);
    CCS_TRY(ccs_reader_skip(&r, 40));
    for (size_t k = 0; k < c->n; k++) CCS_TRY(ccs_reader_u64le(&r, &out->c[k]));
    return CCS_OK;
}
