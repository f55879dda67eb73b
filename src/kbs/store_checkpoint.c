/*
 * store_checkpoint.c - the store's WAL checkpoints, on a thread of their own.
 *
 * By default SQLite checkpoints from the connection whose commit takes the
 * log past 1000 pages: that commit copies the log into the database file
 * and waits for two fsyncs before it returns. On the KBS's event loop that
 * wait held every request for 5 to 70 ms, a few times a second under load,
 * and it is what decided the p99 of POST /attest (docs/BENCHMARKS.md).
 *
 * Here a commit only looks at the log's size (sqlite3_wal_hook, which
 * replaces the automatic checkpoint). Past CKPT_PAGES it wakes a thread
 * (started by the first such commit, so it runs where the server's loops
 * run) that checkpoints through a connection of its own in PASSIVE mode,
 * which never holds readers or writers back.
 *
 * The log rewinds (SQLite starts it again at the next write) only after a
 * checkpoint has copied every frame in it, and commits that land while a
 * checkpoint runs leave frames behind. Under a steady stream of commits a
 * checkpoint ending between two commits is enough; should the log still
 * grow past CKPT_HARD_PAGES, the thread checkpoints in RESTART mode, which
 * holds writers back (they wait in their busy handler) until every frame
 * is copied and no reader uses the log, so that the next commit rewinds
 * it: the old stall, at most once per CKPT_HARD_PAGES.
 *
 * Durability does not change: what a commit guarantees is settled when it
 * commits (store.c), and a checkpoint syncs the database file before any
 * frame it copied can be overwritten. Without the thread (it could not
 * start) commits checkpoint as SQLite does by default.
 */
#include <stdlib.h>

#include "store_db.h"

#define CKPT_PAGES 1000           /* SQLite's default wal_autocheckpoint */
#define CKPT_HARD_PAGES 16384     /* 64 MiB of 4 KiB pages */
#define CKPT_BUSY_TIMEOUT_MS 1000 /* a RESTART waits this long for readers, then tries again later */

struct store_ckpt {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    sqlite3 *db;       /* the checkpoints' own connection, used only by the thread */
    sqlite3 *conns[2]; /* the hooked connections */
    size_t n_conns;
    int pages, hard_pages;
    unsigned long runs; /* checkpoints the thread has made (tests) */
    bool started, failed, stop, want, busy;
};

static void checkpoint(store_ckpt *c) {
    int log = 0, copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    if (rc == SQLITE_OK && log >= c->hard_pages)
        (void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_RESTART, &log, &copied);
    /* A failed checkpoint (I/O, a busy RESTART) loses nothing: the frames
     * stay in the log and the next commit past the mark asks again. */
}

static void *run(void *arg) {
    store_ckpt *c = arg;
    pthread_setname_np(pthread_self(), "ccs-kbs-ckpt");
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->want && !c->stop) pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop) break;
        c->want = false;
        c->busy = true;
        pthread_mutex_unlock(&c->mu);
        checkpoint(c);
        pthread_mutex_lock(&c->mu);
        c->busy = false;
        c->runs++;
        pthread_cond_broadcast(&c->cv); /* store_checkpoint_settle */
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* With c->mu held: starts the thread the first time, then asks it for a
 * checkpoint; false when there is no thread to ask. */
static bool wake(store_ckpt *c) {
    if (!c->started && !c->failed && !c->stop) {
        c->started = pthread_create(&c->thread, NULL, run, c) == 0;
        c->failed = !c->started;
    }
    if (!c->started || c->stop) return false;
    c->want = true;
    pthread_cond_signal(&c->cv);
    return true;
}

/* The WAL hook of both store connections: called after each commit with
 * the pages in the log; returns SQLITE_OK whatever happens, as the commit
 * has already succeeded. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int pages) {
    store_ckpt *c = arg;
    if (pages < c->pages) return SQLITE_OK;
    pthread_mutex_lock(&c->mu);
    bool background = wake(c);
    pthread_mutex_unlock(&c->mu);
    if (!background) (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

ccs_status store_checkpoint_open(const char *path, sqlite3 *const *conns, size_t n, store_ckpt **out) {
    *out = NULL;
    CCS_ENSURE(n <= 2, CCS_ERR_INVALID_ARG, "KBS store: too many connections to hook");
    store_ckpt *c = calloc(1, sizeof *c);
    CCS_ENSURE(c != NULL, CCS_ERR_NOMEM, "out of memory");
    c->pages = CKPT_PAGES;
    c->hard_pages = CKPT_HARD_PAGES;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        CCS_BAIL(CCS_ERR_INTERNAL, "KBS store: cannot create the checkpoint mutex");
    }
    if (pthread_cond_init(&c->cv, NULL) != 0) {
        pthread_mutex_destroy(&c->mu);
        free(c);
        CCS_BAIL(CCS_ERR_INTERNAL, "KBS store: cannot create the checkpoint condition");
    }
    /* FULL: the checkpoint syncs the log before it copies and the database
     * file after (NORMAL would too in WAL mode; FULL says so). */
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(c->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
        ccs_status st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "KBS store: cannot open %s for checkpoints: %s", path,
                                      c->db ? sqlite3_errmsg(c->db) : "out of memory");
        store_checkpoint_close(c);
        return st;
    }
    sqlite3_busy_timeout(c->db, CKPT_BUSY_TIMEOUT_MS);
    for (size_t i = 0; i < n; i++) sqlite3_wal_hook(c->conns[i] = conns[i], on_commit, c);
    c->n_conns = n;
    *out = c;
    return CCS_OK;
}

void store_checkpoint_close(store_ckpt *c) {
    if (c == NULL) return;
    /* No hook may call into c once it is gone; the connections' last
     * checkpoint is SQLite's own, when the last of them closes. */
    for (size_t i = 0; i < c->n_conns; i++) sqlite3_wal_hook(c->conns[i], NULL, NULL);
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_broadcast(&c->cv);
    bool started = c->started;
    pthread_mutex_unlock(&c->mu);
    if (started) pthread_join(c->thread, NULL);
    sqlite3_close(c->db);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void store_checkpoint_limits(store_ckpt *c, int pages, int hard_pages) {
    pthread_mutex_lock(&c->mu);
    c->pages = pages;
    c->hard_pages = hard_pages;
    pthread_mutex_unlock(&c->mu);
}

void store_checkpoint_request(store_ckpt *c) {
    pthread_mutex_lock(&c->mu);
    (void)wake(c);
    pthread_mutex_unlock(&c->mu);
}

unsigned long store_checkpoint_runs(store_ckpt *c) {
    pthread_mutex_lock(&c->mu);
    unsigned long r = c->runs;
    pthread_mutex_unlock(&c->mu);
    return r;
}

bool store_checkpoint_settle(store_ckpt *c) {
    pthread_mutex_lock(&c->mu);
    while (c->started && !c->stop && (c->want || c->busy)) pthread_cond_wait(&c->cv, &c->mu);
    bool ok = c->started && !c->stop;
    pthread_mutex_unlock(&c->mu);
    return ok;
}
