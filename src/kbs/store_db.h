/*
 * store_db.h - private to store*.c: the store object and the SQLite helpers
 * the resource, policy, reference-value and session files share.
 */
#ifndef CCS_KBS_STORE_DB_H
#define CCS_KBS_STORE_DB_H

#include <pthread.h>
#include <sqlite3.h>

#include "kbs_internal.h"

/* A connection and its prepared statements: each SQL text (a constant) is
 * compiled once and reset after use, so a request pays for executing its
 * statements, not for parsing them again. */
#define STORE_STMT_CACHE 32
typedef struct store_conn {
    sqlite3 *db;
    struct {
        const char *sql; /* the constant it was prepared from (compared by address) */
        sqlite3_stmt *st;
        bool out;        /* handed out, not yet released */
    } cache[STORE_STMT_CACHE];
} store_conn;

/* The policies and reference-value sets as last read (store_cache.c). */
#define STORE_CACHE_ENTRIES 32
#define STORE_CACHE_AGE_MS 1000
typedef struct store_cache_entry {
    char key[CCS_KBS_TEE_NAME_MAX + CCS_KBS_COMPONENT_MAX + 16]; /* "policy:<kind>", "refval:<tee>.<name>" */
    char *text;                                                  /* NULL: the row does not exist */
} store_cache_entry;
typedef struct store_cache {
    store_cache_entry e[STORE_CACHE_ENTRIES];
    size_t n;
    uint64_t filled_ms; /* CLOCK_MONOTONIC when the first entry was put */
} store_cache;

struct ccs_kbs_store {
    /* Two connections to the one file: db (synchronous=FULL) for resources,
     * policies and reference values, sdb (synchronous=NORMAL) for sessions
     * (store.c explains the durability of each). */
    store_conn *db, *sdb;
    /* Their WAL checkpoints, on a thread of their own (store_checkpoint.c). */
    struct store_ckpt *ckpt;
    /* Serialises every call on both connections (kbs_internal.h). */
    pthread_mutex_t lock;
    /* The session challenge key (challenge.c), read once at open. */
    uint8_t challenge_key[CCS_KBS_CHALLENGE_KEY_LEN];
    store_cache cache;
};

/* The connection for the reads that stand alone (a policy, reference values,
 * a resource: one SELECT, outside any transaction of ours): the session
 * connection. A connection's page cache stays valid across its own commits
 * but is dropped whenever another connection has written, so reading on the
 * connection that takes the sessions' writes (one per attestation)
 * keeps the pages cached; reads do not depend on the synchronous setting. */
static inline store_conn *store_reader(ccs_kbs_store *s) { return s->sdb; }

void store_lock(ccs_kbs_store *s);
void store_unlock(ccs_kbs_store *s);

/* Records the SQLite error of db (never the values bound). */
ccs_status store_fail(store_conn *db, const char *what);
/* BEGIN IMMEDIATE: writers take the lock at the start, so a transaction
 * never fails half way on a busy database. */
CCS_MUST_USE ccs_status store_begin(store_conn *db);
/* Commits when st is CCS_OK, rolls back otherwise; returns the first error. */
CCS_MUST_USE ccs_status store_finish(store_conn *db, ccs_status st);
/* The prepared statement for sql (a constant: cached by its address);
 * *stmt is NULL on failure. Give it back with store_release. */
CCS_MUST_USE ccs_status store_prepare(store_conn *db, const char *sql, sqlite3_stmt **stmt);
/* Resets a statement from store_prepare and clears its bindings (NULL ok). */
void store_release(store_conn *db, sqlite3_stmt *st);
/* Binds NUL-terminated text (copied by SQLite only when needed). */
CCS_MUST_USE ccs_status store_bind_text(store_conn *db, sqlite3_stmt *st, int i, const char *v);
CCS_MUST_USE ccs_status store_bind_i64(store_conn *db, sqlite3_stmt *st, int i, int64_t v);
/* Steps a statement that returns no row; *changes (may be NULL) gets the
 * number of rows it changed. */
CCS_MUST_USE ccs_status store_step_done(store_conn *db, sqlite3_stmt *st, const char *what, int *changes);
/* A copy of a TEXT column (NULL for SQL NULL). */
CCS_MUST_USE ccs_status store_column_strdup(sqlite3_stmt *st, int col, char **out);

/* With the lock held. get: true when key is cached (then *absent, or *text
 * a copy the caller frees); put: remembers text (NULL: no such row). */
bool store_cache_get(store_cache *c, const char *key, char **text, bool *absent);
void store_cache_put(store_cache *c, const char *key, const char *text);
void store_cache_clear(store_cache *c);

/* WAL checkpoints off the committing thread (store_checkpoint.c): hooks
 * the n connections' commits; a commit that takes the log past the mark
 * wakes the checkpoint thread (started by the first). Close it before the
 * connections. limits: the marks in pages (tests; before any commit);
 * runs: checkpoints made; request: asks for one now; settle: waits until
 * the thread has nothing asked of it and is not checkpointing (false when
 * there is no thread). */
typedef struct store_ckpt store_ckpt;
CCS_MUST_USE ccs_status store_checkpoint_open(const char *path, sqlite3 *const *conns, size_t n, store_ckpt **out);
void store_checkpoint_close(store_ckpt *c);
void store_checkpoint_limits(store_ckpt *c, int pages, int hard_pages);
unsigned long store_checkpoint_runs(store_ckpt *c);
void store_checkpoint_request(store_ckpt *c);
bool store_checkpoint_settle(store_ckpt *c);

/* Validation shared by the store files. */
bool store_tee_valid(const char *tee);

#endif
