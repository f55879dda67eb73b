/*
 * KBS store: reference values, the sets that attestation policies name as
 * "<tee>.<name>" (docs/kbs.md "Storage"). A set is stored as a compact JSON
 * array of strings; policies resolve it when they are evaluated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store_db.h"

#define REFVAL_MAX_ITEMS 4096
#define REFVAL_ITEM_MAX 1024

/* Checks values_json and returns it as a compact array (caller frees). */
static ccs_status refval_normalise(const char *values_json, char **out) {
    json_error_t jerr;
    json_t *v = json_loads(values_json, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    CCS_ENSURE(v != NULL, CCS_ERR_FORMAT, "reference values: not JSON: %s (line %d)", jerr.text, jerr.line);
    json_t *arr = json_is_string(v) ? json_pack("[O]", v) : json_incref(v);
    json_decref(v);
    ccs_status st = CCS_OK;
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > REFVAL_MAX_ITEMS)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE,
                           "reference values: expected a string or an array of 1 to %d strings", REFVAL_MAX_ITEMS);
    for (size_t i = 0; st == CCS_OK && i < json_array_size(arr); i++) {
        const json_t *e = json_array_get(arr, i);
        if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > REFVAL_ITEM_MAX ||
            strlen(json_string_value(e)) != json_string_length(e))
            st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE,
                               "reference values: [%zu]: expected a non-empty string of at most %d bytes", i,
                               REFVAL_ITEM_MAX);
    }
    if (st == CCS_OK) {
        *out = json_dumps(arr, JSON_COMPACT);
        if (*out == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    }
    json_decref(arr);
    return st;
}

static ccs_status refval_key_check(const char *tee, const char *name) {
    CCS_ENSURE(store_tee_valid(tee), CCS_ERR_FORMAT, "reference values: TEE name must be [a-z0-9-]{1,%d}",
               CCS_KBS_TEE_NAME_MAX);
    CCS_ENSURE(ccs_kbs_component_valid(name), CCS_ERR_FORMAT,
               "reference values: name must be [A-Za-z0-9._-]{1,%d}, not \".\" and without \"..\"",
               CCS_KBS_COMPONENT_MAX);
    return CCS_OK;
}

static ccs_status refval_write(store_conn *db, const char *tee, const char *name, const char *vals, ccs_time now) {
    sqlite3_stmt *st = NULL;
    CCS_TRY(store_prepare(
        db, "INSERT OR REPLACE INTO reference_values (tee, name, vals, updated) VALUES (?1, ?2, ?3, ?4)", &st));
    ccs_status r = store_bind_text(db, st, 1, tee);
    if (r == CCS_OK) r = store_bind_text(db, st, 2, name);
    if (r == CCS_OK) r = store_bind_text(db, st, 3, vals);
    if (r == CCS_OK) r = store_bind_i64(db, st, 4, now);
    if (r == CCS_OK) r = store_step_done(db, st, "writing reference values", NULL);
    store_release(db, st);
    return r;
}

ccs_status ccs_kbs_refval_set(ccs_kbs_store *s, const char *tee, const char *name, const char *values_json,
                              ccs_time now) {
    CCS_ENSURE(s != NULL && values_json != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_TRY(refval_key_check(tee, name));
    CCS_ENSURE(strlen(values_json) <= CCS_KBS_REFVAL_MAX, CCS_ERR_FORMAT,
               "reference values: larger than %u bytes", CCS_KBS_REFVAL_MAX);
    char *vals = NULL;
    CCS_TRY(refval_normalise(values_json, &vals));
    store_lock(s);
    ccs_status st = store_begin(s->db);
    if (st == CCS_OK) st = store_finish(s->db, refval_write(s->db, tee, name, vals, now));
    store_cache_clear(&s->cache);
    store_unlock(s);
    free(vals);
    return st;
}

ccs_status ccs_kbs_refval_get(ccs_kbs_store *s, const char *tee, const char *name, char **values_json) {
    CCS_ENSURE(s != NULL && values_json != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    *values_json = NULL;
    CCS_TRY(refval_key_check(tee, name));
    char key[sizeof s->cache.e[0].key];
    bool absent = false;
    snprintf(key, sizeof key, "refval:%s.%s", tee, name); /* lengths checked: it fits */
    store_lock(s);
    if (store_cache_get(&s->cache, key, values_json, &absent)) {
        store_unlock(s);
        CCS_ENSURE(!absent, CCS_ERR_NOT_FOUND, "no reference value set %s.%s", tee, name);
        return CCS_OK;
    }
    sqlite3_stmt *st = NULL;
    ccs_status r = store_prepare(store_reader(s), "SELECT vals FROM reference_values WHERE tee = ?1 AND name = ?2", &st);
    if (r == CCS_OK) r = store_bind_text(store_reader(s), st, 1, tee);
    if (r == CCS_OK) r = store_bind_text(store_reader(s), st, 2, name);
    if (r == CCS_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            r = store_column_strdup(st, 0, values_json);
        else if (rc == SQLITE_DONE)
            r = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "no reference value set %s.%s", tee, name);
        else
            r = store_fail(store_reader(s), "reading reference values");
    }
    store_release(store_reader(s), st);
    if (r == CCS_OK || r == CCS_ERR_NOT_FOUND) store_cache_put(&s->cache, key, *values_json);
    store_unlock(s);
    return r;
}

static ccs_status refval_remove(store_conn *db, const char *tee, const char *name) {
    sqlite3_stmt *st = NULL;
    int changes = 0;
    CCS_TRY(store_prepare(db, "DELETE FROM reference_values WHERE tee = ?1 AND name = ?2", &st));
    ccs_status r = store_bind_text(db, st, 1, tee);
    if (r == CCS_OK) r = store_bind_text(db, st, 2, name);
    if (r == CCS_OK) r = store_step_done(db, st, "deleting reference values", &changes);
    store_release(db, st);
    if (r == CCS_OK && changes == 0)
        r = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "no reference value set %s.%s", tee, name);
    return r;
}

ccs_status ccs_kbs_refval_delete(ccs_kbs_store *s, const char *tee, const char *name) {
    CCS_ENSURE(s != NULL, CCS_ERR_INVALID_ARG, "KBS store: NULL argument");
    CCS_TRY(refval_key_check(tee, name));
    store_lock(s);
    ccs_status st = store_begin(s->db);
    if (st == CCS_OK) st = store_finish(s->db, refval_remove(s->db, tee, name));
    store_cache_clear(&s->cache);
    store_unlock(s);
    return st;
}

/* "sgx.mrenclave" -> tee "sgx", name "mrenclave" (split at the first dot). */
ccs_status ccs_kbs_store_refval_lookup(void *ctx, const char *ref, char **values_json) {
    char tee[CCS_KBS_TEE_NAME_MAX + 1];
    CCS_ENSURE(ctx != NULL && ref != NULL && values_json != NULL, CCS_ERR_INVALID_ARG, "NULL argument");
    const char *dot = strchr(ref, '.');
    CCS_ENSURE(dot != NULL && (size_t)(dot - ref) <= CCS_KBS_TEE_NAME_MAX, CCS_ERR_NOT_FOUND,
               "no reference value set %s", ref);
    memcpy(tee, ref, (size_t)(dot - ref));
    tee[dot - ref] = '\0';
    return ccs_kbs_refval_get((ccs_kbs_store *)ctx, tee, dot + 1, values_json);
}
