/* Simple signing through gpgme (specs section 2.2). Verification uses ONLY
 * the policy's keys: they are imported into a fresh GNUPGHOME created with
 * mkdtemp(3) under $TMPDIR (mode 0700), gpg runs there with no agent
 * autostart, and the directory is removed afterwards; the user's keyring is
 * never read. A signature counts when gpg reports it good (no error status,
 * no red/revoked/expired/missing-key summary bits), it is the only one in
 * the message, and its key is one of the imported keys (primary or subkey
 * fingerprint). Trust-db validity is not used: the keyring holds nothing
 * but the keys the policy trusts. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <gpgme.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "image_internal.h"
#include "sig_internal.h"

#define FPR_MAX 64

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path) == 0 ? 0 : 0; /* keep going; a leftover is only litter */
}

static void home_remove(const char *home) { (void)nftw(home, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static ccs_status home_make(char home[512]) {
    const char *t = getenv("TMPDIR");
    snprintf(home, 512, "%s/ccs-gnupg-XXXXXX", t && t[0] && strlen(t) < 400 ? t : "/tmp");
    CCS_ENSURE(mkdtemp(home) != NULL, CCS_ERR_IO, "image: cannot create a temporary GNUPGHOME under %s",
               t && t[0] ? t : "/tmp");
    char conf[600];
    snprintf(conf, sizeof conf, "%s/gpg.conf", home);
    ccs_status st = ccs_file_write(conf, ccs_bytes_str("no-autostart\nno-auto-key-retrieve\nno-auto-check-trustdb\n"));
    if (st != CCS_OK) home_remove(home);
    return st;
}

static ccs_status ctx_new(const char *home, gpgme_ctx_t *ctx) {
    gpgme_check_version(NULL);
    gpgme_error_t e = gpgme_new(ctx);
    if (e == 0) e = gpgme_set_protocol(*ctx, GPGME_PROTOCOL_OpenPGP);
    if (e == 0 && home != NULL) e = gpgme_ctx_set_engine_info(*ctx, GPGME_PROTOCOL_OpenPGP, NULL, home);
    if (e != 0) {
        gpgme_release(*ctx);
        *ctx = NULL;
        CCS_BAIL(CCS_ERR_CRYPTO, "image: gpgme: %s", gpgme_strerror(e));
    }
    return CCS_OK;
}

/* Imports every key; fprs gets the fingerprints (primary and subkeys) of
 * what the keyring then holds. */
static ccs_status import_keys(gpgme_ctx_t ctx, const ccs_buf *keys, size_t nkeys, char (*fprs)[FPR_MAX + 1],
                              size_t cap, size_t *nfpr) {
    *nfpr = 0;
    CCS_ENSURE(nkeys > 0, CCS_ERR_KEY, "image: no GPG keys");
    for (size_t i = 0; i < nkeys; i++) {
        gpgme_data_t d = NULL;
        gpgme_error_t e = gpgme_data_new_from_mem(&d, (const char *)keys[i].ptr, keys[i].len, 0);
        if (e == 0) e = gpgme_op_import(ctx, d);
        gpgme_data_release(d);
        gpgme_import_result_t r = e == 0 ? gpgme_op_import_result(ctx) : NULL;
        CCS_ENSURE(e == 0 && r != NULL, CCS_ERR_KEY, "image: GPG key %zu: %s", i + 1, gpgme_strerror(e));
        CCS_ENSURE(r->imported + r->unchanged > 0, CCS_ERR_KEY, "image: GPG key %zu holds no usable OpenPGP key", i + 1);
    }
    gpgme_error_t e = gpgme_op_keylist_start(ctx, NULL, 0);
    gpgme_key_t key = NULL;
    while (e == 0 && (e = gpgme_op_keylist_next(ctx, &key)) == 0) {
        for (gpgme_subkey_t sk = key->subkeys; sk != NULL; sk = sk->next)
            if (sk->fpr != NULL && *nfpr < cap) snprintf(fprs[(*nfpr)++], FPR_MAX + 1, "%s", sk->fpr);
        gpgme_key_unref(key);
    }
    gpgme_op_keylist_end(ctx);
    CCS_ENSURE(*nfpr > 0, CCS_ERR_KEY, "image: the GPG keys list no key");
    return CCS_OK;
}

static bool fpr_known(const char *fpr, char (*fprs)[FPR_MAX + 1], size_t n) {
    size_t k = fpr ? strlen(fpr) : 0;
    for (size_t i = 0; k >= 16 && i < n; i++) {
        size_t m = strlen(fprs[i]);
        if (m >= k && strcasecmp(fprs[i] + m - k, fpr) == 0) return true; /* a key ID is a suffix */
    }
    return false;
}

static ccs_status verify_in(gpgme_ctx_t ctx, const ccs_buf *keys, size_t nkeys, ccs_bytes sig, ccs_buf *payload,
                            char signer[128]) {
    char fprs[64][FPR_MAX + 1];
    size_t nfpr = 0;
    CCS_TRY(import_keys(ctx, keys, nkeys, fprs, 64, &nfpr));
    gpgme_data_t in = NULL, out = NULL;
    gpgme_error_t e = gpgme_data_new_from_mem(&in, (const char *)sig.ptr, sig.len, 0);
    if (e == 0) e = gpgme_data_new(&out);
    if (e == 0) e = gpgme_op_verify(ctx, in, NULL, out);
    gpgme_data_release(in);
    gpgme_verify_result_t r = e == 0 ? gpgme_op_verify_result(ctx) : NULL;
    ccs_status st = CCS_OK;
    gpgme_signature_t s = r ? r->signatures : NULL;
    const gpgme_sigsum_t bad = GPGME_SIGSUM_RED | GPGME_SIGSUM_KEY_REVOKED | GPGME_SIGSUM_KEY_EXPIRED |
                               GPGME_SIGSUM_SIG_EXPIRED | GPGME_SIGSUM_KEY_MISSING | GPGME_SIGSUM_CRL_MISSING |
                               GPGME_SIGSUM_BAD_POLICY | GPGME_SIGSUM_SYS_ERROR;
    if (e != 0)
        st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE, "not a valid OpenPGP signature: %s", gpgme_strerror(e));
    else if (s == NULL || s->next != NULL)
        st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE, "a simple signature must hold exactly one signature");
    else if (gpg_err_code(s->status) == GPG_ERR_NO_PUBKEY || (s->summary & GPGME_SIGSUM_KEY_MISSING))
        st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE, "no signature by a key the policy trusts (signed by %.64s)",
                           s->fpr ? s->fpr : "an unknown key");
    else if (gpg_err_code(s->status) != GPG_ERR_NO_ERROR || (s->summary & bad))
        st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE, "signature by %.64s does not verify: %s",
                           s->fpr ? s->fpr : "?", gpgme_strerror(s->status));
    else if (!fpr_known(s->fpr, fprs, nfpr))
        st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE, "no signature by a key the policy trusts (signed by %.64s)",
                           s->fpr ? s->fpr : "?");
    size_t n = 0;
    char *p = out ? gpgme_data_release_and_get_mem(out, &n) : NULL;
    if (st == CCS_OK && n > CCS_IMAGE_SIG_MAX)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "signed payload of %zu bytes (at most %zu)", n, CCS_IMAGE_SIG_MAX);
    if (st == CCS_OK) {
        payload->len = 0;
        st = ccs_buf_append(payload, p, n);
        snprintf(signer, 128, "%s", s->fpr);
    }
    gpgme_free(p);
    return st;
}

ccs_status ccs__image_gpg_verify(const ccs_buf *keys, size_t nkeys, ccs_bytes sig, ccs_buf *payload, char signer[128]) {
    CCS_ENSURE(keys != NULL && payload != NULL && signer != NULL && sig.ptr != NULL, CCS_ERR_INVALID_ARG,
               "image: bad arguments");
    char home[512];
    CCS_TRY(home_make(home));
    gpgme_ctx_t ctx = NULL;
    ccs_status st = ctx_new(home, &ctx);
    if (st == CCS_OK) st = verify_in(ctx, keys, nkeys, sig, payload, signer);
    gpgme_release(ctx);
    home_remove(home);
    return st;
}

ccs_status ccs__image_gpg_check_keys(const ccs_buf *keys, size_t nkeys) {
    char home[512], fprs[64][FPR_MAX + 1];
    size_t n = 0;
    CCS_TRY(home_make(home));
    gpgme_ctx_t ctx = NULL;
    ccs_status st = ctx_new(home, &ctx);
    if (st == CCS_OK) st = import_keys(ctx, keys, nkeys, fprs, 64, &n);
    gpgme_release(ctx);
    home_remove(home);
    return st;
}

ccs_status ccs_image_sign_simple(const char *gnupghome, const char *fpr, ccs_bytes payload, ccs_buf *sig) {
    CCS_ENSURE(fpr != NULL && fpr[0] && sig != NULL && payload.ptr != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    gpgme_ctx_t ctx = NULL;
    CCS_TRY(ctx_new(gnupghome, &ctx));
    gpgme_key_t key = NULL;
    gpgme_data_t in = NULL, out = NULL;
    gpgme_set_armor(ctx, 0);
    /* Loopback with no passphrase callback: a key that needs a passphrase
     * fails here instead of prompting. */
    gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK);
    gpgme_error_t e = gpgme_get_key(ctx, fpr, &key, 1);
    ccs_status st = CCS_OK;
    if (e != 0) st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "image: no GPG secret key %.64s: %s", fpr, gpgme_strerror(e));
    if (st == CCS_OK && (e = gpgme_signers_add(ctx, key)) == 0 &&
        (e = gpgme_data_new_from_mem(&in, (const char *)payload.ptr, payload.len, 0)) == 0 &&
        (e = gpgme_data_new(&out)) == 0)
        e = gpgme_op_sign(ctx, in, out, GPGME_SIG_MODE_NORMAL);
    gpgme_sign_result_t r = st == CCS_OK && e == 0 ? gpgme_op_sign_result(ctx) : NULL;
    if (st == CCS_OK && (e != 0 || r == NULL || r->invalid_signers != NULL || r->signatures == NULL))
        st = ccs_error_set(CCS_ERR_CRYPTO, CCS_HERE, "image: GPG signing with %.64s failed: %s", fpr,
                           e ? gpgme_strerror(e) : "invalid signer");
    size_t n = 0;
    char *p = out ? gpgme_data_release_and_get_mem(out, &n) : NULL;
    if (st == CCS_OK) {
        sig->len = 0;
        st = ccs_buf_append(sig, p, n);
    }
    gpgme_free(p);
    gpgme_data_release(in);
    gpgme_key_unref(key);
    gpgme_release(ctx);
    return st;
}
