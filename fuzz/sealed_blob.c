/* Fuzz target: the sealed-blob parser (ccs_unseal) with a sim backend. The
 * sim state is made once per process in a temporary directory. Nothing but a
 * blob this process sealed itself may ever unseal. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ccs/tee.h"

static char state_dir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cleanup(void) {
    if (state_dir[0]) nftw(state_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static ccs_backend *backend(void) {
    static ccs_backend *b;
    static bool tried;
    if (tried) return b;
    tried = true;
    char tmpl[] = "/tmp/ccs-fuzz-seal.XXXXXX";
    const char *dir = mkdtemp(tmpl);
    static char sim[64];
    if (dir == NULL) return NULL;
    snprintf(state_dir, sizeof state_dir, "%s", dir);
    atexit(cleanup);
    snprintf(sim, sizeof sim, "%s/sim", dir);
    if (ccs_sim_init(sim, ccs_time_now(), false) != CCS_OK) return NULL;
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_SIM_SGX, .sim_dir = sim};
    if (ccs_backend_open(&cfg, &b) != CCS_OK) b = NULL;
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_backend *b = backend();
    ccs_buf pt = {0};
    if (b == NULL) return 0;
    /* The first byte picks the caller's aad length, the rest is the blob. */
    size_t aad = size ? data[0] % 8 : 0;
    if (aad + 1 > size) aad = 0;
    ccs_bytes blob = size ? ccs_bytes_of(data + 1 + aad, size - 1 - aad) : ccs_bytes_of(data, 0);
    if (ccs_unseal(b, blob, ccs_bytes_of(data + (size ? 1 : 0), aad), &pt) == CCS_OK) {
        /* A forgery would need the sim platform secret: never. */
        __builtin_trap();
    }
    ccs_buf_free(&pt);
    return 0;
}
