/* The KBS store: CRUD, refusals that change nothing, single-use nonces,
 * session expiry, schema versions, the challenge key, threads, and SIGKILL
 * in the middle of writes (every acknowledged write survives). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "kbs_tests.h"
#include "kbs_internal.h"
#include "store_db.h"

#define NOW 1750330800 /* 2025-06-19T11:00:00Z */

static const char att_policy[] =
    "{\"version\":1,\"tees\":{\"sgx\":{\"measurements\":{\"mrenclave\":{\"ref\":\"sgx.mrenclave\"}}}}}";
static const char res_policy[] = "{\"version\":1,\"rules\":[{\"resources\":\"default/*/*\",\"allow\":{}}]}";

/* A fresh database path under the test tmp directory. */
static void db_path(char *out, size_t cap, const char *name) {
    snprintf(out, cap, "%s/store-%d-%s.db", CCS_TEST_TMP, (int)getpid(), name);
    char side[600];
    unlink(out);
    snprintf(side, sizeof side, "%s-wal", out);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", out);
    unlink(side);
}

static ccs_kbs_store *open_new(char *path, size_t cap, const char *name) {
    ccs_kbs_store *s = NULL;
    db_path(path, cap, name);
    check_st(ccs_kbs_store_open(path, &s), CCS_OK);
    return s;
}

/* A challenge under the store's key (nothing stored). */
static ccs_kbs_session challenge(ccs_kbs_store *s, const char *tee, ccs_time now, int64_t ttl) {
    ccs_kbs_session ch = {0};
    char cookie[CCS_KBS_COOKIE_MAX + 1];
    check_st(ccs_kbs_challenge_issue(ccs_kbs_store_challenge_key(s), tee, now, ttl, &ch, cookie), CCS_OK);
    return ch;
}

/* Every row of every table, through a second connection: what is stored. */
static char *snapshot(const char *path) {
    static const char *const q[] = {
        "SELECT repository, type, tag, hex(value), created, updated FROM resources ORDER BY 1, 2, 3",
        "SELECT kind, body, updated FROM policies ORDER BY 1",
        "SELECT tee, name, vals, updated FROM reference_values ORDER BY 1, 2",
        ("SELECT id, tee, nonce, nonce_used, state, created, expires, token, tee_pubkey, claims FROM sessions"
         " ORDER BY 1"),
        "SELECT name, hex(value), created FROM secrets ORDER BY 1",
    };
    sqlite3 *db = NULL;
    ccs_buf out = {0};
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, q[i], -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const char *t = (const char *)sqlite3_column_text(st, c);
                assert_int_equal(ccs_buf_append_str(&out, t ? t : "NULL"), CCS_OK);
                assert_int_equal(ccs_buf_append_str(&out, "|"), CCS_OK);
            }
            assert_int_equal(ccs_buf_append_str(&out, "\n"), CCS_OK);
        }
        sqlite3_finalize(st);
        assert_int_equal(ccs_buf_append_str(&out, "--\n"), CCS_OK);
    }
    sqlite3_close(db);
    return (char *)out.ptr;
}

static void test_open_schema(void **state) {
    (void)state;
    char path[512];
    ccs_kbs_store *s = open_new(path, sizeof path, "open");
    ccs_kbs_store_close(s);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600); /* holds secrets */
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), CCS_KBS_STORE_SCHEMA_VERSION);
    sqlite3_finalize(st);
    /* A newer schema is refused, and the file is left alone. */
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 4", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    check_st(ccs_kbs_store_open(path, &s), CCS_ERR_UNSUPPORTED);
    assert_null(s);
    assert_detail("KBS store: schema version 4 is not supported (this build reads version 3)");
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 4); /* left alone */
    sqlite3_finalize(st);
    sqlite3_close(db);
    /* Not a database at all. */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not an SQLite file, but it is long enough to have a header of sorts..........", f);
    fclose(f);
    check_st(ccs_kbs_store_open(path, &s), CCS_ERR_IO);
    check_st(ccs_kbs_store_open(CCS_TEST_TMP "/no/such/dir/x.db", &s), CCS_ERR_IO);
}

/* A version 1 file (sessions WITHOUT ROWID) is brought to version 3 when
 * opened: every session kept as it was, the secrets table added, the rest
 * untouched. */
static void test_schema_migration(void **state) {
    (void)state;
    char path[512];
    db_path(path, sizeof path, "migrate");
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    static const char v1[] =
        "PRAGMA journal_mode = WAL;"
        "CREATE TABLE resources (repository TEXT NOT NULL, type TEXT NOT NULL, tag TEXT NOT NULL,"
        " value BLOB NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL,"
        " PRIMARY KEY (repository, type, tag)) WITHOUT ROWID;"
        "CREATE TABLE policies (kind TEXT PRIMARY KEY CHECK (kind IN ('attestation', 'resource')),"
        " body TEXT NOT NULL, updated INTEGER NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE reference_values (tee TEXT NOT NULL, name TEXT NOT NULL, vals TEXT NOT NULL,"
        " updated INTEGER NOT NULL, PRIMARY KEY (tee, name)) WITHOUT ROWID;"
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, tee TEXT NOT NULL, nonce TEXT NOT NULL,"
        " nonce_used INTEGER NOT NULL DEFAULT 0 CHECK (nonce_used IN (0, 1)),"
        " state TEXT NOT NULL CHECK (state IN ('challenged', 'attested')),"
        " created INTEGER NOT NULL, expires INTEGER NOT NULL,"
        " token TEXT, tee_pubkey TEXT, claims TEXT) WITHOUT ROWID;"
        "CREATE INDEX sessions_expires ON sessions (expires);"
        "INSERT INTO resources VALUES ('default', 'keys', 'k1', x'00ff', 1, 2);"
        "INSERT INTO sessions VALUES ('" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "', 'tdx', 'bm9uY2U=', 1, 'attested', 1000, 2000000000, 'tok.en.x', NULL, NULL);"
        "INSERT INTO sessions VALUES ('" "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        "', 'sgx', 'bm9uY2Uy', 0, 'challenged', 1001, 2000000000, NULL, NULL, NULL);"
        "PRAGMA user_version = 1;";
    assert_int_equal(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    ccs_kbs_store *s = NULL;
    check_st(ccs_kbs_store_open(path, &s), CCS_OK);
    ccs_kbs_session se = {0};
    check_st(ccs_kbs_session_get(s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NOW, &se), CCS_OK);
    assert_string_equal(se.tee, "tdx");
    assert_string_equal(se.nonce, "bm9uY2U=");
    assert_true(se.nonce_used);
    assert_int_equal(se.state, CCS_KBS_SESSION_ATTESTED);
    assert_string_equal(se.token, "tok.en.x");
    assert_int_equal(se.created, 1000);
    ccs_kbs_session_clear(&se);
    /* A challenge stored by version 1 cannot be used any more: its id has a
     * row (its client runs /auth again). */
    ccs_kbs_session old = {.id = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", .tee = "sgx",
                           .nonce = "bm9uY2Uy", .expires = 2000000000};
    check_st(ccs_kbs_session_attest(s, &old, NOW, "t.o.k"), CCS_KBS_NONCE_REUSED);
    /* Ids stay unique in the new table; a new challenge attests. */
    ccs_kbs_session fresh = challenge(s, "tdx", NOW, 300);
    check_st(ccs_kbs_session_attest(s, &fresh, NOW, "t.o.k"), CCS_OK);
    check_st(ccs_kbs_session_attest(s, &fresh, NOW, "t.o.k"), CCS_KBS_NONCE_REUSED);
    ccs_kbs_session_clear(&fresh);
    ccs_buf v = {0};
    check_st(ccs_kbs_resource_get(s, "default", "keys", "k1", &v), CCS_OK);
    assert_int_equal(v.len, 2);
    ccs_buf_free(&v);
    ccs_kbs_store_close(s);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version),"
                                            " (SELECT sql FROM sqlite_master WHERE name = 'sessions'),"
                                            " (SELECT count(*) FROM sqlite_master WHERE name = 'sessions_expires'),"
                                            " (SELECT count(*) FROM sessions),"
                                            " (SELECT length(value) FROM secrets WHERE name = 'session-challenge')",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), CCS_KBS_STORE_SCHEMA_VERSION);
    assert_null(strstr((const char *)sqlite3_column_text(st, 1), "WITHOUT ROWID"));
    assert_non_null(strstr((const char *)sqlite3_column_text(st, 1), "id TEXT NOT NULL UNIQUE"));
    assert_int_equal(sqlite3_column_int(st, 2), 1);
    assert_int_equal(sqlite3_column_int(st, 3), 3);
    assert_int_equal(sqlite3_column_int(st, 4), CCS_KBS_CHALLENGE_KEY_LEN);
    sqlite3_finalize(st);
    /* A duplicate id is refused by the new table too. */
    assert_int_not_equal(sqlite3_exec(db,
                                      "INSERT INTO sessions (id, tee, nonce, state, created, expires) VALUES ('"
                                      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                      "', 'tdx', 'n', 'challenged', 1, 2)",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(db);
}

static void test_resource_crud(void **state) {
    (void)state;
    char path[512];
    ccs_kbs_store *s = open_new(path, sizeof path, "crud");
    ccs_buf v = {0};
    check_st(ccs_kbs_resource_get(s, "default", "keys", "k1", &v), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_resource_put(s, "default", "keys", "k1", ccs_bytes_str("secret-one"), NOW), CCS_OK);
    check_st(ccs_kbs_resource_put(s, "default", "keys", "k2", ccs_bytes_of("\0\1\2", 3), NOW), CCS_OK);
    check_st(ccs_kbs_resource_put(s, "other", "certs", "empty", ccs_bytes_of(NULL, 0), NOW), CCS_OK);
    check_st(ccs_kbs_resource_get(s, "default", "keys", "k1", &v), CCS_OK);
    assert_int_equal(v.len, 10);
    assert_memory_equal(v.ptr, "secret-one", 10);
    ccs_buf_free(&v);
    check_st(ccs_kbs_resource_get(s, "default", "keys", "k2", &v), CCS_OK);
    assert_int_equal(v.len, 3);
    assert_memory_equal(v.ptr, "\0\1\2", 3);
    ccs_buf_free(&v);
    check_st(ccs_kbs_resource_get(s, "other", "certs", "empty", &v), CCS_OK);
    assert_int_equal(v.len, 0);
    ccs_buf_free(&v);
    /* Replace keeps one row. */
    check_st(ccs_kbs_resource_put(s, "default", "keys", "k1", ccs_bytes_str("secret-two"), NOW + 1), CCS_OK);
    check_st(ccs_kbs_resource_get(s, "default", "keys", "k1", &v), CCS_OK);
    assert_memory_equal(v.ptr, "secret-two", 10);
    ccs_buf_free(&v);
    ccs_kbs_strlist l = {0};
    check_st(ccs_kbs_resource_list(s, NULL, &l), CCS_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.v[0], "default/keys/k1");
    assert_string_equal(l.v[1], "default/keys/k2");
    assert_string_equal(l.v[2], "other/certs/empty");
    ccs_kbs_strlist_free(&l);
    check_st(ccs_kbs_resource_list(s, "other", &l), CCS_OK);
    assert_int_equal(l.n, 1);
    ccs_kbs_strlist_free(&l);
    check_st(ccs_kbs_resource_delete(s, "default", "keys", "k1"), CCS_OK);
    check_st(ccs_kbs_resource_delete(s, "default", "keys", "k1"), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_resource_get(s, "default", "keys", "k1", &v), CCS_ERR_NOT_FOUND);
    /* Survives a reopen. */
    ccs_kbs_store_close(s);
    check_st(ccs_kbs_store_open(path, &s), CCS_OK);
    check_st(ccs_kbs_resource_get(s, "default", "keys", "k2", &v), CCS_OK);
    assert_int_equal(v.len, 3);
    ccs_buf_free(&v);
    ccs_kbs_store_close(s);
}

static void test_path_components(void **state) {
    (void)state;
    static const char *const good[] = {"a", "default", "A.b_c-9", "x", "x.y", "-", "_"};
    static const char *const bad[] = {"", ".", "..", "a..b", "../etc", "a/b", "a b", "é", "a\n", "*", "a%2f"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) assert_true(ccs_kbs_component_valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_false(ccs_kbs_component_valid(bad[i]));
    char longc[CCS_KBS_COMPONENT_MAX + 2];
    memset(longc, 'a', sizeof longc);
    longc[CCS_KBS_COMPONENT_MAX] = '\0';
    assert_true(ccs_kbs_component_valid(longc));
    longc[CCS_KBS_COMPONENT_MAX] = 'a';
    longc[CCS_KBS_COMPONENT_MAX + 1] = '\0';
    assert_false(ccs_kbs_component_valid(longc));
    char r[CCS_KBS_COMPONENT_MAX + 1], t[CCS_KBS_COMPONENT_MAX + 1], g[CCS_KBS_COMPONENT_MAX + 1];
    check_st(ccs_kbs_resource_path_split("default/keys/k1", r, t, g), CCS_OK);
    assert_string_equal(r, "default");
    assert_string_equal(t, "keys");
    assert_string_equal(g, "k1");
    static const char *const bad_paths[] = {"default/keys", "default/keys/k1/x", "/keys/k1", "default//k1",
                                            "default/keys/", "default/../k1", "default/keys/.", ""};
    for (size_t i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++)
        check_st(ccs_kbs_resource_path_split(bad_paths[i], r, t, g), CCS_ERR_FORMAT);
}

/* Every refused write leaves the file byte-for-byte the same in content, and
 * no message names the secret. */
static void test_refusals_change_nothing(void **state) {
    (void)state;
    char path[512];
    ccs_kbs_store *s = open_new(path, sizeof path, "refuse");
    check_st(ccs_kbs_resource_put(s, "default", "keys", "k1", ccs_bytes_str("s3cr3t-value"), NOW), CCS_OK);
    check_st(ccs_kbs_policy_set(s, CCS_KBS_POLICY_ATTESTATION, att_policy, NOW), CCS_OK);
    check_st(ccs_kbs_policy_set(s, CCS_KBS_POLICY_RESOURCE, res_policy, NOW), CCS_OK);
    check_st(ccs_kbs_refval_set(s, "sgx", "mrenclave", "[\"aa\"]", NOW), CCS_OK);
    ccs_kbs_session used = challenge(s, "sgx", NOW, 300);
    check_st(ccs_kbs_session_attest(s, &used, NOW, "ey.tok.sig"), CCS_OK);
    char *before = snapshot(path);
    ccs_kbs_session se = challenge(s, "sgx", NOW, 300); /* stores nothing */

    static const char secret[] = "TOP-SECRET-VALUE-do-not-log";
    check_st(ccs_kbs_resource_put(s, "..", "keys", "k1", ccs_bytes_str(secret), NOW), CCS_ERR_FORMAT);
    assert_null(strstr(ccs_error_detail(), secret));
    check_st(ccs_kbs_resource_put(s, "default", "a/b", "k1", ccs_bytes_str(secret), NOW), CCS_ERR_FORMAT);
    check_st(ccs_kbs_resource_put(s, "default", "keys", ".", ccs_bytes_str(secret), NOW), CCS_ERR_FORMAT);
    uint8_t *big = calloc(1, CCS_KBS_RESOURCE_MAX + 1);
    assert_non_null(big);
    check_st(ccs_kbs_resource_put(s, "default", "keys", "k1", ccs_bytes_of(big, CCS_KBS_RESOURCE_MAX + 1), NOW),
             CCS_ERR_FORMAT);
    free(big);
    check_st(ccs_kbs_resource_delete(s, "default", "keys", "nope"), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_policy_set(s, CCS_KBS_POLICY_ATTESTATION, "{\"version\":1,\"tees\":{\"sgx\":{\"x\":1}}}", NOW),
             CCS_ERR_FORMAT);
    assert_detail("tees.sgx.x: unknown key");
    check_st(ccs_kbs_policy_set(s, CCS_KBS_POLICY_RESOURCE, "{\"version\":2,\"rules\":[]}", NOW), CCS_ERR_FORMAT);
    check_st(ccs_kbs_policy_set(s, CCS_KBS_POLICY_RESOURCE, "not json", NOW), CCS_ERR_FORMAT);
    /* A resource policy is not an attestation policy. */
    check_st(ccs_kbs_policy_set(s, CCS_KBS_POLICY_ATTESTATION, res_policy, NOW), CCS_ERR_FORMAT);
    check_st(ccs_kbs_refval_set(s, "sgx", "mrenclave", "[]", NOW), CCS_ERR_FORMAT);
    check_st(ccs_kbs_refval_set(s, "sgx", "mrenclave", "[1]", NOW), CCS_ERR_FORMAT);
    check_st(ccs_kbs_refval_set(s, "sgx", "mrenclave", "{\"a\":1}", NOW), CCS_ERR_FORMAT);
    check_st(ccs_kbs_refval_set(s, "SGX", "mrenclave", "\"aa\"", NOW), CCS_ERR_FORMAT);
    check_st(ccs_kbs_refval_set(s, "sgx", "..", "\"aa\"", NOW), CCS_ERR_FORMAT);
    check_st(ccs_kbs_refval_delete(s, "sgx", "nope"), CCS_ERR_NOT_FOUND);
    /* Sessions: a used nonce, an expired challenge, a malformed one, a
     * missing or oversized token. */
    check_st(ccs_kbs_session_attest(s, &used, NOW, "ey.tok.sig"), CCS_KBS_NONCE_REUSED);
    check_st(ccs_kbs_session_burn(s, &used, NOW), CCS_KBS_NONCE_REUSED);
    check_st(ccs_kbs_session_attest(s, &se, NOW + 300, "t"), CCS_ERR_EXPIRED);
    check_st(ccs_kbs_session_burn(s, &se, NOW + 301), CCS_ERR_EXPIRED);
    check_st(ccs_kbs_session_attest(s, &se, NOW, NULL), CCS_ERR_INVALID_ARG);
    char *huge = calloc(1, CCS_KBS_SESSION_FIELD_MAX + 2);
    assert_non_null(huge);
    memset(huge, 'x', CCS_KBS_SESSION_FIELD_MAX + 1);
    check_st(ccs_kbs_session_attest(s, &se, NOW, huge), CCS_ERR_FORMAT);
    free(huge);
    ccs_kbs_session bad = se;
    memcpy(bad.id, "not-hex", 8);
    check_st(ccs_kbs_session_attest(s, &bad, NOW, "t"), CCS_ERR_FORMAT);
    bad = se;
    memcpy(bad.tee, "bad tee", 8);
    check_st(ccs_kbs_session_burn(s, &bad, NOW), CCS_ERR_FORMAT);
    check_st(ccs_kbs_session_delete(s, "00000000000000000000000000000000000000000000000000000000000000aa"),
             CCS_ERR_NOT_FOUND);

    char *after = snapshot(path);
    assert_string_equal(before, after);
    free(before);
    free(after);
    ccs_kbs_session_clear(&se);
    ccs_kbs_session_clear(&used);
    ccs_kbs_store_close(s);
}

static void test_policies_and_refvals(void **state) {
    (void)state;
    char path[512];
    ccs_kbs_store *s = open_new(path, sizeof path, "policy");
    char *text = NULL;
    check_st(ccs_kbs_policy_get(s, CCS_KBS_POLICY_ATTESTATION, &text), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_policy_set(s, CCS_KBS_POLICY_ATTESTATION, att_policy, NOW), CCS_OK);
    check_st(ccs_kbs_policy_get(s, CCS_KBS_POLICY_ATTESTATION, &text), CCS_OK);
    assert_string_equal(text, att_policy);
    free(text);
    check_st(ccs_kbs_policy_get(s, CCS_KBS_POLICY_RESOURCE, &text), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_policy_set(s, CCS_KBS_POLICY_RESOURCE, res_policy, NOW), CCS_OK);
    check_st(ccs_kbs_policy_get(s, CCS_KBS_POLICY_RESOURCE, &text), CCS_OK);
    assert_string_equal(text, res_policy);
    free(text);

    check_st(ccs_kbs_refval_get(s, "sgx", "mrenclave", &text), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_refval_set(s, "sgx", "mrenclave", " \"AbCd\" ", NOW), CCS_OK);
    check_st(ccs_kbs_refval_get(s, "sgx", "mrenclave", &text), CCS_OK);
    assert_string_equal(text, "[\"AbCd\"]");
    free(text);
    check_st(ccs_kbs_refval_set(s, "sgx", "mrenclave", "[\"aa\", \"bb\"]", NOW), CCS_OK);
    check_st(ccs_kbs_store_refval_lookup(s, "sgx.mrenclave", &text), CCS_OK);
    assert_string_equal(text, "[\"aa\",\"bb\"]");
    free(text);
    check_st(ccs_kbs_store_refval_lookup(s, "sgx.other", &text), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_store_refval_lookup(s, "nodot", &text), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_refval_delete(s, "sgx", "mrenclave"), CCS_OK);
    check_st(ccs_kbs_refval_get(s, "sgx", "mrenclave", &text), CCS_ERR_NOT_FOUND);
    ccs_kbs_store_close(s);
}

/* The policies and reference values are read through the store's cache: a
 * write through the same store is seen at once, a write by another process
 * (another store on the file) within STORE_CACHE_AGE_MS; a missing row is
 * remembered the same way. */
static void test_read_cache(void **state) {
    (void)state;
    char path[512];
    char *text = NULL;
    ccs_kbs_store *s = open_new(path, sizeof path, "rcache"), *other = NULL;
    check_st(ccs_kbs_store_open(path, &other), CCS_OK);
    static const char pol_b[] = "{\"version\":1,\"rules\":[{\"resources\":\"b/*/*\",\"allow\":{}}]}";
    check_st(ccs_kbs_policy_get(s, CCS_KBS_POLICY_RESOURCE, &text), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_refval_get(s, "sgx", "mrenclave", &text), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_policy_set(other, CCS_KBS_POLICY_RESOURCE, res_policy, NOW), CCS_OK);
    check_st(ccs_kbs_refval_set(other, "sgx", "mrenclave", "[\"aa\"]", NOW), CCS_OK);
    /* Not yet seen here... */
    check_st(ccs_kbs_policy_get(s, CCS_KBS_POLICY_RESOURCE, &text), CCS_ERR_NOT_FOUND);
    assert_detail("KBS store: no resource policy is set");
    check_st(ccs_kbs_refval_get(s, "sgx", "mrenclave", &text), CCS_ERR_NOT_FOUND);
    assert_detail("no reference value set sgx.mrenclave");
    /* ...but within the cache's age. */
    usleep((STORE_CACHE_AGE_MS + 100) * 1000);
    check_st(ccs_kbs_policy_get(s, CCS_KBS_POLICY_RESOURCE, &text), CCS_OK);
    assert_string_equal(text, res_policy);
    free(text);
    check_st(ccs_kbs_refval_get(s, "sgx", "mrenclave", &text), CCS_OK);
    assert_string_equal(text, "[\"aa\"]");
    free(text);
    /* Its own writes at once: set, replace, delete. */
    check_st(ccs_kbs_policy_set(s, CCS_KBS_POLICY_RESOURCE, pol_b, NOW), CCS_OK);
    check_st(ccs_kbs_policy_get(s, CCS_KBS_POLICY_RESOURCE, &text), CCS_OK);
    assert_string_equal(text, pol_b);
    free(text);
    check_st(ccs_kbs_refval_set(s, "sgx", "mrenclave", "[\"bb\"]", NOW), CCS_OK);
    check_st(ccs_kbs_store_refval_lookup(s, "sgx.mrenclave", &text), CCS_OK);
    assert_string_equal(text, "[\"bb\"]");
    free(text);
    check_st(ccs_kbs_refval_delete(s, "sgx", "mrenclave"), CCS_OK);
    check_st(ccs_kbs_refval_get(s, "sgx", "mrenclave", &text), CCS_ERR_NOT_FOUND);
    /* More sets than the cache holds: each still read right. */
    char name[32], want[32];
    for (int i = 0; i < 2 * STORE_CACHE_ENTRIES + 3; i++) {
        snprintf(name, sizeof name, "m%d", i);
        snprintf(want, sizeof want, "[\"%02x\"]", i);
        check_st(ccs_kbs_refval_set(s, "tdx", name, want, NOW), CCS_OK);
    }
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 2 * STORE_CACHE_ENTRIES + 3; i++) {
            snprintf(name, sizeof name, "m%d", i);
            snprintf(want, sizeof want, "[\"%02x\"]", i);
            check_st(ccs_kbs_refval_get(s, "tdx", name, &text), CCS_OK);
            assert_string_equal(text, want);
            free(text);
        }
    ccs_kbs_store_close(other);
    ccs_kbs_store_close(s);
}

static void test_session_lifecycle(void **state) {
    (void)state;
    char path[512];
    ccs_kbs_store *s = open_new(path, sizeof path, "session");
    ccs_kbs_session got = {0};
    ccs_kbs_session se = challenge(s, "tdx", NOW, 300), other = challenge(s, "tdx", NOW, 300);
    assert_int_equal(strlen(se.id), CCS_KBS_SESSION_ID_LEN);
    assert_int_equal(strlen(se.nonce), 44);
    assert_string_not_equal(se.id, other.id);
    assert_string_not_equal(se.nonce, other.nonce);
    /* A challenge is not stored until its nonce is used. */
    check_st(ccs_kbs_session_get(s, se.id, NOW, &got), CCS_ERR_NOT_FOUND);
    /* A refused attestation uses the nonce up, without a token. */
    check_st(ccs_kbs_session_burn(s, &other, NOW + 1), CCS_OK);
    check_st(ccs_kbs_session_get(s, other.id, NOW + 1, &got), CCS_OK);
    assert_true(got.nonce_used);
    assert_int_equal(got.state, CCS_KBS_SESSION_CHALLENGED);
    assert_null(got.token);
    assert_string_equal(got.nonce, other.nonce);
    ccs_kbs_session_clear(&got);
    check_st(ccs_kbs_session_attest(s, &other, NOW + 2, "ey.late.sig"), CCS_KBS_NONCE_REUSED);
    assert_detail("the session's nonce was already used");
    /* A passing one stores the token with the used nonce, once. */
    check_st(ccs_kbs_session_attest(s, &se, NOW + 2, "ey.tok.sig"), CCS_OK);
    check_st(ccs_kbs_session_attest(s, &se, NOW + 3, "ey.other.sig"), CCS_KBS_NONCE_REUSED);
    check_st(ccs_kbs_session_burn(s, &se, NOW + 3), CCS_KBS_NONCE_REUSED);
    check_st(ccs_kbs_session_get(s, se.id, NOW + 3, &got), CCS_OK);
    assert_int_equal(got.state, CCS_KBS_SESSION_ATTESTED);
    assert_true(got.nonce_used);
    assert_string_equal(got.tee, "tdx");
    assert_string_equal(got.nonce, se.nonce);
    assert_string_equal(got.token, "ey.tok.sig");
    assert_int_equal(got.created, NOW + 2);
    assert_int_equal(got.expires, NOW + 300);
    ccs_kbs_session_clear(&got);
    /* A restart keeps it, used nonce included, and the challenge key. */
    uint8_t key[CCS_KBS_CHALLENGE_KEY_LEN];
    memcpy(key, ccs_kbs_store_challenge_key(s), sizeof key);
    ccs_kbs_store_close(s);
    check_st(ccs_kbs_store_open(path, &s), CCS_OK);
    assert_memory_equal(ccs_kbs_store_challenge_key(s), key, sizeof key);
    check_st(ccs_kbs_session_attest(s, &se, NOW + 4, "ey.tok.sig"), CCS_KBS_NONCE_REUSED);
    check_st(ccs_kbs_session_get(s, se.id, NOW + 4, &got), CCS_OK);
    assert_string_equal(got.token, "ey.tok.sig");
    ccs_kbs_session_clear(&got);
    check_st(ccs_kbs_session_delete(s, se.id), CCS_OK);
    check_st(ccs_kbs_session_get(s, se.id, NOW, &got), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_session_get(s, "ABCDEF", NOW, &got), CCS_ERR_FORMAT);
    ccs_kbs_session_clear(&se);
    ccs_kbs_session_clear(&other);
    ccs_kbs_store_close(s);
    /* Another store has another key. */
    ccs_kbs_store *s2 = open_new(path, sizeof path, "session2");
    assert_memory_not_equal(ccs_kbs_store_challenge_key(s2), key, sizeof key);
    ccs_kbs_store_close(s2);
}

static void test_session_expiry(void **state) {
    (void)state;
    char path[512];
    ccs_kbs_store *s = open_new(path, sizeof path, "expiry");
    ccs_kbs_session a = {0}, b = {0}, got = {0};
    size_t removed = 99;
    a = challenge(s, "snp", NOW, 10);
    b = challenge(s, "snp", NOW, 100);
    ccs_kbs_session c = challenge(s, "snp", NOW, 10);
    check_st(ccs_kbs_session_attest(s, &a, NOW, "ey.a.sig"), CCS_OK);
    check_st(ccs_kbs_session_attest(s, &b, NOW, "ey.b.sig"), CCS_OK);
    check_st(ccs_kbs_session_get(s, a.id, NOW + 9, &got), CCS_OK);
    ccs_kbs_session_clear(&got);
    check_st(ccs_kbs_session_get(s, a.id, NOW + 10, &got), CCS_ERR_EXPIRED);
    check_st(ccs_kbs_session_attest(s, &c, NOW + 10, "ey.c.sig"), CCS_ERR_EXPIRED);
    ccs_kbs_session_clear(&c);
    check_st(ccs_kbs_session_purge_expired(s, NOW + 5, 0, &removed), CCS_OK);
    assert_int_equal(removed, 0);
    check_st(ccs_kbs_session_purge_expired(s, NOW + 10, 0, &removed), CCS_OK);
    assert_int_equal(removed, 1);
    check_st(ccs_kbs_session_get(s, a.id, NOW, &got), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_session_get(s, b.id, NOW + 10, &got), CCS_OK);
    ccs_kbs_session_clear(&got);
    check_st(ccs_kbs_session_purge_expired(s, NOW + 1000, 0, NULL), CCS_OK);
    check_st(ccs_kbs_session_get(s, b.id, NOW, &got), CCS_ERR_NOT_FOUND);
    ccs_kbs_session_clear(&a);
    ccs_kbs_session_clear(&b);
    ccs_kbs_store_close(s);
}

/* The server purges in batches: at most max rows a call, the earliest to
 * expire first, and a session that has not expired is never taken. */
static void test_session_purge_batches(void **state) {
    (void)state;
    char path[512];
    ccs_kbs_store *s = open_new(path, sizeof path, "purgeb");
    ccs_kbs_session se[6], got = {0};
    const int64_t ttl[6] = {30, 10, 20, 50, 40, 1000}; /* expires NOW + ttl */
    for (int i = 0; i < 6; i++) {
        se[i] = challenge(s, "sgx", NOW, ttl[i]);
        check_st(ccs_kbs_session_attest(s, &se[i], NOW, "ey.p.sig"), CCS_OK);
    }
    size_t removed = 99;
    check_st(ccs_kbs_session_purge_expired(s, NOW + 60, 2, &removed), CCS_OK);
    assert_int_equal(removed, 2);
    check_st(ccs_kbs_session_get(s, se[1].id, NOW, &got), CCS_ERR_NOT_FOUND); /* +10 */
    check_st(ccs_kbs_session_get(s, se[2].id, NOW, &got), CCS_ERR_NOT_FOUND); /* +20 */
    check_st(ccs_kbs_session_get(s, se[0].id, NOW, &got), CCS_OK);           /* +30: the next batch */
    ccs_kbs_session_clear(&got);
    check_st(ccs_kbs_session_purge_expired(s, NOW + 60, 2, &removed), CCS_OK);
    assert_int_equal(removed, 2);
    check_st(ccs_kbs_session_purge_expired(s, NOW + 60, 2, &removed), CCS_OK);
    assert_int_equal(removed, 1);
    check_st(ccs_kbs_session_purge_expired(s, NOW + 60, 2, &removed), CCS_OK);
    assert_int_equal(removed, 0);
    check_st(ccs_kbs_session_get(s, se[5].id, NOW + 60, &got), CCS_OK); /* not expired */
    ccs_kbs_session_clear(&got);
    for (int i = 0; i < 6; i++) ccs_kbs_session_clear(&se[i]);
    ccs_kbs_store_close(s);
}

/* ---- threads ---- */

#define THREADS 4
#define PER_THREAD 40

typedef struct worker {
    ccs_kbs_store *s;
    int n;
    const ccs_kbs_session *shared; /* every thread races to consume its nonce */
    int failures, consumed;
} worker;

static void *work(void *arg) {
    worker *w = arg;
    char tag[32], val[64];
    ccs_status st = ccs_kbs_session_burn(w->s, w->shared, NOW);
    if (st == CCS_OK)
        w->consumed++;
    else if (st != CCS_KBS_NONCE_REUSED)
        w->failures++;
    for (int i = 0; i < PER_THREAD; i++) {
        snprintf(tag, sizeof tag, "t%d-%d", w->n, i);
        snprintf(val, sizeof val, "value-%d-%d", w->n, i);
        ccs_buf got = {0};
        ccs_kbs_session se = {0};
        char cookie[CCS_KBS_COOKIE_MAX + 1];
        if (ccs_kbs_resource_put(w->s, "threads", "keys", tag, ccs_bytes_str(val), NOW) != CCS_OK) w->failures++;
        if (ccs_kbs_resource_get(w->s, "threads", "keys", tag, &got) != CCS_OK || got.len != strlen(val) ||
            memcmp(got.ptr, val, got.len) != 0)
            w->failures++;
        ccs_buf_free(&got);
        if (ccs_kbs_challenge_issue(ccs_kbs_store_challenge_key(w->s), "sgx", NOW, 60, &se, cookie) != CCS_OK ||
            ccs_kbs_session_attest(w->s, &se, NOW, "ey.thread.sig") != CCS_OK)
            w->failures++;
        ccs_kbs_session_clear(&se);
    }
    return NULL;
}

static void test_threads(void **state) {
    (void)state;
    char path[512];
    ccs_kbs_store *s = open_new(path, sizeof path, "threads");
    ccs_kbs_session shared = challenge(s, "sgx", NOW, 60);
    pthread_t th[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){s, i, &shared, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    int consumed = 0;
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
        consumed += w[i].consumed;
    }
    assert_int_equal(consumed, 1); /* the nonce is single-use under contention */
    ccs_kbs_strlist l = {0};
    check_st(ccs_kbs_resource_list(s, "threads", &l), CCS_OK);
    assert_int_equal(l.n, THREADS * PER_THREAD);
    ccs_kbs_strlist_free(&l);
    ccs_kbs_session_clear(&shared);
    ccs_kbs_store_close(s);
}

/* ---- SIGKILL in the middle of writes ---- */

static void crash_value(int i, char *out, size_t cap) {
    size_t n = 0;
    /* A few KiB per value, so a kill often lands inside a write. */
    for (int r = 0; n + 32 < cap && r < 100; r++) n += (size_t)snprintf(out + n, cap - n, "v%d-%d;", i, r);
}

/* The child: writes until killed, acknowledging each commit on fd. */
static void crash_child(const char *path, int fd) {
    ccs_kbs_store *s = NULL;
    char tag[32], val[4096], line[400];
    if (ccs_kbs_store_open(path, &s) != CCS_OK) _exit(3);
    store_checkpoint_limits(s->ckpt, 8, 64); /* kills land in background checkpoints too */
    for (int i = 0;; i++) {
        snprintf(tag, sizeof tag, "k%d", i);
        crash_value(i, val, sizeof val);
        if (ccs_kbs_resource_put(s, "crash", "keys", tag, ccs_bytes_str(val), NOW) != CCS_OK) _exit(4);
        int n = snprintf(line, sizeof line, "R %d\n", i);
        if (write(fd, line, (size_t)n) != n) _exit(5);
        ccs_kbs_session se = {0};
        char cookie[CCS_KBS_COOKIE_MAX + 1];
        if (ccs_kbs_challenge_issue(ccs_kbs_store_challenge_key(s), "sgx", NOW, 1000000, &se, cookie) != CCS_OK ||
            ccs_kbs_session_attest(s, &se, NOW, "ey.crash.sig") != CCS_OK)
            _exit(6);
        n = snprintf(line, sizeof line, "S %s %s %s\n", se.id, se.nonce, cookie);
        ccs_kbs_session_clear(&se);
        if (write(fd, line, (size_t)n) != n) _exit(7);
    }
}

static void crash_round(const char *path, unsigned seed) {
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        crash_child(path, p[1]);
        _exit(0);
    }
    close(p[1]);
    FILE *in = fdopen(p[0], "r");
    assert_non_null(in);
    unsigned target = 10 + seed % 400, lines = 0;
    char line[512];
    int *acked = NULL;
    size_t nacked = 0, nsessions = 0;
    char (*sessions)[400] = NULL;
    bool killed = false;
    while (fgets(line, sizeof line, in) != NULL) {
        if (strchr(line, '\n') == NULL) break; /* a torn line is not an acknowledgement */
        if (line[0] == 'R') {
            acked = realloc(acked, (nacked + 1) * sizeof *acked);
            assert_non_null(acked);
            acked[nacked++] = atoi(line + 2);
        } else {
            sessions = realloc(sessions, (nsessions + 1) * sizeof *sessions);
            assert_non_null(sessions);
            size_t n = strlen(line + 2);
            assert_true(n < sizeof sessions[0]);
            memcpy(sessions[nsessions++], line + 2, n + 1);
        }
        if (!killed && ++lines >= target) {
            assert_int_equal(kill(pid, SIGKILL), 0);
            killed = true; /* keep reading: lines already in the pipe were acknowledged too */
        }
    }
    fclose(in);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) fail_msg("child status %d", status);

    ccs_kbs_store *s = NULL;
    char val[4096], tag[32];
    check_st(ccs_kbs_store_open(path, &s), CCS_OK);
    for (size_t i = 0; i < nacked; i++) {
        ccs_buf got = {0};
        snprintf(tag, sizeof tag, "k%d", acked[i]);
        crash_value(acked[i], val, sizeof val);
        check_st(ccs_kbs_resource_get(s, "crash", "keys", tag, &got), CCS_OK);
        assert_int_equal(got.len, strlen(val));
        assert_memory_equal(got.ptr, val, got.len);
        ccs_buf_free(&got);
    }
    for (size_t i = 0; i < nsessions; i++) {
        char id[80], nonce[80], cookie[200];
        ccs_kbs_session se = {0}, ch = {0};
        assert_int_equal(sscanf(sessions[i], "%79s %79s %199s", id, nonce, cookie), 3);
        check_st(ccs_kbs_session_get(s, id, NOW, &se), CCS_OK);
        assert_string_equal(se.nonce, nonce);
        assert_int_equal(se.state, CCS_KBS_SESSION_ATTESTED);
        assert_string_equal(se.token, "ey.crash.sig");
        ccs_kbs_session_clear(&se);
        /* The challenge key survived too: the cookie still opens. */
        check_st(ccs_kbs_challenge_open(ccs_kbs_store_challenge_key(s), cookie, NOW, &ch), CCS_OK);
        assert_string_equal(ch.id, id);
        assert_string_equal(ch.nonce, nonce);
    }
    ccs_kbs_store_close(s);
    /* And the file is consistent. */
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
    print_message("crash round (seed %u): %zu resources and %zu sessions acknowledged, all present\n", seed,
                  nacked, nsessions);
    free(acked);
    free(sessions);
}

/* ccs_kbs_session_attest: the nonce used and the token stored in one write;
 * refusals change nothing; under contention one caller wins. */
typedef struct attest_racer {
    ccs_kbs_store *s;
    const ccs_kbs_session *se;
    int won, refused, other;
} attest_racer;

static void *race_attest(void *arg) {
    attest_racer *a = arg;
    ccs_status st = ccs_kbs_session_attest(a->s, a->se, NOW, "ey.race.sig");
    if (st == CCS_OK) a->won++;
    else if (st == CCS_KBS_NONCE_REUSED) a->refused++;
    else a->other++;
    return NULL;
}

static void test_session_attest(void **state) {
    (void)state;
    char path[512];
    ccs_kbs_store *s = open_new(path, sizeof path, "sattest");
    ccs_kbs_session se = challenge(s, "sgx", NOW, 300), other = challenge(s, "sgx", NOW, 300), got = {0};
    check_st(ccs_kbs_session_attest(s, &se, NOW + 300, "t"), CCS_ERR_EXPIRED);
    check_st(ccs_kbs_session_attest(s, &se, NOW, NULL), CCS_ERR_INVALID_ARG);
    check_st(ccs_kbs_session_attest(s, NULL, NOW, "t"), CCS_ERR_INVALID_ARG);
    check_st(ccs_kbs_session_get(s, se.id, NOW, &got), CCS_ERR_NOT_FOUND); /* the refusals stored nothing */
    check_st(ccs_kbs_session_attest(s, &se, NOW + 1, "ey.tok.sig"), CCS_OK);
    check_st(ccs_kbs_session_attest(s, &se, NOW + 2, "ey.other.sig"), CCS_KBS_NONCE_REUSED);
    ccs_kbs_store_close(s); /* a restart keeps it */
    check_st(ccs_kbs_store_open(path, &s), CCS_OK);
    check_st(ccs_kbs_session_get(s, se.id, NOW + 3, &got), CCS_OK);
    assert_true(got.nonce_used);
    assert_int_equal(got.state, CCS_KBS_SESSION_ATTESTED);
    assert_string_equal(got.token, "ey.tok.sig");
    ccs_kbs_session_clear(&got);
    check_st(ccs_kbs_session_attest(s, &se, NOW + 3, "ey.third.sig"), CCS_KBS_NONCE_REUSED);
    /* A used nonce (a refused attestation) cannot attest. */
    check_st(ccs_kbs_session_burn(s, &other, NOW), CCS_OK);
    check_st(ccs_kbs_session_attest(s, &other, NOW, "t"), CCS_KBS_NONCE_REUSED);
    /* Threads racing with one challenge: one token. */
    ccs_kbs_session shared = challenge(s, "sgx", NOW, 300);
    pthread_t th[THREADS];
    attest_racer ar[THREADS];
    int won = 0;
    for (int i = 0; i < THREADS; i++) {
        ar[i] = (attest_racer){s, &shared, 0, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, race_attest, &ar[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(ar[i].other, 0);
        won += ar[i].won;
    }
    assert_int_equal(won, 1);
    ccs_kbs_session_clear(&shared);
    ccs_kbs_session_clear(&se);
    ccs_kbs_session_clear(&other);
    ccs_kbs_store_close(s);
}

/* ccs_kbs_session_store_rows: a group commit. Each row gets what _attest or
 * _burn alone would give; the first of two rows with one id wins; a failed
 * transaction stores nothing. */
static void test_session_store_rows(void **state) {
    (void)state;
    char path[512];
    ccs_kbs_store *s = open_new(path, sizeof path, "srows");
    ccs_kbs_session a = challenge(s, "sgx", NOW, 300), b = challenge(s, "tdx", NOW, 300),
                    c = challenge(s, "sgx", NOW - 400, 300), used = challenge(s, "sgx", NOW, 300),
                    g = challenge(s, "snp", NOW, 300), bad = challenge(s, "sgx", NOW, 300);
    bad.id[3] = 'X';
    check_st(ccs_kbs_session_attest(s, &used, NOW, "ey.used.sig"), CCS_OK);
    char huge[CCS_KBS_SESSION_FIELD_MAX + 2];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    ccs_kbs_session_row rows[] = {
        {&a, "ey.a.sig", 0},  {&b, NULL, 0},     {&a, "ey.a2.sig", 0}, {&c, "ey.c.sig", 0},
        {&bad, "ey.d.sig", 0}, {&g, huge, 0},     {&used, "ey.u.sig", 0}, {&g, "ey.g.sig", 0},
    };
    check_st(ccs_kbs_session_store_rows(s, rows, sizeof rows / sizeof rows[0], NOW + 1), CCS_OK);
    const ccs_status want[] = {CCS_OK, CCS_OK, CCS_KBS_NONCE_REUSED, CCS_ERR_EXPIRED,
                               CCS_ERR_FORMAT, CCS_ERR_FORMAT, CCS_KBS_NONCE_REUSED, CCS_OK};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) check_st(rows[i].st, want[i]);
    ccs_kbs_session got = {0};
    check_st(ccs_kbs_session_get(s, a.id, NOW + 2, &got), CCS_OK);
    assert_int_equal(got.state, CCS_KBS_SESSION_ATTESTED);
    assert_string_equal(got.token, "ey.a.sig"); /* the first row of the id */
    ccs_kbs_session_clear(&got);
    check_st(ccs_kbs_session_get(s, b.id, NOW + 2, &got), CCS_OK);
    assert_int_equal(got.state, CCS_KBS_SESSION_CHALLENGED);
    assert_true(got.nonce_used);
    assert_null(got.token);
    ccs_kbs_session_clear(&got);
    check_st(ccs_kbs_session_get(s, g.id, NOW + 2, &got), CCS_OK);
    assert_string_equal(got.token, "ey.g.sig");
    ccs_kbs_session_clear(&got);
    check_st(ccs_kbs_session_get(s, used.id, NOW + 2, &got), CCS_OK);
    assert_string_equal(got.token, "ey.used.sig"); /* unchanged */
    ccs_kbs_session_clear(&got);
    check_st(ccs_kbs_session_get(s, c.id, NOW - 200, &got), CCS_ERR_NOT_FOUND);
    check_st(ccs_kbs_session_store_rows(s, NULL, 0, NOW), CCS_OK);
    check_st(ccs_kbs_session_store_rows(NULL, rows, 1, NOW), CCS_ERR_INVALID_ARG);
    /* Another writer holds the database past the busy timeout: the whole
     * batch fails and nothing is stored. */
    ccs_kbs_session h = challenge(s, "sgx", NOW, 300), k = challenge(s, "sgx", NOW, 300);
    ccs_kbs_session_row two[] = {{&h, "ey.h.sig", 0}, {&k, NULL, 0}};
    char *before = snapshot(path);
    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open_v2(path, &other, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    check_st(ccs_kbs_session_store_rows(s, two, 2, NOW), CCS_ERR_IO);
    assert_non_null(strstr(ccs_error_detail(), "KBS store: BEGIN IMMEDIATE: database is locked"));
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    char *after = snapshot(path);
    assert_string_equal(before, after);
    free(before);
    free(after);
    check_st(ccs_kbs_session_store_rows(s, two, 2, NOW), CCS_OK); /* and works once the lock is gone */
    check_st(two[0].st, CCS_OK);
    check_st(two[1].st, CCS_OK);
    ccs_kbs_session *all[] = {&a, &b, &c, &used, &g, &bad, &h, &k};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ccs_kbs_session_clear(all[i]);
    ccs_kbs_store_close(s);
}

/* ---- checkpoints on their own thread ---- */

static bool thread_named(const char *name) {
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    bool found = false;
    for (struct dirent *e; !found && (e = readdir(d)) != NULL;) {
        char p[300], comm[64];
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(p, "r");
        if (f == NULL) continue; /* gone meanwhile */
        found = fgets(comm, sizeof comm, f) != NULL && strncmp(comm, name, strlen(name)) == 0;
        fclose(f);
    }
    closedir(d);
    return found;
}

/* WAL frames in the log and how many of them are in the database file. */
static void wal_state(const char *path, int *log, int *copied) {
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    /* a connection opens the log with its first read */
    assert_int_equal(sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, log, copied), SQLITE_OK);
    sqlite3_close(db);
}

static void put_many(ccs_kbs_store *s, int from, int to) {
    char tag[32], val[4096];
    for (int i = from; i < to; i++) {
        snprintf(tag, sizeof tag, "k%d", i);
        crash_value(i, val, sizeof val);
        check_st(ccs_kbs_resource_put(s, "ckpt", "keys", tag, ccs_bytes_str(val), NOW), CCS_OK);
    }
}

/* A checkpoint that starts after the last commit, and its end: no
 * checkpoint is running when this returns. */
static void checkpoint_now(ccs_kbs_store *s) {
    store_checkpoint_request(s->ckpt);
    assert_true(store_checkpoint_settle(s->ckpt));
}

/* A commit past the mark wakes the checkpoint thread instead of copying
 * the log itself; a checkpoint after the last commit leaves every frame in
 * the database file and the next commit rewinds the log, past the hard
 * mark too; everything written reads back after a reopen. */
static void test_checkpoint_thread(void **state) {
    (void)state;
    char path[512], val[4096];
    ccs_kbs_store *s = open_new(path, sizeof path, "ckpt");
    store_checkpoint_limits(s->ckpt, 8, INT_MAX);
    assert_int_equal(store_checkpoint_runs(s->ckpt), 0);
    put_many(s, 0, 200);
    assert_true(store_checkpoint_settle(s->ckpt));
    assert_true(store_checkpoint_runs(s->ckpt) >= 1);
    assert_true(thread_named("ccs-kbs-ckpt"));
    checkpoint_now(s);
    int log = -1, copied = -1;
    wal_state(path, &log, &copied);
    assert_true(log > 0);
    assert_int_equal(copied, log);
    int before = log;
    check_st(ccs_kbs_resource_put(s, "ckpt", "keys", "after", ccs_bytes_str("v"), NOW), CCS_OK);
    wal_state(path, &log, &copied);
    assert_true(log > 0 && log < before); /* written again from the start */
    /* No commit wakes the thread now; 100 more leave well over 64 pages. */
    store_checkpoint_limits(s->ckpt, INT_MAX, 64);
    put_many(s, 200, 300);
    checkpoint_now(s); /* PASSIVE, then RESTART: the log is past 64 pages */
    wal_state(path, &log, &copied);
    assert_true(log >= 64);
    assert_int_equal(copied, log);
    before = log;
    check_st(ccs_kbs_resource_put(s, "ckpt", "keys", "after", ccs_bytes_str("w"), NOW), CCS_OK);
    wal_state(path, &log, &copied);
    assert_true(log > 0 && log < before);
    ccs_kbs_store_close(s);
    assert_false(thread_named("ccs-kbs-ckpt"));
    check_st(ccs_kbs_store_open(path, &s), CCS_OK);
    ccs_kbs_strlist l = {0};
    check_st(ccs_kbs_resource_list(s, "ckpt", &l), CCS_OK);
    assert_int_equal(l.n, 301);
    ccs_kbs_strlist_free(&l);
    ccs_buf got = {0};
    check_st(ccs_kbs_resource_get(s, "ckpt", "keys", "k299", &got), CCS_OK);
    crash_value(299, val, sizeof val);
    assert_int_equal(got.len, strlen(val));
    assert_memory_equal(got.ptr, val, strlen(val));
    ccs_buf_free(&got);
    ccs_kbs_store_close(s);
}

static void test_crash_sigkill(void **state) {
    (void)state;
    char path[512];
    db_path(path, sizeof path, "crash");
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    /* Each round continues in the same file: earlier rounds' data must stay too. */
    for (int round = 0; round < 4; round++) crash_round(path, seed + (unsigned)round * 7919u);
}

int ccs_test_store(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_schema),
        cmocka_unit_test(test_schema_migration),
        cmocka_unit_test(test_resource_crud),
        cmocka_unit_test(test_path_components),
        cmocka_unit_test(test_refusals_change_nothing),
        cmocka_unit_test(test_policies_and_refvals),
        cmocka_unit_test(test_read_cache),
        cmocka_unit_test(test_session_lifecycle),
        cmocka_unit_test(test_session_expiry),
        cmocka_unit_test(test_session_purge_batches),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_session_attest),
        cmocka_unit_test(test_session_store_rows),
        cmocka_unit_test(test_checkpoint_thread),
        cmocka_unit_test(test_crash_sigkill),
    };
    return cmocka_run_group_tests_name("kbs_store", tests, NULL, NULL);
}
