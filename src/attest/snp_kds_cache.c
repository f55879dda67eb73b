/*
 * The on-disk AMD KDS cache (SQLite), in the manner of pccs_cache.c: one row
 * per KDS resource, keyed by (kind, product, hwid, tcb) - VCEKs by chip and
 * reported TCB, chains and CRLs by product - holding the body as served and
 * its expiry (a CRL's nextUpdate; certificates never expire here, their
 * validity is judged by the verifier). snp_kds.c writes only bodies of a set
 * that verified, all in one transaction. Every statement is prepared with
 * bound parameters.
 */
#include <stdlib.h>

#include <sqlite3.h>

#include "snp_kds.h"

#define CACHE_SCHEMA_VERSION 1
#define CACHE_BUSY_TIMEOUT_MS 5000

struct snp_kds_cache {
    sqlite3 *db;
};

static const char sql_schema[] =
    "CREATE TABLE IF NOT EXISTS kds ("
    " kind TEXT NOT NULL, product TEXT NOT NULL, hwid TEXT NOT NULL, tcb TEXT NOT NULL,"
    " body BLOB NOT NULL, expiry INTEGER NOT NULL, fetched INTEGER NOT NULL,"
    " PRIMARY KEY (kind, product, hwid, tcb))";
static const char sql_select[] =
    "SELECT body, expiry FROM kds WHERE kind = ?1 AND product = ?2 AND hwid = ?3 AND tcb = ?4";
static const char sql_replace[] =
    "INSERT OR REPLACE INTO kds (kind, product, hwid, tcb, body, expiry, fetched)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

static ccs_status db_fail(sqlite3 *db, const char *what) {
    CCS_BAIL(CCS_ERR_IO, "KDS cache: %s: %s", what, sqlite3_errmsg(db));
}

static int db_run(sqlite3 *db, const char *sql) {
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

static ccs_status db_exec(sqlite3 *db, const char *sql) {
    if (db_run(db, sql) != SQLITE_DONE) return db_fail(db, sql);
    return CCS_OK;
}

static ccs_status db_finish(sqlite3 *db, ccs_status st) {
    if (st == CCS_OK) {
        st = db_exec(db, "COMMIT");
        if (st == CCS_OK) return CCS_OK;
    }
    if (!sqlite3_get_autocommit(db)) (void)db_run(db, "ROLLBACK");
    return st;
}

static ccs_status schema_setup(sqlite3 *db) {
    sqlite3_stmt *stmt = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(db, "reading the schema version");
    if (sqlite3_step(stmt) == SQLITE_ROW) version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    if (version < 0) return db_fail(db, "reading the schema version");
    if (version == CACHE_SCHEMA_VERSION) return CCS_OK;
    CCS_ENSURE(version == 0, CCS_ERR_UNSUPPORTED, "KDS cache: schema version %d is not supported (this build uses %d)",
               version, CACHE_SCHEMA_VERSION);
    CCS_TRY(db_exec(db, sql_schema));
    return db_exec(db, "PRAGMA user_version = 1");
}

ccs_status ccs_snp_kds_cache_open(const char *path, snp_kds_cache **out) {
    CCS_ENSURE(path != NULL && out != NULL, CCS_ERR_INVALID_ARG, "KDS cache: NULL argument");
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        ccs_status st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "KDS cache: cannot open %s: %s", path,
                                      db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return st;
    }
    sqlite3_busy_timeout(db, CACHE_BUSY_TIMEOUT_MS);
    ccs_status st = db_exec(db, "BEGIN IMMEDIATE");
    if (st == CCS_OK) st = db_finish(db, schema_setup(db));
    snp_kds_cache *c = st == CCS_OK ? calloc(1, sizeof *c) : NULL;
    if (st == CCS_OK && c == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (st != CCS_OK) {
        sqlite3_close(db);
        return st;
    }
    c->db = db;
    *out = c;
    return CCS_OK;
}

void ccs_snp_kds_cache_close(snp_kds_cache *c) {
    if (c == NULL) return;
    sqlite3_close(c->db);
    free(c);
}

static ccs_status bind_key(sqlite3 *db, sqlite3_stmt *stmt, const snp_kds_key *k) {
    if (sqlite3_bind_text(stmt, 1, k->kind, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 2, k->product, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 3, k->hwid, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 4, k->tcb, -1, SQLITE_STATIC) != SQLITE_OK)
        return db_fail(db, "binding the key");
    return CCS_OK;
}

ccs_status ccs_snp_kds_cache_get(snp_kds_cache *c, const snp_kds_key *k, ccs_buf *body, ccs_time *expiry,
                                 bool *found) {
    sqlite3_stmt *stmt = NULL;
    *found = false;
    if (sqlite3_prepare_v2(c->db, sql_select, -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(c->db, "preparing the lookup");
    ccs_status st = bind_key(c->db, stmt, k);
    int rc = st == CCS_OK ? sqlite3_step(stmt) : SQLITE_ERROR;
    if (st == CCS_OK && rc == SQLITE_ROW) {
        int n = sqlite3_column_bytes(stmt, 0);
        st = n >= 0 ? ccs_buf_append(body, sqlite3_column_blob(stmt, 0), (size_t)n)
                    : ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "KDS cache: bad column size");
        *expiry = (ccs_time)sqlite3_column_int64(stmt, 1);
        *found = st == CCS_OK;
    } else if (st == CCS_OK && rc != SQLITE_DONE) {
        st = db_fail(c->db, "reading an entry");
    }
    sqlite3_finalize(stmt);
    return st;
}

static ccs_status put_one(sqlite3 *db, const snp_kds_key *k, ccs_bytes body, ccs_time expiry, ccs_time fetched) {
    sqlite3_stmt *stmt = NULL;
    CCS_ENSURE(body.len <= (size_t)INT32_MAX, CCS_ERR_OVERFLOW, "KDS cache: body too large");
    if (sqlite3_prepare_v2(db, sql_replace, -1, &stmt, NULL) != SQLITE_OK) return db_fail(db, "preparing the update");
    ccs_status st = bind_key(db, stmt, k);
    const void *ptr = body.ptr ? (const void *)body.ptr : (const void *)"";
    if (st == CCS_OK && (sqlite3_bind_blob(stmt, 5, ptr, (int)body.len, SQLITE_STATIC) != SQLITE_OK ||
                         sqlite3_bind_int64(stmt, 6, expiry) != SQLITE_OK ||
                         sqlite3_bind_int64(stmt, 7, fetched) != SQLITE_OK))
        st = db_fail(db, "binding a row");
    if (st == CCS_OK && sqlite3_step(stmt) != SQLITE_DONE) st = db_fail(db, "writing an entry");
    sqlite3_finalize(stmt);
    return st;
}

ccs_status ccs_snp_kds_cache_put(snp_kds_cache *c, const snp_kds_key *keys, const ccs_bytes *bodies,
                                 const ccs_time *expiries, size_t n, ccs_time fetched) {
    CCS_TRY(db_exec(c->db, "BEGIN IMMEDIATE"));
    ccs_status st = CCS_OK;
    for (size_t i = 0; i < n && st == CCS_OK; i++) st = put_one(c->db, &keys[i], bodies[i], expiries[i], fetched);
    return db_finish(c->db, st);
}
