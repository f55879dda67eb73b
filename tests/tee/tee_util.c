/* File helpers shared by the tee test groups (replayed kernel interfaces). */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccs/core.h"
#include "tee_tests.h"
#include "tsm.h"

ccs_buf tee_read(const char *path) {
    ccs_buf b = {0};
    if (ccs_file_read(path, 1u << 20, &b) != CCS_OK) fail_msg("%s: %s", path, ccs_error_detail());
    return b;
}

void tee_mkdirs(const char *path) {
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        mkdir(tmp, 0700);
        *p = '/';
    }
    mkdir(tmp, 0700);
}

void tee_put(const char *dir, const char *name, ccs_bytes data) {
    char p[2200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    assert_int_equal(ccs_file_write(p, data), CCS_OK);
}

/* ---- configfs-tsm, served as the kernel serves a request ---- */

struct tee_tsm {
    pthread_t th;
    char inblob[1200], outblob[1200], entry[1100];
    unsigned long after[4];
    size_t rounds, served;
    ccs_buf report, received;
    atomic_bool done;
};

/* One request: false when none came (tee_tsm_join's empty write). */
static bool serve_one(tee_tsm *t, unsigned long after) {
    int fd = open(t->inblob, O_RDONLY); /* waits for the request's write (or tee_tsm_join's) */
    t->received.len = 0;
    if (fd >= 0) {
        uint8_t b[256];
        ssize_t n;
        while ((n = read(fd, b, sizeof b)) > 0)
            if (ccs_buf_append(&t->received, b, (size_t)n) != CCS_OK) break;
        close(fd);
    }
    if (t->received.len == 0) return false;
    char g[32];
    snprintf(g, sizeof g, "%lu\n", after);
    tee_put(t->entry, "generation", ccs_bytes_str(g));
    fd = open(t->outblob, O_WRONLY); /* waits for the request's read */
    if (fd >= 0) {
        size_t off = 0;
        while (off < t->report.len) {
            ssize_t n = write(fd, t->report.ptr + off, t->report.len - off);
            if (n <= 0) break;
            off += (size_t)n;
        }
        close(fd);
    }
    return true;
}

static void *tsm_serve(void *arg) {
    tee_tsm *t = arg;
    while (t->served < t->rounds && serve_one(t, t->after[t->served])) t->served++;
    atomic_store(&t->done, true);
    return NULL;
}

tee_tsm *tee_tsm_serve(const char *entry, unsigned long before, const unsigned long *after, size_t rounds,
                       ccs_bytes outblob) {
    tee_tsm *t = calloc(1, sizeof *t);
    assert_non_null(t);
    assert_true(rounds >= 1 && rounds <= 4);
    snprintf(t->entry, sizeof t->entry, "%s", entry);
    snprintf(t->inblob, sizeof t->inblob, "%s/inblob", entry);
    snprintf(t->outblob, sizeof t->outblob, "%s/outblob", entry);
    memcpy(t->after, after, rounds * sizeof *after);
    t->rounds = rounds;
    assert_int_equal(ccs_buf_append(&t->report, outblob.ptr, outblob.len), CCS_OK);
    char g[32];
    snprintf(g, sizeof g, "%lu\n", before);
    tee_put(entry, "generation", ccs_bytes_str(g));
    unlink(t->inblob);
    unlink(t->outblob);
    assert_int_equal(mkfifo(t->inblob, 0600), 0);
    assert_int_equal(mkfifo(t->outblob, 0600), 0);
    assert_int_equal(pthread_create(&t->th, NULL, tsm_serve, t), 0);
    return t;
}

tee_tsm *tee_tsm_start(const char *entry, unsigned long before, unsigned long after, ccs_bytes outblob) {
    return tee_tsm_serve(entry, before, &after, 1, outblob);
}

ccs_buf tee_tsm_join(tee_tsm *t, size_t *served) {
    /* A request that never came (one that failed before writing inblob, or
     * fewer retries than rounds): an empty write ends the thread's wait. */
    for (int i = 0; i < 1000 && !atomic_load(&t->done); i++) {
        int fd = open(t->inblob, O_WRONLY | O_NONBLOCK);
        if (fd >= 0) close(fd);
        usleep(1000);
    }
    pthread_join(t->th, NULL);
    ccs_buf got = t->received;
    if (served != NULL) *served = t->served;
    ccs_buf_free(&t->report);
    unlink(t->inblob);
    unlink(t->outblob);
    free(t);
    return got;
}

void tee_tsm_entry(const char *root, char *entry, size_t cap) {
    char dir[900], link[64], got[1200];
    snprintf(dir, sizeof dir, "%s/sys/kernel/config/tsm/report", root);
    ssize_t n = readlink("/proc/self/ns/pid", link, sizeof link - 1);
    assert_true(n > 0);
    link[n] = 0;
    const char *open_br = strchr(link, '[');
    assert_non_null(open_br);
    snprintf(entry, cap, "%s/ccs-%lu-%ld", dir, strtoul(open_br + 1, NULL, 10), (long)getpid());
    assert_int_equal(ccs_tsm_entry_name(dir, got, sizeof got), CCS_OK);
    assert_string_equal(got, entry);
}
