/*
 * KBS store: RCAR sessions (the kbs-session-id cookie), spec
 * specs/kbs-image-ratls.md 1.1. A challenge is not stored (challenge.c);
 * its row is written when its nonce is used at /attest: one INSERT that
 * holds the token when the attestation passed (state "attested"), or none
 * when it was refused (state "challenged", nonce_used = 1). The id is
 * UNIQUE, so the insert is the nonce's single use, across threads and
 * processes. Expired sessions are unusable and purged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/crypto.h"
#include "store_db.h"

static bool session_id_valid(const char *id) {
    size_t n = 0;
    if (id == NULL) return false;
    for (; id[n]; n++)
        if (n >= CCS_KBS_SESSION_ID_LEN || !((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
            return false;
    return n == CCS_KBS_SESSION_ID_LEN;
}

static ccs_status id_check(const char *id) {
    CCS_ENSURE(session_id_valid(id), CCS_ERR_FORMAT, "session id: expected %d lower-case hex digits",
               CCS_KBS_SESSION_ID_LEN);
    return CCS_OK;
}

static void wipe_str(char *p) {
    if (p) ccs_wipe(p, strlen(p));
    free(p);
}

void ccs_kbs_session_clear(ccs_kbs_session *se) {
    if (se == NULL) return;
    wipe_str(se->token);
    wipe_str(se->tee_pubkey);
    wipe_str(se->claims);
    ccs_wipe(se, sizeof *se);
}

/* Copies the current row (columns as in sql_get) into se. */
static ccs_status session_row(sqlite3_stmt *st, const char *id, ccs_kbs_session *se) {
    const char *tee = (const char *)sqlite3_column_text(st, 0);
    const char *nonce = (const char *)sqlite3_column_text(st, 1);
    const char *state = (const char *)sqlite3_column_text(st, 3);
    CCS_ENSURE(tee && nonce && state && strlen(tee) < sizeof se->tee && strlen(nonce) < sizeof se->nonce,
               CCS_ERR_FORMAT, "KBS store: malformed session row");
    memcpy(se->id, id, CCS_KBS_SESSION_ID_LEN + 1);
    memcpy(se->tee, tee, strlen(tee) + 1);
    memcpy(se->nonce, nonce, strlen(nonce) + 1);
    se->nonce_used = sqlite3_column_int(st, 2) != 0;
    se->state = strcmp(state, "attested") == 0 ? CCS_KBS_SESSION_ATTESTED : CCS_KBS_SESSION_CHALLENGED;
    se->created = sqlite3_column_int64(st, 4);
    se->expires = sqlite3_column_int64(st, 5);
    CCS_TRY(store_column_strdup(st, 6, &se->token));
    CCS_TRY(store_column_strdup(st, 7, &se->tee_pubkey));
    return store_column_strdup(st, 8, &se->claims);
}

static const char sql_get[] = "SELECT tee, nonce, nonce_used, state, created, expires, token, tee_pubkey, claims"
                              " FROM sessions WHERE id = ?1";

/* Reads a live session (under the lock, maybe inside a transaction). */
static ccs_status session_read(store_conn *db, const char *id, ccs_time now, ccs_kbs_session *se) {
    sqlite3_stmt *st = NULL;
    CCS_TRY(store_prepare(db, sql_get, &st));
    ccs_status r = store_bind_text(db, st, 1, id);
    if (r == CCS_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            r = session_row(st, id, se);
        else if (rc == SQLITE_DONE)
            r = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "no such session");
        else
            r = store_fail(db, "reading a session");
    }
    store_release(db, st);
    if (r == CCS_OK && se->expires <= now) r = ccs_error_set(CCS_ERR_EXPIRED, CCS_HERE, "the session has expired");
    if (r != CCS_OK) ccs_kbs_session_clear(se);
    return r;
}

ccs_status ccs_kbs_session_get(ccs_kbs_store *s, const char *id, ccs_time now, ccs_kbs_session *out) {
    CCS_ENSURE(s != NULL && out != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_TRY(id_check(id));
    ccs_kbs_session se = {0};
    store_lock(s);
    ccs_status st = session_read(s->sdb, id, now, &se);
    store_unlock(s);
    if (st == CCS_OK) *out = se;
    return st;
}

/* A row's checks before any write: its status when it cannot be stored. */
static ccs_status row_check(const ccs_kbs_session_row *row, ccs_time now) {
    CCS_ENSURE(row->ch != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_TRY(id_check(row->ch->id));
    CCS_ENSURE(store_tee_valid(row->ch->tee), CCS_ERR_FORMAT, "session: TEE name must be [a-z0-9-]{1,%d}",
               CCS_KBS_TEE_NAME_MAX);
    CCS_ENSURE(row->token == NULL || strlen(row->token) <= CCS_KBS_SESSION_FIELD_MAX, CCS_ERR_FORMAT,
               "session: the token is at most %u bytes", CCS_KBS_SESSION_FIELD_MAX);
    CCS_ENSURE(row->ch->expires > now, CCS_ERR_EXPIRED, "the session has expired");
    return CCS_OK;
}

/* The row of a used challenge, with the token (attested) or without; DO
 * NOTHING when the id has a row, so the nonce of a challenge is used once.
 * row->st: OK, or NONCE_REUSED. */
static ccs_status row_insert(store_conn *db, sqlite3_stmt *st, ccs_kbs_session_row *row, ccs_time now) {
    const ccs_kbs_session *ch = row->ch;
    int changes = 0;
    ccs_status r = store_bind_text(db, st, 1, ch->id);
    if (r == CCS_OK) r = store_bind_text(db, st, 2, ch->tee);
    if (r == CCS_OK) r = store_bind_text(db, st, 3, ch->nonce);
    if (r == CCS_OK) r = store_bind_text(db, st, 4, row->token ? "attested" : "challenged");
    if (r == CCS_OK) r = store_bind_i64(db, st, 5, now);
    if (r == CCS_OK) r = store_bind_i64(db, st, 6, ch->expires);
    if (r == CCS_OK) r = store_bind_text(db, st, 7, row->token); /* NULL binds NULL */
    if (r == CCS_OK) r = store_step_done(db, st, "storing a session", &changes);
    sqlite3_reset(st);
    CCS_TRY(r);
    row->st = changes == 1 ? CCS_OK : CCS_KBS_NONCE_REUSED;
    return CCS_OK;
}

static const char sql_insert[] = "INSERT INTO sessions (id, tee, nonce, nonce_used, state, created, expires, token)"
                                 " VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING";

/* The rows that passed row_check, in one transaction: a single row is one
 * statement in its own (autocommit) transaction, several are BEGIN
 * IMMEDIATE ... COMMIT, one WAL commit for all. */
static ccs_status insert_checked(ccs_kbs_store *s, ccs_kbs_session_row *rows, size_t n, size_t checked,
                                 ccs_time now) {
    store_conn *db = s->sdb;
    sqlite3_stmt *st = NULL;
    ccs_status r = checked > 1 ? store_begin(db) : CCS_OK;
    if (r == CCS_OK) r = store_prepare(db, sql_insert, &st);
    for (size_t i = 0; r == CCS_OK && i < n; i++)
        if (rows[i].st == CCS_OK) r = row_insert(db, st, &rows[i], now);
    store_release(db, st);
    return checked > 1 ? store_finish(db, r) : r;
}

ccs_status ccs_kbs_session_store_rows(ccs_kbs_store *s, ccs_kbs_session_row *rows, size_t n, ccs_time now) {
    CCS_ENSURE(s != NULL && (rows != NULL || n == 0), CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        rows[i].st = row_check(&rows[i], now);
        if (rows[i].st == CCS_OK) checked++;
    }
    if (checked == 0) return CCS_OK;
    store_lock(s);
    ccs_status r = insert_checked(s, rows, n, checked, now);
    store_unlock(s);
    return r;
}

/* One row alone: its own status, or the store's error. */
static ccs_status session_insert(ccs_kbs_store *s, const ccs_kbs_session *ch, ccs_time now, const char *token) {
    ccs_kbs_session_row row = {.ch = ch, .token = token};
    CCS_TRY(ccs_kbs_session_store_rows(s, &row, 1, now));
    if (row.st == CCS_KBS_NONCE_REUSED) CCS_BAIL(CCS_KBS_NONCE_REUSED, "the session's nonce was already used");
    return row.st; /* the detail of a refused row is set by row_check */
}

ccs_status ccs_kbs_session_attest(ccs_kbs_store *s, const ccs_kbs_session *ch, ccs_time now, const char *token) {
    CCS_ENSURE(token != NULL, CCS_ERR_INVALID_ARG, "session: the token is required");
    return session_insert(s, ch, now, token);
}

ccs_status ccs_kbs_session_burn(ccs_kbs_store *s, const ccs_kbs_session *ch, ccs_time now) {
    return session_insert(s, ch, now, NULL);
}

static ccs_status session_remove(store_conn *db, const char *id) {
    sqlite3_stmt *st = NULL;
    int changes = 0;
    CCS_TRY(store_prepare(db, "DELETE FROM sessions WHERE id = ?1", &st));
    ccs_status r = store_bind_text(db, st, 1, id);
    if (r == CCS_OK) r = store_step_done(db, st, "deleting a session", &changes);
    store_release(db, st);
    CCS_TRY(r);
    CCS_ENSURE(changes == 1, CCS_ERR_NOT_FOUND, "no such session");
    return CCS_OK;
}

ccs_status ccs_kbs_session_delete(ccs_kbs_store *s, const char *id) {
    CCS_ENSURE(s != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_TRY(id_check(id));
    store_lock(s);
    ccs_status st = store_begin(s->sdb);
    if (st == CCS_OK) st = store_finish(s->sdb, session_remove(s->sdb, id));
    store_unlock(s);
    return st;
}

static ccs_status purge(store_conn *db, ccs_time now, size_t max, int *changes) {
    sqlite3_stmt *st = NULL;
    /* through the expires index; LIMIT -1 is no limit */
    CCS_TRY(store_prepare(db,
                          "DELETE FROM sessions WHERE rowid IN"
                          " (SELECT rowid FROM sessions WHERE expires <= ?1 ORDER BY expires LIMIT ?2)",
                          &st));
    ccs_status r = store_bind_i64(db, st, 1, now);
    if (r == CCS_OK) r = store_bind_i64(db, st, 2, max == 0 || max > INT64_MAX ? -1 : (int64_t)max);
    if (r == CCS_OK) r = store_step_done(db, st, "purging sessions", changes);
    store_release(db, st);
    return r;
}

ccs_status ccs_kbs_session_purge_expired(ccs_kbs_store *s, ccs_time now, size_t max, size_t *removed) {
    CCS_ENSURE(s != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    int changes = 0;
    store_lock(s);
    ccs_status st = store_begin(s->sdb);
    if (st == CCS_OK) st = store_finish(s->sdb, purge(s->sdb, now, max, &changes));
    store_unlock(s);
    if (st == CCS_OK && removed) *removed = (size_t)changes;
    return st;
}
