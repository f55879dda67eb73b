/* The sim backends, "sim-sgx" and "sim-tdx": evidence in the real DCAP
 * quote layouts, signed through the sim PKI of a sim directory (sim_pki.c);
 * sealing keys from the per-platform sim secret; measurements from the
 * configured measurement and signer. Never auto-detected: opened by name. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

typedef struct sim_state {
    const sim_platform *p;
    ccs_privkey *att_key;
    uint8_t att_pub[64];
    ccs_buf qe_blob, pck_pem;
    uint8_t secret[32];
    sim_identity id;
} sim_state;

ccs_status ccs_sim_dir(const char *dir, char *out, size_t cap) {
    const char *env = getenv("CCS_SIM_DIR"), *home = getenv("HOME");
    int n;
    CCS_ENSURE(out != NULL && cap > 0, CCS_ERR_INVALID_ARG, "sim: no output buffer");
    if (dir != NULL && dir[0] != '\0')
        n = snprintf(out, cap, "%s", dir);
    else if (env != NULL && env[0] != '\0')
        n = snprintf(out, cap, "%s", env);
    else if (home != NULL && home[0] != '\0')
        n = snprintf(out, cap, "%s/.local/share/ccs/sim", home);
    else
        CCS_BAIL(CCS_ERR_NOT_FOUND, "sim: no --sim-dir, $CCS_SIM_DIR or $HOME");
    CCS_ENSURE(n > 0 && (size_t)n < cap, CCS_ERR_INVALID_ARG, "sim: directory name too long");
    return CCS_OK;
}

/* Reads dir/<a><platform name><b>. */
static ccs_status read_rel(const char *dir, const char *a, const sim_platform *p, const char *b, size_t max,
                           ccs_buf *out) {
    char rel[128], path[SIM_PATH_MAX];
    snprintf(rel, sizeof rel, "%s%s%s", a, p->name, b);
    CCS_TRY(ccs_sim_path(path, sizeof path, dir, rel));
    return ccs_file_read(path, max, out);
}

static void sim_close(void *state) {
    sim_state *s = state;
    if (s == NULL) return;
    ccs_privkey_free(s->att_key);
    ccs_buf_free(&s->qe_blob);
    ccs_buf_free(&s->pck_pem);
    ccs_wipe(s, sizeof *s);
    free(s);
}

static ccs_status load_state(const char *dir, sim_state *s) {
    char rel[128], path[SIM_PATH_MAX];
    ccs_buf secret = {0};
    snprintf(rel, sizeof rel, "private/%s_attestation.key", s->p->name);
    CCS_TRY(ccs_sim_path(path, sizeof path, dir, rel));
    CCS_TRY(ccs_privkey_load(path, &s->att_key));
    CCS_TRY(ccs_sim_att_pub(s->att_key, s->att_pub));
    CCS_TRY(read_rel(dir, "", s->p, "/qe_report.bin", 4096, &s->qe_blob));
    CCS_TRY(read_rel(dir, "", s->p, "/pck_chain.pem", 1u << 16, &s->pck_pem));
    ccs_status st = read_rel(dir, "private/", s->p, "_seal_secret", 64, &secret);
    if (st == CCS_OK && secret.len != sizeof s->secret)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "sim: the sealing secret is %zu bytes, not 32", secret.len);
    if (st == CCS_OK) memcpy(s->secret, secret.ptr, sizeof s->secret);
    ccs_buf_free(&secret);
    return st;
}

static ccs_status sim_open(const sim_platform *p, const ccs_tee_config *cfg, void **state) {
    char dir[SIM_PATH_MAX];
    CCS_TRY(ccs_sim_dir(cfg->sim_dir, dir, sizeof dir));
    size_t id_max = p->tee == CCS_TEE_TDX ? 48 : 64;
    CCS_ENSURE(cfg->sim_config_id.len <= id_max, CCS_ERR_INVALID_ARG, "sim: a config id of %zu bytes (%s: at most %zu)",
               cfg->sim_config_id.len, p->tee == CCS_TEE_TDX ? "MRCONFIGID" : "CONFIGID", id_max);
    sim_state *s = calloc(1, sizeof *s);
    CCS_ENSURE(s != NULL, CCS_ERR_NOMEM, "out of memory");
    s->p = p;
    ccs_sim_identity(cfg, &s->id);
    ccs_status st = load_state(dir, s);
    if (st != CCS_OK) {
        char why[256];
        snprintf(why, sizeof why, "%s", ccs_error_detail());
        sim_close(s);
        CCS_BAIL(st, "no usable sim platform in %s (run `ccs tee sim init`): %s", dir, why);
    }
    *state = s;
    return CCS_OK;
}

static ccs_status sim_sgx_open(const ccs_tee_config *cfg, void **state) { return sim_open(&ccs_sim_sgx, cfg, state); }
static ccs_status sim_tdx_open(const ccs_tee_config *cfg, void **state) { return sim_open(&ccs_sim_tdx, cfg, state); }

static ccs_status sim_evidence(void *state, const uint8_t report_data[64], ccs_buf *out) {
    sim_state *s = state;
    out->len = 0;
    return ccs_sim_quote(s->p, &s->id, report_data, s->att_key, s->att_pub, ccs_buf_view(&s->qe_blob),
                         ccs_buf_view(&s->pck_pem), out);
}

/* HKDF-SHA-256(ikm = sim secret, salt = "ccs-sim-seal-v1",
 * info = policy || MRENCLAVE/MRTD or MRSIGNER/MROWNER || label). */
static ccs_status sim_seal_key(void *state, ccs_seal_policy policy, ccs_bytes label, uint8_t key[32]) {
    sim_state *s = state;
    bool tdx = s->p->tee == CCS_TEE_TDX;
    ccs_buf info = {0};
    uint8_t pol = (uint8_t)policy;
    const uint8_t *v = policy == CCS_SEAL_MEASUREMENT ? (tdx ? s->id.mr_td : s->id.mr_enclave)
                                                      : (tdx ? s->id.mr_owner : s->id.mr_signer);
    ccs_status st = ccs_buf_append(&info, &pol, 1);
    if (st == CCS_OK) st = ccs_buf_append(&info, v, tdx ? 48 : 32);
    if (st == CCS_OK && label.len) st = ccs_buf_append(&info, label.ptr, label.len);
    if (st == CCS_OK)
        st = ccs_hkdf_sha256(ccs_bytes_str("ccs-sim-seal-v1"), ccs_bytes_of(s->secret, sizeof s->secret),
                             ccs_buf_view(&info), key, 32);
    ccs_buf_free(&info);
    return st;
}

static void put_hex(json_t *o, const char *k, const uint8_t *p, size_t n) {
    ccs_buf h = {0};
    if (ccs_hex_append(&h, ccs_bytes_of(p, n)) == CCS_OK) json_object_set_new(o, k, json_stringn((const char *)h.ptr, h.len));
    ccs_buf_free(&h);
}

static ccs_status sim_measurements(void *state, char **json) {
    sim_state *s = state;
    static const uint8_t zero[48] = {0};
    json_t *o = json_object();
    CCS_ENSURE(o != NULL, CCS_ERR_NOMEM, "out of memory");
    json_object_set_new(o, "platform", json_string(s->p->tee == CCS_TEE_TDX ? "sim-tdx" : "sim-sgx"));
    json_object_set_new(o, "insecure", json_true());
    if (s->p->tee == CCS_TEE_SGX) {
        put_hex(o, "mrenclave", s->id.mr_enclave, 32);
        put_hex(o, "mrsigner", s->id.mr_signer, 32);
        put_hex(o, "config_id", s->id.config_id, 64);
        json_object_set_new(o, "isv_prod_id", json_integer(0));
        json_object_set_new(o, "isv_svn", json_integer(1));
    } else {
        put_hex(o, "mr_td", s->id.mr_td, 48);
        put_hex(o, "mr_owner", s->id.mr_owner, 48);
        put_hex(o, "mr_config_id", s->id.config_id, 48);
        for (int i = 0; i < 4; i++) {
            char k[8];
            snprintf(k, sizeof k, "rtmr%d", i);
            put_hex(o, k, zero, 48);
        }
        put_hex(o, "tee_tcb_svn", s->p->tee_tcb_svn, 16);
    }
    *json = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    CCS_ENSURE(*json != NULL, CCS_ERR_NOMEM, "out of memory");
    return CCS_OK;
}

const backend_ops ccs_backend_sim_sgx = {
    .platform = CCS_PLATFORM_SIM_SGX,
    .available = NULL,
    .open = sim_sgx_open,
    .close = sim_close,
    .evidence = sim_evidence,
    .seal_key = sim_seal_key,
    .measurements = sim_measurements,
};

const backend_ops ccs_backend_sim_tdx = {
    .platform = CCS_PLATFORM_SIM_TDX,
    .available = NULL,
    .open = sim_tdx_open,
    .close = sim_close,
    .evidence = sim_evidence,
    .seal_key = sim_seal_key,
    .measurements = sim_measurements,
};

ccs_status ccs_sim_trust_load(const char *dir_arg, ccs_tee tee, ccs_x509 **root, ccs_collateral **coll) {
    char dir[SIM_PATH_MAX], path[SIM_PATH_MAX];
    const sim_platform *p = ccs_sim_platform(tee);
    CCS_ENSURE(p != NULL, CCS_ERR_UNSUPPORTED, "sim: no sim platform for TEE %s", ccs_tee_name(tee));
    CCS_TRY(ccs_sim_dir(dir_arg, dir, sizeof dir));
    if (root != NULL) {
        ccs_buf pem = {0};
        *root = NULL;
        CCS_TRY(ccs_sim_path(path, sizeof path, dir, "root_ca.pem"));
        ccs_status st = ccs_file_read(path, 1u << 16, &pem);
        if (st == CCS_OK) st = ccs_x509_parse_pem(ccs_buf_view(&pem), root);
        ccs_buf_free(&pem);
        CCS_TRY(st);
    }
    if (coll != NULL) {
        *coll = NULL;
        ccs_status st = ccs_sim_path(path, sizeof path, dir, p->name);
        if (st == CCS_OK) st = ccs_collateral_load_dir(path, coll);
        if (st != CCS_OK && root != NULL) {
            ccs_x509_free(*root);
            *root = NULL;
        }
        CCS_TRY(st);
    }
    return CCS_OK;
}
