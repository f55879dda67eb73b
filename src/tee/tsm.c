/* configfs-tsm report requests. The kernel creates the attributes when a
 * directory is made under report/; each write of inblob (or of an option)
 * bumps "generation", and reading outblob runs the request. The generation
 * is read before our write of inblob and after the outblob (and auxblob)
 * reads: it must have moved by exactly our one write, or another writer
 * changed the request in between and the blobs may answer theirs (as go-configfs-tsm
 * checks, asking again up to three times). Read after the write instead, a
 * write between ours and that read went unnoticed. The entry is named after
 * the process and its PID namespace (containers sharing the guest's
 * configfs each have a PID 1), and requests in one process are serialised. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tsm.h"

static pthread_mutex_t tsm_lock = PTHREAD_MUTEX_INITIALIZER;

#define CCS_TSM_ATTEMPTS 3 /* requests made when another writer crosses ours */

bool ccs_tsm_available(const ccs_tee_config *cfg, const char *device) {
    char dir[512], dev[512];
    struct stat st;
    if (ccs_tee_path(cfg, CCS_TSM_DIR, dir, sizeof dir) != CCS_OK) return false;
    if (ccs_tee_path(cfg, device, dev, sizeof dev) != CCS_OK) return false;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && stat(dev, &st) == 0;
}

static ccs_status attr_path(const char *entry, const char *attr, char *out, size_t cap) {
    int n = snprintf(out, cap, "%s/%s", entry, attr);
    CCS_ENSURE(n > 0 && (size_t)n < cap, CCS_ERR_INVALID_ARG, "configfs-tsm path too long");
    return CCS_OK;
}

static ccs_status read_attr(const char *entry, const char *attr, size_t max, ccs_buf *out) {
    char p[600];
    CCS_TRY(attr_path(entry, attr, p, sizeof p));
    out->len = 0;
    return ccs_file_read(p, max, out);
}

static ccs_status read_generation(const char *entry, unsigned long *gen) {
    ccs_buf b = {0};
    ccs_status st = read_attr(entry, "generation", 64, &b);
    if (st == CCS_OK) {
        char *end = NULL;
        *gen = strtoul((const char *)b.ptr, &end, 10);
        if (end == (const char *)b.ptr) st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "configfs-tsm: bad generation");
    }
    ccs_buf_free(&b);
    return st;
}

static ccs_status check_provider(const char *entry, const char *provider) {
    ccs_buf b = {0};
    ccs_status st = read_attr(entry, "provider", 256, &b);
    if (st == CCS_OK) {
        while (b.len && (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == 0)) b.ptr[--b.len] = 0;
        if (strcmp((const char *)b.ptr, provider) != 0)
            st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "configfs-tsm provider is \"%s\", not %s",
                               (const char *)b.ptr, provider);
    }
    ccs_buf_free(&b);
    return st;
}

static ccs_status request(const char *entry, const char *provider, const uint8_t inblob[64], ccs_buf *outblob,
                          ccs_buf *aux, bool *raced) {
    char p[600];
    unsigned long g0 = 0, g1 = 0;
    *raced = false;
    if (aux) aux->len = 0; /* a retry's request may find no auxblob (outblob is read anew) */
    CCS_TRY(check_provider(entry, provider));
    CCS_TRY(read_generation(entry, &g0));
    CCS_TRY(attr_path(entry, "inblob", p, sizeof p));
    CCS_TRY(ccs_file_write(p, ccs_bytes_of(inblob, 64)));
    CCS_TRY(read_attr(entry, "outblob", 1u << 20, outblob));
    if (aux) {
        char ap[600];
        struct stat st;
        CCS_TRY(attr_path(entry, "auxblob", ap, sizeof ap));
        if (stat(ap, &st) == 0) CCS_TRY(read_attr(entry, "auxblob", 1u << 20, aux));
    }
    CCS_TRY(read_generation(entry, &g1));
    *raced = g1 != g0 + 1;
    CCS_ENSURE(g1 == g0 + 1, CCS_ERR_IO,
               "configfs-tsm: the request was changed by another writer (generation %lu before our write, %lu after "
               "the report; expected %lu)",
               g0, g1, g0 + 1);
    CCS_ENSURE(outblob->len > 0, CCS_ERR_IO, "configfs-tsm: empty outblob");
    return CCS_OK;
}

/* The PID namespace's inode number, from /proc/self/ns/pid ("pid:[N]"); 0
 * when /proc does not tell. */
static unsigned long pid_namespace(void) {
    char link[64];
    ssize_t n = readlink("/proc/self/ns/pid", link, sizeof link - 1);
    if (n <= 0) return 0;
    link[n] = 0;
    const char *open = strchr(link, '[');
    char *end = NULL;
    unsigned long ns = open != NULL ? strtoul(open + 1, &end, 10) : 0;
    return end != NULL && *end == ']' ? ns : 0;
}

ccs_status ccs_tsm_entry_name(const char *dir, char *out, size_t cap) {
    unsigned long ns = pid_namespace();
    int n = ns != 0 ? snprintf(out, cap, "%s/ccs-%lu-%ld", dir, ns, (long)getpid())
                    : snprintf(out, cap, "%s/ccs-%ld", dir, (long)getpid());
    CCS_ENSURE(n > 0 && (size_t)n < cap, CCS_ERR_INVALID_ARG, "configfs-tsm path too long");
    return CCS_OK;
}

ccs_status ccs_tsm_report(const ccs_tee_config *cfg, const char *provider, const uint8_t inblob[64],
                          ccs_buf *outblob, ccs_buf *aux) {
    char dir[512], entry[600];
    CCS_TRY(ccs_tee_path(cfg, CCS_TSM_DIR, dir, sizeof dir));
    CCS_TRY(ccs_tsm_entry_name(dir, entry, sizeof entry));
    pthread_mutex_lock(&tsm_lock);
    bool made = mkdir(entry, 0700) == 0, raced = false;
    ccs_status st = made || errno == EEXIST
                        ? request(entry, provider, inblob, outblob, aux, &raced)
                        : ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE,
                                        "configfs-tsm is not available on this machine (%s: %s)", dir, strerror(errno));
    /* Another writer's request crossed ours: ask again (theirs is done or
     * will see the same), a few times. */
    for (int i = 1; i < CCS_TSM_ATTEMPTS && raced; i++) st = request(entry, provider, inblob, outblob, aux, &raced);
    if (made) rmdir(entry); /* the kernel frees the entry; nothing to do if it fails */
    pthread_mutex_unlock(&tsm_lock);
    return st;
}
