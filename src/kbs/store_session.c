/*
 * KBS store: RCAR sessions (the kbs-session-id cookie), spec
 * specs/kbs-image-ratls.md 1.1. A session is created "challenged" with a
 * fresh nonce; the nonce is consumed exactly once (atomically, inside one
 * IMMEDIATE transaction, so not even a second process can consume it
 * again); after the evidence is appraised the session becomes "attested"
 * and holds the token. Expired sessions are unusable and purged.
 */
#include <stdlib.h>
#include <string.h>

#include "ccs/crypto.h"
#include "store_db.h"

#define SESSION_RANDOM_LEN 32

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

/* Fills id and nonce with fresh randomness. */
static ccs_status session_random(ccs_kbs_session *se) {
    uint8_t r[2 * SESSION_RANDOM_LEN];
    ccs_buf b64 = {0};
    ccs_status st = ccs_random(r, sizeof r);
    if (st == CCS_OK) st = ccs_hex_encode(ccs_bytes_of(r, SESSION_RANDOM_LEN), se->id, sizeof se->id);
    if (st == CCS_OK) st = ccs_base64_encode(ccs_bytes_of(r + SESSION_RANDOM_LEN, SESSION_RANDOM_LEN), &b64);
    if (st == CCS_OK && b64.len >= sizeof se->nonce)
        st = ccs_error_set(CCS_ERR_INTERNAL, CCS_HERE, "nonce encoding too long");
    if (st == CCS_OK) {
        memcpy(se->nonce, b64.ptr, b64.len);
        se->nonce[b64.len] = '\0';
    }
    ccs_wipe(r, sizeof r);
    ccs_buf_free(&b64);
    return st;
}

static ccs_status session_insert(store_conn *db, const ccs_kbs_session *se) {
    sqlite3_stmt *st = NULL;
    CCS_TRY(store_prepare(db,
                          "INSERT INTO sessions (id, tee, nonce, nonce_used, state, created, expires)"
                          " VALUES (?1, ?2, ?3, 0, 'challenged', ?4, ?5)",
                          &st));
    ccs_status r = store_bind_text(db, st, 1, se->id);
    if (r == CCS_OK) r = store_bind_text(db, st, 2, se->tee);
    if (r == CCS_OK) r = store_bind_text(db, st, 3, se->nonce);
    if (r == CCS_OK) r = store_bind_i64(db, st, 4, se->created);
    if (r == CCS_OK) r = store_bind_i64(db, st, 5, se->expires);
    if (r == CCS_OK) r = store_step_done(db, st, "creating a session", NULL);
    store_release(db, st);
    return r;
}

ccs_status ccs_kbs_session_create(ccs_kbs_store *s, const char *tee, ccs_time now, int64_t ttl,
                                  ccs_kbs_session *out) {
    CCS_ENSURE(s != NULL && out != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_ENSURE(store_tee_valid(tee), CCS_ERR_FORMAT, "session: TEE name must be [a-z0-9-]{1,%d}",
               CCS_KBS_TEE_NAME_MAX);
    CCS_ENSURE(ttl > 0 && now >= 0 && ttl <= INT64_MAX - now, CCS_ERR_INVALID_ARG, "session: bad lifetime");
    ccs_kbs_session se = {0};
    memcpy(se.tee, tee, strlen(tee) + 1); /* length checked by store_tee_valid */
    se.state = CCS_KBS_SESSION_CHALLENGED;
    se.created = now;
    se.expires = now + ttl;
    CCS_TRY(session_random(&se));
    store_lock(s);
    ccs_status st = session_insert(s->sdb, &se); /* one statement: its own transaction */
    store_unlock(s);
    if (st != CCS_OK) {
        ccs_kbs_session_clear(&se);
        return st;
    }
    *out = se;
    return CCS_OK;
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

/* Runs an UPDATE/DELETE on one session id with up to two text parameters
 * after it (?2, ?3, ?4); *changes gets the row count. */
static ccs_status session_update(store_conn *db, const char *sql, const char *id, const char *a, const char *b,
                                 const char *c, int *changes) {
    sqlite3_stmt *st = NULL;
    CCS_TRY(store_prepare(db, sql, &st));
    ccs_status r = store_bind_text(db, st, 1, id);
    int n = sqlite3_bind_parameter_count(st);
    if (r == CCS_OK && n >= 2) r = store_bind_text(db, st, 2, a);
    if (r == CCS_OK && n >= 3) r = store_bind_text(db, st, 3, b);
    if (r == CCS_OK && n >= 4) r = store_bind_text(db, st, 4, c);
    if (r == CCS_OK) r = store_step_done(db, st, "updating a session", changes);
    store_release(db, st);
    return r;
}

static ccs_status consume(store_conn *db, const char *id, const char *nonce, ccs_time now) {
    ccs_kbs_session se = {0};
    CCS_TRY(session_read(db, id, now, &se));
    bool same = ccs_ct_eq(ccs_bytes_str(nonce), ccs_bytes_str(se.nonce));
    bool used = se.nonce_used;
    ccs_kbs_session_clear(&se);
    CCS_ENSURE(same, CCS_ERR_MISMATCH, "the nonce does not match the session's challenge");
    CCS_ENSURE(!used, CCS_KBS_NONCE_REUSED, "the session's nonce was already used");
    int changes = 0;
    CCS_TRY(session_update(db, "UPDATE sessions SET nonce_used = 1 WHERE id = ?1 AND nonce_used = 0", id, NULL,
                           NULL, NULL, &changes));
    CCS_ENSURE(changes == 1, CCS_KBS_NONCE_REUSED, "the session's nonce was already used");
    return CCS_OK;
}

/* The common case in one conditional UPDATE (its own transaction): *done
 * when it changed the row. Otherwise the caller runs the read-then-write
 * transaction, which names the reason (mismatch, reuse, expiry, unknown).
 * The nonce is a public challenge, so comparing it in SQL leaks nothing. */
static ccs_status update_if(store_conn *db, const char *sql, const char *id, ccs_time now, const char *const *text,
                            size_t ntext, bool *done) {
    sqlite3_stmt *st = NULL;
    int changes = 0;
    CCS_TRY(store_prepare(db, sql, &st));
    ccs_status r = store_bind_text(db, st, 1, id);
    if (r == CCS_OK) r = store_bind_i64(db, st, 2, now);
    for (size_t i = 0; r == CCS_OK && i < ntext; i++) r = store_bind_text(db, st, (int)i + 3, text[i]);
    if (r == CCS_OK) r = store_step_done(db, st, "updating a session", &changes);
    store_release(db, st);
    *done = r == CCS_OK && changes == 1;
    return r;
}

ccs_status ccs_kbs_session_consume_nonce(ccs_kbs_store *s, const char *id, const char *nonce, ccs_time now) {
    CCS_ENSURE(s != NULL && nonce != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_TRY(id_check(id));
    static const char sql[] = "UPDATE sessions SET nonce_used = 1"
                              " WHERE id = ?1 AND expires > ?2 AND nonce = ?3 AND nonce_used = 0";
    bool done = false;
    store_lock(s);
    ccs_status st = update_if(s->sdb, sql, id, now, &nonce, 1, &done);
    if (st == CCS_OK && !done) st = store_begin(s->sdb);
    if (st == CCS_OK && !done) st = store_finish(s->sdb, consume(s->sdb, id, nonce, now));
    store_unlock(s);
    return st;
}

static ccs_status attest(store_conn *db, const char *id, ccs_time now, const char *tee_pubkey, const char *token,
                         const char *claims) {
    ccs_kbs_session se = {0};
    CCS_TRY(session_read(db, id, now, &se));
    bool used = se.nonce_used, attested = se.state == CCS_KBS_SESSION_ATTESTED;
    ccs_kbs_session_clear(&se);
    CCS_ENSURE(!attested, CCS_ERR_POLICY, "the session is already attested");
    CCS_ENSURE(used, CCS_ERR_POLICY, "the session's nonce was not consumed");
    int changes = 0;
    CCS_TRY(session_update(db,
                           "UPDATE sessions SET state = 'attested', tee_pubkey = ?2, token = ?3, claims = ?4"
                           " WHERE id = ?1 AND state = 'challenged' AND nonce_used = 1",
                           id, tee_pubkey, token, claims, &changes));
    CCS_ENSURE(changes == 1, CCS_ERR_POLICY, "the session changed state");
    return CCS_OK;
}

static bool field_ok(const char *f, bool may_be_null) {
    return f == NULL ? may_be_null : strlen(f) <= CCS_KBS_SESSION_FIELD_MAX;
}

ccs_status ccs_kbs_session_mark_attested(ccs_kbs_store *s, const char *id, ccs_time now, const char *tee_pubkey,
                                         const char *token, const char *claims) {
    CCS_ENSURE(s != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_TRY(id_check(id));
    CCS_ENSURE(field_ok(tee_pubkey, true) && field_ok(claims, true) && field_ok(token, false), CCS_ERR_FORMAT,
               "session: the token is required; each field is at most %u bytes", CCS_KBS_SESSION_FIELD_MAX);
    static const char sql[] = "UPDATE sessions SET state = 'attested', tee_pubkey = ?3, token = ?4, claims = ?5"
                              " WHERE id = ?1 AND expires > ?2 AND state = 'challenged' AND nonce_used = 1";
    const char *text[3] = {tee_pubkey, token, claims};
    bool done = false;
    store_lock(s);
    ccs_status st = update_if(s->sdb, sql, id, now, text, 3, &done);
    if (st == CCS_OK && !done) st = store_begin(s->sdb);
    if (st == CCS_OK && !done) st = store_finish(s->sdb, attest(s->sdb, id, now, tee_pubkey, token, claims));
    store_unlock(s);
    return st;
}

/* The fallback of ccs_kbs_session_attest, inside a transaction: consume()
 * names why the nonce cannot be used; if it can after all, attest(). */
static ccs_status consume_attest(store_conn *db, const char *id, const char *nonce, ccs_time now, const char *token) {
    CCS_TRY(consume(db, id, nonce, now));
    return attest(db, id, now, NULL, token, NULL);
}

ccs_status ccs_kbs_session_attest(ccs_kbs_store *s, const char *id, const char *nonce, ccs_time now,
                                  const char *token) {
    CCS_ENSURE(s != NULL && nonce != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_TRY(id_check(id));
    CCS_ENSURE(field_ok(token, false), CCS_ERR_FORMAT, "session: the token is required; at most %u bytes",
               CCS_KBS_SESSION_FIELD_MAX);
    /* One statement, one transaction, one WAL commit: the nonce flips from
     * unused to used in the same write that stores the token, so of any
     * number of callers (threads or processes) with this nonce, one at most
     * gets a token. */
    static const char sql[] = "UPDATE sessions SET nonce_used = 1, state = 'attested', token = ?4"
                              " WHERE id = ?1 AND expires > ?2 AND nonce = ?3 AND nonce_used = 0"
                              " AND state = 'challenged'";
    const char *text[2] = {nonce, token};
    bool done = false;
    store_lock(s);
    ccs_status st = update_if(s->sdb, sql, id, now, text, 2, &done);
    if (st == CCS_OK && !done) st = store_begin(s->sdb);
    if (st == CCS_OK && !done) st = store_finish(s->sdb, consume_attest(s->sdb, id, nonce, now, token));
    store_unlock(s);
    return st;
}

static ccs_status session_remove(store_conn *db, const char *id) {
    int changes = 0;
    CCS_TRY(session_update(db, "DELETE FROM sessions WHERE id = ?1", id, NULL, NULL, NULL, &changes));
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

static ccs_status purge(store_conn *db, ccs_time now, int *changes) {
    sqlite3_stmt *st = NULL;
    CCS_TRY(store_prepare(db, "DELETE FROM sessions WHERE expires <= ?1", &st));
    ccs_status r = store_bind_i64(db, st, 1, now);
    if (r == CCS_OK) r = store_step_done(db, st, "purging sessions", changes);
    store_release(db, st);
    return r;
}

ccs_status ccs_kbs_session_purge_expired(ccs_kbs_store *s, ccs_time now, size_t *removed) {
    CCS_ENSURE(s != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    int changes = 0;
    store_lock(s);
    ccs_status st = store_begin(s->sdb);
    if (st == CCS_OK) st = store_finish(s->sdb, purge(s->sdb, now, &changes));
    store_unlock(s);
    if (st == CCS_OK && removed) *removed = (size_t)changes;
    return st;
}
