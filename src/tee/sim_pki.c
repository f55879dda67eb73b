/* The sim PKI, shaped like Intel's (SGX PCK Certificate and CRL Profile):
 * a self-signed root CA, a "PCK Platform CA", a "TCB Signing" certificate,
 * and per sim platform a PCK certificate carrying the SGX extension (PPID,
 * TCB components, PCESVN, CPUSVN, PCE-ID, FMSPC, SGX type), an attestation
 * key, the QE report that certifies it and a sealing secret. The names of
 * the PCK CA and TCB signer are Intel's (the verifier requires them); the
 * root is named "CCS Sim Root CA (INSECURE)" and O says "not Intel". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

#define DAY ((ccs_time)86400)
#define YEARS(n) ((ccs_time)(n) * 365 * DAY)
#define SIM_O "CCS sim platform (INSECURE, not Intel)"
#define SGX_EXT_OID "1.2.840.113741.1.13.1"

enum { SERIAL_ROOT = 1, SERIAL_CA = 2, SERIAL_TCB = 3 };

ccs_status ccs_sim_path(char *out, size_t cap, const char *dir, const char *rel) {
    int n = snprintf(out, cap, "%s/%s", dir, rel);
    CCS_ENSURE(n > 0 && (size_t)n < cap, CCS_ERR_INVALID_ARG, "sim: path too long");
    return CCS_OK;
}

ccs_status ccs_sim_write_private(const char *path, ccs_bytes data) { return ccs_file_write_private(path, data); }

/* mkdir -p with mode 0700 for what it creates. */
static ccs_status mkdirs(const char *path) {
    char tmp[SIM_PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s", path);
    CCS_ENSURE(n > 0 && (size_t)n < sizeof tmp, CCS_ERR_INVALID_ARG, "sim: path too long");
    for (char *p = tmp + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                CCS_BAIL(CCS_ERR_IO, "cannot create directory %s: %s", tmp, strerror(errno));
            if (end) break;
            *p = '/';
        }
    }
    /* One that already existed is used only if it is ours and no one else
     * may write into it: its keys, seal secrets and root would otherwise be
     * another user's to read or swap (a sim dir in a shared /tmp). */
    struct stat st;
    CCS_ENSURE(lstat(path, &st) == 0 && S_ISDIR(st.st_mode), CCS_ERR_IO, "%s is not a directory", path);
    CCS_ENSURE(st.st_uid == geteuid(), CCS_ERR_POLICY, "%s belongs to uid %u, not to this user", path,
               (unsigned)st.st_uid);
    CCS_ENSURE((st.st_mode & 022) == 0, CCS_ERR_POLICY, "%s is writable by group or others (mode %03o)", path,
               (unsigned)(st.st_mode & 0777));
    return CCS_OK;
}

void ccs_sim_cas_free(sim_cas *c) {
    if (c == NULL) return;
    ccs_privkey_free(c->root_key);
    ccs_privkey_free(c->ca_key);
    ccs_privkey_free(c->tcb_key);
    ccs_x509_free(c->root);
    ccs_x509_free(c->ca);
    ccs_x509_free(c->tcb);
    memset(c, 0, sizeof *c);
}

/* ---- DER of the SGX extension ---------------------------------------------------- */

static ccs_status der_tlv(ccs_buf *o, uint8_t tag, const uint8_t *v, size_t n) {
    uint8_t h[4] = {tag};
    size_t hl;
    CCS_ENSURE(n < 0x10000, CCS_ERR_INTERNAL, "sim: DER value too long");
    if (n < 0x80) h[1] = (uint8_t)n, hl = 2;
    else if (n < 0x100) h[1] = 0x81, h[2] = (uint8_t)n, hl = 3;
    else h[1] = 0x82, h[2] = (uint8_t)(n >> 8), h[3] = (uint8_t)n, hl = 4;
    CCS_TRY(ccs_buf_append(o, h, hl));
    return ccs_buf_append(o, v, n);
}

/* SEQUENCE { OID 1.2.840.113741.1.13.1.<arc>[.<sub>], value (already DER) } */
static ccs_status der_entry(ccs_buf *o, uint8_t arc, uint8_t sub, const uint8_t *v, size_t n) {
    uint8_t oid[11] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01, arc, sub};
    ccs_buf e = {0};
    ccs_status st = der_tlv(&e, 0x06, oid, sub ? 11 : 10);
    if (st == CCS_OK) st = ccs_buf_append(&e, v, n);
    if (st == CCS_OK) st = der_tlv(o, 0x30, e.ptr, e.len);
    ccs_buf_free(&e);
    return st;
}

/* Small non-negative INTEGER (tag 0x02) or ENUMERATED (0x0a), minimal. */
static ccs_status der_uint(ccs_buf *o, uint8_t tag, unsigned v) {
    uint8_t b[3];
    size_t n = 0;
    if (v > 0xff) b[n++] = (uint8_t)(v >> 8);
    b[n++] = (uint8_t)v;
    if (b[0] & 0x80) {
        memmove(b + 1, b, n);
        b[0] = 0, n++;
    }
    return der_tlv(o, tag, b, n);
}

static ccs_status sgx_extension(const sim_platform *p, ccs_buf *out) {
    uint8_t ppid[16];
    ccs_buf top = {0}, tcb = {0}, v = {0};
    ccs_status st = CCS_OK;
    memset(ppid, 0x51, sizeof ppid); /* a fixed PPID per sim platform */
    ppid[15] = (uint8_t)p->tee;
#define STEP(x) \
    if (st == CCS_OK) st = (x)
    STEP(der_tlv(&v, 0x04, ppid, 16));
    STEP(der_entry(&top, 1, 0, v.ptr, v.len));
    for (int i = 0; i < 16; i++) {
        v.len = 0;
        STEP(der_uint(&v, 0x02, p->comp[i]));
        STEP(der_entry(&tcb, 2, (uint8_t)(i + 1), v.ptr, v.len));
    }
    v.len = 0;
    STEP(der_uint(&v, 0x02, p->pcesvn));
    STEP(der_entry(&tcb, 2, 17, v.ptr, v.len));
    v.len = 0;
    STEP(der_tlv(&v, 0x04, p->comp, 16)); /* CPUSVN */
    STEP(der_entry(&tcb, 2, 18, v.ptr, v.len));
    v.len = 0;
    STEP(der_tlv(&v, 0x30, tcb.ptr, tcb.len));
    STEP(der_entry(&top, 2, 0, v.ptr, v.len));
    v.len = 0;
    STEP(der_tlv(&v, 0x04, p->pce_id, 2));
    STEP(der_entry(&top, 3, 0, v.ptr, v.len));
    v.len = 0;
    STEP(der_tlv(&v, 0x04, p->fmspc, 6));
    STEP(der_entry(&top, 4, 0, v.ptr, v.len));
    v.len = 0;
    STEP(der_uint(&v, 0x0a, 0)); /* SGX Type: Standard */
    STEP(der_entry(&top, 5, 0, v.ptr, v.len));
    STEP(der_tlv(out, 0x30, top.ptr, top.len));
#undef STEP
    ccs_buf_free(&top);
    ccs_buf_free(&tcb);
    ccs_buf_free(&v);
    return st;
}

/* ---- writing and reading the PKI --------------------------------------------------- */

static ccs_status save_cert(const char *dir, const char *rel, const ccs_x509 *const *certs, size_t n) {
    char path[SIM_PATH_MAX];
    ccs_buf pem = {0};
    ccs_status st = ccs_sim_path(path, sizeof path, dir, rel);
    for (size_t i = 0; st == CCS_OK && i < n; i++) st = ccs_x509_to_pem(certs[i], &pem);
    if (st == CCS_OK) st = ccs_file_write(path, ccs_buf_view(&pem));
    ccs_buf_free(&pem);
    return st;
}

static ccs_status save_key(const char *dir, const char *rel, const ccs_privkey *k) {
    char path[SIM_PATH_MAX];
    CCS_TRY(ccs_sim_path(path, sizeof path, dir, rel));
    return ccs_privkey_save(k, path);
}

static ccs_status load_cert(const char *dir, const char *rel, ccs_x509 **out) {
    char path[SIM_PATH_MAX];
    ccs_buf pem = {0};
    CCS_TRY(ccs_sim_path(path, sizeof path, dir, rel));
    ccs_status st = ccs_file_read(path, 1u << 16, &pem);
    if (st == CCS_OK) st = ccs_x509_parse_pem(ccs_buf_view(&pem), out);
    ccs_buf_free(&pem);
    return st;
}

static ccs_status load_key(const char *dir, const char *rel, ccs_privkey **out) {
    char path[SIM_PATH_MAX];
    CCS_TRY(ccs_sim_path(path, sizeof path, dir, rel));
    return ccs_privkey_load(path, out);
}

static ccs_status make_cas(const char *dir, ccs_time now, sim_cas *c) {
    ccs_x509_spec root = {"CCS Sim Root CA (INSECURE)", SIM_O, SERIAL_ROOT, now - DAY, now + YEARS(20), true, 1,
                          CCS_KU_KEY_CERT_SIGN | CCS_KU_CRL_SIGN, NULL, 0};
    ccs_x509_spec ca = {"Intel SGX PCK Platform CA", SIM_O, SERIAL_CA, now - DAY, now + YEARS(15), true, 0,
                        CCS_KU_KEY_CERT_SIGN | CCS_KU_CRL_SIGN, NULL, 0};
    ccs_x509_spec tcb = {"Intel SGX TCB Signing", SIM_O, SERIAL_TCB, now - DAY, now + YEARS(10), false, -1,
                         CCS_KU_DIGITAL_SIGNATURE | CCS_KU_NON_REPUDIATION, NULL, 0};
    CCS_TRY(ccs_privkey_generate(CCS_CURVE_P256, &c->root_key));
    CCS_TRY(ccs_privkey_generate(CCS_CURVE_P256, &c->ca_key));
    CCS_TRY(ccs_privkey_generate(CCS_CURVE_P256, &c->tcb_key));
    CCS_TRY(ccs_x509_build(&root, c->root_key, NULL, c->root_key, &c->root));
    CCS_TRY(ccs_x509_build(&ca, c->ca_key, c->root, c->root_key, &c->ca));
    CCS_TRY(ccs_x509_build(&tcb, c->tcb_key, c->root, c->root_key, &c->tcb));
    CCS_TRY(save_key(dir, "private/root_ca.key", c->root_key));
    CCS_TRY(save_key(dir, "private/platform_ca.key", c->ca_key));
    CCS_TRY(save_key(dir, "private/tcb_signing.key", c->tcb_key));
    CCS_TRY(save_cert(dir, "root_ca.pem", (const ccs_x509 *const[]){c->root}, 1));
    CCS_TRY(save_cert(dir, "platform_ca.pem", (const ccs_x509 *const[]){c->ca}, 1));
    return save_cert(dir, "tcb_signing.pem", (const ccs_x509 *const[]){c->tcb}, 1);
}

static ccs_status load_cas(const char *dir, sim_cas *c) {
    CCS_TRY(load_key(dir, "private/root_ca.key", &c->root_key));
    CCS_TRY(load_key(dir, "private/platform_ca.key", &c->ca_key));
    CCS_TRY(load_key(dir, "private/tcb_signing.key", &c->tcb_key));
    CCS_TRY(load_cert(dir, "root_ca.pem", &c->root));
    CCS_TRY(load_cert(dir, "platform_ca.pem", &c->ca));
    return load_cert(dir, "tcb_signing.pem", &c->tcb);
}

/* A sim platform: PCK key and certificate, attestation key, QE report,
 * sealing secret. */
static ccs_status make_platform(const char *dir, const sim_cas *c, const sim_platform *p, ccs_time now) {
    char rel[64], path[SIM_PATH_MAX];
    ccs_privkey *pck_key = NULL, *att_key = NULL;
    ccs_x509 *pck = NULL;
    ccs_buf ext = {0}, qe = {0};
    uint8_t secret[32];
    snprintf(rel, sizeof rel, "%s", p->name);
    ccs_status st = ccs_sim_path(path, sizeof path, dir, rel);
    if (st == CCS_OK) st = mkdirs(path);
    if (st == CCS_OK) st = ccs_privkey_generate(CCS_CURVE_P256, &pck_key);
    if (st == CCS_OK) st = ccs_privkey_generate(CCS_CURVE_P256, &att_key);
    if (st == CCS_OK) st = sgx_extension(p, &ext);
    if (st == CCS_OK) {
        ccs_x509_ext e = {SGX_EXT_OID, ccs_buf_view(&ext), false};
        ccs_x509_spec spec = {"Intel SGX PCK Certificate", SIM_O, p->pck_serial, now - DAY, now + YEARS(10), false,
                              -1, CCS_KU_DIGITAL_SIGNATURE | CCS_KU_NON_REPUDIATION, &e, 1};
        st = ccs_x509_build(&spec, pck_key, c->ca, c->ca_key, &pck);
    }
    snprintf(rel, sizeof rel, "%s/pck_chain.pem", p->name);
    if (st == CCS_OK) st = save_cert(dir, rel, (const ccs_x509 *const[]){pck, c->ca, c->root}, 3);
    snprintf(rel, sizeof rel, "private/%s_pck.key", p->name);
    if (st == CCS_OK) st = save_key(dir, rel, pck_key);
    snprintf(rel, sizeof rel, "private/%s_attestation.key", p->name);
    if (st == CCS_OK) st = save_key(dir, rel, att_key);
    if (st == CCS_OK) st = ccs_sim_qe_blob(p, pck_key, att_key, &qe);
    snprintf(rel, sizeof rel, "%s/qe_report.bin", p->name);
    if (st == CCS_OK) st = ccs_sim_path(path, sizeof path, dir, rel);
    if (st == CCS_OK) st = ccs_file_write(path, ccs_buf_view(&qe));
    snprintf(rel, sizeof rel, "private/%s_seal_secret", p->name);
    if (st == CCS_OK) st = ccs_random(secret, sizeof secret);
    if (st == CCS_OK) st = ccs_sim_path(path, sizeof path, dir, rel);
    if (st == CCS_OK) st = ccs_sim_write_private(path, ccs_bytes_of(secret, sizeof secret));
    ccs_wipe(secret, sizeof secret);
    ccs_privkey_free(pck_key);
    ccs_privkey_free(att_key);
    ccs_x509_free(pck);
    ccs_buf_free(&ext);
    ccs_buf_free(&qe);
    return st;
}

static const char readme[] =
    "This directory holds a CCS sim platform (`ccs tee sim init`).\n"
    "INSECURE: its root CA and every private key are plain files here. Evidence\n"
    "signed through it proves nothing about hardware; verifiers refuse it unless\n"
    "told to trust this directory (`ccs attest verify --trust-sim DIR`).\n"
    "The collateral in sgx/ and tdx/ is valid for a year: `ccs tee sim refresh`\n"
    "re-signs it. See docs/tee.md.\n";

ccs_status ccs_sim_init(const char *dir_arg, ccs_time now, bool force) {
    char dir[SIM_PATH_MAX], path[SIM_PATH_MAX];
    struct stat sb;
    sim_cas c = {0};
    CCS_TRY(ccs_sim_dir(dir_arg, dir, sizeof dir));
    CCS_TRY(ccs_sim_path(path, sizeof path, dir, "root_ca.pem"));
    CCS_ENSURE(force || stat(path, &sb) != 0, CCS_ERR_INVALID_ARG,
               "%s already holds a sim platform (re-create it with --force, or re-sign its collateral with "
               "`ccs tee sim refresh`)", dir);
    CCS_TRY(mkdirs(dir));
    CCS_TRY(ccs_sim_path(path, sizeof path, dir, "private"));
    CCS_TRY(mkdirs(path));
    int pfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    bool private_ok = pfd >= 0 && fchmod(pfd, 0700) == 0;
    int perr = errno;
    if (pfd >= 0) close(pfd);
    CCS_ENSURE(private_ok, CCS_ERR_IO, "cannot chmod %s: %s", path, strerror(perr));
    ccs_status st = make_cas(dir, now, &c);
    if (st == CCS_OK) st = make_platform(dir, &c, &ccs_sim_sgx, now);
    if (st == CCS_OK) st = make_platform(dir, &c, &ccs_sim_tdx, now);
    if (st == CCS_OK) st = ccs_sim_write_collateral(dir, &c, &ccs_sim_sgx, now);
    if (st == CCS_OK) st = ccs_sim_write_collateral(dir, &c, &ccs_sim_tdx, now);
    if (st == CCS_OK) st = ccs_sim_path(path, sizeof path, dir, "README");
    if (st == CCS_OK) st = ccs_file_write(path, ccs_bytes_str(readme));
    ccs_sim_cas_free(&c);
    return st;
}

ccs_status ccs_sim_refresh(const char *dir_arg, ccs_time now) {
    char dir[SIM_PATH_MAX];
    sim_cas c = {0};
    CCS_TRY(ccs_sim_dir(dir_arg, dir, sizeof dir));
    ccs_status st = load_cas(dir, &c);
    if (st != CCS_OK) {
        char why[256];
        snprintf(why, sizeof why, "%s", ccs_error_detail());
        st = ccs_error_set(st, CCS_HERE, "no sim platform in %s (run `ccs tee sim init`): %s", dir, why);
    }
    if (st == CCS_OK) st = ccs_sim_write_collateral(dir, &c, &ccs_sim_sgx, now);
    if (st == CCS_OK) st = ccs_sim_write_collateral(dir, &c, &ccs_sim_tdx, now);
    ccs_sim_cas_free(&c);
    return st;
}
