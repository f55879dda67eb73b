/* The sim collateral, in Intel's formats (PCS API v4): TCB Info v3 (id
 * "SGX", or "TDX" with tdxModule and the TDX_01 module identity) and
 * Enclave Identity v2 (id "QE" / "TD_QE"), each signed (ECDSA P-256, raw
 * r||s in hex) over the exact bytes of the inner object by the sim TCB
 * Signing key; the PCK CRL (by the sim PCK Platform CA) and Root CA CRL,
 * DER; the issuer chains, PEM. Written in the layout that
 * ccs_collateral_load_dir reads. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define DAY ((ccs_time)86400)
#define TCB_EVAL_NUM 17

typedef struct jw {
    ccs_buf b;
    ccs_status st;
} jw;

static void put(jw *w, const char *fmt, ...) CCS_PRINTF(2, 3);
static void put(jw *w, const char *fmt, ...) {
    char tmp[256];
    va_list ap;
    if (w->st != CCS_OK) return;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        w->st = ccs_error_set(CCS_ERR_INTERNAL, CCS_HERE, "sim: JSON fragment too long");
        return;
    }
    w->st = ccs_buf_append(&w->b, tmp, (size_t)n);
}

/* Upper-case hex in quotes, as Intel writes it. */
static void put_hex(jw *w, const uint8_t *p, size_t n) {
    static const char d[] = "0123456789ABCDEF";
    put(w, "\"");
    for (size_t i = 0; i < n && w->st == CCS_OK; i++) {
        char x[2] = {d[p[i] >> 4], d[p[i] & 15]};
        w->st = ccs_buf_append(&w->b, x, 2);
    }
    put(w, "\"");
}

static void put_time(jw *w, ccs_time t) {
    char s[21];
    if (w->st == CCS_OK) w->st = ccs_time_format(t, s);
    put(w, "\"%s\"", s);
}

static void put_components(jw *w, const char *key, const uint8_t c[16]) {
    put(w, "\"%s\":[", key);
    for (int i = 0; i < 16; i++) put(w, "%s{\"svn\":%u}", i ? "," : "", c[i]);
    put(w, "]");
}

static void put_isv_level(jw *w, unsigned isvsvn, const char *date, const char *status) {
    put(w, "{\"tcb\":{\"isvsvn\":%u},\"tcbDate\":%s,\"tcbStatus\":\"%s\"}", isvsvn, date, status);
}

/* The header common to both documents and the dates. */
static void put_dates(jw *w, ccs_time now) {
    put(w, "\"issueDate\":");
    put_time(w, now - DAY);
    put(w, ",\"nextUpdate\":");
    put_time(w, now + SIM_COLLATERAL_DAYS * DAY);
}

/* TCB Info: the sim platform's exact TCB is UpToDate; below it, OutOfDate. */
static void tcb_info(jw *w, const sim_platform *p, ccs_time now) {
    static const uint8_t zero[16] = {0}, ones[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    bool tdx = p->tee == CCS_TEE_TDX;
    char date[32];
    jw d = {{0}, CCS_OK};
    put_time(&d, now - DAY);
    snprintf(date, sizeof date, "%s", d.st == CCS_OK ? (const char *)d.b.ptr : "\"\"");
    ccs_buf_free(&d.b);

    put(w, "{\"id\":\"%s\",\"version\":3,", tdx ? "TDX" : "SGX");
    put_dates(w, now);
    put(w, ",\"fmspc\":");
    put_hex(w, p->fmspc, 6);
    put(w, ",\"pceId\":");
    put_hex(w, p->pce_id, 2);
    put(w, ",\"tcbType\":0,\"tcbEvaluationDataNumber\":%d,", TCB_EVAL_NUM);
    if (tdx) {
        put(w, "\"tdxModule\":{\"mrsigner\":");
        put_hex(w, ccs_sim_mr_signer_seam, 48);
        put(w, ",\"attributes\":");
        put_hex(w, zero, 8);
        put(w, ",\"attributesMask\":");
        put_hex(w, ones, 8);
        put(w, "},\"tdxModuleIdentities\":[{\"id\":\"TDX_%02X\",\"mrsigner\":", p->tee_tcb_svn[1]);
        put_hex(w, ccs_sim_mr_signer_seam, 48);
        put(w, ",\"attributes\":");
        put_hex(w, zero, 8);
        put(w, ",\"attributesMask\":");
        put_hex(w, ones, 8);
        put(w, ",\"tcbLevels\":[");
        put_isv_level(w, p->tee_tcb_svn[0], date, "UpToDate");
        put(w, "]}],");
    }
    put(w, "\"tcbLevels\":[{\"tcb\":{");
    put_components(w, "sgxtcbcomponents", p->comp);
    put(w, ",\"pcesvn\":%u", p->pcesvn);
    if (tdx) {
        put(w, ",");
        put_components(w, "tdxtcbcomponents", p->tee_tcb_svn);
    }
    put(w, "},\"tcbDate\":%s,\"tcbStatus\":\"UpToDate\"},{\"tcb\":{", date);
    put_components(w, "sgxtcbcomponents", zero);
    put(w, ",\"pcesvn\":0");
    if (tdx) {
        put(w, ",");
        put_components(w, "tdxtcbcomponents", zero);
    }
    put(w, "},\"tcbDate\":\"2018-01-04T00:00:00Z\",\"tcbStatus\":\"OutOfDate\"}]}");
}

static void qe_identity(jw *w, const sim_platform *p, ccs_time now) {
    static const uint8_t misc[4] = {0}, misc_mask[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    static const uint8_t attr_mask[16] = {0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    jw d = {{0}, CCS_OK};
    put_time(&d, now - DAY);
    put(w, "{\"id\":\"%s\",\"version\":2,", p->tee == CCS_TEE_TDX ? "TD_QE" : "QE");
    put_dates(w, now);
    put(w, ",\"tcbEvaluationDataNumber\":%d,\"miscselect\":", TCB_EVAL_NUM);
    put_hex(w, misc, 4);
    put(w, ",\"miscselectMask\":");
    put_hex(w, misc_mask, 4);
    put(w, ",\"attributes\":");
    put_hex(w, ccs_sim_qe_attributes, 16);
    put(w, ",\"attributesMask\":");
    put_hex(w, attr_mask, 16);
    put(w, ",\"mrsigner\":");
    put_hex(w, ccs_sim_qe_mrsigner, 32);
    put(w, ",\"isvprodid\":%u,\"tcbLevels\":[", p->qe_prod_id);
    put_isv_level(w, p->qe_svn, d.st == CCS_OK ? (const char *)d.b.ptr : "\"\"", "UpToDate");
    put(w, "]}");
    ccs_buf_free(&d.b);
}

/* {"<key>":body,"signature":"<hex of r||s over body>"} */
static ccs_status sign_doc(const ccs_privkey *k, const char *key, const jw *body, ccs_buf *doc) {
    ccs_buf sig = {0};
    CCS_TRY(body->st);
    ccs_status st = ccs_ecdsa_sign_raw(k, ccs_buf_view(&body->b), &sig);
    if (st == CCS_OK) st = ccs_buf_append_str(doc, "{\"");
    if (st == CCS_OK) st = ccs_buf_append_str(doc, key);
    if (st == CCS_OK) st = ccs_buf_append_str(doc, "\":");
    if (st == CCS_OK) st = ccs_buf_append(doc, body->b.ptr, body->b.len);
    if (st == CCS_OK) st = ccs_buf_append_str(doc, ",\"signature\":\"");
    if (st == CCS_OK) st = ccs_hex_append(doc, ccs_buf_view(&sig));
    if (st == CCS_OK) st = ccs_buf_append_str(doc, "\"}");
    ccs_buf_free(&sig);
    return st;
}

static ccs_status write_file(const char *dir, const sim_platform *p, const char *name, ccs_bytes data) {
    char rel[128], path[SIM_PATH_MAX];
    snprintf(rel, sizeof rel, "%s/%s", p->name, name);
    CCS_TRY(ccs_sim_path(path, sizeof path, dir, rel));
    return ccs_file_write(path, data);
}

static ccs_status write_chain(const char *dir, const sim_platform *p, const char *name, const ccs_x509 *a,
                              const ccs_x509 *b) {
    ccs_buf pem = {0};
    ccs_status st = ccs_x509_to_pem(a, &pem);
    if (st == CCS_OK) st = ccs_x509_to_pem(b, &pem);
    if (st == CCS_OK) st = write_file(dir, p, name, ccs_buf_view(&pem));
    ccs_buf_free(&pem);
    return st;
}

ccs_status ccs_sim_write_collateral(const char *dir, const sim_cas *c, const sim_platform *p, ccs_time now) {
    jw ti = {{0}, CCS_OK}, qe = {{0}, CCS_OK};
    ccs_buf ti_doc = {0}, qe_doc = {0}, pck_crl = {0}, root_crl = {0};
    tcb_info(&ti, p, now);
    qe_identity(&qe, p, now);
    ccs_status st = sign_doc(c->tcb_key, "tcbInfo", &ti, &ti_doc);
    if (st == CCS_OK) st = sign_doc(c->tcb_key, "enclaveIdentity", &qe, &qe_doc);
    /* CRL numbers grow with each refresh. */
    if (st == CCS_OK)
        st = ccs_crl_build(c->ca, c->ca_key, now - DAY, now + SIM_COLLATERAL_DAYS * DAY, (uint64_t)now, NULL, 0,
                           &pck_crl);
    if (st == CCS_OK)
        st = ccs_crl_build(c->root, c->root_key, now - DAY, now + SIM_COLLATERAL_DAYS * DAY, (uint64_t)now, NULL,
                           0, &root_crl);
    if (st == CCS_OK) st = write_file(dir, p, "tcb_info.json", ccs_buf_view(&ti_doc));
    if (st == CCS_OK) st = write_file(dir, p, "qe_identity.json", ccs_buf_view(&qe_doc));
    if (st == CCS_OK) st = write_file(dir, p, "pck_crl.der", ccs_buf_view(&pck_crl));
    if (st == CCS_OK) st = write_file(dir, p, "root_ca_crl.der", ccs_buf_view(&root_crl));
    if (st == CCS_OK) st = write_chain(dir, p, "tcb_info_issuer_chain.pem", c->tcb, c->root);
    if (st == CCS_OK) st = write_chain(dir, p, "qe_identity_issuer_chain.pem", c->tcb, c->root);
    if (st == CCS_OK) st = write_chain(dir, p, "pck_crl_issuer_chain.pem", c->ca, c->root);
    ccs_buf *bufs[] = {&ti.b, &qe.b, &ti_doc, &qe_doc, &pck_crl, &root_crl};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) ccs_buf_free(bufs[i]);
    return st;
}
