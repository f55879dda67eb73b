/*
 * store_db.h - private to store*.c: the store object and the SQLite helpers
 * the resource, policy, reference-value and session files share.
 */
#ifndef CCS_KBS_STORE_DB_H
#define CCS_KBS_STORE_DB_H

#include <pthread.h>
#include <sqlite3.h>

#include "kbs_internal.h"

struct ccs_kbs_store {
    sqlite3 *db;
    /* Serialises every call on the one connection (kbs_internal.h). */
    pthread_mutex_t lock;
};

void store_lock(ccs_kbs_store *s);
void store_unlock(ccs_kbs_store *s);

/* Records the SQLite error of db (never the values bound). */
ccs_status store_fail(sqlite3 *db, const char *what);
/* BEGIN IMMEDIATE: writers take the lock at the start, so a transaction
 * never fails half way on a busy database. */
CCS_MUST_USE ccs_status store_begin(sqlite3 *db);
/* Session writes: durable against SIGKILL, not against power loss (store.c). */
ccs_status store_begin_session(sqlite3 *db);
ccs_status store_finish_session(sqlite3 *db, ccs_status st);
/* Commits when st is CCS_OK, rolls back otherwise; returns the first error. */
CCS_MUST_USE ccs_status store_finish(sqlite3 *db, ccs_status st);
/* Prepares sql (a constant); *stmt is NULL on failure. */
CCS_MUST_USE ccs_status store_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt);
/* Binds NUL-terminated text (copied by SQLite only when needed). */
CCS_MUST_USE ccs_status store_bind_text(sqlite3 *db, sqlite3_stmt *st, int i, const char *v);
CCS_MUST_USE ccs_status store_bind_i64(sqlite3 *db, sqlite3_stmt *st, int i, int64_t v);
/* Steps a statement that returns no row; *changes (may be NULL) gets the
 * number of rows it changed. */
CCS_MUST_USE ccs_status store_step_done(sqlite3 *db, sqlite3_stmt *st, const char *what, int *changes);
/* A copy of a TEXT column (NULL for SQL NULL). */
CCS_MUST_USE ccs_status store_column_strdup(sqlite3_stmt *st, int col, char **out);

/* Validation shared by the store files. */
bool store_tee_valid(const char *tee);

#endif
