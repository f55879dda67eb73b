/*
 * The on-disk PCCS collateral cache (SQLite). One row per (tee, fmspc,
 * pck_ca) holds the nine raw pieces as BLOBs plus the expiry (the earliest
 * nextUpdate, ccs_collateral_expiry). Rows are only ever written whole, in
 * one transaction, after the fetched collateral has loaded; a failed fetch
 * writes nothing. Every statement is prepared with bound parameters.
 */
#include <stddef.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "pccs_cache.h"

/* PRAGMA user_version of the schema below; bump on any schema change. */
#define CACHE_SCHEMA_VERSION 1
#define CACHE_BUSY_TIMEOUT_MS 5000

struct ccs_pccs_cache {
    sqlite3 *db;
};

static const size_t part_offset[CCS_PCCS_NPARTS] = {
    offsetof(ccs_collateral_raw, tcb_info),       offsetof(ccs_collateral_raw, tcb_info_signature),
    offsetof(ccs_collateral_raw, tcb_info_issuer_chain), offsetof(ccs_collateral_raw, qe_identity),
    offsetof(ccs_collateral_raw, qe_identity_signature), offsetof(ccs_collateral_raw, qe_identity_issuer_chain),
    offsetof(ccs_collateral_raw, pck_crl),        offsetof(ccs_collateral_raw, pck_crl_issuer_chain),
    offsetof(ccs_collateral_raw, root_ca_crl),
};

static const char sql_schema[] =
    "CREATE TABLE IF NOT EXISTS collateral ("
    " tee TEXT NOT NULL, fmspc TEXT NOT NULL, pck_ca TEXT NOT NULL,"
    " tcb_info BLOB NOT NULL, tcb_info_signature BLOB NOT NULL, tcb_info_issuer_chain BLOB NOT NULL,"
    " qe_identity BLOB NOT NULL, qe_identity_signature BLOB NOT NULL,"
    " qe_identity_issuer_chain BLOB NOT NULL,"
    " pck_crl BLOB NOT NULL, pck_crl_issuer_chain BLOB NOT NULL, root_ca_crl BLOB NOT NULL,"
    " expiry INTEGER NOT NULL, fetched INTEGER NOT NULL,"
    " PRIMARY KEY (tee, fmspc, pck_ca))";

/* The nine pieces are columns 0..8 of the SELECT and parameters ?4..?12 of
 * the INSERT, in the order of ccs_collateral_raw. */
static const char sql_select[] =
    "SELECT tcb_info, tcb_info_signature, tcb_info_issuer_chain, qe_identity, qe_identity_signature,"
    " qe_identity_issuer_chain, pck_crl, pck_crl_issuer_chain, root_ca_crl, expiry"
    " FROM collateral WHERE tee = ?1 AND fmspc = ?2 AND pck_ca = ?3";

static const char sql_replace[] =
    "INSERT OR REPLACE INTO collateral (tee, fmspc, pck_ca, tcb_info, tcb_info_signature,"
    " tcb_info_issuer_chain, qe_identity, qe_identity_signature, qe_identity_issuer_chain, pck_crl,"
    " pck_crl_issuer_chain, root_ca_crl, expiry, fetched)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

void ccs_pccs_parts_free(ccs_pccs_parts *p) {
    if (p == NULL) return;
    for (size_t i = 0; i < CCS_PCCS_NPARTS; i++) ccs_buf_free(&p->part[i]);
}

void ccs_pccs_parts_view(const ccs_pccs_parts *p, ccs_collateral_raw *raw) {
    for (size_t i = 0; i < CCS_PCCS_NPARTS; i++) {
        ccs_bytes *field = (ccs_bytes *)((char *)raw + part_offset[i]);
        *field = ccs_buf_view(&p->part[i]);
    }
}

static ccs_status db_fail(sqlite3 *db, const char *what) {
    CCS_BAIL(CCS_ERR_IO, "PCCS cache: %s: %s", what, sqlite3_errmsg(db));
}

/* Runs one constant statement; returns the SQLite result of the step. */
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

static ccs_status db_user_version(sqlite3 *db, int *out) {
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(db, "reading the schema version");
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW) return db_fail(db, "reading the schema version");
    return CCS_OK;
}

/* Inside a transaction: creates the schema of a new file, or checks the
 * version of an existing one. */
static ccs_status schema_setup(sqlite3 *db) {
    int version = 0;
    CCS_TRY(db_user_version(db, &version));
    if (version == CACHE_SCHEMA_VERSION) return CCS_OK;
    CCS_ENSURE(version == 0, CCS_ERR_UNSUPPORTED,
               "PCCS cache: schema version %d is not supported (this build uses %d)", version,
               CACHE_SCHEMA_VERSION);
    CCS_TRY(db_exec(db, sql_schema));
    /* PRAGMA takes no parameters; the value is a compile-time constant. */
    return db_exec(db, "PRAGMA user_version = 1");
}

/* Commits st == CCS_OK work, rolls back otherwise; returns the first error. */
static ccs_status db_finish(sqlite3 *db, ccs_status st) {
    if (st == CCS_OK) {
        st = db_exec(db, "COMMIT");
        if (st == CCS_OK) return CCS_OK;
    }
    /* Quietly: the first error is the one worth reporting. */
    if (!sqlite3_get_autocommit(db)) (void)db_run(db, "ROLLBACK");
    return st;
}

ccs_status ccs_pccs_cache_open(const char *path, ccs_pccs_cache **out) {
    CCS_ENSURE(path != NULL && out != NULL, CCS_ERR_INVALID_ARG, "PCCS cache: NULL argument");
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        ccs_status st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "PCCS cache: cannot open %s: %s", path,
                                      db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return st;
    }
    sqlite3_busy_timeout(db, CACHE_BUSY_TIMEOUT_MS);
    /* IMMEDIATE: two processes creating the same new cache do not race. */
    ccs_status st = db_exec(db, "BEGIN IMMEDIATE");
    if (st == CCS_OK) st = db_finish(db, schema_setup(db));
    ccs_pccs_cache *c = st == CCS_OK ? calloc(1, sizeof *c) : NULL;
    if (st == CCS_OK && c == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (st != CCS_OK) {
        sqlite3_close(db);
        return st;
    }
    c->db = db;
    *out = c;
    return CCS_OK;
}

void ccs_pccs_cache_close(ccs_pccs_cache *c) {
    if (c == NULL) return;
    sqlite3_close(c->db);
    free(c);
}

static ccs_status bind_key(sqlite3 *db, sqlite3_stmt *stmt, const ccs_pccs_key *k) {
    if (sqlite3_bind_text(stmt, 1, k->tee, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 2, k->fmspc, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 3, k->pck_ca, -1, SQLITE_STATIC) != SQLITE_OK)
        return db_fail(db, "binding the key");
    return CCS_OK;
}

/* Copies the current row's pieces (columns 0..8) and expiry (column 9). */
static ccs_status read_row(sqlite3_stmt *stmt, ccs_pccs_parts *out, ccs_time *expiry) {
    for (int i = 0; i < CCS_PCCS_NPARTS; i++) {
        const void *blob = sqlite3_column_blob(stmt, i);
        int n = sqlite3_column_bytes(stmt, i);
        CCS_ENSURE(n >= 0, CCS_ERR_FORMAT, "PCCS cache: bad column size");
        CCS_TRY(ccs_buf_append(&out->part[i], blob, (size_t)n));
    }
    *expiry = (ccs_time)sqlite3_column_int64(stmt, CCS_PCCS_NPARTS);
    return CCS_OK;
}

ccs_status ccs_pccs_cache_get(ccs_pccs_cache *c, const ccs_pccs_key *k, ccs_pccs_parts *out, ccs_time *expiry,
                              bool *found) {
    sqlite3_stmt *stmt = NULL;
    *found = false;
    if (sqlite3_prepare_v2(c->db, sql_select, -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(c->db, "preparing the lookup");
    ccs_status st = bind_key(c->db, stmt, k);
    int rc = st == CCS_OK ? sqlite3_step(stmt) : SQLITE_ERROR;
    if (st == CCS_OK && rc == SQLITE_ROW) {
        st = read_row(stmt, out, expiry);
        *found = st == CCS_OK;
    } else if (st == CCS_OK && rc != SQLITE_DONE) {
        st = db_fail(c->db, "reading an entry");
    }
    sqlite3_finalize(stmt);
    if (st != CCS_OK) ccs_pccs_parts_free(out);
    return st;
}

static ccs_status bind_row(sqlite3 *db, sqlite3_stmt *stmt, const ccs_pccs_key *k, const ccs_pccs_parts *parts,
                           ccs_time expiry, ccs_time fetched) {
    CCS_TRY(bind_key(db, stmt, k));
    for (int i = 0; i < CCS_PCCS_NPARTS; i++) {
        const ccs_buf *b = &parts->part[i];
        CCS_ENSURE(b->len <= (size_t)INT32_MAX, CCS_ERR_OVERFLOW, "PCCS cache: piece too large");
        /* A non-NULL pointer keeps an empty piece a zero-length BLOB, not NULL. */
        const void *ptr = b->ptr ? (const void *)b->ptr : (const void *)"";
        if (sqlite3_bind_blob(stmt, 4 + i, ptr, (int)b->len, SQLITE_STATIC) != SQLITE_OK)
            return db_fail(db, "binding a piece");
    }
    if (sqlite3_bind_int64(stmt, 13, expiry) != SQLITE_OK || sqlite3_bind_int64(stmt, 14, fetched) != SQLITE_OK)
        return db_fail(db, "binding the times");
    return CCS_OK;
}

static ccs_status replace_row(sqlite3 *db, const ccs_pccs_key *k, const ccs_pccs_parts *parts, ccs_time expiry,
                              ccs_time fetched) {
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, sql_replace, -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(db, "preparing the update");
    ccs_status st = bind_row(db, stmt, k, parts, expiry, fetched);
    if (st == CCS_OK && sqlite3_step(stmt) != SQLITE_DONE) st = db_fail(db, "writing an entry");
    sqlite3_finalize(stmt);
    return st;
}

ccs_status ccs_pccs_cache_put(ccs_pccs_cache *c, const ccs_pccs_key *k, const ccs_pccs_parts *parts,
                              ccs_time expiry, ccs_time fetched) {
    CCS_TRY(db_exec(c->db, "BEGIN IMMEDIATE"));
    return db_finish(c->db, replace_row(c->db, k, parts, expiry, fetched));
}
