/* Collateral from files: a directory of PCS responses, or the single JSON
 * object that dcap-qvl uses. */
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "collateral.h"

#define MAX_FILE (4u << 20)

enum { F_TCB, F_TCB_CHAIN, F_QE, F_QE_CHAIN, F_PCK_CRL, F_PCK_CHAIN, F_ROOT_CRL, F_COUNT };

static const struct {
    const char *name;
    bool required;
} dir_files[F_COUNT] = {
    {"tcb_info.json", true},   {"tcb_info_issuer_chain.pem", true}, {"qe_identity.json", true},
    {"qe_identity_issuer_chain.pem", true}, {"pck_crl.der", false}, {"pck_crl_issuer_chain.pem", false},
    {"root_ca_crl.der", false},
};

static ccs_status read_dir(const char *dir, ccs_buf files[F_COUNT]) {
    for (int i = 0; i < F_COUNT; i++) {
        char path[4096];
        struct stat st;
        int n = snprintf(path, sizeof path, "%s/%s", dir, dir_files[i].name);
        CCS_ENSURE(n > 0 && (size_t)n < sizeof path, CCS_ERR_INVALID_ARG, "collateral path too long");
        if (stat(path, &st) != 0) {
            CCS_ENSURE(!dir_files[i].required, CCS_ERR_NOT_FOUND, "collateral: %s is missing", path);
            continue;
        }
        CCS_TRY(ccs_file_read(path, MAX_FILE, &files[i]));
    }
    return CCS_OK;
}

ccs_status ccs_collateral_load_dir(const char *dir, ccs_collateral **out) {
    ccs_buf f[F_COUNT] = {0};
    ccs_status st = read_dir(dir, f);
    if (st == CCS_OK) {
        ccs_collateral_raw raw = {
            .tcb_info = ccs_buf_view(&f[F_TCB]),
            .tcb_info_issuer_chain = ccs_buf_view(&f[F_TCB_CHAIN]),
            .qe_identity = ccs_buf_view(&f[F_QE]),
            .qe_identity_issuer_chain = ccs_buf_view(&f[F_QE_CHAIN]),
            .pck_crl = ccs_buf_view(&f[F_PCK_CRL]),
            .pck_crl_issuer_chain = ccs_buf_view(&f[F_PCK_CHAIN]),
            .root_ca_crl = ccs_buf_view(&f[F_ROOT_CRL]),
        };
        st = ccs_collateral_load(&raw, out);
    }
    for (int i = 0; i < F_COUNT; i++) ccs_buf_free(&f[i]);
    return st;
}

static ccs_bytes member(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) return ccs_bytes_of(NULL, 0);
    return ccs_bytes_of(json_string_value(v), json_string_length(v));
}

ccs_status ccs_collateral_load_dcapqvl(ccs_bytes json, ccs_collateral **out) {
    json_error_t err;
    json_t *o = json_loadb((const char *)json.ptr, json.len, JSON_REJECT_DUPLICATES, &err);
    CCS_ENSURE(o != NULL, CCS_ERR_FORMAT, "collateral JSON: %s at line %d", err.text, err.line);
    if (!json_is_object(o)) {
        json_decref(o);
        CCS_BAIL(CCS_ERR_FORMAT, "collateral JSON is not an object");
    }
    ccs_collateral_raw raw = {
        .tcb_info = member(o, "tcb_info"),
        .tcb_info_signature = member(o, "tcb_info_signature"),
        .tcb_info_issuer_chain = member(o, "tcb_info_issuer_chain"),
        .qe_identity = member(o, "qe_identity"),
        .qe_identity_signature = member(o, "qe_identity_signature"),
        .qe_identity_issuer_chain = member(o, "qe_identity_issuer_chain"),
        .pck_crl = member(o, "pck_crl"),
        .pck_crl_issuer_chain = member(o, "pck_crl_issuer_chain"),
        .root_ca_crl = member(o, "root_ca_crl"),
    };
    ccs_status st = CCS_OK;
    if (raw.tcb_info_signature.len == 0 || raw.qe_identity_signature.len == 0)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "collateral JSON lacks tcb_info_signature/qe_identity_signature");
    if (st == CCS_OK) st = ccs_collateral_load(&raw, out);
    json_decref(o);
    return st;
}

ccs_status ccs_collateral_load_path(const char *path, ccs_collateral **out) {
    struct stat st;
    CCS_ENSURE(path != NULL && out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    CCS_ENSURE(stat(path, &st) == 0, CCS_ERR_IO, "collateral %s does not exist", path);
    if (S_ISDIR(st.st_mode)) return ccs_collateral_load_dir(path, out);
    ccs_buf b = {0};
    ccs_status rc = ccs_file_read(path, MAX_FILE, &b);
    if (rc == CCS_OK) rc = ccs_collateral_load_dcapqvl(ccs_buf_view(&b), out);
    ccs_buf_free(&b);
    return rc;
}
