/* bench_json_parse: parsing the KBS's POST /kbs/v0/attest body (the ~6 KB
 * RCAR attestation request of bench_kbs: runtime-data with a P-256 JWK, sim
 * SGX evidence as base64) with the JSON parsers Debian ships:
 *   jansson json_loadb (what the KBS used), jansson json_load_callback handed
 *   the whole body as one chunk, cJSON, cJSON followed by building the
 *   same jansson tree, and what the KBS now does (kbs_json_body_parse: the
 *   grammar check, cJSON, the jansson tree).
 * json-c cannot be linked beside jansson (both export json_object_get and
 * more), so it is not here; with --dump the body is written to stdout for
 * measuring it on its own.
 * One thread; per parser the best of 7 batches, ns per parse and MB/s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <cjson/cJSON.h>

#include "ccs/kbsproto.h"
#include "ccs/tee.h"
#include "server_internal.h" /* kbs_json_body_parse */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The body bench_kbs's clients send (bench/kbs_client.c attest_body). */
static char *make_body(const char *sim_dir) {
    ccs_tee_config tc = {.platform = CCS_PLATFORM_SIM_SGX, .sim_dir = sim_dir,
                         .sim_measurement = ccs_bytes_str("ccs bench enclave v1")};
    ccs_backend *be = NULL;
    json_t *priv = NULL, *pub = NULL;
    uint8_t rd[64];
    size_t len = 0;
    ccs_buf ev = {0}, b64 = {0};
    char *text = NULL;
    const char *nonce = "q0Yl2m6hVt5lq6eTq0Yl2m6hVt5lq6eTq0Yl2m6hVt4=";
    ccs_status st = ccs_backend_open(&tc, &be);
    if (st == CCS_OK) st = ccs_kbs_tee_key_generate(&priv);
    if (st == CCS_OK) st = ccs_kbs_tee_key_public(priv, &pub);
    if (st == CCS_OK) st = ccs_kbs_runtime_data_hash(nonce, pub, CCS_HASH_SHA384, rd, &len);
    if (st == CCS_OK) st = ccs_backend_evidence(be, ccs_bytes_of(rd, len), &ev);
    if (st == CCS_OK) st = ccs_base64_encode(ccs_buf_view(&ev), &b64);
    if (st == CCS_OK) st = ccs_buf_append(&b64, "", 1);
    if (st == CCS_OK) {
        json_t *body = json_pack("{s:{s:s,s:O},s:{s:{s:s},s:s}}", "runtime-data", "nonce", nonce, "tee-pubkey", pub,
                                 "tee-evidence", "primary_evidence", "quote", (const char *)b64.ptr,
                                 "additional_evidence", "{}");
        text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
    } else {
        fprintf(stderr, "bench_json_parse: %s\n", ccs_error_detail());
    }
    if (priv != NULL) ccs_kbs_jwk_wipe(priv);
    json_decref(priv);
    json_decref(pub);
    ccs_buf_free(&ev);
    ccs_buf_free(&b64);
    ccs_backend_free(be);
    return text;
}

static const char *g_text;
static size_t g_len;

static int p_jansson(void) {
    json_t *v = json_loadb(g_text, g_len, JSON_REJECT_DUPLICATES, NULL);
    json_decref(v);
    return v != NULL;
}

typedef struct chunk {
    size_t off;
} chunk;

static size_t whole(void *buffer, size_t buflen, void *data) {
    chunk *c = data;
    size_t n = g_len - c->off < buflen ? g_len - c->off : buflen;
    memcpy(buffer, g_text + c->off, n);
    c->off += n;
    return n;
}

static int p_jansson_cb(void) {
    chunk c = {0};
    json_t *v = json_load_callback(whole, &c, JSON_REJECT_DUPLICATES, NULL);
    json_decref(v);
    return v != NULL;
}

static int p_cjson(void) {
    cJSON *o = cJSON_ParseWithLength(g_text, g_len);
    cJSON_Delete(o);
    return o != NULL;
}

static json_t *from_cjson(const cJSON *o) {
    if (cJSON_IsObject(o) || cJSON_IsArray(o)) {
        json_t *j = cJSON_IsObject(o) ? json_object() : json_array();
        for (const cJSON *c = o->child; c != NULL; c = c->next) {
            if (cJSON_IsObject(o)) json_object_set_new(j, c->string, from_cjson(c));
            else json_array_append_new(j, from_cjson(c));
        }
        return j;
    }
    if (cJSON_IsString(o)) return json_string(o->valuestring);
    if (cJSON_IsNumber(o)) return json_real(o->valuedouble);
    if (cJSON_IsBool(o)) return json_boolean(cJSON_IsTrue(o));
    return json_null();
}

static int p_cjson_tree(void) {
    cJSON *o = cJSON_ParseWithLength(g_text, g_len);
    json_t *j = o ? from_cjson(o) : NULL;
    cJSON_Delete(o);
    json_decref(j);
    return j != NULL;
}

static int p_kbs(void) {
    json_t *j = NULL;
    if (kbs_json_body_parse(ccs_bytes_of(g_text, g_len), &j) != CCS_OK) return 0;
    json_decref(j);
    return 1;
}

static int p_grammar(void) { return ccs_json_check_grammar(ccs_bytes_of(g_text, g_len)) == CCS_OK; }

static void run(const char *name, int (*fn)(void), int iters) {
    double best = 1e30;
    for (int b = 0; b < 7; b++) {
        double t0 = now_s();
        for (int i = 0; i < iters; i++)
            if (!fn()) {
                printf("  %-34s failed to parse\n", name);
                return;
            }
        double t = (now_s() - t0) / iters;
        if (t < best) best = t;
    }
    printf("  %-34s %9.1f us   %7.1f MB/s\n", name, best * 1e6, (double)g_len / best / 1e6);
}

int main(int argc, char **argv) {
    int iters = argc > 1 ? atoi(argv[1]) : 2000;
    char dir[] = "/tmp/ccs-bench-json.XXXXXX";
    if (mkdtemp(dir) == NULL) return 2;
    char sim[64];
    snprintf(sim, sizeof sim, "%s/sim", dir);
    char *text = ccs_sim_init(sim, ccs_time_now(), true) == CCS_OK ? make_body(sim) : NULL;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench_json_parse: cannot remove %s\n", dir);
    if (text == NULL) return 1;
    g_text = text;
    g_len = strlen(text);
    if (argc > 2 && strcmp(argv[2], "--dump") == 0) {
        fputs(text, stdout);
        free(text);
        return 0;
    }
    printf("the POST /kbs/v0/attest body of bench_kbs: %zu bytes; best of 7 batches of %d\n", g_len, iters);
    run("jansson json_loadb", p_jansson, iters);
    run("jansson json_load_callback (1 chunk)", p_jansson_cb, iters);
    run("cJSON", p_cjson, iters);
    run("cJSON + jansson tree", p_cjson_tree, iters);
    run("ccs_json_check_grammar", p_grammar, iters);
    run("KBS kbs_json_body_parse", p_kbs, iters);
    free(text);
    return 0;
}
