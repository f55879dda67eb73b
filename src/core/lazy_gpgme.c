/* GPGME, loaded when first called (as lazy_curl.c does for libcurl, and for
 * the same reason: only simple-signing verification and signing use it,
 * and mapping it with libassuan and libgpg-error slowed every command's
 * start). The gpgme_* functions CCS calls are defined here with GPGME's own
 * prototypes and forward to libgpgme.so.11, opened on the first call. When
 * it cannot be opened they fail with GPG_ERR_NOT_IMPLEMENTED (NULL results,
 * a NULL version), and gpgme_strerror says why. */
#include <gpgme.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "lazy.h"

static struct {
    const char *(*check_version_internal)(const char *, size_t);
    gpgme_error_t (*ctx_set_engine_info)(gpgme_ctx_t, gpgme_protocol_t, const char *, const char *);
    gpgme_error_t (*data_new)(gpgme_data_t *);
    gpgme_error_t (*data_new_from_mem)(gpgme_data_t *, const char *, size_t, int);
    void (*data_release)(gpgme_data_t);
    char *(*data_release_and_get_mem)(gpgme_data_t, size_t *);
    void (*free)(void *);
    gpgme_error_t (*get_key)(gpgme_ctx_t, const char *, gpgme_key_t *, int);
    void (*key_unref)(gpgme_key_t);
    gpgme_error_t (*new_ctx)(gpgme_ctx_t *);
    gpgme_error_t (*op_import)(gpgme_ctx_t, gpgme_data_t);
    gpgme_import_result_t (*op_import_result)(gpgme_ctx_t);
    gpgme_error_t (*op_keylist_end)(gpgme_ctx_t);
    gpgme_error_t (*op_keylist_next)(gpgme_ctx_t, gpgme_key_t *);
    gpgme_error_t (*op_keylist_start)(gpgme_ctx_t, const char *, int);
    gpgme_error_t (*op_sign)(gpgme_ctx_t, gpgme_data_t, gpgme_data_t, gpgme_sig_mode_t);
    gpgme_sign_result_t (*op_sign_result)(gpgme_ctx_t);
    gpgme_error_t (*op_verify)(gpgme_ctx_t, gpgme_data_t, gpgme_data_t, gpgme_data_t);
    gpgme_verify_result_t (*op_verify_result)(gpgme_ctx_t);
    void (*release)(gpgme_ctx_t);
    void (*set_armor)(gpgme_ctx_t, int);
    gpgme_error_t (*set_pinentry_mode)(gpgme_ctx_t, gpgme_pinentry_mode_t);
    gpgme_error_t (*set_protocol)(gpgme_ctx_t, gpgme_protocol_t);
    gpgme_error_t (*signers_add)(gpgme_ctx_t, const gpgme_key_t);
    const char *(*strerror)(gpgme_error_t);
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool loaded;
static char why[256] = "libgpgme.so.11 is not loaded";

static const ccs_lazy_sym syms[] = {
    {"gpgme_check_version_internal", (void **)&fn.check_version_internal},
    {"gpgme_ctx_set_engine_info", (void **)&fn.ctx_set_engine_info},
    {"gpgme_data_new", (void **)&fn.data_new},
    {"gpgme_data_new_from_mem", (void **)&fn.data_new_from_mem},
    {"gpgme_data_release", (void **)&fn.data_release},
    {"gpgme_data_release_and_get_mem", (void **)&fn.data_release_and_get_mem},
    {"gpgme_free", (void **)&fn.free},
    {"gpgme_get_key", (void **)&fn.get_key},
    {"gpgme_key_unref", (void **)&fn.key_unref},
    {"gpgme_new", (void **)&fn.new_ctx},
    {"gpgme_op_import", (void **)&fn.op_import},
    {"gpgme_op_import_result", (void **)&fn.op_import_result},
    {"gpgme_op_keylist_end", (void **)&fn.op_keylist_end},
    {"gpgme_op_keylist_next", (void **)&fn.op_keylist_next},
    {"gpgme_op_keylist_start", (void **)&fn.op_keylist_start},
    {"gpgme_op_sign", (void **)&fn.op_sign},
    {"gpgme_op_sign_result", (void **)&fn.op_sign_result},
    {"gpgme_op_verify", (void **)&fn.op_verify},
    {"gpgme_op_verify_result", (void **)&fn.op_verify_result},
    {"gpgme_release", (void **)&fn.release},
    {"gpgme_set_armor", (void **)&fn.set_armor},
    {"gpgme_set_pinentry_mode", (void **)&fn.set_pinentry_mode},
    {"gpgme_set_protocol", (void **)&fn.set_protocol},
    {"gpgme_signers_add", (void **)&fn.signers_add},
    {"gpgme_strerror", (void **)&fn.strerror},
};

static void load(void) { loaded = ccs_lazy_open("libgpgme.so.11", syms, sizeof syms / sizeof syms[0], why, sizeof why); }

static bool ready(void) {
    pthread_once(&once, load);
    return loaded;
}

#define NOT_LOADED gpgme_err_make(GPG_ERR_SOURCE_GPGME, GPG_ERR_NOT_IMPLEMENTED)

const char *gpgme_check_version_internal(const char *req, size_t offset) {
    return ready() ? fn.check_version_internal(req, offset) : NULL;
}

gpgme_error_t gpgme_ctx_set_engine_info(gpgme_ctx_t ctx, gpgme_protocol_t proto, const char *file, const char *home) {
    return ready() ? fn.ctx_set_engine_info(ctx, proto, file, home) : NOT_LOADED;
}

gpgme_error_t gpgme_data_new(gpgme_data_t *dh) { return ready() ? fn.data_new(dh) : NOT_LOADED; }

gpgme_error_t gpgme_data_new_from_mem(gpgme_data_t *dh, const char *buf, size_t size, int copy) {
    return ready() ? fn.data_new_from_mem(dh, buf, size, copy) : NOT_LOADED;
}

void gpgme_data_release(gpgme_data_t dh) {
    if (ready()) fn.data_release(dh);
}

char *gpgme_data_release_and_get_mem(gpgme_data_t dh, size_t *len) {
    return ready() ? fn.data_release_and_get_mem(dh, len) : NULL;
}

void gpgme_free(void *p) {
    if (ready()) fn.free(p);
}

gpgme_error_t gpgme_get_key(gpgme_ctx_t ctx, const char *fpr, gpgme_key_t *key, int secret) {
    return ready() ? fn.get_key(ctx, fpr, key, secret) : NOT_LOADED;
}

void gpgme_key_unref(gpgme_key_t key) {
    if (ready()) fn.key_unref(key);
}

gpgme_error_t gpgme_new(gpgme_ctx_t *ctx) { return ready() ? fn.new_ctx(ctx) : NOT_LOADED; }

gpgme_error_t gpgme_op_import(gpgme_ctx_t ctx, gpgme_data_t keydata) {
    return ready() ? fn.op_import(ctx, keydata) : NOT_LOADED;
}

gpgme_import_result_t gpgme_op_import_result(gpgme_ctx_t ctx) { return ready() ? fn.op_import_result(ctx) : NULL; }

gpgme_error_t gpgme_op_keylist_end(gpgme_ctx_t ctx) { return ready() ? fn.op_keylist_end(ctx) : NOT_LOADED; }

gpgme_error_t gpgme_op_keylist_next(gpgme_ctx_t ctx, gpgme_key_t *key) {
    return ready() ? fn.op_keylist_next(ctx, key) : NOT_LOADED;
}

gpgme_error_t gpgme_op_keylist_start(gpgme_ctx_t ctx, const char *pattern, int secret_only) {
    return ready() ? fn.op_keylist_start(ctx, pattern, secret_only) : NOT_LOADED;
}

gpgme_error_t gpgme_op_sign(gpgme_ctx_t ctx, gpgme_data_t plain, gpgme_data_t sig, gpgme_sig_mode_t mode) {
    return ready() ? fn.op_sign(ctx, plain, sig, mode) : NOT_LOADED;
}

gpgme_sign_result_t gpgme_op_sign_result(gpgme_ctx_t ctx) { return ready() ? fn.op_sign_result(ctx) : NULL; }

gpgme_error_t gpgme_op_verify(gpgme_ctx_t ctx, gpgme_data_t sig, gpgme_data_t signed_text, gpgme_data_t plain) {
    return ready() ? fn.op_verify(ctx, sig, signed_text, plain) : NOT_LOADED;
}

gpgme_verify_result_t gpgme_op_verify_result(gpgme_ctx_t ctx) { return ready() ? fn.op_verify_result(ctx) : NULL; }

void gpgme_release(gpgme_ctx_t ctx) {
    if (ready()) fn.release(ctx);
}

void gpgme_set_armor(gpgme_ctx_t ctx, int yes) {
    if (ready()) fn.set_armor(ctx, yes);
}

gpgme_error_t gpgme_set_pinentry_mode(gpgme_ctx_t ctx, gpgme_pinentry_mode_t mode) {
    return ready() ? fn.set_pinentry_mode(ctx, mode) : NOT_LOADED;
}

gpgme_error_t gpgme_set_protocol(gpgme_ctx_t ctx, gpgme_protocol_t proto) {
    return ready() ? fn.set_protocol(ctx, proto) : NOT_LOADED;
}

gpgme_error_t gpgme_signers_add(gpgme_ctx_t ctx, const gpgme_key_t key) {
    return ready() ? fn.signers_add(ctx, key) : NOT_LOADED;
}

const char *gpgme_strerror(gpgme_error_t err) { return ready() ? fn.strerror(err) : why; }
