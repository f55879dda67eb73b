/* Parsing Intel collateral: TCB Info (PCS API v3/v4, TCB Info versions 2 and
 * 3, SGX and TDX) and Enclave Identity (version 2) JSON, issuer chains and
 * CRLs. The signed bytes are kept exactly as served (see core/json.c).
 * Nothing is verified here; unknown status strings or malformed fields are
 * errors, so verification never runs on half-understood collateral. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "collateral.h"

#define MAX_LEVELS 256
#define MAX_ADVISORIES 64

void ccs_adv_list_free(adv_list *a) {
    free(a->ids);
    a->ids = NULL;
    a->n = 0;
}

/* ---- JSON field readers ---------------------------------------------------------- */

static ccs_status get_member(json_t *o, const char *key, json_t **out) {
    *out = json_object_get(o, key);
    CCS_ENSURE(*out != NULL, CCS_ERR_FORMAT, "collateral: missing \"%s\"", key);
    return CCS_OK;
}

static ccs_status get_str(json_t *o, const char *key, const char **out) {
    json_t *v;
    CCS_TRY(get_member(o, key, &v));
    CCS_ENSURE(json_is_string(v), CCS_ERR_FORMAT, "collateral: \"%s\" is not a string", key);
    *out = json_string_value(v);
    return CCS_OK;
}

static ccs_status get_int(json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out) {
    json_t *v;
    CCS_TRY(get_member(o, key, &v));
    CCS_ENSURE(json_is_integer(v), CCS_ERR_FORMAT, "collateral: \"%s\" is not an integer", key);
    *out = json_integer_value(v);
    CCS_ENSURE(*out >= lo && *out <= hi, CCS_ERR_FORMAT, "collateral: \"%s\" out of range", key);
    return CCS_OK;
}

static ccs_status get_hex(json_t *o, const char *key, uint8_t *dst, size_t n) {
    const char *s;
    CCS_TRY(get_str(o, key, &s));
    ccs_status st = ccs_hex_decode_fixed(s, strlen(s), dst, n);
    CCS_ENSURE(st == CCS_OK, CCS_ERR_FORMAT, "collateral: \"%s\" is not %zu bytes of hex", key, n);
    return CCS_OK;
}

static ccs_status get_time(json_t *o, const char *key, ccs_time *out) {
    const char *s;
    CCS_TRY(get_str(o, key, &s));
    ccs_status st = ccs_time_parse(s, out);
    CCS_ENSURE(st == CCS_OK, CCS_ERR_FORMAT, "collateral: \"%s\" is not an RFC 3339 time", key);
    return CCS_OK;
}

static ccs_status get_status(json_t *o, ccs_tcb_status *out) {
    const char *s;
    CCS_TRY(get_str(o, "tcbStatus", &s));
    ccs_status st = ccs_tcb_status_parse(s, out);
    CCS_ENSURE(st == CCS_OK && *out != CCS_TCB_NOT_SUPPORTED && *out != CCS_TCB_UNKNOWN, CCS_ERR_FORMAT,
               "collateral: unknown tcbStatus");
    return CCS_OK;
}

static ccs_status get_advisories(json_t *o, adv_list *a) {
    json_t *arr = json_object_get(o, "advisoryIDs"), *v;
    size_t i;
    if (arr == NULL) return CCS_OK;
    CCS_ENSURE(json_is_array(arr) && json_array_size(arr) <= MAX_ADVISORIES, CCS_ERR_FORMAT,
               "collateral: bad advisoryIDs");
    if (json_array_size(arr) == 0) return CCS_OK;
    a->ids = calloc(json_array_size(arr), sizeof *a->ids);
    CCS_ENSURE(a->ids != NULL, CCS_ERR_NOMEM, "out of memory");
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);
        CCS_ENSURE(s != NULL && strlen(s) > 0 && strlen(s) < sizeof a->ids[0], CCS_ERR_FORMAT,
                   "collateral: bad advisory ID");
        memcpy(a->ids[a->n++], s, strlen(s) + 1);
    }
    return CCS_OK;
}

/* {"svn": N} array of exactly 16 components (TCB Info v3). */
static ccs_status get_components(json_t *tcb, const char *key, uint8_t out[16]) {
    json_t *arr, *v;
    size_t i;
    int64_t svn;
    CCS_TRY(get_member(tcb, key, &arr));
    CCS_ENSURE(json_is_array(arr) && json_array_size(arr) == 16, CCS_ERR_FORMAT,
               "collateral: \"%s\" must have 16 components", key);
    json_array_foreach(arr, i, v) {
        CCS_ENSURE(json_is_object(v), CCS_ERR_FORMAT, "collateral: bad TCB component");
        CCS_TRY(get_int(v, "svn", 0, 255, &svn));
        out[i] = (uint8_t)svn;
    }
    return CCS_OK;
}

/* TCB Info v2 spells components as "sgxtcbcomp01svn" .. "sgxtcbcomp16svn". */
static ccs_status get_components_v2(json_t *tcb, uint8_t out[16]) {
    for (int i = 0; i < 16; i++) {
        char key[24];
        int64_t svn;
        snprintf(key, sizeof key, "sgxtcbcomp%02dsvn", i + 1);
        CCS_TRY(get_int(tcb, key, 0, 255, &svn));
        out[i] = (uint8_t)svn;
    }
    return CCS_OK;
}

/* ---- TCB Info ------------------------------------------------------------------- */

static ccs_status parse_tcb_level(json_t *lv, const tcb_info *ti, tcb_level *out) {
    json_t *tcb;
    int64_t pcesvn;
    CCS_ENSURE(json_is_object(lv), CCS_ERR_FORMAT, "collateral: bad TCB level");
    CCS_TRY(get_member(lv, "tcb", &tcb));
    CCS_ENSURE(json_is_object(tcb), CCS_ERR_FORMAT, "collateral: bad \"tcb\"");
    if (ti->version >= 3)
        CCS_TRY(get_components(tcb, "sgxtcbcomponents", out->sgx_comp));
    else
        CCS_TRY(get_components_v2(tcb, out->sgx_comp));
    CCS_TRY(get_int(tcb, "pcesvn", 0, 65535, &pcesvn));
    out->pcesvn = (uint16_t)pcesvn;
    if (ti->tee == CCS_TEE_TDX) {
        CCS_TRY(get_components(tcb, "tdxtcbcomponents", out->tdx_comp));
        out->has_tdx = true;
    }
    CCS_TRY(get_time(lv, "tcbDate", &out->date));
    CCS_TRY(get_status(lv, &out->status));
    return get_advisories(lv, &out->adv);
}

static ccs_status parse_isv_levels(json_t *o, isv_level **out, size_t *n) {
    json_t *arr, *lv, *tcb;
    size_t i;
    CCS_TRY(get_member(o, "tcbLevels", &arr));
    CCS_ENSURE(json_is_array(arr) && json_array_size(arr) > 0 && json_array_size(arr) <= MAX_LEVELS,
               CCS_ERR_FORMAT, "collateral: bad \"tcbLevels\"");
    *out = calloc(json_array_size(arr), sizeof **out);
    CCS_ENSURE(*out != NULL, CCS_ERR_NOMEM, "out of memory");
    json_array_foreach(arr, i, lv) {
        isv_level *l = &(*out)[i];
        int64_t svn;
        *n = i + 1;
        CCS_ENSURE(json_is_object(lv), CCS_ERR_FORMAT, "collateral: bad TCB level");
        CCS_TRY(get_member(lv, "tcb", &tcb));
        CCS_ENSURE(json_is_object(tcb), CCS_ERR_FORMAT, "collateral: bad \"tcb\"");
        CCS_TRY(get_int(tcb, "isvsvn", 0, 65535, &svn));
        l->isvsvn = (uint16_t)svn;
        CCS_TRY(get_time(lv, "tcbDate", &l->date));
        CCS_TRY(get_status(lv, &l->status));
        CCS_TRY(get_advisories(lv, &l->adv));
    }
    return CCS_OK;
}

static ccs_status parse_tdx_modules(json_t *o, tcb_info *ti) {
    json_t *m = json_object_get(o, "tdxModule"), *arr, *v;
    size_t i;
    if (m != NULL) {
        CCS_ENSURE(json_is_object(m), CCS_ERR_FORMAT, "collateral: bad \"tdxModule\"");
        CCS_TRY(get_hex(m, "mrsigner", ti->tdx_mrsigner, 48));
        CCS_TRY(get_hex(m, "attributes", ti->tdx_attributes, 8));
        CCS_TRY(get_hex(m, "attributesMask", ti->tdx_attributes_mask, 8));
        ti->has_tdx_module = true;
    }
    arr = json_object_get(o, "tdxModuleIdentities");
    if (arr == NULL) return CCS_OK;
    CCS_ENSURE(json_is_array(arr) && json_array_size(arr) <= 64, CCS_ERR_FORMAT,
               "collateral: bad \"tdxModuleIdentities\"");
    if (json_array_size(arr) == 0) return CCS_OK;
    ti->modules = calloc(json_array_size(arr), sizeof *ti->modules);
    CCS_ENSURE(ti->modules != NULL, CCS_ERR_NOMEM, "out of memory");
    json_array_foreach(arr, i, v) {
        tdx_module_id *mi = &ti->modules[i];
        const char *id;
        ti->n_modules = i + 1;
        CCS_ENSURE(json_is_object(v), CCS_ERR_FORMAT, "collateral: bad TDX module identity");
        CCS_TRY(get_str(v, "id", &id));
        CCS_ENSURE(strlen(id) < sizeof mi->id, CCS_ERR_FORMAT, "collateral: bad TDX module id");
        memcpy(mi->id, id, strlen(id) + 1);
        CCS_TRY(get_hex(v, "mrsigner", mi->mrsigner, 48));
        CCS_TRY(get_hex(v, "attributes", mi->attributes, 8));
        CCS_TRY(get_hex(v, "attributesMask", mi->attributes_mask, 8));
        CCS_TRY(parse_isv_levels(v, &mi->levels, &mi->n_levels));
    }
    return CCS_OK;
}

static ccs_status parse_tcb_body(json_t *o, tcb_info *ti) {
    const char *id;
    int64_t version;
    json_t *arr, *lv;
    size_t i;
    CCS_ENSURE(json_is_object(o), CCS_ERR_FORMAT, "collateral: tcbInfo is not an object");
    CCS_TRY(get_int(o, "version", 0, 1000, &version));
    ti->version = (int)version;
    CCS_ENSURE(version == 2 || version == 3, CCS_ERR_UNSUPPORTED, "collateral: TCB Info version %d unsupported",
               ti->version);
    if (version == 3) {
        CCS_TRY(get_str(o, "id", &id));
        CCS_ENSURE(strcmp(id, "SGX") == 0 || strcmp(id, "TDX") == 0, CCS_ERR_UNSUPPORTED,
                   "collateral: TCB Info id must be SGX or TDX");
        ti->tee = id[0] == 'S' ? CCS_TEE_SGX : CCS_TEE_TDX;
    } else {
        ti->tee = CCS_TEE_SGX; /* v2 predates TDX and has no id */
    }
    CCS_TRY(get_time(o, "issueDate", &ti->issue_date));
    CCS_TRY(get_time(o, "nextUpdate", &ti->next_update));
    CCS_TRY(get_hex(o, "fmspc", ti->fmspc, 6));
    CCS_TRY(get_hex(o, "pceId", ti->pce_id, 2));
    CCS_TRY(get_int(o, "tcbType", 0, 0, &ti->tcb_type)); /* only type 0 is defined */
    CCS_TRY(get_int(o, "tcbEvaluationDataNumber", 0, INT32_MAX, &ti->eval_number));
    CCS_TRY(get_member(o, "tcbLevels", &arr));
    CCS_ENSURE(json_is_array(arr) && json_array_size(arr) > 0 && json_array_size(arr) <= MAX_LEVELS,
               CCS_ERR_FORMAT, "collateral: bad \"tcbLevels\"");
    ti->levels = calloc(json_array_size(arr), sizeof *ti->levels);
    CCS_ENSURE(ti->levels != NULL, CCS_ERR_NOMEM, "out of memory");
    json_array_foreach(arr, i, lv) {
        ti->n_levels = i + 1;
        CCS_TRY(parse_tcb_level(lv, ti, &ti->levels[i]));
    }
    if (ti->tee == CCS_TEE_TDX) CCS_TRY(parse_tdx_modules(o, ti));
    return CCS_OK;
}

static ccs_status parse_qe_body(json_t *o, qe_identity *qe) {
    const char *id;
    int64_t v;
    uint8_t b4[4];
    CCS_ENSURE(json_is_object(o), CCS_ERR_FORMAT, "collateral: enclaveIdentity is not an object");
    CCS_TRY(get_int(o, "version", 0, 1000, &v));
    qe->version = (int)v;
    CCS_ENSURE(v == 2, CCS_ERR_UNSUPPORTED, "collateral: Enclave Identity version %d unsupported", qe->version);
    CCS_TRY(get_str(o, "id", &id));
    CCS_ENSURE(strcmp(id, "QE") == 0 || strcmp(id, "TD_QE") == 0 || strcmp(id, "QVE") == 0, CCS_ERR_UNSUPPORTED,
               "collateral: Enclave Identity id must be QE, TD_QE or QVE");
    memcpy(qe->id, id, strlen(id) + 1);
    CCS_TRY(get_time(o, "issueDate", &qe->issue_date));
    CCS_TRY(get_time(o, "nextUpdate", &qe->next_update));
    /* MISCSELECT is a little-endian u32 in the report, written as big-endian hex. */
    CCS_TRY(get_hex(o, "miscselect", b4, 4));
    qe->miscselect = (uint32_t)b4[0] << 24 | (uint32_t)b4[1] << 16 | (uint32_t)b4[2] << 8 | b4[3];
    CCS_TRY(get_hex(o, "miscselectMask", b4, 4));
    qe->miscselect_mask = (uint32_t)b4[0] << 24 | (uint32_t)b4[1] << 16 | (uint32_t)b4[2] << 8 | b4[3];
    CCS_TRY(get_hex(o, "attributes", qe->attributes, 16));
    CCS_TRY(get_hex(o, "attributesMask", qe->attributes_mask, 16));
    CCS_TRY(get_hex(o, "mrsigner", qe->mrsigner, 32));
    CCS_TRY(get_int(o, "isvprodid", 0, 65535, &v));
    qe->isvprodid = (uint16_t)v;
    return parse_isv_levels(o, &qe->levels, &qe->n_levels);
}

/* Splits a signed document: either {"<key>": {...}, "signature": "hex"} or
 * the bare inner object with the signature given apart. */
/* Splits a signed document: either {"<key>": {...}, "signature": "hex"} or
 * the bare inner object with the signature given apart. The wrapper is only
 * scanned (strict RFC 8259, duplicates refused), not parsed: the signature
 * is a plain string of hex digits, so its raw value is its content. */
static ccs_status signed_doc(ccs_bytes doc, ccs_bytes sig_hex, const char *key, ccs_buf *body, uint8_t sig[64]) {
    ccs_bytes inner = doc, sig_raw = sig_hex;
    if (sig_hex.len == 0) {
        CCS_TRY(ccs_json_raw_member(doc, key, &inner));
        ccs_status st = ccs_json_raw_member(doc, "signature", &sig_raw);
        CCS_ENSURE(st == CCS_OK && sig_raw.len >= 2 && sig_raw.ptr[0] == '"', CCS_ERR_FORMAT,
                   "collateral: %s lacks a \"signature\" string", key);
        sig_raw = ccs_bytes_of(sig_raw.ptr + 1, sig_raw.len - 2); /* without the quotes */
    } else {
        while (sig_raw.len && (sig_raw.ptr[sig_raw.len - 1] == '\n' || sig_raw.ptr[sig_raw.len - 1] == ' '))
            sig_raw.len--;
    }
    ccs_status st = ccs_hex_decode_fixed((const char *)sig_raw.ptr, sig_raw.len, sig, 64);
    CCS_ENSURE(st == CCS_OK, CCS_ERR_FORMAT, "collateral: %s signature is not 64 bytes of hex", key);
    return ccs_buf_set(body, inner);
}

static ccs_status parse_signed(ccs_bytes doc, ccs_bytes sig_hex, const char *key, ccs_buf *body, uint8_t sig[64],
                               json_t **out) {
    json_error_t err;
    CCS_TRY(signed_doc(doc, sig_hex, key, body, sig));
    *out = json_loadb((const char *)body->ptr, body->len, JSON_REJECT_DUPLICATES, &err);
    CCS_ENSURE(*out != NULL, CCS_ERR_FORMAT, "collateral: %s: %s at line %d", key, err.text, err.line);
    return CCS_OK;
}

/* ---- CRLs and chains ------------------------------------------------------------- */

/* CRLs arrive as DER, PEM, or hex of DER (PCCS and dcap-qvl use hex). */
static ccs_status load_crl(ccs_bytes data, const char *what, ccs_crl **out) {
    ccs_buf der = {0};
    ccs_status st;
    /* Trim text forms only: a DER CRL (0x30 ...) may well end in a 0x00 or 0x0a byte. */
    while (data.len && data.ptr[0] != 0x30 && (data.ptr[data.len - 1] == '\n' || data.ptr[data.len - 1] == 0))
        data.len--;
    CCS_ENSURE(data.len > 0, CCS_ERR_FORMAT, "collateral: %s is empty", what);
    if (data.ptr[0] != 0x30 && data.ptr[0] != '-' && ccs_hex_decode((const char *)data.ptr, data.len, &der) == CCS_OK)
        data = ccs_buf_view(&der);
    st = ccs_crl_parse(data, out);
    ccs_buf_free(&der);
    if (st != CCS_OK) CCS_BAIL(st, "collateral: %s cannot be parsed: %s", what, ccs_error_detail());
    return CCS_OK;
}

static ccs_status load_chain(ccs_bytes pem, const char *what, ccs_x509_chain **out) {
    if (pem.len == 0) return CCS_OK; /* verification reports it missing */
    ccs_status st = ccs_x509_chain_parse_pem(pem, out);
    if (st != CCS_OK) CCS_BAIL(st, "collateral: %s cannot be parsed: %s", what, ccs_error_detail());
    return CCS_OK;
}

static void free_tcb(tcb_info *ti) {
    for (size_t i = 0; i < ti->n_levels; i++) ccs_adv_list_free(&ti->levels[i].adv);
    free(ti->levels);
    for (size_t m = 0; m < ti->n_modules; m++) {
        for (size_t i = 0; i < ti->modules[m].n_levels; i++) ccs_adv_list_free(&ti->modules[m].levels[i].adv);
        free(ti->modules[m].levels);
    }
    free(ti->modules);
    ccs_buf_free(&ti->signed_bytes);
}

static void free_qe(qe_identity *qe) {
    for (size_t i = 0; i < qe->n_levels; i++) ccs_adv_list_free(&qe->levels[i].adv);
    free(qe->levels);
    ccs_buf_free(&qe->signed_bytes);
}

void ccs_collateral_free(ccs_collateral *c) {
    if (c == NULL) return;
    free_tcb(&c->tcb);
    free_qe(&c->qe);
    if (c->qe_chain != c->tcb_chain) ccs_x509_chain_free(c->qe_chain);
    ccs_x509_chain_free(c->tcb_chain);
    ccs_crl_free(c->pck_crl);
    ccs_crl_free(c->root_crl);
    for (size_t i = 0; i < sizeof c->raw_copy / sizeof c->raw_copy[0]; i++) ccs_buf_free(&c->raw_copy[i]);
    for (size_t i = 0; i < PCK_CACHE_SIZE; i++) {
        ccs_x509_chain_free(c->pck[i].chain);
        ccs_pubkey_free(c->pck[i].leaf_key);
        ccs_buf_free(&c->pck[i].cert_data);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static ccs_status load_parts(const ccs_collateral_raw *raw, ccs_collateral *c) {
    json_t *doc = NULL;
    ccs_status st;
    CCS_ENSURE(raw->tcb_info.len > 0, CCS_ERR_NOT_FOUND, "collateral: TCB Info is missing");
    CCS_ENSURE(raw->qe_identity.len > 0, CCS_ERR_NOT_FOUND, "collateral: QE Identity is missing");
    CCS_TRY(parse_signed(raw->tcb_info, raw->tcb_info_signature, "tcbInfo", &c->tcb.signed_bytes, c->tcb.signature,
                         &doc));
    st = parse_tcb_body(doc, &c->tcb);
    json_decref(doc);
    CCS_TRY(st);
    CCS_TRY(parse_signed(raw->qe_identity, raw->qe_identity_signature, "enclaveIdentity", &c->qe.signed_bytes,
                         c->qe.signature, &doc));
    st = parse_qe_body(doc, &c->qe);
    json_decref(doc);
    CCS_TRY(st);
    CCS_TRY(load_chain(raw->tcb_info_issuer_chain, "TCB Info issuer chain", &c->tcb_chain));
    /* Intel serves the same TCB Signing chain for both documents: parse and
     * verify it once. */
    if (ccs_bytes_eq(raw->qe_identity_issuer_chain, raw->tcb_info_issuer_chain))
        c->qe_chain = c->tcb_chain;
    else
        CCS_TRY(load_chain(raw->qe_identity_issuer_chain, "QE Identity issuer chain", &c->qe_chain));
    /* The PCK CRL issuer chain is not needed: the CRL is verified with the CA
     * certificate of the quote's own PCK chain, which is verified to the
     * pinned root (so a CRL from another CA is refused). */
    if (raw->pck_crl.len) CCS_TRY(load_crl(raw->pck_crl, "PCK CRL", &c->pck_crl));
    if (raw->root_ca_crl.len) CCS_TRY(load_crl(raw->root_ca_crl, "Root CA CRL", &c->root_crl));
    return CCS_OK;
}

/* Keeps the raw pieces, so that a caller can pass them on unchanged (RA-TLS
 * endorsements embed them in a certificate). */
static ccs_status keep_raw(const ccs_collateral_raw *raw, ccs_collateral *c) {
    const ccs_bytes in[9] = {raw->tcb_info, raw->tcb_info_signature, raw->tcb_info_issuer_chain,
                             raw->qe_identity, raw->qe_identity_signature, raw->qe_identity_issuer_chain,
                             raw->pck_crl, raw->pck_crl_issuer_chain, raw->root_ca_crl};
    ccs_bytes *out[9] = {&c->raw.tcb_info, &c->raw.tcb_info_signature, &c->raw.tcb_info_issuer_chain,
                         &c->raw.qe_identity, &c->raw.qe_identity_signature, &c->raw.qe_identity_issuer_chain,
                         &c->raw.pck_crl, &c->raw.pck_crl_issuer_chain, &c->raw.root_ca_crl};
    for (size_t i = 0; i < 9; i++) {
        if (in[i].len > 0) CCS_TRY(ccs_buf_set(&c->raw_copy[i], in[i]));
        *out[i] = ccs_buf_view(&c->raw_copy[i]);
    }
    return CCS_OK;
}

void ccs_collateral_raw_view(const ccs_collateral *c, ccs_collateral_raw *out) {
    if (out == NULL) return;
    memset(out, 0, sizeof *out);
    if (c != NULL) *out = c->raw;
}

ccs_status ccs_collateral_load(const ccs_collateral_raw *raw, ccs_collateral **out) {
    CCS_ENSURE(raw != NULL && out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    *out = NULL;
    ccs_collateral *c = calloc(1, sizeof *c);
    CCS_ENSURE(c != NULL, CCS_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&c->lock, NULL);
    ccs_status st = load_parts(raw, c);
    if (st == CCS_OK) st = keep_raw(raw, c);
    if (st != CCS_OK) {
        ccs_collateral_free(c);
        return st;
    }
    *out = c;
    return CCS_OK;
}

ccs_tee ccs_collateral_tee(const ccs_collateral *c) { return c ? c->tcb.tee : CCS_TEE_UNKNOWN; }

ccs_status ccs_collateral_fmspc(const ccs_collateral *c, uint8_t out[static 6]) {
    CCS_ENSURE(c != NULL, CCS_ERR_INVALID_ARG, "collateral is NULL");
    memcpy(out, c->tcb.fmspc, 6);
    return CCS_OK;
}

ccs_time ccs_collateral_expiry(const ccs_collateral *c) {
    ccs_time t = c->tcb.next_update < c->qe.next_update ? c->tcb.next_update : c->qe.next_update, lo, hi;
    if (c->pck_crl && ccs_crl_window(c->pck_crl, &lo, &hi) == CCS_OK && hi < t) t = hi;
    if (c->root_crl && ccs_crl_window(c->root_crl, &lo, &hi) == CCS_OK && hi < t) t = hi;
    return t;
}
