/* The JWE that carries an encrypted layer's private options
 * (org.opencontainers.image.enc.keys.jwe): RFC 7516 JSON general
 * serialization with one recipient per key, enc A256GCM, as ocicrypt
 * (go-jose) writes it: protected {"enc":"A256GCM"}, per-recipient headers
 * {"alg":"RSA-OAEP"} or {"alg":"ECDH-ES+A256KW","epk":{...}}. Reading
 * accepts RSA-OAEP, RSA-OAEP-256 and ECDH-ES+A256KW on P-256/P-384; the key
 * wraps and A256GCM are src/crypto (the same primitives as the KBS JWE). */
#include <string.h>

#include "image_internal.h"

#define CEK_LEN 32
#define JWE_MAX ((size_t)1 << 20)

static ccs_status b64url_member(const json_t *o, const char *name, size_t min, size_t max, ccs_buf *out) {
    const json_t *v = json_object_get(o, name);
    CCS_ENSURE(json_is_string(v), CCS_ERR_FORMAT, "jwe: \"%s\" missing or not a string", name);
    size_t before = out->len;
    ccs_status st = ccs_base64url_decode(json_string_value(v), json_string_length(v), out);
    CCS_ENSURE(st == CCS_OK, CCS_ERR_FORMAT, "jwe: \"%s\" is not base64url", name);
    size_t n = out->len - before;
    CCS_ENSURE(n >= min && n <= max, CCS_ERR_FORMAT, "jwe: \"%s\" has %zu bytes (%zu..%zu expected)", name, n, min, max);
    return CCS_OK;
}

/* ---- sealing ---- */

static ccs_status wrap_ec(const ccs_pubkey *pk, const uint8_t cek[CEK_LEN], json_t *rcpt) {
    uint8_t epk[96], z[48], kek[32], wrapped[CEK_LEN + 8];
    size_t fl = ccs_pubkey_curve(pk) == CCS_CURVE_P256 ? 32 : 48;
    ccs_buf x = {0}, y = {0}, ek = {0};
    ccs_status st = ccs_ecdh_ephemeral(pk, epk, z);
    if (st == CCS_OK)
        st = ccs_concat_kdf_sha256(ccs_bytes_of(z, fl), "ECDH-ES+A256KW", ccs_bytes_of(NULL, 0), ccs_bytes_of(NULL, 0),
                                   sizeof kek, kek);
    if (st == CCS_OK) st = ccs_aes256kw_wrap(kek, ccs_bytes_of(cek, CEK_LEN), wrapped);
    if (st == CCS_OK) st = ccs_base64url_encode(ccs_bytes_of(epk, fl), &x);
    if (st == CCS_OK) st = ccs_base64url_encode(ccs_bytes_of(epk + fl, fl), &y);
    if (st == CCS_OK) st = ccs_base64url_encode(ccs_bytes_of(wrapped, sizeof wrapped), &ek);
    if (st == CCS_OK &&
        json_object_set_new(rcpt, "header",
                            json_pack("{s:s,s:{s:s,s:s,s:s,s:s}}", "alg", "ECDH-ES+A256KW", "epk", "kty", "EC", "crv",
                                      fl == 32 ? "P-256" : "P-384", "x", (const char *)x.ptr, "y",
                                      (const char *)y.ptr)) != 0)
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    if (st == CCS_OK && json_object_set_new(rcpt, "encrypted_key", json_string((const char *)ek.ptr)) != 0)
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    ccs_wipe(z, sizeof z);
    ccs_wipe(kek, sizeof kek);
    ccs_buf_free(&x);
    ccs_buf_free(&y);
    ccs_buf_free(&ek);
    return st;
}

static ccs_status wrap_rsa(const ccs_pubkey *pk, const uint8_t cek[CEK_LEN], json_t *rcpt) {
    ccs_buf n = {0}, e = {0}, ek = {0}, b64 = {0};
    ccs_status st = ccs_pubkey_rsa_raw(pk, &n, &e);
    if (st == CCS_OK)
        st = ccs_rsa_oaep_encrypt(ccs_buf_view(&n), ccs_buf_view(&e), CCS_OAEP_SHA1, ccs_bytes_of(cek, CEK_LEN), &ek);
    if (st == CCS_OK) st = ccs_base64url_encode(ccs_buf_view(&ek), &b64);
    if (st == CCS_OK && (json_object_set_new(rcpt, "header", json_pack("{s:s}", "alg", "RSA-OAEP")) != 0 ||
                         json_object_set_new(rcpt, "encrypted_key", json_string((const char *)b64.ptr)) != 0))
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    ccs_buf_free(&n);
    ccs_buf_free(&e);
    ccs_buf_free(&ek);
    ccs_buf_free(&b64);
    return st;
}

static ccs_status add_recipient(ccs_bytes pem, const uint8_t cek[CEK_LEN], json_t *list) {
    ccs_pubkey *pk = NULL;
    ccs_status st = ccs_pubkey_from_pem(pem, &pk);
    if (st != CCS_OK) return ccs__image_rethrow(st, "jwe: a recipient is not a PEM public key");
    json_t *r = json_object();
    st = r == NULL ? ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory")
         : ccs_pubkey_curve(pk) != 0 ? wrap_ec(pk, cek, r)
                                     : wrap_rsa(pk, cek, r);
    if (st == CCS_OK && json_array_append_new(list, r) != 0) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    else if (st != CCS_OK) json_decref(r);
    ccs_pubkey_free(pk);
    return st;
}

ccs_status ccs__image_jwe_seal(ccs_bytes pt, const ccs_image_keys *recipients, ccs_buf *out) {
    CCS_ENSURE(recipients != NULL && recipients->n > 0 && out != NULL, CCS_ERR_INVALID_ARG,
               "jwe: at least one recipient is required");
    uint8_t cek[CEK_LEN], iv[12], tag[16];
    ccs_buf prot = {0}, ct = {0}, b_iv = {0}, b_ct = {0}, b_tag = {0};
    json_t *list = json_array(), *jwe = NULL;
    ccs_status st = list ? ccs_random(cek, sizeof cek) : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
    for (size_t i = 0; st == CCS_OK && i < recipients->n; i++) st = add_recipient(recipients->pem[i], cek, list);
    if (st == CCS_OK) st = ccs_random(iv, sizeof iv);
    if (st == CCS_OK) st = ccs_base64url_encode(ccs_bytes_str("{\"enc\":\"A256GCM\"}"), &prot);
    if (st == CCS_OK) st = ccs_aes256gcm_seal(cek, iv, ccs_buf_view(&prot), pt, &ct, tag);
    if (st == CCS_OK) st = ccs_base64url_encode(ccs_bytes_of(iv, sizeof iv), &b_iv);
    if (st == CCS_OK) st = ccs_base64url_encode(ccs_buf_view(&ct), &b_ct);
    if (st == CCS_OK) st = ccs_base64url_encode(ccs_bytes_of(tag, sizeof tag), &b_tag);
    if (st == CCS_OK) {
        jwe = json_pack("{s:s,s:O,s:s,s:s,s:s}", "protected", (const char *)prot.ptr, "recipients", list, "iv",
                        (const char *)b_iv.ptr, "ciphertext", (const char *)b_ct.ptr, "tag", (const char *)b_tag.ptr);
        char *text = jwe ? json_dumps(jwe, JSON_COMPACT) : NULL;
        st = text ? ccs_buf_append_str(out, text) : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "jwe: no memory");
        free(text);
    }
    ccs_wipe(cek, sizeof cek);
    if (ct.ptr) ccs_wipe(ct.ptr, ct.len);
    json_decref(jwe);
    json_decref(list);
    ccs_buf_free(&prot);
    ccs_buf_free(&ct);
    ccs_buf_free(&b_iv);
    ccs_buf_free(&b_ct);
    ccs_buf_free(&b_tag);
    return st;
}

/* ---- opening ---- */

typedef struct key {
    bool ec;
    ccs_curve curve;
    uint8_t d[48];
    size_t fl;
    ccs_bytes pem;
} key;

/* The member `name` of the recipient's header, else of the JWE's shared
 * unprotected header, else of the protected header. */
static const json_t *param(const json_t *rcpt, const json_t *jwe, const json_t *prot, const char *name) {
    const json_t *v = json_object_get(json_object_get(rcpt, "header"), name);
    if (v == NULL) v = json_object_get(json_object_get(jwe, "unprotected"), name);
    return v != NULL ? v : json_object_get(prot, name);
}

/* PartyUInfo / PartyVInfo: absent, or base64url of at most 1 KiB. */
static ccs_status party(const json_t *v, const char *name, ccs_buf *out) {
    if (v == NULL) return CCS_OK;
    CCS_ENSURE(json_is_string(v) && ccs_base64url_decode(json_string_value(v), json_string_length(v), out) == CCS_OK &&
                   out->len <= 1024,
               CCS_ERR_FORMAT, "jwe: \"%s\" is not base64url of at most 1024 bytes", name);
    return CCS_OK;
}

static ccs_status unwrap_ec(const key *k, const json_t *rcpt, const json_t *jwe, const json_t *prot, uint8_t cek[CEK_LEN]) {
    const json_t *epk = param(rcpt, jwe, prot, "epk");
    const char *crv = json_string_value(json_object_get(epk, "crv"));
    size_t fl = crv && strcmp(crv, "P-256") == 0 ? 32 : crv && strcmp(crv, "P-384") == 0 ? 48 : 0;
    CCS_ENSURE(fl != 0, CCS_ERR_UNSUPPORTED, "jwe: epk curve %s (P-256, P-384)", crv ? crv : "missing");
    if (fl != k->fl) return CCS_ERR_KEY; /* another curve: not this key */
    ccs_buf xy = {0}, ek = {0}, apu = {0}, apv = {0};
    ccs_pubkey *peer = NULL;
    uint8_t z[48], kek[32];
    ccs_status st = b64url_member(epk, "x", fl, fl, &xy);
    if (st == CCS_OK) st = b64url_member(epk, "y", fl, fl, &xy);
    if (st == CCS_OK && ccs_pubkey_from_ec_raw(k->curve, ccs_buf_view(&xy), &peer) != CCS_OK)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "jwe: epk is not a point on %s", crv);
    if (st == CCS_OK) st = party(param(rcpt, jwe, prot, "apu"), "apu", &apu);
    if (st == CCS_OK) st = party(param(rcpt, jwe, prot, "apv"), "apv", &apv);
    if (st == CCS_OK) st = b64url_member(rcpt, "encrypted_key", CEK_LEN + 8, CEK_LEN + 8, &ek);
    if (st == CCS_OK) st = ccs_ecdh_scalar(ccs_bytes_of(k->d, fl), peer, z);
    if (st == CCS_OK)
        st = ccs_concat_kdf_sha256(ccs_bytes_of(z, fl), "ECDH-ES+A256KW", ccs_buf_view(&apu), ccs_buf_view(&apv),
                                   sizeof kek, kek);
    if (st == CCS_OK && ccs_aes256kw_unwrap(kek, ccs_buf_view(&ek), cek) != CCS_OK) st = CCS_ERR_KEY;
    ccs_wipe(z, sizeof z);
    ccs_wipe(kek, sizeof kek);
    ccs_pubkey_free(peer);
    ccs_buf_free(&xy);
    ccs_buf_free(&ek);
    ccs_buf_free(&apu);
    ccs_buf_free(&apv);
    return st;
}

static ccs_status unwrap_rsa(const key *k, const char *alg, const json_t *rcpt, uint8_t cek[CEK_LEN]) {
    ccs_buf ek = {0}, out = {0};
    ccs_status st = b64url_member(rcpt, "encrypted_key", 256, 1024, &ek);
    if (st == CCS_OK) {
        ccs_status d = ccs_rsa_oaep_decrypt_pem(k->pem, strcmp(alg, "RSA-OAEP-256") == 0 ? CCS_OAEP_SHA256 : CCS_OAEP_SHA1,
                                                ccs_buf_view(&ek), &out);
        st = d == CCS_OK && out.len == CEK_LEN ? CCS_OK : CCS_ERR_KEY; /* another key, or not ours */
        if (st == CCS_OK) memcpy(cek, out.ptr, CEK_LEN);
        ccs_error_clear();
    }
    if (out.ptr) ccs_wipe(out.ptr, out.len);
    ccs_buf_free(&ek);
    ccs_buf_free(&out);
    return st;
}

/* The CEK from the first (recipient, key) pair that unwraps: CCS_ERR_KEY
 * when none does; a malformed recipient is an error at once. */
static ccs_status find_cek(const json_t *jwe, const json_t *prot, const key *keys, size_t nkeys, uint8_t cek[CEK_LEN]) {
    const json_t *list = json_object_get(jwe, "recipients");
    json_t *single = NULL;
    if (list == NULL) { /* flattened: the JWE itself is the recipient */
        single = json_pack("[O]", jwe);
        list = single;
    }
    CCS_ENSURE(json_is_array(list) && json_array_size(list) > 0 && json_array_size(list) <= 64, CCS_ERR_FORMAT,
               "jwe: \"recipients\" must be an array of 1..64");
    ccs_status st = CCS_ERR_KEY;
    size_t unsupported = 0;
    for (size_t r = 0; st == CCS_ERR_KEY && r < json_array_size(list); r++) {
        const json_t *rcpt = json_array_get(list, r);
        const char *alg = json_string_value(param(rcpt, jwe, prot, "alg"));
        bool ec = alg && strcmp(alg, "ECDH-ES+A256KW") == 0;
        bool rsa = alg && (strcmp(alg, "RSA-OAEP") == 0 || strcmp(alg, "RSA-OAEP-256") == 0);
        if (!json_is_object(rcpt) || alg == NULL) {
            st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "jwe: recipient %zu has no \"alg\"", r);
            break;
        }
        if (!ec && !rsa) {
            unsupported++;
            continue;
        }
        for (size_t i = 0; st == CCS_ERR_KEY && i < nkeys; i++) {
            if (keys[i].ec != ec) continue;
            st = ec ? unwrap_ec(&keys[i], rcpt, jwe, prot, cek) : unwrap_rsa(&keys[i], alg, rcpt, cek);
        }
    }
    json_decref(single);
    if (st == CCS_ERR_KEY)
        st = ccs_error_set(CCS_ERR_KEY, CCS_HERE,
                           "jwe: no key opens this layer (%zu recipient(s)%s; keys tried: %zu)", json_array_size(list),
                           unsupported ? ", some with algorithms other than RSA-OAEP[-256] / ECDH-ES+A256KW" : "",
                           nkeys);
    return st;
}

static ccs_status load_keys(const ccs_image_keys *in, key **out) {
    key *k = calloc(in->n ? in->n : 1, sizeof *k);
    CCS_ENSURE(k != NULL, CCS_ERR_NOMEM, "jwe: no memory");
    for (size_t i = 0; i < in->n; i++) {
        uint8_t xy[96];
        k[i].pem = in->pem[i];
        k[i].ec = ccs_ec_private_pem_raw(in->pem[i], &k[i].curve, k[i].d, xy, &k[i].fl) == CCS_OK;
        ccs_error_clear();
    }
    *out = k;
    return CCS_OK;
}

static ccs_status open_content(const json_t *jwe, const uint8_t cek[CEK_LEN], ccs_buf *pt) {
    ccs_buf iv = {0}, tag = {0}, ct = {0}, aad = {0};
    ccs_status st = b64url_member(jwe, "iv", 12, 12, &iv);
    if (st == CCS_OK) st = b64url_member(jwe, "tag", 16, 16, &tag);
    if (st == CCS_OK) st = b64url_member(jwe, "ciphertext", 0, JWE_MAX, &ct);
    if (st == CCS_OK) st = ccs_buf_append_str(&aad, json_string_value(json_object_get(jwe, "protected")));
    const json_t *extra = json_object_get(jwe, "aad");
    if (st == CCS_OK && extra != NULL) {
        st = json_is_string(extra) ? ccs_buf_append_str(&aad, ".") : ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "jwe: bad aad");
        if (st == CCS_OK) st = ccs_buf_append_str(&aad, json_string_value(extra));
    }
    if (st == CCS_OK && ccs_aes256gcm_open(cek, iv.ptr, ccs_buf_view(&aad), ccs_buf_view(&ct), tag.ptr, pt) != CCS_OK)
        st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE, "jwe: the private options do not decrypt (altered JWE)");
    ccs_buf_free(&iv);
    ccs_buf_free(&tag);
    ccs_buf_free(&ct);
    ccs_buf_free(&aad);
    return st;
}

static const char *const MEMBERS[] = {"protected", "unprotected", "header", "encrypted_key", "recipients",
                                      "iv",        "ciphertext",  "tag",    "aad"};

ccs_status ccs__image_jwe_open(ccs_bytes text, const ccs_image_keys *keys, ccs_buf *pt) {
    CCS_ENSURE(keys != NULL && pt != NULL, CCS_ERR_INVALID_ARG, "jwe: bad arguments");
    CCS_ENSURE(text.len <= JWE_MAX, CCS_ERR_FORMAT, "jwe: %zu bytes (at most %zu)", text.len, JWE_MAX);
    json_t *jwe = NULL, *prot = NULL;
    ccs_buf hdr = {0};
    key *k = NULL;
    uint8_t cek[CEK_LEN];
    ccs_status st = ccs__image_json_parse(text, "jwe", &jwe);
    const char *name;
    json_t *v;
    json_object_foreach(st == CCS_OK ? jwe : NULL, name, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof MEMBERS / sizeof *MEMBERS; i++) known = known || strcmp(name, MEMBERS[i]) == 0;
        if (!known) {
            st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "jwe: unknown member \"%.40s\"", name);
            break;
        }
    }
    if (st == CCS_OK) st = b64url_member(jwe, "protected", 2, 4096, &hdr);
    if (st == CCS_OK) st = ccs__image_json_parse(ccs_buf_view(&hdr), "jwe protected header", &prot);
    const char *enc = json_string_value(json_object_get(prot, "enc"));
    if (st == CCS_OK && (enc == NULL || strcmp(enc, "A256GCM") != 0))
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "jwe: enc %s (A256GCM only)", enc ? enc : "missing");
    if (st == CCS_OK && (json_object_get(prot, "zip") || json_object_get(prot, "crit")))
        st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "jwe: \"zip\" and \"crit\" are refused");
    if (st == CCS_OK) st = load_keys(keys, &k);
    if (st == CCS_OK) st = find_cek(jwe, prot, k, keys->n, cek);
    if (st == CCS_OK) st = open_content(jwe, cek, pt);
    ccs_wipe(cek, sizeof cek);
    if (k != NULL) ccs_wipe(k, (keys->n ? keys->n : 1) * sizeof *k);
    free(k);
    json_decref(prot);
    json_decref(jwe);
    ccs_buf_free(&hdr);
    return st;
}
