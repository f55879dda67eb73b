/* `ccs he demo --scheme ckks`: logistic-regression inference on encrypted
 * features. The client makes the CKKS keys, encrypts its feature vector and
 * sends the ciphertext with the params and the public, relinearization and
 * Galois keys, all serialized; the server, which loads only those, computes
 * the score w.x + b with its plaintext model and the degree-3 polynomial
 * sigmoid on the ciphertext (he_ckks_logreg) and sends both results back;
 * the client decrypts them and compares with the plaintext computation. Exit
 * 1 when an error exceeds the bound he_ckks_bound(logreg, n). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "he_cli.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double unif(void) { return 2.0 * (double)rand() / (double)RAND_MAX - 1.0; }

typedef struct wire {
    ccs_buf params, pk, rk, gk, x, score, out;
} wire;

static void wire_free(wire *w) {
    ccs_buf_free(&w->params), ccs_buf_free(&w->pk), ccs_buf_free(&w->rk), ccs_buf_free(&w->gk);
    ccs_buf_free(&w->x), ccs_buf_free(&w->score), ccs_buf_free(&w->out);
}

static ccs_bytes b_of(const ccs_buf *b) { return ccs_buf_view(b); }

/* The server: sees the wire and its own model, never the secret key. */
static ccs_status server(wire *w, const double *weights, size_t n, double bias) {
    ccs_he_params p;
    ccs_he_ctx *c = NULL;
    ccs_he_public_key *pk = NULL;
    ccs_he_relin_key *rk = NULL;
    ccs_he_galois_keys *gk = NULL;
    ccs_he_ciphertext *x = NULL, *score = NULL, *out = NULL, *tmp[3] = {NULL, NULL, NULL};
    he_ckks_model m;
    memset(&m, 0, sizeof m);
    ccs_status st = ccs_he_params_load(b_of(&w->params), &p);
    if (st == CCS_OK) st = ccs_he_ctx_new(&p, &c);
    if (st == CCS_OK) st = ccs_he_public_key_load(c, b_of(&w->pk), &pk); /* unused here: it could re-encrypt */
    if (st == CCS_OK) st = ccs_he_relin_key_load(c, b_of(&w->rk), &rk);
    if (st == CCS_OK) st = ccs_he_galois_keys_load(c, b_of(&w->gk), &gk);
    if (st == CCS_OK) st = ccs_he_ciphertext_new(c, &x);
    if (st == CCS_OK) st = ccs_he_ciphertext_new(c, &score);
    if (st == CCS_OK) st = ccs_he_ciphertext_new(c, &out);
    for (size_t i = 0; i < 3 && st == CCS_OK; i++) st = ccs_he_ciphertext_new(c, &tmp[i]);
    if (st == CCS_OK) st = ccs_he_ciphertext_load(c, b_of(&w->x), x);
    if (st == CCS_OK) st = he_ckks_model_encode(c, weights, n, bias, &m);
    double t = now();
    if (st == CCS_OK) st = he_ckks_logreg(c, rk, gk, &m, x, tmp, score, out);
    if (st == CCS_OK)
        printf("server: w.x + b and sigma3(z) = 0.5 + 0.197 z - 0.004 z^3 on the ciphertext in %.1f ms "
               "(%zu rotations, 2 ciphertext products; levels %zu -> %zu)\n",
               (now() - t) * 1e3, he_ckks_rotsum_steps(n, (int[32]){0}, 32), ccs_he_ctx_levels(c),
               ccs_he_ciphertext_level(out));
    if (st == CCS_OK) st = ccs_he_ciphertext_save(c, score, &w->score);
    if (st == CCS_OK) st = ccs_he_ciphertext_save(c, out, &w->out);
    he_ckks_model_free(&m);
    for (size_t i = 0; i < 3; i++) ccs_he_ciphertext_free(tmp[i]);
    ccs_he_ciphertext_free(x), ccs_he_ciphertext_free(score), ccs_he_ciphertext_free(out);
    ccs_he_galois_keys_free(gk), ccs_he_relin_key_free(rk), ccs_he_public_key_free(pk);
    ccs_he_ctx_free(c);
    return st;
}

/* Decrypts a returned ciphertext's slot 0. */
static ccs_status client_read(const ccs_he_ctx *c, const ccs_he_secret_key *sk, const ccs_buf *in, double *slots,
                              double *v) {
    ccs_he_ciphertext *ct = NULL;
    ccs_he_plaintext *pt = NULL;
    ccs_status st = ccs_he_ciphertext_new(c, &ct);
    if (st == CCS_OK) st = ccs_he_ckks_plaintext_new(c, &pt);
    if (st == CCS_OK) st = ccs_he_ciphertext_load(c, b_of(in), ct);
    if (st == CCS_OK) st = ccs_he_ckks_decrypt(c, sk, ct, pt);
    if (st == CCS_OK) st = ccs_he_ckks_decode_real(c, pt, slots);
    if (st == CCS_OK) *v = slots[0];
    ccs_he_ciphertext_free(ct);
    ccs_he_plaintext_free(pt);
    return st;
}

int he_demo_ckks(size_t n) {
    ccs_he_params p;
    ccs_he_ctx *c = NULL;
    ccs_he_secret_key *sk = NULL;
    ccs_he_public_key *pk = NULL;
    ccs_he_relin_key *rk = NULL;
    ccs_he_galois_keys *gk = NULL;
    ccs_he_plaintext *pt = NULL;
    ccs_he_ciphertext *x = NULL;
    wire w;
    memset(&w, 0, sizeof w);
    int steps[32];
    size_t ns = he_ckks_rotsum_steps(n, steps, 32);
    double *feat = malloc(n * sizeof *feat), *model = malloc((n + 1) * sizeof *model), *slots = NULL;
    srand((unsigned)time(NULL));
    for (size_t i = 0; feat && model && i < n; i++) feat[i] = unif(), model[i] = unif() * 4.0 / sqrt((double)n);
    if (model) model[n] = unif(); /* the bias */
    double t = now();
    ccs_status st = feat && model ? ccs_he_params_default(CCS_HE_CKKS, 8192, &p)
                                  : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he demo: no memory");
    if (st == CCS_OK) st = ccs_he_ctx_new(&p, &c);
    if (st == CCS_OK) st = ccs_he_keygen_secret(c, &sk);
    if (st == CCS_OK) st = ccs_he_keygen_public(c, sk, &pk);
    if (st == CCS_OK) st = ccs_he_keygen_relin(c, sk, &rk);
    if (st == CCS_OK) st = ccs_he_ckks_keygen_galois(c, sk, steps, ns, false, &gk);
    if (st == CCS_OK)
        printf("client: CKKS keys (N = 8192, 128-bit, scale 2^40, %zu Galois keys) made in %.0f ms; the secret key "
               "never leaves the client\n",
               ns, (now() - t) * 1e3);
    t = now();
    if (st == CCS_OK) st = ccs_he_ckks_plaintext_new(c, &pt);
    if (st == CCS_OK) st = ccs_he_ciphertext_new(c, &x);
    if (st == CCS_OK) st = ccs_he_ckks_encode_real(c, feat, n, 0, 0, pt);
    if (st == CCS_OK) st = ccs_he_ckks_encrypt(c, pk, pt, x);
    if (st == CCS_OK) st = ccs_he_params_save(c, &w.params);
    if (st == CCS_OK) st = ccs_he_public_key_save(c, pk, &w.pk);
    if (st == CCS_OK) st = ccs_he_relin_key_save(c, rk, &w.rk);
    if (st == CCS_OK) st = ccs_he_galois_keys_save(c, gk, &w.gk);
    if (st == CCS_OK) st = ccs_he_ciphertext_save(c, x, &w.x);
    if (st == CCS_OK)
        printf("client: %zu features encrypted in %.1f ms, sent (%zu KiB) with the params and the public, "
               "relinearization and Galois keys (%zu KiB)\n",
               n, (now() - t) * 1e3, w.x.len / 1024, (w.params.len + w.pk.len + w.rk.len + w.gk.len) / 1024);
    if (st == CCS_OK) st = server(&w, model, n, model[n]);
    double score = 0, sig = 0, want = 0;
    if (st == CCS_OK) {
        for (size_t i = 0; i < n; i++) want += feat[i] * model[i];
        want += model[n];
        slots = malloc(ccs_he_ckks_slots(c) * sizeof *slots);
        if (slots == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "he demo: no memory");
    }
    if (st == CCS_OK) st = client_read(c, sk, &w.score, slots, &score);
    if (st == CCS_OK) st = client_read(c, sk, &w.out, slots, &sig);
    int rc = CLI_OK;
    if (st == CCS_OK) {
        double e1 = fabs(score - want), e2 = fabs(sig - he_sigmoid3(want)), bound = he_ckks_bound(HE_WL_LOGREG, n);
        printf("client: score w.x + b  encrypted %.9f  plaintext %.9f  error %.2e\n", score, want, e1);
        printf("client: sigma3(score)  encrypted %.9f  plaintext %.9f  error %.2e  (exact sigmoid %.6f)\n", sig,
               he_sigmoid3(want), e2, 1.0 / (1.0 + exp(-want)));
        bool ok = e1 <= bound && e2 <= bound;
        printf("client: max error %.2e %s the bound %.2e: %s\n", fmax(e1, e2), ok ? "<=" : ">", bound,
               ok ? "within CKKS precision" : "TOO LARGE");
        if (!ok) rc = CLI_REFUSED;
    } else {
        fprintf(stderr, "ccs he demo: %s\n", ccs_error_detail());
        rc = CLI_REFUSED;
    }
    wire_free(&w);
    free(feat), free(model), free(slots);
    ccs_he_ciphertext_free(x), ccs_he_plaintext_free(pt);
    ccs_he_galois_keys_free(gk), ccs_he_relin_key_free(rk), ccs_he_public_key_free(pk);
    ccs_he_secret_key_free(sk), ccs_he_ctx_free(c);
    return rc;
}
