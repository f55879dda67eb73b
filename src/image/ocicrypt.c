/* ocicrypt's encrypted layers (specs/kbs-image-ratls.md 2.1): cipher
 * AES_256_CTR_HMAC_SHA256 with a random 32-byte key and 16-byte initial
 * counter block; the HMAC-SHA256 of the ciphertext, keyed with the same key,
 * in the public options (annotation org.opencontainers.image.enc.pubopts,
 * std-base64 JSON); the key and counter in the private options, wrapped to
 * each recipient in a JWE (annotation org.opencontainers.image.enc.keys.jwe,
 * a comma-separated list of std-base64 JWEs). The HMAC is checked over the
 * whole ciphertext before anything is decrypted. */
#include <stdio.h>
#include <string.h>

#include "image_internal.h"

#define ANN_JWE "org.opencontainers.image.enc.keys.jwe"
#define ANN_PUBOPTS "org.opencontainers.image.enc.pubopts"
#define ANN_AA "org.opencontainers.image.enc.keys.provider.attestation-agent"
#define ANN_PREFIX "org.opencontainers.image.enc."
#define CIPHER "AES_256_CTR_HMAC_SHA256"
#define SUFFIX "+encrypted"
#define ANN_MAX ((size_t)1 << 20)

ccs_status ccs__image_json_parse(ccs_bytes text, const char *what, json_t **out) {
    json_error_t err;
    *out = NULL;
    CCS_ENSURE(text.len <= CCS_IMAGE_JSON_MAX, CCS_ERR_FORMAT, "%s: %zu bytes of JSON (at most %zu)", what, text.len,
               CCS_IMAGE_JSON_MAX);
    json_t *v = json_loadb((const char *)text.ptr, text.len, JSON_REJECT_DUPLICATES, &err);
    CCS_ENSURE(v != NULL, CCS_ERR_FORMAT, "%s: JSON: %s (at %d)", what, err.text, err.position);
    if (!json_is_object(v)) {
        json_decref(v);
        CCS_BAIL(CCS_ERR_FORMAT, "%s: not a JSON object", what);
    }
    *out = v;
    return CCS_OK;
}

ccs_status ccs__image_b64_member(const json_t *o, const char *name, size_t min, size_t max, ccs_buf *out) {
    const json_t *v = json_object_get(o, name);
    CCS_ENSURE(json_is_string(v), CCS_ERR_FORMAT, "\"%s\" missing or not a string", name);
    size_t before = out->len;
    CCS_ENSURE(ccs_base64_decode(json_string_value(v), json_string_length(v), out) == CCS_OK, CCS_ERR_FORMAT,
               "\"%s\" is not base64", name);
    size_t n = out->len - before;
    CCS_ENSURE(n >= min && n <= max, CCS_ERR_FORMAT, "\"%s\" has %zu bytes (%zu..%zu expected)", name, n, min, max);
    return CCS_OK;
}

ccs_status ccs__image_rethrow(ccs_status st, const char *prefix) {
    char detail[400];
    snprintf(detail, sizeof detail, "%s", ccs_error_detail());
    return ccs_error_set(st, CCS_HERE, "%s: %s", prefix, detail);
}

bool ccs_ocicrypt_is_encrypted(const json_t *desc) {
    const char *mt = json_string_value(json_object_get(desc, "mediaType"));
    size_t n = mt ? strlen(mt) : 0, k = strlen(SUFFIX);
    return n > k && strcmp(mt + n - k, SUFFIX) == 0;
}

/* A std-base64 annotation value decoded and parsed as a JSON object. */
static ccs_status b64_json(const char *b64, const char *what, json_t **out) {
    ccs_buf raw = {0};
    ccs_status st = ccs_base64_decode(b64, strlen(b64), &raw) == CCS_OK
                        ? CCS_OK
                        : ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ocicrypt: %s is not base64", what);
    if (st == CCS_OK) st = ccs__image_json_parse(ccs_buf_view(&raw), what, out);
    if (raw.ptr) ccs_wipe(raw.ptr, raw.len);
    ccs_buf_free(&raw);
    return st;
}

static ccs_status pubopts_parse(const json_t *ann, uint8_t hmac[32]) {
    const char *v = json_string_value(json_object_get(ann, ANN_PUBOPTS));
    CCS_ENSURE(v != NULL && strlen(v) <= ANN_MAX, CCS_ERR_FORMAT, "ocicrypt: no " ANN_PUBOPTS " annotation");
    json_t *o = NULL;
    CCS_TRY(b64_json(v, "ocicrypt: public options", &o));
    const char *cipher = json_string_value(json_object_get(o, "cipher"));
    ccs_buf h = {0};
    ccs_status st = cipher && strcmp(cipher, CIPHER) == 0
                        ? CCS_OK
                        : ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "ocicrypt: cipher %s (" CIPHER " only)",
                                        cipher ? cipher : "missing");
    if (st == CCS_OK && (st = ccs__image_b64_member(o, "hmac", 32, 32, &h)) != CCS_OK)
        st = ccs__image_rethrow(st, "ocicrypt: public options");
    if (st == CCS_OK) memcpy(hmac, h.ptr, 32);
    ccs_buf_free(&h);
    json_decref(o);
    return st;
}

/* Wipes the string values of an object holding key material (before decref). */
static void wipe_strings(json_t *o) {
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        if (json_is_string(v)) ccs_wipe((void *)json_string_value(v), json_string_length(v));
        else if (json_is_object(v)) wipe_strings(v);
    }
}

typedef ccs__ocicrypt_opts privopts;

/* The plain layer's digest that the encryptor recorded (ocicrypt's
 * PrivateLayerBlockCipherOptions.Digest): optional; when present a
 * well-formed sha256 digest, which the decrypted layer must match. */
static ccs_status privopts_digest(const json_t *d, char out[CCS_IMAGE_DIGEST_LEN + 1]) {
    out[0] = '\0';
    if (d == NULL || (json_is_string(d) && json_string_length(d) == 0)) return CCS_OK;
    CCS_ENSURE(json_is_string(d), CCS_ERR_FORMAT, "ocicrypt: private options: \"digest\" is not a string");
    const char *s = json_string_value(d);
    /* the layout's own digest check; without an algorithm it is no digest at all */
    ccs_status c = strchr(s, ':') != NULL ? ccs__image_digest_check(s) : CCS_ERR_FORMAT;
    CCS_ENSURE(c != CCS_ERR_UNSUPPORTED, CCS_ERR_UNSUPPORTED,
               "ocicrypt: private options: the layer digest uses another algorithm than sha256");
    CCS_ENSURE(c == CCS_OK, CCS_ERR_FORMAT, "ocicrypt: private options: \"digest\" is not a sha256 digest");
    memcpy(out, s, CCS_IMAGE_DIGEST_LEN + 1);
    return CCS_OK;
}

ccs_status ccs__ocicrypt_check_plain(const ccs__ocicrypt_opts *p, const char *digest) {
    if (p->digest[0] == '\0' || strcmp(p->digest, digest) == 0) return CCS_OK;
    CCS_BAIL(CCS_ERR_MISMATCH, "ocicrypt: the decrypted layer is %s, but its encryption recorded %s (nothing was released)",
             digest, p->digest);
}

ccs_status ccs__ocicrypt_privopts_parse(ccs_bytes text, ccs__ocicrypt_opts *p) {
    json_t *o = NULL;
    ccs_buf k = {0}, n = {0};
    CCS_TRY(ccs__image_json_parse(text, "ocicrypt: private options", &o));
    ccs_status st = ccs__image_b64_member(o, "symkey", 32, 32, &k);
    if (st == CCS_OK) st = ccs__image_b64_member(json_object_get(o, "cipheroptions"), "nonce", 16, 16, &n);
    if (st != CCS_OK) st = ccs__image_rethrow(st, "ocicrypt: private options");
    if (st == CCS_OK) st = privopts_digest(json_object_get(o, "digest"), p->digest);
    if (st == CCS_OK) {
        memcpy(p->key, k.ptr, 32);
        memcpy(p->nonce, n.ptr, 16);
    }
    if (k.ptr) ccs_wipe(k.ptr, k.len);
    ccs_buf_free(&k);
    ccs_buf_free(&n);
    wipe_strings(o);
    json_decref(o);
    return st;
}

/* The private options from the first JWE in the list that a key opens. */
static ccs_status unwrap_jwe(const char *list, const ccs_image_keys *keys, privopts *p) {
    ccs_status st = CCS_ERR_KEY;
    for (const char *p0 = list; *p0 && st == CCS_ERR_KEY;) {
        const char *comma = strchr(p0, ',');
        size_t len = comma ? (size_t)(comma - p0) : strlen(p0);
        ccs_buf jwe = {0}, opts = {0};
        st = ccs_base64_decode(p0, len, &jwe) == CCS_OK ? CCS_OK
                                                        : ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ocicrypt: a JWE is not base64");
        if (st == CCS_OK) st = ccs__image_jwe_open(ccs_buf_view(&jwe), keys, &opts);
        if (st == CCS_OK) st = ccs__ocicrypt_privopts_parse(ccs_buf_view(&opts), p);
        if (opts.ptr) ccs_wipe(opts.ptr, opts.len);
        ccs_buf_free(&jwe);
        ccs_buf_free(&opts);
        p0 += len + (comma ? 1 : 0);
    }
    return st;
}

static ccs_status unwrap_aa(const char *ann, const ccs_image_keys *keys, privopts *p) {
    ccs_buf opts = {0};
    ccs_status st = ccs__image_aa_unwrap(ann, keys, &opts);
    if (st == CCS_OK) st = ccs__ocicrypt_privopts_parse(ccs_buf_view(&opts), p);
    if (opts.ptr) ccs_wipe(opts.ptr, opts.len);
    ccs_buf_free(&opts);
    return st;
}

/* The private options: JWE recipients first (with the private keys), then
 * the attestation-agent key provider (with the KEK resolver). */
static ccs_status unwrap_opts(const json_t *ann, const ccs_image_keys *keys, privopts *p) {
    const char *jwe = json_string_value(json_object_get(ann, ANN_JWE));
    const char *aa = json_string_value(json_object_get(ann, ANN_AA));
    CCS_ENSURE(jwe != NULL || aa != NULL, CCS_ERR_UNSUPPORTED,
               "ocicrypt: the layer has no " ANN_JWE " or " ANN_AA " annotation (other key schemes are not supported)");
    CCS_ENSURE((jwe == NULL || strlen(jwe) <= ANN_MAX) && (aa == NULL || strlen(aa) <= ANN_MAX), CCS_ERR_FORMAT,
               "ocicrypt: a key annotation is larger than %zu bytes", ANN_MAX);
    ccs_status st = CCS_ERR_KEY;
    if (jwe != NULL && (keys->n > 0 || aa == NULL)) st = unwrap_jwe(jwe, keys, p);
    if (st == CCS_ERR_KEY && aa != NULL && (keys->kek != NULL || jwe == NULL || keys->n == 0)) st = unwrap_aa(aa, keys, p);
    return st;
}

static ccs_status hmac_of(const uint8_t key[32], ccs_bytes data, uint8_t out[32]) {
    ccs_hmac256 *h = NULL;
    CCS_TRY(ccs_hmac256_new(ccs_bytes_of(key, 32), &h));
    ccs_status st = ccs_hmac256_update(h, data);
    if (st == CCS_OK) st = ccs_hmac256_final(h, out);
    ccs_hmac256_free(h);
    return st;
}

static ccs_status ctr(const privopts *p, ccs_bytes in, ccs_buf *out) {
    ccs_aes256ctr *a = NULL;
    CCS_TRY(ccs_aes256ctr_new(p->key, p->nonce, &a));
    ccs_status st = ccs_buf_reserve_exact(out, in.len);
    if (st == CCS_OK) st = ccs_aes256ctr_update(a, in.ptr, in.len, out->ptr + out->len);
    if (st == CCS_OK) out->len += in.len;
    ccs_aes256ctr_free(a);
    return st;
}

/* The descriptor with a new media type, digest and size; annotations under
 * ANN_PREFIX dropped (and the member when it ends up empty). */
static json_t *desc_with(const json_t *in, const char *media_type, const char *digest, size_t size) {
    json_t *d = json_deep_copy(in), *ann = json_object_get(d, "annotations");
    if (d == NULL || json_object_set_new(d, "mediaType", json_string(media_type)) != 0 ||
        json_object_set_new(d, "digest", json_string(digest)) != 0 ||
        json_object_set_new(d, "size", json_integer((json_int_t)size)) != 0) {
        json_decref(d);
        return NULL;
    }
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(ann, tmp, k, v) {
        if (strncmp(k, ANN_PREFIX, strlen(ANN_PREFIX)) == 0) json_object_del(ann, k);
    }
    if (ann != NULL && json_object_size(ann) == 0) json_object_del(d, "annotations");
    return d;
}

static json_t *new_desc(const json_t *in, const char *media_type, ccs_bytes blob) {
    char digest[CCS_IMAGE_DIGEST_LEN + 1];
    ccs__image_digest_of(blob, digest);
    return desc_with(in, media_type, digest, blob.len);
}

/* The media type without "+encrypted" (checked by the caller), or NULL. */
static bool plain_type(const json_t *in_desc, char out[256]) {
    const char *mt = json_string_value(json_object_get(in_desc, "mediaType"));
    size_t n = strlen(mt) - strlen(SUFFIX);
    if (n >= 256) return false;
    memcpy(out, mt, n);
    out[n] = '\0';
    return true;
}

json_t *ccs__ocicrypt_plain_desc(const json_t *in_desc, const char *digest, size_t size) {
    char mt[256];
    return plain_type(in_desc, mt) ? desc_with(in_desc, mt, digest, size) : NULL;
}

ccs_status ccs__ocicrypt_open_opts(const json_t *in_desc, const ccs_image_keys *keys, uint8_t hmac[32],
                                   ccs__ocicrypt_opts *p) {
    CCS_ENSURE(json_is_object(in_desc) && keys != NULL, CCS_ERR_INVALID_ARG, "ocicrypt: bad arguments");
    CCS_ENSURE(ccs_ocicrypt_is_encrypted(in_desc), CCS_ERR_INVALID_ARG, "ocicrypt: the layer is not encrypted");
    char mt[256];
    CCS_ENSURE(plain_type(in_desc, mt), CCS_ERR_FORMAT, "ocicrypt: media type too long");
    const json_t *ann = json_object_get(in_desc, "annotations");
    CCS_TRY(pubopts_parse(ann, hmac));
    return unwrap_opts(ann, keys, p);
}

ccs_status ccs_ocicrypt_decrypt_layer(const json_t *in_desc, ccs_bytes ct, const ccs_image_keys *keys, ccs_buf *pt,
                                      json_t **desc) {
    CCS_ENSURE(json_is_object(in_desc) && keys != NULL && pt != NULL && desc != NULL, CCS_ERR_INVALID_ARG,
               "ocicrypt: bad arguments");
    *desc = NULL;
    uint8_t want[32], got[32];
    privopts p;
    ccs_status st = ccs__ocicrypt_open_opts(in_desc, keys, want, &p);
    if (st == CCS_OK) st = hmac_of(p.key, ct, got);
    if (st == CCS_OK && !ccs_ct_eq(ccs_bytes_of(want, 32), ccs_bytes_of(got, 32)))
        st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE,
                           "ocicrypt: the layer's HMAC does not match: altered ciphertext (nothing was decrypted)");
    size_t before = pt->len;
    if (st == CCS_OK) st = ctr(&p, ct, pt);
    char digest[CCS_IMAGE_DIGEST_LEN + 1];
    if (st == CCS_OK) ccs__image_digest_of(ccs_bytes_of(pt->ptr + before, pt->len - before), digest);
    if (st == CCS_OK) st = ccs__ocicrypt_check_plain(&p, digest);
    if (st == CCS_OK && (*desc = ccs__ocicrypt_plain_desc(in_desc, digest, pt->len - before)) == NULL)
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ocicrypt: no memory");
    if (st != CCS_OK && pt->len > before) {
        ccs_wipe(pt->ptr + before, pt->len - before);
        pt->len = before;
    }
    ccs_wipe(&p, sizeof p);
    return st;
}

static ccs_status opts_json(const privopts *p, const char *digest, const uint8_t hmac[32], ccs_buf *priv,
                            ccs_buf *pub) {
    ccs_buf k = {0}, n = {0}, h = {0};
    ccs_status st = ccs_base64_encode(ccs_bytes_of(p->key, 32), &k);
    if (st == CCS_OK) st = ccs_base64_encode(ccs_bytes_of(p->nonce, 16), &n);
    if (st == CCS_OK) st = ccs_base64_encode(ccs_bytes_of(hmac, 32), &h);
    json_t *a = NULL, *b = NULL;
    if (st == CCS_OK) {
        a = json_pack("{s:s,s:s,s:{s:s}}", "symkey", (const char *)k.ptr, "digest", digest, "cipheroptions", "nonce",
                      (const char *)n.ptr);
        b = json_pack("{s:s,s:s,s:{}}", "cipher", CIPHER, "hmac", (const char *)h.ptr, "cipheroptions");
        char *ta = a ? json_dumps(a, JSON_COMPACT) : NULL, *tb = b ? json_dumps(b, JSON_COMPACT) : NULL;
        st = ta && tb ? ccs_buf_append_str(priv, ta) : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ocicrypt: no memory");
        if (st == CCS_OK) st = ccs_buf_append_str(pub, tb);
        if (ta) ccs_wipe(ta, strlen(ta));
        free(ta);
        free(tb);
    }
    wipe_strings(a);
    json_decref(a);
    json_decref(b);
    if (k.ptr) ccs_wipe(k.ptr, k.len);
    ccs_buf_free(&k);
    ccs_buf_free(&n);
    ccs_buf_free(&h);
    return st;
}

/* The key annotations: the JWE list (when there are recipients), the
 * attestation-agent packet (when aa is not NULL) and the public options. */
static ccs_status annotate(json_t *d, ccs_bytes jwe, ccs_bytes pub, const char *aa) {
    ccs_buf a = {0}, b = {0};
    ccs_status st = jwe.len ? ccs_base64_encode(jwe, &a) : CCS_OK;
    if (st == CCS_OK) st = ccs_base64_encode(pub, &b);
    json_t *ann = json_object_get(d, "annotations");
    if (st == CCS_OK && !json_is_object(ann)) json_object_set_new(d, "annotations", ann = json_object());
    if (st == CCS_OK && ((jwe.len && json_object_set_new(ann, ANN_JWE, json_string((const char *)a.ptr)) != 0) ||
                         (aa && json_object_set_new(ann, ANN_AA, json_string(aa)) != 0) ||
                         json_object_set_new(ann, ANN_PUBOPTS, json_string((const char *)b.ptr)) != 0))
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ocicrypt: no memory");
    ccs_buf_free(&a);
    ccs_buf_free(&b);
    return st;
}

ccs_status ccs_ocicrypt_encrypt_layer(const json_t *in_desc, ccs_bytes pt, const ccs_image_keys *recipients,
                                      ccs_buf *ct, json_t **desc) {
    CCS_ENSURE(json_is_object(in_desc) && recipients != NULL && ct != NULL && desc != NULL, CCS_ERR_INVALID_ARG,
               "ocicrypt: bad arguments");
    *desc = NULL;
    CCS_ENSURE(!ccs_ocicrypt_is_encrypted(in_desc), CCS_ERR_INVALID_ARG, "ocicrypt: the layer is already encrypted");
    const char *mt = json_string_value(json_object_get(in_desc, "mediaType"));
    const char *digest = json_string_value(json_object_get(in_desc, "digest"));
    CCS_ENSURE(mt != NULL && strlen(mt) < 200 && digest != NULL, CCS_ERR_FORMAT,
               "ocicrypt: the layer descriptor has no mediaType or digest");
    privopts p;
    uint8_t hmac[32];
    ccs_buf priv = {0}, pub = {0}, jwe = {0}, aa = {0};
    size_t before = ct->len;
    CCS_ENSURE(recipients->n > 0 || recipients->aa_kid != NULL, CCS_ERR_INVALID_ARG,
               "ocicrypt: at least one recipient key or a KBS key id is required");
    ccs_status st = ccs_random(p.key, sizeof p.key);
    if (st == CCS_OK) st = ccs_random(p.nonce, sizeof p.nonce);
    if (st == CCS_OK) st = ctr(&p, pt, ct);
    if (st == CCS_OK) st = hmac_of(p.key, ccs_bytes_of(ct->ptr + before, ct->len - before), hmac);
    if (st == CCS_OK) st = opts_json(&p, digest, hmac, &priv, &pub);
    if (st == CCS_OK && recipients->n > 0) st = ccs__image_jwe_seal(ccs_buf_view(&priv), recipients, &jwe);
    if (st == CCS_OK && recipients->aa_kid != NULL)
        st = recipients->aa_kek ? ccs__image_aa_wrap(recipients->aa_kid, recipients->aa_kek, ccs_buf_view(&priv), &aa)
                                : ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "ocicrypt: a KBS key id needs its KEK");
    char enc_mt[256];
    snprintf(enc_mt, sizeof enc_mt, "%s" SUFFIX, mt);
    if (st == CCS_OK) {
        *desc = new_desc(in_desc, enc_mt, ccs_bytes_of(ct->ptr + before, ct->len - before));
        st = *desc ? annotate(*desc, ccs_buf_view(&jwe), ccs_buf_view(&pub), (const char *)aa.ptr)
                   : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ocicrypt: no memory");
    }
    if (st != CCS_OK) {
        json_decref(*desc);
        *desc = NULL;
        ct->len = before;
    }
    ccs_wipe(&p, sizeof p);
    if (priv.ptr) ccs_wipe(priv.ptr, priv.len);
    ccs_buf_free(&priv);
    ccs_buf_free(&pub);
    ccs_buf_free(&jwe);
    ccs_buf_free(&aa);
    return st;
}
