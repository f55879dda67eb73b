/* bench_kbs_purge: how long the KBS's purge of expired sessions holds its
 * event loop. Two stores get the same N attested sessions (1.5 KB tokens,
 * as the EARs of bench_kbs), all expired; then one deletes them in a single
 * transaction (as the server did) and the other in batches of B rows (as
 * it does now, serving requests between two batches), one store at a time.
 * Printed: the single transaction's time, and the batches' count, median,
 * slowest and total.
 * Usage: bench_kbs_purge [N (default 100000)] [B (default 256)] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kbs_internal.h"

#define NOW 1750330800
#define TTL 300

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void remove_db(const char *path) {
    char side[600];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* n attested sessions, 64 to a transaction (the group commit's shape). */
static ccs_kbs_store *fill(const char *path, int n) {
    ccs_kbs_store *s = NULL;
    remove_db(path);
    if (ccs_kbs_store_open(path, &s) != CCS_OK) return NULL;
    static char token[1501];
    memset(token, 't', 1500);
    ccs_status st = CCS_OK;
    for (int i = 0; i < n && st == CCS_OK; i += 64) {
        ccs_kbs_session se[64] = {0};
        ccs_kbs_session_row rows[64];
        char cookie[CCS_KBS_COOKIE_MAX + 1];
        int k = n - i < 64 ? n - i : 64;
        for (int j = 0; j < k && st == CCS_OK; j++) {
            st = ccs_kbs_challenge_issue(ccs_kbs_store_challenge_key(s), "sgx", NOW, TTL, &se[j], cookie);
            rows[j] = (ccs_kbs_session_row){&se[j], token, CCS_OK};
        }
        if (st == CCS_OK) st = ccs_kbs_session_store_rows(s, rows, (size_t)k, NOW);
        for (int j = 0; j < k; j++) ccs_kbs_session_clear(&se[j]);
    }
    if (st != CCS_OK) {
        ccs_kbs_store_close(s);
        return NULL;
    }
    return s;
}

int main(int argc, char **argv) {
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: bench_kbs_purge [N] [B]\n"
               "Fills two stores with N expired sessions (default 100000), then purges one in a single\n"
               "transaction and the other in batches of B rows (default 256, the server's batch).\n");
        return 0;
    }
    int n = argc > 1 ? atoi(argv[1]) : 100000, b = argc > 2 ? atoi(argv[2]) : 256;
    if (n <= 0 || b <= 0) {
        fprintf(stderr, "bench_kbs_purge: N and B must be positive\n");
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, "%s/ccs-bench-purge-%d-a.db", tmp && tmp[0] ? tmp : "/tmp", (int)getpid());
    snprintf(p2, sizeof p2, "%s/ccs-bench-purge-%d-b.db", tmp && tmp[0] ? tmp : "/tmp", (int)getpid());
    /* One store at a time, each closed and synced before the next starts,
     * so that neither pays for the other's writeback. */
    ccs_kbs_store *one = fill(p1, n);
    if (one == NULL) {
        fprintf(stderr, "bench_kbs_purge: filling the store failed: %s\n", ccs_error_detail());
        return 1;
    }
    sync();
    size_t removed = 0;
    double t0 = now_s();
    ccs_status st = ccs_kbs_session_purge_expired(one, NOW + TTL + 1, 0, &removed);
    double single = now_s() - t0;
    printf("%d expired sessions (1.5 KB tokens), SQLite WAL, secure_delete on\n", n);
    printf("  one transaction:     %8.1f ms  (%zu rows)\n", single * 1e3, removed);
    ccs_kbs_store_close(one);
    remove_db(p1);
    ccs_kbs_store *many = st == CCS_OK ? fill(p2, n) : NULL;
    if (many == NULL) {
        fprintf(stderr, "bench_kbs_purge: %s\n", ccs_error_detail());
        return 1;
    }
    sync();
    size_t cap = (size_t)n / (size_t)b + 2, k = 0, total = 0;
    double *t = calloc(cap, sizeof *t), sum = 0;
    while (st == CCS_OK && t != NULL && k < cap) {
        double a = now_s();
        st = ccs_kbs_session_purge_expired(many, NOW + TTL + 1, (size_t)b, &removed);
        t[k] = now_s() - a;
        sum += t[k++];
        total += removed;
        if (removed < (size_t)b) break;
    }
    if (st != CCS_OK || t == NULL) {
        fprintf(stderr, "bench_kbs_purge: purge failed: %s\n", ccs_error_detail());
        return 1;
    }
    qsort(t, k, sizeof *t, cmp);
    printf("  batches of %d rows:  %zu batches, median %.2f ms, slowest %.2f ms, total %.1f ms (%zu rows)\n", b, k,
           t[k / 2] * 1e3, t[k - 1] * 1e3, sum * 1e3, total);
    free(t);
    ccs_kbs_store_close(many);
    remove_db(p2);
    return 0;
}
