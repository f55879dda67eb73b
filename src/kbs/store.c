/*
 * The KBS store (SQLite): opening, the schema, the shared helpers and the
 * policies. Resources are in store_resource.c, reference values in
 * store_refval.c, sessions in store_session.c. Formats: docs/kbs.md
 * "Storage".
 *
 * Durability: journal_mode=WAL with synchronous=FULL, so a COMMIT that has
 * returned is on disk (WAL is fsynced at every commit) and survives SIGKILL
 * and power loss. Sessions (one write per attestation) live on a second
 * connection with synchronous=NORMAL: in WAL mode a returned COMMIT still
 * survives the process being killed (the WAL is in the OS page cache), and
 * only an OS crash or power loss can drop the last sessions, which costs a
 * client one re-attestation; resources, policies and reference values never
 * take that connection. secure_delete overwrites the pages of deleted
 * secrets. Checkpoints run on a thread of their own (store_checkpoint.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_db.h"

#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_STR_(x) #x
#define STORE_STR(x) STORE_STR_(x)

/* The sessions table is an ordinary rowid table with a UNIQUE index on the
 * id, not WITHOUT ROWID (schema version 1): a row holds its EAR (~1.5 KB),
 * and in a WITHOUT ROWID table (an index b-tree) any row larger than ~1 KB
 * of a 4 KiB page spills into an overflow page, so every session took a
 * leaf page and an overflow page at a random place in the file (its key is
 * random): ~4.6 KiB per session, and each session statement read pages
 * that were no longer cached. In a rowid table new rows are appended where
 * the last ones are (the pages the next statements use), and the random id
 * lives in a small index (~50 entries per page). docs/kbs.md "Storage". */
#define SESSION_COLUMNS                                                                                             \
    " id TEXT NOT NULL UNIQUE, tee TEXT NOT NULL, nonce TEXT NOT NULL,"                                              \
    " nonce_used INTEGER NOT NULL DEFAULT 0 CHECK (nonce_used IN (0, 1)),"                                          \
    " state TEXT NOT NULL CHECK (state IN ('challenged', 'attested')),"                                             \
    " created INTEGER NOT NULL, expires INTEGER NOT NULL,"                                                          \
    " token TEXT, tee_pubkey TEXT, claims TEXT)"
#define SESSION_NAMES "id, tee, nonce, nonce_used, state, created, expires, token, tee_pubkey, claims"

/* Keys the KBS makes for itself (version 3): the session challenge key. */
#define SQL_SECRETS                                                                                                 \
    "CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL, created INTEGER NOT NULL)"   \
    " WITHOUT ROWID"
#define CHALLENGE_KEY_NAME "session-challenge"

static const char *const sql_schema[] = {
    "CREATE TABLE IF NOT EXISTS resources ("
    " repository TEXT NOT NULL, type TEXT NOT NULL, tag TEXT NOT NULL, value BLOB NOT NULL,"
    " created INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " PRIMARY KEY (repository, type, tag)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS policies ("
    " kind TEXT PRIMARY KEY CHECK (kind IN ('attestation', 'resource')),"
    " body TEXT NOT NULL, updated INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS reference_values ("
    " tee TEXT NOT NULL, name TEXT NOT NULL, vals TEXT NOT NULL, updated INTEGER NOT NULL,"
    " PRIMARY KEY (tee, name)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS sessions (" SESSION_COLUMNS,
    "CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires)",
    SQL_SECRETS,
};

/* Version 1 -> 2: the sessions move, as they are, into the rowid table. */
static const char *const sql_migrate_1[] = {
    "CREATE TABLE sessions_v2 (" SESSION_COLUMNS,
    "INSERT INTO sessions_v2 (" SESSION_NAMES ") SELECT " SESSION_NAMES " FROM sessions ORDER BY created",
    "DROP TABLE sessions", /* and its index */
    "ALTER TABLE sessions_v2 RENAME TO sessions",
    "CREATE INDEX sessions_expires ON sessions (expires)",
};

/* Version 2 -> 3: the secrets table. Sessions stay; a challenge issued
 * before (a row in state "challenged" with its nonce unused) can no longer
 * be attested: its cookie is not of the new form, and its client runs
 * /auth again. */
static const char *const sql_migrate_2[] = {SQL_SECRETS};

/* ---- helpers (store_db.h) ---- */

void store_lock(ccs_kbs_store *s) { (void)pthread_mutex_lock(&s->lock); }
void store_unlock(ccs_kbs_store *s) { (void)pthread_mutex_unlock(&s->lock); }

ccs_status store_fail(store_conn *db, const char *what) {
    CCS_BAIL(CCS_ERR_IO, "KBS store: %s: %s", what, sqlite3_errmsg(db->db));
}

/* A free cached statement for sql, or a new one (cached if there is room). */
ccs_status store_prepare(store_conn *db, const char *sql, sqlite3_stmt **stmt) {
    *stmt = NULL;
    size_t free_slot = STORE_STMT_CACHE;
    for (size_t i = 0; i < STORE_STMT_CACHE; i++) {
        if (db->cache[i].sql == sql && !db->cache[i].out) {
            db->cache[i].out = true;
            *stmt = db->cache[i].st;
            return CCS_OK;
        }
        if (db->cache[i].sql == NULL && free_slot == STORE_STMT_CACHE) free_slot = i;
    }
    if (sqlite3_prepare_v2(db->db, sql, -1, stmt, NULL) != SQLITE_OK) {
        sqlite3_finalize(*stmt);
        *stmt = NULL;
        return store_fail(db, "preparing a statement");
    }
    if (free_slot < STORE_STMT_CACHE) {
        db->cache[free_slot].sql = sql;
        db->cache[free_slot].st = *stmt;
        db->cache[free_slot].out = true;
    }
    return CCS_OK;
}

/* Cached statements go back to the cache; others are finalized. */
void store_release(store_conn *db, sqlite3_stmt *st) {
    if (st == NULL) return;
    for (size_t i = 0; i < STORE_STMT_CACHE; i++) {
        if (db->cache[i].st != st) continue;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        db->cache[i].out = false;
        return;
    }
    sqlite3_finalize(st);
}

static ccs_status db_exec(store_conn *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    CCS_TRY(store_prepare(db, sql, &st));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    store_release(db, st);
    if (rc != SQLITE_DONE) return store_fail(db, sql);
    return CCS_OK;
}

ccs_status store_begin(store_conn *db) { return db_exec(db, "BEGIN IMMEDIATE"); }

ccs_status store_finish(store_conn *db, ccs_status st) {
    static const char sql_commit[] = "COMMIT", sql_rollback[] = "ROLLBACK";
    if (st == CCS_OK) {
        st = db_exec(db, sql_commit);
        if (st == CCS_OK) return CCS_OK;
    }
    if (!sqlite3_get_autocommit(db->db)) {
        sqlite3_stmt *rb = NULL;
        /* Quietly (not through store_prepare, which records errors): the
         * first error is the one worth reporting. */
        if (sqlite3_prepare_v2(db->db, sql_rollback, -1, &rb, NULL) == SQLITE_OK) (void)sqlite3_step(rb);
        sqlite3_finalize(rb);
    }
    return st;
}

ccs_status store_bind_text(store_conn *db, sqlite3_stmt *st, int i, const char *v) {
    int rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
    if (rc != SQLITE_OK) return store_fail(db, "binding a parameter");
    return CCS_OK;
}

ccs_status store_bind_i64(store_conn *db, sqlite3_stmt *st, int i, int64_t v) {
    if (sqlite3_bind_int64(st, i, v) != SQLITE_OK) return store_fail(db, "binding a parameter");
    return CCS_OK;
}

ccs_status store_step_done(store_conn *db, sqlite3_stmt *st, const char *what, int *changes) {
    if (sqlite3_step(st) != SQLITE_DONE) return store_fail(db, what);
    if (changes) *changes = sqlite3_changes(db->db);
    return CCS_OK;
}

ccs_status store_column_strdup(sqlite3_stmt *st, int col, char **out) {
    *out = NULL;
    if (sqlite3_column_type(st, col) == SQLITE_NULL) return CCS_OK;
    const unsigned char *t = sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    CCS_ENSURE(t != NULL && n >= 0, CCS_ERR_NOMEM, "out of memory");
    *out = malloc((size_t)n + 1);
    CCS_ENSURE(*out != NULL, CCS_ERR_NOMEM, "out of memory");
    memcpy(*out, t, (size_t)n);
    (*out)[n] = '\0';
    return CCS_OK;
}

bool store_tee_valid(const char *tee) {
    size_t n = 0;
    if (tee == NULL) return false;
    for (; tee[n]; n++) {
        char c = tee[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') || n >= CCS_KBS_TEE_NAME_MAX)
            return false;
    }
    return n > 0;
}

bool ccs_kbs_component_valid(const char *c) {
    size_t n = 0;
    if (c == NULL) return false;
    for (; c[n]; n++) {
        char ch = c[n];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                  ch == '_' || ch == '-';
        if (!ok || n >= CCS_KBS_COMPONENT_MAX) return false;
    }
    return n > 0 && strcmp(c, ".") != 0 && strstr(c, "..") == NULL;
}

void ccs_kbs_strlist_free(ccs_kbs_strlist *l) {
    if (l == NULL) return;
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* ---- open / close ---- */

static ccs_status db_user_version(store_conn *db, int *out) {
    sqlite3_stmt *st = NULL;
    CCS_TRY(store_prepare(db, "PRAGMA user_version", &st));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int(st, 0);
    store_release(db, st);
    if (rc != SQLITE_ROW) return store_fail(db, "reading the schema version");
    return CCS_OK;
}

/* Inside a transaction: creates the schema of a new file, brings a version 1
 * or 2 file to version 3 (the same transaction: all or nothing), or checks
 * the version of an existing one. */
static ccs_status schema_setup(store_conn *db) {
    int version = 0;
    CCS_TRY(db_user_version(db, &version));
    if (version == CCS_KBS_STORE_SCHEMA_VERSION) return CCS_OK;
    CCS_ENSURE(version >= 0 && version < CCS_KBS_STORE_SCHEMA_VERSION, CCS_ERR_UNSUPPORTED,
               "KBS store: schema version %d is not supported (this build reads version %d)", version,
               CCS_KBS_STORE_SCHEMA_VERSION);
    if (version == 0) {
        for (size_t i = 0; i < sizeof sql_schema / sizeof sql_schema[0]; i++) CCS_TRY(db_exec(db, sql_schema[i]));
    }
    if (version == 1) {
        for (size_t i = 0; i < sizeof sql_migrate_1 / sizeof sql_migrate_1[0]; i++)
            CCS_TRY(db_exec(db, sql_migrate_1[i]));
    }
    if (version == 1 || version == 2) {
        for (size_t i = 0; i < sizeof sql_migrate_2 / sizeof sql_migrate_2[0]; i++)
            CCS_TRY(db_exec(db, sql_migrate_2[i]));
    }
    /* PRAGMA takes no parameters; the value is a compile-time constant. */
    return db_exec(db, "PRAGMA user_version = " STORE_STR(CCS_KBS_STORE_SCHEMA_VERSION));
}

/* Inside a transaction: the challenge key, made on first use (a random
 * candidate is inserted unless a key is there; then the stored one is read,
 * so two processes opening a new file agree on it). */
static ccs_status challenge_key_load(store_conn *db, ccs_time now, uint8_t key[static CCS_KBS_CHALLENGE_KEY_LEN]) {
    uint8_t fresh[CCS_KBS_CHALLENGE_KEY_LEN];
    sqlite3_stmt *st = NULL;
    CCS_TRY(ccs_random(fresh, sizeof fresh));
    ccs_status r = store_prepare(db,
                                 "INSERT INTO secrets (name, value, created) VALUES ('" CHALLENGE_KEY_NAME "', ?1, ?2)"
                                 " ON CONFLICT (name) DO NOTHING",
                                 &st);
    if (r == CCS_OK && sqlite3_bind_blob(st, 1, fresh, sizeof fresh, SQLITE_STATIC) != SQLITE_OK)
        r = store_fail(db, "binding a parameter");
    if (r == CCS_OK) r = store_bind_i64(db, st, 2, now);
    if (r == CCS_OK) r = store_step_done(db, st, "making the challenge key", NULL);
    store_release(db, st);
    ccs_wipe(fresh, sizeof fresh);
    CCS_TRY(r);
    CCS_TRY(store_prepare(db, "SELECT value FROM secrets WHERE name = '" CHALLENGE_KEY_NAME "'", &st));
    int rc = sqlite3_step(st);
    const void *v = rc == SQLITE_ROW ? sqlite3_column_blob(st, 0) : NULL;
    int n = rc == SQLITE_ROW ? sqlite3_column_bytes(st, 0) : 0;
    if (rc != SQLITE_ROW) r = store_fail(db, "reading the challenge key");
    else if (v == NULL || n != CCS_KBS_CHALLENGE_KEY_LEN)
        r = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "KBS store: the challenge key is not %d bytes",
                          CCS_KBS_CHALLENGE_KEY_LEN);
    else
        memcpy(key, v, CCS_KBS_CHALLENGE_KEY_LEN);
    store_release(db, st);
    return r;
}

/* The file holds secrets: create it owner-only before SQLite opens it (the
 * -wal and -shm files take the database file's mode). */
static ccs_status create_private(const char *path) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    CCS_ENSURE(fd >= 0, CCS_ERR_IO, "KBS store: cannot open %s: %s", path, strerror(errno));
    close(fd);
    return CCS_OK;
}

static ccs_status configure(store_conn *db, bool sessions) {
    sqlite3_busy_timeout(db->db, STORE_BUSY_TIMEOUT_MS);
    sqlite3_stmt *st = NULL;
    /* journal_mode answers with the mode in effect: insist on WAL. */
    CCS_TRY(store_prepare(db, "PRAGMA journal_mode = WAL", &st));
    bool wal = sqlite3_step(st) == SQLITE_ROW &&
               sqlite3_stricmp((const char *)sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "",
                               "wal") == 0;
    store_release(db, st);
    CCS_ENSURE(wal, CCS_ERR_IO, "KBS store: the database cannot use WAL mode");
    CCS_TRY(db_exec(db, sessions ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL"));
    CCS_TRY(db_exec(db, "PRAGMA foreign_keys = ON"));
    return db_exec(db, "PRAGMA secure_delete = ON");
}

static void conn_close(store_conn *c) {
    if (c == NULL) return;
    for (size_t i = 0; i < STORE_STMT_CACHE; i++) sqlite3_finalize(c->cache[i].st);
    sqlite3_close(c->db);
    free(c);
}

static ccs_status conn_open(const char *path, bool sessions, store_conn **out) {
    store_conn *c = calloc(1, sizeof *c);
    CCS_ENSURE(c != NULL, CCS_ERR_NOMEM, "out of memory");
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        ccs_status st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "KBS store: cannot open %s: %s", path,
                                      c->db ? sqlite3_errmsg(c->db) : "out of memory");
        conn_close(c);
        return st;
    }
    ccs_status st = configure(c, sessions);
    if (st != CCS_OK) {
        conn_close(c);
        return st;
    }
    *out = c;
    return CCS_OK;
}

ccs_status ccs_kbs_store_open(const char *path, ccs_kbs_store **out) {
    CCS_ENSURE(path != NULL && out != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    *out = NULL;
    CCS_TRY(create_private(path));
    store_conn *db = NULL, *sdb = NULL;
    ccs_status st = conn_open(path, false, &db);
    if (st == CCS_OK) st = store_begin(db);
    if (st == CCS_OK) st = store_finish(db, schema_setup(db));
    if (st == CCS_OK) st = conn_open(path, true, &sdb);
    store_ckpt *ckpt = NULL;
    if (st == CCS_OK) st = store_checkpoint_open(path, (sqlite3 *const[]){db->db, sdb->db}, 2, &ckpt);
    ccs_kbs_store *s = st == CCS_OK ? calloc(1, sizeof *s) : NULL;
    if (st == CCS_OK && s == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (st == CCS_OK) st = store_begin(db);
    if (st == CCS_OK) st = store_finish(db, challenge_key_load(db, ccs_time_now(), s->challenge_key));
    if (st == CCS_OK && pthread_mutex_init(&s->lock, NULL) != 0)
        st = ccs_error_set(CCS_ERR_INTERNAL, CCS_HERE, "KBS store: cannot create its mutex");
    if (st != CCS_OK) {
        if (s != NULL) ccs_wipe(s->challenge_key, sizeof s->challenge_key);
        free(s);
        store_checkpoint_close(ckpt);
        conn_close(sdb);
        conn_close(db);
        return st;
    }
    s->db = db;
    s->sdb = sdb;
    s->ckpt = ckpt;
    *out = s;
    return CCS_OK;
}

void ccs_kbs_store_close(ccs_kbs_store *s) {
    if (s == NULL) return;
    store_checkpoint_close(s->ckpt); /* first: the last connection closed checkpoints what is left */
    conn_close(s->sdb);
    conn_close(s->db);
    store_cache_clear(&s->cache);
    pthread_mutex_destroy(&s->lock);
    ccs_wipe(s->challenge_key, sizeof s->challenge_key);
    free(s);
}

const uint8_t *ccs_kbs_store_challenge_key(const ccs_kbs_store *s) { return s->challenge_key; }

/* ---- policies ---- */

const char *ccs_kbs_policy_kind_name(ccs_kbs_policy_kind k) {
    return k == CCS_KBS_POLICY_ATTESTATION ? "attestation" : k == CCS_KBS_POLICY_RESOURCE ? "resource" : "unknown";
}

static ccs_status policy_validate(ccs_kbs_policy_kind kind, const char *json) {
    if (kind == CCS_KBS_POLICY_ATTESTATION) {
        ccs_kbs_attestation_policy *p = NULL;
        CCS_TRY(ccs_kbs_attestation_policy_parse(json, &p));
        ccs_kbs_attestation_policy_free(p);
        return CCS_OK;
    }
    ccs_kbs_resource_policy *p = NULL;
    CCS_TRY(ccs_kbs_resource_policy_parse(json, &p));
    ccs_kbs_resource_policy_free(p);
    return CCS_OK;
}

static ccs_status policy_write(store_conn *db, ccs_kbs_policy_kind kind, const char *json, ccs_time now) {
    sqlite3_stmt *st = NULL;
    CCS_TRY(store_prepare(db, "INSERT OR REPLACE INTO policies (kind, body, updated) VALUES (?1, ?2, ?3)", &st));
    ccs_status r = store_bind_text(db, st, 1, ccs_kbs_policy_kind_name(kind));
    if (r == CCS_OK) r = store_bind_text(db, st, 2, json);
    if (r == CCS_OK) r = store_bind_i64(db, st, 3, now);
    if (r == CCS_OK) r = store_step_done(db, st, "writing a policy", NULL);
    store_release(db, st);
    return r;
}

ccs_status ccs_kbs_policy_set(ccs_kbs_store *s, ccs_kbs_policy_kind kind, const char *json, ccs_time now) {
    CCS_ENSURE(s != NULL && json != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_ENSURE(kind == CCS_KBS_POLICY_ATTESTATION || kind == CCS_KBS_POLICY_RESOURCE, CCS_ERR_INVALID_ARG,
               "KBS store: unknown policy kind");
    CCS_ENSURE(strlen(json) <= CCS_KBS_POLICY_MAX, CCS_ERR_FORMAT, "%s policy: larger than %u bytes",
               ccs_kbs_policy_kind_name(kind), CCS_KBS_POLICY_MAX);
    /* Validate before touching the database: a bad policy changes nothing. */
    CCS_TRY(policy_validate(kind, json));
    store_lock(s);
    ccs_status st = store_begin(s->db);
    if (st == CCS_OK) st = store_finish(s->db, policy_write(s->db, kind, json, now));
    store_cache_clear(&s->cache); /* whatever the outcome: the next read goes to the file */
    store_unlock(s);
    return st;
}

ccs_status ccs_kbs_policy_get(ccs_kbs_store *s, ccs_kbs_policy_kind kind, char **json) {
    CCS_ENSURE(s != NULL && json != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    *json = NULL;
    char key[32];
    bool absent = false;
    snprintf(key, sizeof key, "policy:%s", ccs_kbs_policy_kind_name(kind));
    store_lock(s);
    if (store_cache_get(&s->cache, key, json, &absent)) {
        store_unlock(s);
        CCS_ENSURE(!absent, CCS_ERR_NOT_FOUND, "KBS store: no %s policy is set", ccs_kbs_policy_kind_name(kind));
        return CCS_OK;
    }
    sqlite3_stmt *st = NULL;
    ccs_status r = store_prepare(store_reader(s), "SELECT body FROM policies WHERE kind = ?1", &st);
    if (r == CCS_OK) r = store_bind_text(store_reader(s), st, 1, ccs_kbs_policy_kind_name(kind));
    if (r == CCS_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            r = store_column_strdup(st, 0, json);
        else if (rc == SQLITE_DONE)
            r = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "KBS store: no %s policy is set",
                              ccs_kbs_policy_kind_name(kind));
        else
            r = store_fail(store_reader(s), "reading a policy");
    }
    store_release(store_reader(s), st);
    if (r == CCS_OK || r == CCS_ERR_NOT_FOUND) store_cache_put(&s->cache, key, *json);
    store_unlock(s);
    return r;
}
