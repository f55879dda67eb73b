/* Signature payloads (specs section 2.2): simple signing's "atomic
 * container signature" and cosign's "cosign container image signature".
 * Parsed strictly, as containers/image does: "critical" has exactly type,
 * image and identity, each with exactly its one member; "optional" is an
 * object (cosign also writes null) whose creator/timestamp, when present,
 * have the right types. The claims are only claims until the signature
 * over these bytes has been verified (sig_simple.c, policy_eval.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/image_sign.h"
#include "image_internal.h"

#define TYPE_SIMPLE "atomic container signature"
#define TYPE_COSIGN "cosign container image signature"

/* o must be an object with exactly the n keys listed. */
static ccs_status exact_keys(const json_t *o, const char *path, const char *const *keys, size_t n) {
    CCS_ENSURE(json_is_object(o), CCS_ERR_FORMAT, "signature payload: %s is not an object", path);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        bool known = false;
        for (size_t i = 0; i < n && !known; i++) known = strcmp(k, keys[i]) == 0;
        CCS_ENSURE(known, CCS_ERR_FORMAT, "signature payload: %s: unknown key \"%.60s\"", path, k);
    }
    for (size_t i = 0; i < n; i++)
        CCS_ENSURE(json_object_get(o, keys[i]) != NULL, CCS_ERR_FORMAT, "signature payload: %s.%s is missing", path,
                   keys[i]);
    return CCS_OK;
}

static ccs_status parse_doc(const json_t *doc, ccs_image_sig_format fmt, ccs_image_sig_claims *out) {
    static const char *const top[] = {"critical", "optional"};
    static const char *const crit[] = {"type", "image", "identity"};
    static const char *const img[] = {"docker-manifest-digest"};
    static const char *const ident[] = {"docker-reference"};
    CCS_TRY(exact_keys(doc, "$", top, 2));
    const json_t *c = json_object_get(doc, "critical");
    CCS_TRY(exact_keys(c, "$.critical", crit, 3));
    CCS_TRY(exact_keys(json_object_get(c, "image"), "$.critical.image", img, 1));
    CCS_TRY(exact_keys(json_object_get(c, "identity"), "$.critical.identity", ident, 1));
    const char *type = json_string_value(json_object_get(c, "type"));
    const char *want = fmt == CCS_IMAGE_SIG_SIMPLE ? TYPE_SIMPLE : TYPE_COSIGN;
    CCS_ENSURE(type != NULL && strcmp(type, want) == 0, CCS_ERR_FORMAT,
               "signature payload: $.critical.type is \"%.60s\", \"%s\" expected", type ? type : "(not a string)", want);
    const char *dg = json_string_value(json_object_get(json_object_get(c, "image"), "docker-manifest-digest"));
    CCS_ENSURE(dg != NULL && ccs__image_digest_check(dg) == CCS_OK, CCS_ERR_FORMAT,
               "signature payload: $.critical.image.docker-manifest-digest is not a sha256 digest");
    const char *ref = json_string_value(json_object_get(json_object_get(c, "identity"), "docker-reference"));
    CCS_ENSURE(ref != NULL && ref[0] && strlen(ref) < CCS_IMAGE_REF_MAX, CCS_ERR_FORMAT,
               "signature payload: $.critical.identity.docker-reference is not a string");
    const json_t *opt = json_object_get(doc, "optional");
    CCS_ENSURE(json_is_object(opt) || (fmt == CCS_IMAGE_SIG_COSIGN && json_is_null(opt)), CCS_ERR_FORMAT,
               "signature payload: $.optional is not an object");
    const json_t *cr = json_object_get(opt, "creator"), *ts = json_object_get(opt, "timestamp");
    CCS_ENSURE(cr == NULL || json_is_string(cr), CCS_ERR_FORMAT, "signature payload: $.optional.creator is not a string");
    CCS_ENSURE(ts == NULL || json_is_integer(ts), CCS_ERR_FORMAT,
               "signature payload: $.optional.timestamp is not an integer");
    memset(out, 0, sizeof *out);
    memcpy(out->manifest_digest, dg, CCS_IMAGE_DIGEST_LEN + 1);
    snprintf(out->docker_reference, sizeof out->docker_reference, "%s", ref);
    out->timestamp = ts ? (int64_t)json_integer_value(ts) : 0;
    return CCS_OK;
}

ccs_status ccs_image_sig_payload_parse(ccs_bytes payload, ccs_image_sig_format fmt, ccs_image_sig_claims *out) {
    CCS_ENSURE(out != NULL && (payload.ptr != NULL || payload.len == 0), CCS_ERR_INVALID_ARG, "image: bad arguments");
    CCS_ENSURE(fmt == CCS_IMAGE_SIG_SIMPLE || fmt == CCS_IMAGE_SIG_COSIGN, CCS_ERR_INVALID_ARG, "image: bad format");
    CCS_ENSURE(payload.len <= CCS_IMAGE_SIG_MAX, CCS_ERR_FORMAT, "signature payload: %zu bytes (at most %zu)",
               payload.len, CCS_IMAGE_SIG_MAX);
    json_t *doc = NULL;
    CCS_TRY(ccs__image_json_parse(payload, "signature payload", &doc));
    ccs_status st = parse_doc(doc, fmt, out);
    json_decref(doc);
    return st;
}

ccs_status ccs_image_sig_payload_build(ccs_image_sig_format fmt, const char *docker_ref, const char *manifest_digest,
                                       int64_t ts, ccs_buf *out) {
    CCS_ENSURE(docker_ref != NULL && out != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    CCS_TRY(ccs__image_digest_check(manifest_digest));
    /* Keys in the order the reference tools write them (json_dumps sorts
     * with JSON_SORT_KEYS, which gives cosign's order; simple signing's
     * order does not matter to any verifier). */
    json_t *doc = json_pack("{s:{s:{s:s},s:{s:s},s:s},s:{s:s}}", "critical", "identity", "docker-reference", docker_ref,
                            "image", "docker-manifest-digest", manifest_digest, "type",
                            fmt == CCS_IMAGE_SIG_SIMPLE ? TYPE_SIMPLE : TYPE_COSIGN, "optional", "creator", "ccs");
    CCS_ENSURE(doc != NULL, CCS_ERR_INVALID_ARG, "image: docker reference is not UTF-8");
    if (ts > 0) json_object_set_new(json_object_get(doc, "optional"), "timestamp", json_integer(ts));
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    CCS_ENSURE(text != NULL, CCS_ERR_NOMEM, "image: no memory");
    out->len = 0;
    ccs_status st = ccs_buf_append_str(out, text);
    free(text);
    return st;
}
