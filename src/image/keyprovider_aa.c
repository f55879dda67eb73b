/* The Confidential Containers "attestation-agent" key provider
 * (specs/kbs-image-ratls.md 2.1, the CoCo scheme): annotation
 * org.opencontainers.image.enc.keys.provider.attestation-agent holds
 * base64 of {"kid":"kbs:///<repo>/<type>/<tag>","wrapped_data":"<b64>",
 * "iv":"<b64>","wrap_type":"A256GCM"}, where wrapped_data is the layer's
 * private options encrypted with A256GCM (12-byte iv, no AAD, the 16-byte
 * tag appended) under a 32-byte KEK that the KBS releases only after
 * attestation. The KEK comes from the caller's resolver (the agent). */
#include <stdio.h>
#include <string.h>

#include "image_internal.h"

#define WRAP_TYPE "A256GCM"
#define KID_PREFIX "kbs:///"
#define KID_MAX 400
#define WRAPPED_MAX (1u << 16)

/* kbs:///repo/type/tag: three non-empty components of [A-Za-z0-9._-]. */
static ccs_status kid_check(const char *kid) {
    CCS_ENSURE(kid != NULL && strlen(kid) <= KID_MAX && strncmp(kid, KID_PREFIX, strlen(KID_PREFIX)) == 0,
               CCS_ERR_FORMAT, "key provider: kid must be " KID_PREFIX "<repo>/<type>/<tag>");
    const char *p = kid + strlen(KID_PREFIX);
    int parts = 0;
    size_t len = 0;
    for (;; p++) {
        if (*p == '/' || *p == '\0') {
            CCS_ENSURE(len > 0, CCS_ERR_FORMAT, "key provider: kid \"%.80s\" has an empty component", kid);
            parts++;
            len = 0;
            if (*p == '\0') break;
            continue;
        }
        char c = *p;
        CCS_ENSURE((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                       c == '-',
                   CCS_ERR_FORMAT, "key provider: kid \"%.80s\" has a character outside [A-Za-z0-9._-]", kid);
        len++;
    }
    CCS_ENSURE(parts == 3, CCS_ERR_FORMAT, "key provider: kid \"%.80s\" must name <repo>/<type>/<tag>", kid);
    return CCS_OK;
}

ccs_status ccs__image_aa_wrap(const char *kid, const uint8_t kek[32], ccs_bytes privopts, ccs_buf *annotation) {
    CCS_TRY(kid_check(kid));
    uint8_t iv[12], tag[16];
    ccs_buf ct = {0}, b_ct = {0}, b_iv = {0};
    ccs_status st = ccs_random(iv, sizeof iv);
    if (st == CCS_OK) st = ccs_aes256gcm_seal(kek, iv, ccs_bytes_of(NULL, 0), privopts, &ct, tag);
    if (st == CCS_OK) st = ccs_buf_append(&ct, tag, sizeof tag);
    if (st == CCS_OK) st = ccs_base64_encode(ccs_buf_view(&ct), &b_ct);
    if (st == CCS_OK) st = ccs_base64_encode(ccs_bytes_of(iv, sizeof iv), &b_iv);
    json_t *o = st == CCS_OK ? json_pack("{s:s,s:s,s:s,s:s}", "kid", kid, "wrapped_data", (const char *)b_ct.ptr, "iv",
                                         (const char *)b_iv.ptr, "wrap_type", WRAP_TYPE)
                             : NULL;
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (st == CCS_OK && text == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "key provider: no memory");
    if (st == CCS_OK) st = ccs_base64_encode(ccs_bytes_str(text), annotation);
    free(text);
    json_decref(o);
    ccs_buf_free(&ct);
    ccs_buf_free(&b_ct);
    ccs_buf_free(&b_iv);
    return st;
}

/* One annotation packet: its kid, iv and wrapped data, checked. */
static ccs_status packet_parse(const char *b64, size_t len, json_t **o, ccs_buf *iv, ccs_buf *wrapped) {
    ccs_buf raw = {0};
    ccs_status st = ccs_base64_decode(b64, len, &raw) == CCS_OK
                        ? CCS_OK
                        : ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "key provider: the annotation is not base64");
    if (st == CCS_OK) st = ccs__image_json_parse(ccs_buf_view(&raw), "key provider: annotation", o);
    ccs_buf_free(&raw);
    if (st != CCS_OK) return st;
    const char *wt = json_string_value(json_object_get(*o, "wrap_type"));
    if (wt == NULL || strcmp(wt, WRAP_TYPE) != 0)
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "key provider: wrap_type %s (" WRAP_TYPE " only)",
                           wt ? wt : "missing");
    if (st == CCS_OK) st = kid_check(json_string_value(json_object_get(*o, "kid")));
    if (st == CCS_OK && ccs__image_b64_member(*o, "iv", 12, 12, iv) != CCS_OK)
        st = ccs__image_rethrow(CCS_ERR_FORMAT, "key provider");
    if (st == CCS_OK && ccs__image_b64_member(*o, "wrapped_data", 17, WRAPPED_MAX, wrapped) != CCS_OK)
        st = ccs__image_rethrow(CCS_ERR_FORMAT, "key provider");
    return st;
}

ccs_status ccs__image_aa_unwrap(const char *annotation, const ccs_image_keys *keys, ccs_buf *privopts) {
    CCS_ENSURE(annotation != NULL && strlen(annotation) <= (1u << 20), CCS_ERR_FORMAT, "key provider: no annotation");
    CCS_ENSURE(keys->kek != NULL, CCS_ERR_KEY,
               "key provider: the layer's key is held by a KBS (attestation-agent); give a KBS to fetch it");
    ccs_status st = CCS_ERR_KEY;
    for (const char *p = annotation; *p && st != CCS_OK;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        json_t *o = NULL;
        ccs_buf iv = {0}, wrapped = {0}, kek = {0};
        st = packet_parse(p, len, &o, &iv, &wrapped);
        if (st == CCS_OK) {
            const char *kid = json_string_value(json_object_get(o, "kid"));
            st = keys->kek(keys->kek_ctx, kid, &kek);
            if (st == CCS_OK && kek.len != 32)
                st = ccs_error_set(CCS_ERR_KEY, CCS_HERE, "key provider: %s is %zu bytes, not a 32-byte key", kid, kek.len);
            else if (st != CCS_OK)
                st = ccs__image_rethrow(st == CCS_ERR_NOMEM ? st : CCS_ERR_KEY, "key provider: cannot get the key");
        }
        size_t ctlen = wrapped.len - 16;
        if (st == CCS_OK &&
            ccs_aes256gcm_open(kek.ptr, iv.ptr, ccs_bytes_of(NULL, 0), ccs_bytes_of(wrapped.ptr, ctlen),
                               wrapped.ptr + ctlen, privopts) != CCS_OK)
            st = ccs_error_set(CCS_ERR_KEY, CCS_HERE,
                               "key provider: the KBS key does not open this layer (another key, or altered)");
        if (kek.ptr) ccs_wipe(kek.ptr, kek.len);
        ccs_buf_free(&kek);
        ccs_buf_free(&iv);
        ccs_buf_free(&wrapped);
        json_decref(o);
        p += len + (comma ? 1 : 0);
    }
    return st;
}
