/* The C side of the npm jose interop test (jose_interop.mjs drives it).
 *
 *   kbs_jose_interop make DIR    our EAR token, keys and JWEs into DIR
 *   kbs_jose_interop check DIR   verify/decrypt what npm jose made in DIR
 *   kbs_jose_interop jcs FILE    RFC 8785 form of each value of a JSON array,
 *                                printed as a JSON array of strings
 *
 * Exit status 0 when every step passed, 1 otherwise (each failure printed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jose/jose.h>

#include "kbs_internal.h"

static const char RESOURCE[] = "kbs resource \xe2\x9c\x93 for the interop test";

static int failures;

static void check(bool ok, const char *what) {
    printf("%s - C: %s%s%s\n", ok ? "ok" : "not ok", what, ok ? "" : ": ", ok ? "" : ccs_error_detail());
    if (!ok) failures++;
}

static char *path_in(const char *dir, const char *name) {
    static char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static void write_json(const char *dir, const char *name, const json_t *v) {
    if (json_dump_file(v, path_in(dir, name), JSON_COMPACT | JSON_SORT_KEYS) != 0) {
        fprintf(stderr, "cannot write %s\n", name);
        exit(2);
    }
}

static json_t *read_json(const char *dir, const char *name) {
    json_error_t e;
    json_t *v = json_load_file(path_in(dir, name), JSON_REJECT_DUPLICATES, &e);
    if (v == NULL) {
        fprintf(stderr, "cannot read %s: %s\n", name, e.text);
        exit(2);
    }
    return v;
}

/* A fresh key from libjose: EC on crv (bits 0) or RSA of `bits`. */
static json_t *gen_ec(const char *crv, int bits) {
    json_t *k = bits ? json_pack("{s:s,s:i}", "kty", "RSA", "bits", bits)
                     : json_pack("{s:s,s:s}", "kty", "EC", "crv", crv);
    if (k == NULL || !jose_jwk_gen(NULL, k)) exit(2);
    json_object_del(k, "bits");
    return k;
}

static json_t *gen(int bits) { return gen_ec("P-256", bits); }

static json_t *pub_of(const json_t *k) {
    json_t *p = json_deep_copy(k);
    if (!jose_jwk_pub(NULL, p)) exit(2);
    return p;
}

static void wrap(const char *dir, const char *name, const json_t *pub) {
    json_t *jwe = NULL;
    ccs_status st = ccs_kbs_jwe_encrypt(pub, ccs_bytes_of(RESOURCE, strlen(RESOURCE)), &jwe);
    check(st == CCS_OK, name);
    if (jwe) write_json(dir, name, jwe);
    json_decref(jwe);
}

static int cmd_make(const char *dir) {
    ccs_kbs_token_key *key = NULL;
    check(ccs_kbs_token_key_generate(&key) == CCS_OK, "token key");
    json_t *kpub = ccs_kbs_token_key_public(key);
    write_json(dir, "ear-key.pub.json", kpub);
    json_t *ec = gen(0), *rsa = gen(2048);
    json_t *ecp = pub_of(ec), *rsap = pub_of(rsa);
    write_json(dir, "ec.priv.json", ec);
    write_json(dir, "rsa.priv.json", rsa);
    write_json(dir, "ec.pub.json", ecp);
    write_json(dir, "rsa.pub.json", rsap);
    json_t *tv = json_pack("{s:i,s:i}", "instance-identity", 2, "hardware", 2);
    json_t *claims = json_pack("{s:s}", "tcb_status", "UpToDate");
    ccs_kbs_ear ear = {.status = CCS_KBS_EAR_AFFIRMING, .trust_vector = tv, .policy_id = "default",
                       .tee = "sample", .tee_claims = claims, .nonce = "bm9uY2U", .tee_pubkey = ecp,
                       .iat = ccs_time_now(), .lifetime_s = 300};
    ccs_buf tok = {0};
    check(ccs_kbs_ear_issue(key, &ear, &tok) == CCS_OK, "EAR issue");
    check(ccs_file_write(path_in(dir, "ear.jwt"), ccs_buf_view(&tok)) == CCS_OK, "write ear.jwt");
    wrap(dir, "jwe-ec.json", ecp);
    /* P-384 (src/crypto's ECDH, as P-256) and P-521 (through libjose). */
    static const char *const more[][4] = {{"P-384", "ec384.priv.json", "ec384.pub.json", "jwe-ec384.json"},
                                          {"P-521", "ec521.priv.json", "ec521.pub.json", "jwe-ec521.json"}};
    for (size_t i = 0; i < 2; i++) {
        json_t *k = gen_ec(more[i][0], 0), *kp = pub_of(k);
        write_json(dir, more[i][1], k);
        write_json(dir, more[i][2], kp);
        wrap(dir, more[i][3], kp);
        json_decref(k);
        json_decref(kp);
    }
    wrap(dir, "jwe-rsa.json", rsap);
    json_object_set_new(rsap, "alg", json_string("RSA-OAEP-256"));
    wrap(dir, "jwe-rsa256.json", rsap);
    /* The runtime-data digest, for the peer to recompute with canonicalize. */
    uint8_t d[64];
    size_t len = 0;
    char hex[129];
    check(ccs_kbs_runtime_data_hash("bm9uY2U", ecp, CCS_HASH_SHA384, d, &len) == CCS_OK &&
              ccs_hex_encode(ccs_bytes_of(d, len), hex, sizeof hex) == CCS_OK,
          "runtime data hash");
    check(ccs_file_write(path_in(dir, "runtime-data.sha384"), ccs_bytes_str(hex)) == CCS_OK, "write digest");
    check(ccs_file_write(path_in(dir, "resource.bin"), ccs_bytes_str(RESOURCE)) == CCS_OK, "write resource");
    ccs_buf_free(&tok);
    json_decref(tv);
    json_decref(claims);
    json_decref(ec);
    json_decref(rsa);
    json_decref(ecp);
    json_decref(rsap);
    json_decref(kpub);
    ccs_kbs_token_key_free(key);
    return failures ? 1 : 0;
}

static void unwrap(const char *dir, const char *name, const char *keyfile) {
    json_t *jwe = read_json(dir, name), *k = read_json(dir, keyfile);
    ccs_buf pt = {0};
    ccs_status st = ccs_kbs_jwe_decrypt(jwe, k, &pt);
    check(st == CCS_OK && pt.len == strlen(RESOURCE) && memcmp(pt.ptr, RESOURCE, pt.len) == 0, name);
    ccs_buf_free(&pt);
    json_decref(jwe);
    json_decref(k);
}

static ccs_status verify_file(const char *dir, const char *name, const json_t *key, bool ear) {
    ccs_buf t = {0};
    ccs_status st = ccs_file_read(path_in(dir, name), CCS_KBS_JWT_MAX + 1, &t);
    json_t *claims = NULL;
    if (st == CCS_OK && ear) st = ccs_kbs_ear_verify((const char *)t.ptr, t.len, key, ccs_time_now(), &claims);
    if (st == CCS_OK && !ear)
        st = ccs_kbs_admin_token_verify((const char *)t.ptr, t.len, key, NULL, ccs_time_now());
    json_decref(claims);
    ccs_buf_free(&t);
    return st;
}

static int cmd_check(const char *dir) {
    unwrap(dir, "peer-jwe-ec.json", "ec.priv.json");
    unwrap(dir, "peer-jwe-ec384.json", "ec384.priv.json");
    unwrap(dir, "peer-jwe-ec521.json", "ec521.priv.json");
    unwrap(dir, "peer-jwe-rsa.json", "rsa.priv.json");
    unwrap(dir, "peer-jwe-rsa256.json", "rsa.priv.json");
    json_t *pk = read_json(dir, "peer-key.pub.json");
    json_t *trusted = NULL;
    char *text = json_dumps(pk, 0);
    check(ccs_kbs_es256_pubkey_parse(ccs_bytes_str(text), &trusted) == CCS_OK, "peer key");
    free(text);
    check(verify_file(dir, "peer-ear.jwt", trusted, true) == CCS_OK, "peer EAR verifies");
    check(verify_file(dir, "peer-admin.jwt", trusted, false) == CCS_OK, "peer admin token verifies");
    check(verify_file(dir, "peer-none.jwt", trusted, true) == CCS_ERR_FORMAT, "peer alg none refused");
    check(verify_file(dir, "peer-hs256.jwt", trusted, true) == CCS_ERR_UNSUPPORTED, "peer HS256 refused");
    check(verify_file(dir, "peer-expired.jwt", trusted, true) == CCS_ERR_EXPIRED, "peer expired EAR refused");
    check(verify_file(dir, "peer-otherkey.jwt", trusted, true) == CCS_ERR_UNTRUSTED, "peer EAR by another key");
    json_decref(pk);
    json_decref(trusted);
    return failures ? 1 : 0;
}

static int cmd_jcs(const char *file) {
    json_error_t e;
    json_t *arr = json_load_file(file, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e), *out = json_array();
    if (!json_is_array(arr)) {
        fprintf(stderr, "%s: %s\n", file, e.text);
        return 2;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        ccs_buf c = {0};
        if (ccs_kbs_jcs(json_array_get(arr, i), &c) != CCS_OK) {
            json_array_append_new(out, json_null()); /* refused: the peer sees null */
        } else {
            json_array_append_new(out, json_stringn((const char *)c.ptr, c.len));
        }
        ccs_buf_free(&c);
    }
    char *s = json_dumps(out, JSON_COMPACT | JSON_ENSURE_ASCII);
    puts(s);
    free(s);
    json_decref(out);
    json_decref(arr);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "make") == 0) return cmd_make(argv[2]);
    if (argc == 3 && strcmp(argv[1], "check") == 0) return cmd_check(argv[2]);
    if (argc == 3 && strcmp(argv[1], "jcs") == 0) return cmd_jcs(argv[2]);
    fprintf(stderr, "usage: %s make DIR | check DIR | jcs FILE\n", argv[0]);
    return 2;
}
