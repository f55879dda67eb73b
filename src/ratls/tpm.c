/* TPM 2.0 evidence in RA-TLS certificates (docs/ratls.md "TPM 2.0
 * evidence"): the AK trust from the verify options (the same files as
 * `ccs attest verify --tee tpm --collateral DIR`: ak.pem, or ak_chain.pem
 * with ak_root.pem), and ccs_tpm_verify with the extraData this
 * certificate's claims produce: ccs_tpm_nonce(SHA-256(claims) || 32 zeros),
 * exactly what the tpm backend (src/tee/tpm.c) quotes over. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ratls_internal.h"

#define PEM_MAX (1u << 20)

static void fail(ccs_ratls_result *r, const char *name, const char *msg) {
    if (r->n_failed >= CCS_RATLS_MAX_FAILED) return;
    r->failed[r->n_failed].name = name;
    snprintf(r->failed[r->n_failed].message, sizeof r->failed[r->n_failed].message, "%s", msg);
    r->n_failed++;
}

static ccs_status read_pem(const char *path, ccs_buf *b) {
    ccs_status st = ccs_file_read(path, PEM_MAX, b);
    if (st != CCS_OK && strstr(ccs_error_detail(), path) == NULL) {
        char why[512];
        snprintf(why, sizeof why, "%s", ccs_error_detail());
        st = ccs_error_set(st, CCS_HERE, "%s: %s", path, why);
    }
    return st;
}

static ccs_status load_files(const char *ak, const char *chain, const char *root, ratls_tpm_trust *t) {
    ccs_buf b = {0};
    ccs_status st;
    if (ak != NULL) {
        st = read_pem(ak, &b);
        if (st == CCS_OK && ccs_pubkey_from_pem(ccs_buf_view(&b), &t->ak) != CCS_OK)
            st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "%s: not a PEM public key", ak);
    } else {
        CCS_ENSURE(root != NULL, CCS_ERR_NOT_FOUND, "ratls: the AK chain %s needs its root (ak_root.pem)", chain);
        st = read_pem(chain, &b);
        if (st == CCS_OK) st = ccs_x509_chain_parse_pem(ccs_buf_view(&b), &t->chain);
        ccs_buf_free(&b);
        if (st == CCS_OK) st = read_pem(root, &b);
        if (st == CCS_OK) st = ccs_x509_parse_pem(ccs_buf_view(&b), &t->root);
    }
    ccs_buf_free(&b);
    if (st != CCS_OK) ratls_tpm_trust_clear(t);
    return st;
}

static bool in_dir(const char *dir, const char *name, char *path, size_t cap) {
    struct stat sb;
    int n = snprintf(path, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap && stat(path, &sb) == 0;
}

ccs_status ratls_tpm_trust_load(const ccs_ratls_verify_options *o, ratls_tpm_trust *t) {
    memset(t, 0, sizeof *t);
    if (o->tpm_ak_pem != NULL || o->tpm_ak_chain_pem != NULL)
        return load_files(o->tpm_ak_pem, o->tpm_ak_chain_pem, o->tpm_ak_root_pem, t);
    struct stat sb;
    CCS_ENSURE(o->collateral != NULL && stat(o->collateral, &sb) == 0 && S_ISDIR(sb.st_mode), CCS_ERR_NOT_FOUND,
               "ratls: TPM evidence needs the AK trust (tpm_ak_pem, or a collateral directory with ak.pem)");
    char ak[4096], chain[4096], root[4096];
    if (in_dir(o->collateral, "ak.pem", ak, sizeof ak)) return load_files(ak, NULL, NULL, t);
    if (in_dir(o->collateral, "ak_chain.pem", chain, sizeof chain))
        return load_files(NULL, chain, in_dir(o->collateral, "ak_root.pem", root, sizeof root) ? root : NULL, t);
    CCS_BAIL(CCS_ERR_NOT_FOUND, "ratls: %s holds neither ak.pem nor ak_chain.pem (TPM AK trust)", o->collateral);
}

void ratls_tpm_trust_clear(ratls_tpm_trust *t) {
    if (t == NULL) return;
    ccs_pubkey_free(t->ak);
    ccs_x509_chain_free(t->chain);
    ccs_x509_free(t->root);
    memset(t, 0, sizeof *t);
}

void ratls_tpm_verify(const ccs_ratls_evidence *ev, const ratls_tpm_trust *t, ccs_time now, ccs_ratls_result *r) {
    r->is_tpm = true;
    ccs_tpm_options opt = {
        .nonce = ccs_bytes_of(ev->tpm_nonce, sizeof ev->tpm_nonce),
        .ak = t->ak,
        .ak_chain = t->chain,
        .ak_root = t->root,
        .now = now,
    };
    ccs_status st = ccs_tpm_verify(ccs_buf_view(&ev->evidence), &opt, &r->tpm);
    if (st == CCS_ERR_VERIFY) fail(r, CCS_RATLS_CHECK_EVIDENCE, "the TPM quote does not verify (see tpm.failed)");
    else if (st != CCS_OK) fail(r, CCS_RATLS_CHECK_EVIDENCE, ccs_error_detail());
}

const char *ccs_ratls_result_tee_name(const ccs_ratls_result *r) {
    if (r != NULL && r->is_tpm) return "tpm";
    if (r != NULL && r->is_snp) return "snp";
    if (r != NULL && r->is_csv) return "csv";
    return ccs_tee_name(r != NULL ? r->tee : CCS_TEE_UNKNOWN);
}
