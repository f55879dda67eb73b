/*
 * KBS store: resources (repository/type/tag -> secret value). Values are
 * secrets: they are bound with SQLITE_STATIC (SQLite makes no copy of its
 * own beyond its page cache), never formatted into messages, and the buffers
 * that carried them are wiped (ccs_buf_free wipes).
 */
#include <stdlib.h>
#include <string.h>

#include "store_db.h"

static ccs_status path_check(const char *repo, const char *type, const char *tag) {
    CCS_ENSURE(ccs_kbs_component_valid(repo) && ccs_kbs_component_valid(type) && ccs_kbs_component_valid(tag),
               CCS_ERR_FORMAT,
               "resource path: each of repository, type and tag must be [A-Za-z0-9._-]{1,%d}, not \".\" and "
               "without \"..\"",
               CCS_KBS_COMPONENT_MAX);
    return CCS_OK;
}

ccs_status ccs_kbs_resource_path_split(const char *path, char repo[static CCS_KBS_COMPONENT_MAX + 1],
                                       char type[static CCS_KBS_COMPONENT_MAX + 1],
                                       char tag[static CCS_KBS_COMPONENT_MAX + 1]) {
    char *dst[3] = {repo, type, tag};
    CCS_ENSURE(path != NULL, CCS_ERR_INVALID_ARG, "NULL argument");
    const char *p = path;
    for (int i = 0; i < 3; i++) {
        size_t n = strcspn(p, "/");
        CCS_ENSURE(n > 0 && n <= CCS_KBS_COMPONENT_MAX, CCS_ERR_FORMAT,
                   "resource path: expected repository/type/tag");
        memcpy(dst[i], p, n);
        dst[i][n] = '\0';
        p += n;
        if (i < 2) {
            CCS_ENSURE(*p == '/', CCS_ERR_FORMAT, "resource path: expected repository/type/tag");
            p++;
        }
    }
    CCS_ENSURE(*p == '\0', CCS_ERR_FORMAT, "resource path: expected repository/type/tag");
    return path_check(repo, type, tag);
}

static ccs_status bind_path(store_conn *db, sqlite3_stmt *st, const char *repo, const char *type, const char *tag) {
    CCS_TRY(store_bind_text(db, st, 1, repo));
    CCS_TRY(store_bind_text(db, st, 2, type));
    return store_bind_text(db, st, 3, tag);
}

/* An UPSERT keeps the creation time of a replaced value. */
static ccs_status resource_write(store_conn *db, const char *repo, const char *type, const char *tag, ccs_bytes value,
                                 ccs_time now) {
    sqlite3_stmt *st = NULL;
    CCS_TRY(store_prepare(db,
                          "INSERT INTO resources (repository, type, tag, value, created, updated)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
                          " ON CONFLICT (repository, type, tag) DO UPDATE SET value = excluded.value,"
                          " updated = excluded.updated",
                          &st));
    ccs_status r = bind_path(db, st, repo, type, tag);
    /* A non-NULL pointer keeps an empty value a zero-length BLOB, not NULL. */
    const void *ptr = value.ptr ? (const void *)value.ptr : (const void *)"";
    if (r == CCS_OK && sqlite3_bind_blob(st, 4, ptr, (int)value.len, SQLITE_STATIC) != SQLITE_OK)
        r = store_fail(db, "binding a resource");
    if (r == CCS_OK) r = store_bind_i64(db, st, 5, now);
    if (r == CCS_OK) r = store_step_done(db, st, "writing a resource", NULL);
    store_release(db, st);
    return r;
}

ccs_status ccs_kbs_resource_put(ccs_kbs_store *s, const char *repo, const char *type, const char *tag,
                                ccs_bytes value, ccs_time now) {
    CCS_ENSURE(s != NULL && (value.ptr != NULL || value.len == 0), CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_TRY(path_check(repo, type, tag));
    CCS_ENSURE(value.len <= CCS_KBS_RESOURCE_MAX, CCS_ERR_FORMAT, "resource %s/%s/%s: larger than %u bytes", repo,
               type, tag, CCS_KBS_RESOURCE_MAX);
    store_lock(s);
    ccs_status st = store_begin(s->db);
    if (st == CCS_OK) st = store_finish(s->db, resource_write(s->db, repo, type, tag, value, now));
    store_unlock(s);
    return st;
}

ccs_status ccs_kbs_resource_get(ccs_kbs_store *s, const char *repo, const char *type, const char *tag,
                                ccs_buf *out) {
    CCS_ENSURE(s != NULL && out != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_TRY(path_check(repo, type, tag));
    store_lock(s);
    sqlite3_stmt *st = NULL;
    ccs_status r =
        store_prepare(store_reader(s), "SELECT value FROM resources WHERE repository = ?1 AND type = ?2 AND tag = ?3", &st);
    if (r == CCS_OK) r = bind_path(store_reader(s), st, repo, type, tag);
    if (r == CCS_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const void *blob = sqlite3_column_blob(st, 0);
            int n = sqlite3_column_bytes(st, 0);
            if (n < 0 || (n > 0 && blob == NULL))
                r = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
            else if (n > 0)
                r = ccs_buf_append(out, blob, (size_t)n);
        } else if (rc == SQLITE_DONE) {
            r = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "no resource %s/%s/%s", repo, type, tag);
        } else {
            r = store_fail(store_reader(s), "reading a resource");
        }
    }
    /* Finalizing resets the statement; the page cache is SQLite's. */
    store_release(store_reader(s), st);
    store_unlock(s);
    return r;
}

static ccs_status resource_remove(store_conn *db, const char *repo, const char *type, const char *tag) {
    sqlite3_stmt *st = NULL;
    int changes = 0;
    CCS_TRY(store_prepare(db, "DELETE FROM resources WHERE repository = ?1 AND type = ?2 AND tag = ?3", &st));
    ccs_status r = bind_path(db, st, repo, type, tag);
    if (r == CCS_OK) r = store_step_done(db, st, "deleting a resource", &changes);
    store_release(db, st);
    if (r == CCS_OK && changes == 0)
        r = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "no resource %s/%s/%s", repo, type, tag);
    return r;
}

ccs_status ccs_kbs_resource_delete(ccs_kbs_store *s, const char *repo, const char *type, const char *tag) {
    CCS_ENSURE(s != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_TRY(path_check(repo, type, tag));
    store_lock(s);
    ccs_status st = store_begin(s->db);
    if (st == CCS_OK) st = store_finish(s->db, resource_remove(s->db, repo, type, tag));
    store_unlock(s);
    return st;
}

static ccs_status list_push(ccs_kbs_strlist *l, sqlite3_stmt *st) {
    ccs_buf path = {0};
    ccs_status r = CCS_OK;
    for (int i = 0; i < 3 && r == CCS_OK; i++) {
        const char *c = (const char *)sqlite3_column_text(st, i);
        if (c == NULL) r = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
        if (r == CCS_OK && i > 0) r = ccs_buf_append_str(&path, "/");
        if (r == CCS_OK) r = ccs_buf_append_str(&path, c);
    }
    if (r == CCS_OK) r = ccs_buf_append(&path, "", 1);
    char **v = r == CCS_OK ? realloc(l->v, (l->n + 1) * sizeof *v) : NULL;
    if (r == CCS_OK && v == NULL) r = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (r != CCS_OK) {
        ccs_buf_free(&path);
        return r;
    }
    l->v = v;
    l->v[l->n++] = (char *)path.ptr; /* ownership moves to the list */
    return CCS_OK;
}

ccs_status ccs_kbs_resource_list(ccs_kbs_store *s, const char *repo, ccs_kbs_strlist *out) {
    CCS_ENSURE(s != NULL && out != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_ENSURE(repo == NULL || ccs_kbs_component_valid(repo), CCS_ERR_FORMAT,
               "resource path: repository must be [A-Za-z0-9._-]{1,%d}", CCS_KBS_COMPONENT_MAX);
    ccs_kbs_strlist l = {0};
    store_lock(s);
    sqlite3_stmt *st = NULL;
    ccs_status r = store_prepare(s->db,
                                 "SELECT repository, type, tag FROM resources"
                                 " WHERE ?1 IS NULL OR repository = ?1 ORDER BY repository, type, tag",
                                 &st);
    if (r == CCS_OK) r = store_bind_text(s->db, st, 1, repo);
    int rc = SQLITE_DONE;
    while (r == CCS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) r = list_push(&l, st);
    if (r == CCS_OK && rc != SQLITE_DONE) r = store_fail(s->db, "listing resources");
    store_release(s->db, st);
    store_unlock(s);
    if (r != CCS_OK) {
        ccs_kbs_strlist_free(&l);
        return r;
    }
    *out = l;
    return CCS_OK;
}
