/* The image module: OCI layouts (digest-checked blobs, index, refs) and
 * ocicrypt layers: round trips to RSA and EC recipients, skopeo's own
 * encrypted image, and every refusal with its status: wrong key, altered
 * ciphertext (HMAC before decryption), malformed annotations and JWEs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ccs/image.h"
#include "image_internal.h"

#define DATA CCS_TEST_DATA "/image"
#define LAYER_DIGEST "sha256:30484fd9dc94345d2583756bc30f36330cf0ae602875068ace5e0080c70bddbe"

static void assert_st(ccs_status got, ccs_status want) {
    if (got != want) fail_msg("status %d, expected %d: %s", (int)got, (int)want, ccs_error_detail());
}

static ccs_buf read_file(const char *name) {
    char path[512];
    snprintf(path, sizeof path, DATA "/%s", name);
    ccs_buf b = {0};
    assert_st(ccs_file_read(path, 1 << 20, &b), CCS_OK);
    return b;
}

static const char *tmpdir(const char *name) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s-%d", CCS_TEST_TMP, name, (int)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
    return path;
}

/* Keys: [0] rsa.pem [1] ec.pem (private), [2] rsapub.pem [3] ecpub.pem. */
static ccs_buf g_keys[4];

static int setup(void **state) {
    (void)state;
    static const char *const names[] = {"rsa.pem", "ec.pem", "rsapub.pem", "ecpub.pem"};
    for (int i = 0; i < 4; i++) g_keys[i] = read_file(names[i]);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    for (int i = 0; i < 4; i++) ccs_buf_free(&g_keys[i]);
    return 0;
}

/* Key lists from a small pool of views, so that several can be live at once. */
static ccs_image_keys keys_of(int a, int b) {
    static ccs_bytes pool[16][2];
    static int next;
    ccs_bytes *v = pool[next++ % 16];
    v[0] = ccs_buf_view(&g_keys[a]);
    if (b >= 0) v[1] = ccs_buf_view(&g_keys[b]);
    return (ccs_image_keys){.pem = v, .n = b >= 0 ? 2 : 1};
}

static json_t *plain_desc(ccs_bytes layer) {
    char d[CCS_IMAGE_DIGEST_LEN + 1];
    ccs__image_digest_of(layer, d);
    return json_pack("{s:s,s:s,s:I,s:{s:s}}", "mediaType", "application/vnd.oci.image.layer.v1.tar+gzip", "digest", d,
                     "size", (json_int_t)layer.len, "annotations", "keep.me", "yes");
}

/* ---- layers ---- */

static void test_layer_round_trips(void **state) {
    (void)state;
    static const char layer[] = "not really a tar, but any bytes will do for a layer";
    json_t *in = plain_desc(ccs_bytes_str(layer));
    for (int pub = 2; pub <= 3; pub++) {
        ccs_image_keys rcpt = keys_of(2, 3), priv = keys_of(pub - 2, -1);
        ccs_buf ct = {0}, pt = {0};
        json_t *ed = NULL, *pd = NULL;
        assert_st(ccs_ocicrypt_encrypt_layer(in, ccs_bytes_str(layer), &rcpt, &ct, &ed), CCS_OK);
        assert_int_equal(ct.len, strlen(layer)); /* CTR: same length */
        assert_true(ccs_ocicrypt_is_encrypted(ed));
        assert_string_equal(json_string_value(json_object_get(ed, "mediaType")),
                            "application/vnd.oci.image.layer.v1.tar+gzip+encrypted");
        assert_non_null(json_object_get(json_object_get(ed, "annotations"), "org.opencontainers.image.enc.keys.jwe"));
        assert_st(ccs_ocicrypt_decrypt_layer(ed, ccs_buf_view(&ct), &priv, &pt, &pd), CCS_OK);
        assert_memory_equal(pt.ptr, layer, strlen(layer));
        assert_true(json_equal(pd, in)); /* media type, digest, size and the other annotation back */
        ccs_buf_free(&ct);
        ccs_buf_free(&pt);
        json_decref(ed);
        json_decref(pd);
    }
    /* An encrypted layer is not encrypted again; a plain one is not decrypted. */
    ccs_buf b = {0};
    json_t *x = NULL;
    ccs_image_keys k = keys_of(2, -1);
    json_object_set_new(in, "mediaType", json_string("application/vnd.oci.image.layer.v1.tar+encrypted"));
    assert_st(ccs_ocicrypt_encrypt_layer(in, ccs_bytes_str(layer), &k, &b, &x), CCS_ERR_INVALID_ARG);
    json_object_set_new(in, "mediaType", json_string("application/vnd.oci.image.layer.v1.tar"));
    assert_st(ccs_ocicrypt_decrypt_layer(in, ccs_bytes_str(layer), &k, &b, &x), CCS_ERR_INVALID_ARG);
    json_decref(in);
}

/* Encrypts layer to the RSA key; the caller frees. */
static void encrypted(const char *layer, ccs_buf *ct, json_t **ed) {
    json_t *in = plain_desc(ccs_bytes_str(layer));
    ccs_image_keys rcpt = keys_of(2, -1);
    assert_st(ccs_ocicrypt_encrypt_layer(in, ccs_bytes_str(layer), &rcpt, ct, ed), CCS_OK);
    json_decref(in);
}

static ccs_status try_decrypt(const json_t *ed, ccs_bytes ct, int key) {
    ccs_image_keys k = keys_of(key, -1);
    ccs_buf pt = {0};
    json_t *pd = NULL;
    ccs_status st = ccs_ocicrypt_decrypt_layer(ed, ct, &k, &pt, &pd);
    if (st != CCS_OK) assert_int_equal(pt.len, 0); /* nothing released on failure */
    ccs_buf_free(&pt);
    json_decref(pd);
    return st;
}

static void test_layer_refusals(void **state) {
    (void)state;
    ccs_buf ct = {0};
    json_t *ed = NULL;
    encrypted("some layer bytes that are secret", &ct, &ed);
    /* The EC key is not a recipient. */
    assert_st(try_decrypt(ed, ccs_buf_view(&ct), 1), CCS_ERR_KEY);
    assert_non_null(strstr(ccs_error_detail(), "no key opens this layer"));
    /* Any flipped ciphertext byte: the HMAC refuses before decryption. */
    for (size_t i = 0; i < ct.len; i += 7) {
        ct.ptr[i] ^= 0x01;
        assert_st(try_decrypt(ed, ccs_buf_view(&ct), 0), CCS_ERR_SIGNATURE);
        assert_non_null(strstr(ccs_error_detail(), "HMAC does not match"));
        ct.ptr[i] ^= 0x01;
    }
    /* Truncated ciphertext. */
    assert_st(try_decrypt(ed, ccs_bytes_of(ct.ptr, ct.len - 1), 0), CCS_ERR_SIGNATURE);
    assert_st(try_decrypt(ed, ccs_buf_view(&ct), 0), CCS_OK);
    ccs_buf_free(&ct);
    json_decref(ed);
}

/* Replaces an annotation of the encrypted descriptor with a base64 value. */
static void set_ann_b64(json_t *ed, const char *name, const char *raw) {
    ccs_buf b = {0};
    assert_st(ccs_base64_encode(ccs_bytes_str(raw), &b), CCS_OK);
    json_object_set_new(json_object_get(ed, "annotations"), name, json_string((const char *)b.ptr));
    ccs_buf_free(&b);
}

static void test_annotation_refusals(void **state) {
    (void)state;
    ccs_buf ct = {0};
    json_t *ed = NULL;
    encrypted("layer", &ct, &ed);
    static const struct {
        const char *ann, *raw;
        ccs_status st;
        const char *msg;
    } cases[] = {
        {"org.opencontainers.image.enc.pubopts", "{\"cipher\":\"AES_128_GCM\",\"hmac\":\"\"}", CCS_ERR_UNSUPPORTED, "cipher AES_128_GCM"},
        {"org.opencontainers.image.enc.pubopts", "{\"cipher\":\"AES_256_CTR_HMAC_SHA256\",\"hmac\":\"AAAA\"}", CCS_ERR_FORMAT, "\"hmac\" has 3 bytes"},
        {"org.opencontainers.image.enc.pubopts", "not json", CCS_ERR_FORMAT, "JSON"},
        {"org.opencontainers.image.enc.pubopts", "[1]", CCS_ERR_FORMAT, "not a JSON object"},
        {"org.opencontainers.image.enc.keys.jwe", "{\"protected\":\"eyJlbmMiOiJBMTI4R0NNIn0\",\"recipients\":[{}],\"iv\":\"\",\"ciphertext\":\"\",\"tag\":\"\"}", CCS_ERR_UNSUPPORTED, "enc A128GCM"},
        {"org.opencontainers.image.enc.keys.jwe", "{\"protected\":\"eyJlbmMiOiJBMjU2R0NNIn0\",\"recipients\":[],\"iv\":\"\"}", CCS_ERR_FORMAT, "recipients"},
        {"org.opencontainers.image.enc.keys.jwe", "{\"protected\":\"eyJlbmMiOiJBMjU2R0NNIn0\",\"recipients\":[{\"header\":{}}]}", CCS_ERR_FORMAT, "no \"alg\""},
        {"org.opencontainers.image.enc.keys.jwe", "{\"bogus\":1}", CCS_ERR_FORMAT, "unknown member"},
        {"org.opencontainers.image.enc.keys.jwe", "{\"protected\":\"!!\"}", CCS_ERR_FORMAT, "not base64url"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *copy = json_deep_copy(ed);
        set_ann_b64(copy, cases[i].ann, cases[i].raw);
        assert_st(try_decrypt(copy, ccs_buf_view(&ct), 0), cases[i].st);
        if (strstr(ccs_error_detail(), cases[i].msg) == NULL) fail_msg("case %zu: %s", i, ccs_error_detail());
        json_decref(copy);
    }
    /* Not base64 at all; annotations missing. */
    json_t *copy = json_deep_copy(ed);
    json_object_set_new(json_object_get(copy, "annotations"), "org.opencontainers.image.enc.keys.jwe", json_string("%%%"));
    assert_st(try_decrypt(copy, ccs_buf_view(&ct), 0), CCS_ERR_FORMAT);
    json_object_del(json_object_get(copy, "annotations"), "org.opencontainers.image.enc.keys.jwe");
    assert_st(try_decrypt(copy, ccs_buf_view(&ct), 0), CCS_ERR_UNSUPPORTED);
    json_object_del(copy, "annotations");
    assert_st(try_decrypt(copy, ccs_buf_view(&ct), 0), CCS_ERR_FORMAT);
    json_decref(copy);
    ccs_buf_free(&ct);
    json_decref(ed);
}

/* The plain layer's digest that the encryption recorded in the private
 * options: a decrypted layer that differs is refused (an encryptor that
 * recorded another layer, or a recipient who swapped the layer under the
 * same key); a malformed or non-sha256 digest there is refused before any
 * decryption. */
static void test_privopts_digest(void **state) {
    (void)state;
    const char *layer = "the layer that was encrypted";
    json_t *in = plain_desc(ccs_bytes_str(layer));
    char other[CCS_IMAGE_DIGEST_LEN + 1];
    ccs__image_digest_of(ccs_bytes_str("another layer"), other);
    json_object_set_new(in, "digest", json_string(other));
    ccs_image_keys rcpt = keys_of(2, -1);
    ccs_buf ct = {0};
    json_t *ed = NULL;
    assert_st(ccs_ocicrypt_encrypt_layer(in, ccs_bytes_str(layer), &rcpt, &ct, &ed), CCS_OK);
    assert_st(try_decrypt(ed, ccs_buf_view(&ct), 0), CCS_ERR_MISMATCH);
    assert_non_null(strstr(ccs_error_detail(), "but its encryption recorded"));
    assert_non_null(strstr(ccs_error_detail(), other));
    static const struct {
        const char *priv;
        ccs_status st;
        const char *msg;
    } cases[] = {
        {"{\"symkey\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"digest\":5,\"cipheroptions\":{\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}}",
         CCS_ERR_FORMAT, "\"digest\" is not a string"},
        {"{\"symkey\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"digest\":\"sha512:00\",\"cipheroptions\":{\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}}",
         CCS_ERR_UNSUPPORTED, "another algorithm than sha256"},
        {"{\"symkey\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"digest\":\"sha256:ABCD\",\"cipheroptions\":{\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}}",
         CCS_ERR_FORMAT, "not a sha256 digest"},
        {"{\"symkey\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"digest\":\"nocolon\",\"cipheroptions\":{\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}}",
         CCS_ERR_FORMAT, "not a sha256 digest"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ccs_buf jwe = {0};
        assert_st(ccs__image_jwe_seal(ccs_bytes_str(cases[i].priv), &rcpt, &jwe), CCS_OK);
        assert_st(ccs_buf_append(&jwe, "", 1), CCS_OK);
        json_t *copy = json_deep_copy(ed);
        set_ann_b64(copy, "org.opencontainers.image.enc.keys.jwe", (const char *)jwe.ptr);
        assert_st(try_decrypt(copy, ccs_buf_view(&ct), 0), cases[i].st);
        if (strstr(ccs_error_detail(), cases[i].msg) == NULL) fail_msg("case %zu: %s", i, ccs_error_detail());
        json_decref(copy);
        ccs_buf_free(&jwe);
    }
    json_decref(in);
    json_decref(ed);
    ccs_buf_free(&ct);
}

/* ---- layouts ---- */

static void test_skopeo_image(void **state) {
    (void)state;
    for (int key = 0; key < 2; key++) {
        const char *dst = tmpdir(key ? "dec-ec" : "dec-rsa");
        char src_ref[600], dst_ref[600];
        snprintf(src_ref, sizeof src_ref, "oci:" DATA "/skopeo-enc:v1");
        snprintf(dst_ref, sizeof dst_ref, "oci:%s:plain", dst);
        ccs_image_keys k = keys_of(key, -1);
        ccs_image_copy_result res;
        assert_st(ccs_image_copy(src_ref, dst_ref, CCS_IMAGE_DECRYPT, &k, &res), CCS_OK);
        assert_int_equal(res.layers, 1);
        assert_int_equal(res.transformed, 1);
        ccs_oci_layout *l = NULL;
        ccs_buf blob = {0};
        assert_st(ccs_oci_layout_open(dst, false, &l), CCS_OK);
        assert_st(ccs_oci_blob_read(l, LAYER_DIGEST, 10240, 1 << 20, &blob), CCS_OK);
        json_t *desc = NULL;
        assert_st(ccs_oci_index_find(l, "plain", &desc), CCS_OK);
        assert_string_equal(json_string_value(json_object_get(desc, "digest")), res.manifest_digest);
        json_decref(desc);
        assert_st(ccs_oci_index_find(l, "other", &desc), CCS_ERR_NOT_FOUND);
        /* Untagging: another tag is nothing to do; the tag goes, the blobs stay. */
        assert_st(ccs_oci_index_remove(l, "other"), CCS_OK);
        assert_st(ccs_oci_index_remove(l, "plain"), CCS_OK);
        assert_st(ccs_oci_index_find(l, "plain", &desc), CCS_ERR_NOT_FOUND);
        ccs_buf_free(&blob);
        assert_st(ccs_oci_blob_read(l, LAYER_DIGEST, 10240, 1 << 20, &blob), CCS_OK);
        ccs_buf_free(&blob);
        ccs_oci_layout_free(l);
    }
    /* The public keys cannot decrypt; nothing is tagged in the destination. */
    const char *dst = tmpdir("dec-none");
    char dst_ref[600];
    snprintf(dst_ref, sizeof dst_ref, "oci:%s:x", dst);
    ccs_image_keys k = keys_of(2, 3);
    ccs_image_copy_result res;
    assert_st(ccs_image_copy("oci:" DATA "/skopeo-enc:v1", dst_ref, CCS_IMAGE_DECRYPT, &k, &res), CCS_ERR_KEY);
    ccs_oci_layout *l = NULL;
    json_t *desc = NULL;
    assert_st(ccs_oci_layout_open(dst, false, &l), CCS_OK);
    assert_st(ccs_oci_index_find(l, "x", &desc), CCS_ERR_NOT_FOUND);
    ccs_oci_layout_free(l);
}

static void test_encrypt_then_decrypt_image(void **state) {
    (void)state;
    char a[600], b[600], c[600];
    snprintf(a, sizeof a, "oci:%s:v1", tmpdir("plain"));
    snprintf(b, sizeof b, "oci:%s:v1", tmpdir("enc"));
    snprintf(c, sizeof c, "oci:%s:v1", tmpdir("dec"));
    ccs_image_keys priv_rsa = keys_of(0, -1), pubs = keys_of(2, 3), priv_ec = keys_of(1, -1);
    ccs_image_copy_result r1, r2, r3;
    assert_st(ccs_image_copy("oci:" DATA "/skopeo-enc:v1", a, CCS_IMAGE_DECRYPT, &priv_rsa, &r1), CCS_OK);
    assert_st(ccs_image_copy(a, b, CCS_IMAGE_ENCRYPT, &pubs, &r2), CCS_OK);
    assert_int_equal(r2.transformed, 1);
    assert_st(ccs_image_copy(b, c, CCS_IMAGE_DECRYPT, &priv_ec, &r3), CCS_OK);
    assert_string_equal(r1.manifest_digest, r3.manifest_digest); /* byte for byte the same image */
}

static void test_layout_refusals(void **state) {
    (void)state;
    const char *dir = tmpdir("layout");
    ccs_oci_layout *l = NULL;
    assert_st(ccs_oci_layout_open(dir, false, &l), CCS_ERR_NOT_FOUND);
    assert_st(ccs_oci_layout_open(dir, true, &l), CCS_OK);
    char digest[CCS_IMAGE_DIGEST_LEN + 1];
    ccs_buf b = {0};
    assert_st(ccs_oci_blob_write(l, ccs_bytes_str("hello"), digest), CCS_OK);
    assert_st(ccs_oci_blob_read(l, digest, 5, 100, &b), CCS_OK);
    assert_st(ccs_oci_blob_read(l, digest, 6, 100, &b), CCS_ERR_MISMATCH);
    assert_st(ccs_oci_blob_read(l, digest, -1, 4, &b), CCS_ERR_OVERFLOW);
    assert_st(ccs_oci_blob_read(l, "sha256:../../../../etc/passwd", -1, 100, &b), CCS_ERR_FORMAT);
    assert_st(ccs_oci_blob_read(l, "sha512:00", -1, 100, &b), CCS_ERR_UNSUPPORTED);
    assert_st(ccs_oci_blob_read(l, "sha256:AB", -1, 100, &b), CCS_ERR_FORMAT);
    /* A blob whose content was changed on disk. */
    char path[800];
    snprintf(path, sizeof path, "%s/blobs/sha256/%s", dir, digest + 7);
    assert_st(ccs_file_write(path, ccs_bytes_str("HELLO")), CCS_OK);
    assert_st(ccs_oci_blob_read(l, digest, 5, 100, &b), CCS_ERR_MISMATCH);
    assert_non_null(strstr(ccs_error_detail(), "does not match its digest"));
    ccs_buf_free(&b);
    ccs_oci_layout_free(l);
    char *d = NULL, *t = NULL;
    assert_st(ccs_oci_ref_parse("oci:/a/b:tag", &d, &t), CCS_OK);
    assert_string_equal(d, "/a/b");
    assert_string_equal(t, "tag");
    free(d);
    free(t);
    assert_st(ccs_oci_ref_parse("oci:dir", &d, &t), CCS_OK);
    assert_null(t);
    free(d);
    assert_st(ccs_oci_ref_parse("docker://x/y", &d, &t), CCS_ERR_UNSUPPORTED);
    assert_st(ccs_oci_ref_parse("oci::tag", &d, &t), CCS_ERR_FORMAT);
    assert_st(ccs_oci_ref_parse("oci:dir:", &d, &t), CCS_ERR_FORMAT);
}

/* The path tmpdir(name) gave, left as it is. */
static const char *tpath(const char *name) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s-%d", CCS_TEST_TMP, name, (int)getpid());
    return path;
}

/* A one-layer layout in dir (tag v1) whose layer is n pseudo-random bytes. */
static void make_layout_of(const char *dir, size_t n) {
    ccs_oci_layout *l = NULL;
    assert_st(ccs_oci_layout_open(dir, true, &l), CCS_OK);
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)((i * 2654435761u) >> 13);
    char ld[CCS_IMAGE_DIGEST_LEN + 1], cd[CCS_IMAGE_DIGEST_LEN + 1], md[CCS_IMAGE_DIGEST_LEN + 1];
    assert_st(ccs_oci_blob_write(l, ccs_bytes_of(p, n), ld), CCS_OK);
    free(p);
    char cfg[256], man[1024];
    snprintf(cfg, sizeof cfg, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}", ld);
    assert_st(ccs_oci_blob_write(l, ccs_bytes_str(cfg), cd), CCS_OK);
    snprintf(man, sizeof man,
             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
             "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
             "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%zu}]}",
             cd, strlen(cfg), ld, n);
    assert_st(ccs_oci_blob_write(l, ccs_bytes_str(man), md), CCS_OK);
    json_t *d = json_pack("{s:s,s:s,s:I}", "mediaType", "application/vnd.oci.image.manifest.v1+json", "digest", md,
                          "size", (json_int_t)strlen(man));
    assert_st(ccs_oci_index_put(l, "v1", d), CCS_OK);
    json_decref(d);
    ccs_oci_layout_free(l);
}

/* A plain copy stores the manifest byte for byte (its digest is what
 * signatures name), even one not in jansson's compact form. */
static void test_copy_keeps_manifest(void **state) {
    (void)state;
    const char *src = tmpdir("copy-src"), *dst = tmpdir("copy-dst");
    make_layout_of(src, 1000);
    ccs_oci_layout *l = NULL;
    json_t *d = NULL, *m = NULL;
    ccs_buf b = {0};
    assert_st(ccs_oci_layout_open(src, false, &l), CCS_OK);
    assert_st(ccs_oci_index_find(l, "v1", &d), CCS_OK);
    assert_st(ccs_oci_blob_read(l, json_string_value(json_object_get(d, "digest")), -1, 1 << 20, &b), CCS_OK);
    m = json_loadb((const char *)b.ptr, b.len, 0, NULL);
    assert_non_null(m);
    char *pretty = json_dumps(m, JSON_INDENT(3));
    assert_non_null(pretty);
    char md[CCS_IMAGE_DIGEST_LEN + 1];
    assert_st(ccs_oci_blob_write(l, ccs_bytes_str(pretty), md), CCS_OK);
    json_object_set_new(d, "digest", json_string(md));
    json_object_set_new(d, "size", json_integer((json_int_t)strlen(pretty)));
    assert_st(ccs_oci_index_put(l, "v1", d), CCS_OK);
    char sref[600], dref[600];
    snprintf(sref, sizeof sref, "oci:%s:v1", src);
    snprintf(dref, sizeof dref, "oci:%s:v1", dst);
    ccs_image_copy_result res;
    assert_st(ccs_image_copy(sref, dref, CCS_IMAGE_COPY, NULL, &res), CCS_OK);
    assert_int_equal(res.transformed, 0);
    assert_string_equal(res.manifest_digest, md);
    free(pretty);
    json_decref(m);
    json_decref(d);
    ccs_buf_free(&b);
    ccs_oci_layout_free(l);
}

/* The encrypted layer's blob path in layout dir (tag v1). */
static void enc_blob_path(const char *dir, char *out, size_t cap) {
    ccs_oci_layout *l = NULL;
    json_t *d = NULL, *m = NULL;
    ccs_buf b = {0};
    assert_st(ccs_oci_layout_open(dir, false, &l), CCS_OK);
    assert_st(ccs_oci_index_find(l, "v1", &d), CCS_OK);
    assert_st(ccs_oci_blob_read(l, json_string_value(json_object_get(d, "digest")), -1, 1 << 20, &b), CCS_OK);
    m = json_loadb((const char *)b.ptr, b.len, 0, NULL);
    assert_non_null(m);
    const char *ld = json_string_value(json_object_get(json_array_get(json_object_get(m, "layers"), 0), "digest"));
    snprintf(out, cap, "%s/blobs/sha256/%s", dir, ld + 7);
    json_decref(m);
    json_decref(d);
    ccs_buf_free(&b);
    ccs_oci_layout_free(l);
}

/* Layout-to-layout decryption streams the layer in 1 MiB chunks on two
 * threads (serially under 256 KiB): empty, small, exactly one chunk, and
 * several chunks with a ragged end
 * come back byte for byte; a changed or truncated encrypted blob is refused
 * with the in-memory path's errors and nothing is tagged. */
static void test_stream_decrypt(void **state) {
    (void)state;
    static const size_t sizes[] = {0, 1000, 1 << 20, (5u << 19) + 3}; /* empty, serial, one chunk, several */
    ccs_image_keys pubs = keys_of(2, 3), priv = keys_of(0, -1);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        char name[64], a[600], ar[640], br[640], cr[640], xr[640];
        snprintf(name, sizeof name, "sp%zu", i);
        snprintf(a, sizeof a, "%s", tmpdir(name));
        make_layout_of(a, sizes[i]);
        snprintf(ar, sizeof ar, "oci:%s:v1", a);
        snprintf(name, sizeof name, "se%zu", i), snprintf(br, sizeof br, "oci:%s:v1", tmpdir(name));
        snprintf(name, sizeof name, "sd%zu", i), snprintf(cr, sizeof cr, "oci:%s:v1", tmpdir(name));
        snprintf(name, sizeof name, "sc%zu", i), snprintf(xr, sizeof xr, "oci:%s:v1", tmpdir(name));
        ccs_image_copy_result r0, r1, r2;
        assert_st(ccs_image_copy(ar, xr, CCS_IMAGE_DECRYPT, &priv, &r0), CCS_OK); /* nothing to decrypt: a copy */
        assert_int_equal(r0.transformed, 0);
        assert_st(ccs_image_copy(ar, br, CCS_IMAGE_ENCRYPT, &pubs, &r1), CCS_OK);
        assert_st(ccs_image_copy(br, cr, CCS_IMAGE_DECRYPT, &priv, &r2), CCS_OK);
        assert_int_equal(r2.transformed, 1);
        assert_string_equal(r0.manifest_digest, r2.manifest_digest);
    }
    /* Refusals on the largest: a flipped byte, then a truncated blob. */
    char path[800], dr[640];
    enc_blob_path(tpath("se3"), path, sizeof path);
    ccs_buf blob = {0};
    assert_st(ccs_file_read(path, 1 << 23, &blob), CCS_OK);
    blob.ptr[blob.len / 2] ^= 1;
    assert_st(ccs_file_write(path, ccs_buf_view(&blob)), CCS_OK);
    snprintf(dr, sizeof dr, "oci:%s:v1", tmpdir("sd-bad"));
    char br[640];
    snprintf(br, sizeof br, "oci:%s:v1", tpath("se3"));
    ccs_image_copy_result r;
    assert_st(ccs_image_copy(br, dr, CCS_IMAGE_DECRYPT, &priv, &r), CCS_ERR_MISMATCH);
    assert_non_null(strstr(ccs_error_detail(), "does not match its digest"));
    assert_st(ccs_file_write(path, ccs_bytes_of(blob.ptr, blob.len - 1)), CCS_OK);
    assert_st(ccs_image_copy(br, dr, CCS_IMAGE_DECRYPT, &priv, &r), CCS_ERR_MISMATCH);
    assert_non_null(strstr(ccs_error_detail(), "its descriptor says"));
    assert_int_equal(unlink(path), 0);
    assert_st(ccs_image_copy(br, dr, CCS_IMAGE_DECRYPT, &priv, &r), CCS_ERR_NOT_FOUND);
    ccs_buf_free(&blob);
    ccs_oci_layout *l = NULL;
    json_t *d = NULL;
    assert_st(ccs_oci_layout_open(tpath("sd-bad"), false, &l), CCS_OK);
    assert_st(ccs_oci_index_find(l, "v1", &d), CCS_ERR_NOT_FOUND);
    ccs_oci_layout_free(l);
}

/* A plain layout of n bytes (<pfx>-plain), encrypted to recipients into
 * <pfx>-enc; refs to both and to an empty <pfx>-dec, whose directory is dec. */
typedef struct enc_fixture {
    char plain[640], enc[640], dec_ref[640], dec[600];
} enc_fixture;

static void enc_fixture_make(enc_fixture *f, const char *pfx, size_t n, const ccs_image_keys *recipients) {
    char name[64], a[600];
    snprintf(name, sizeof name, "%s-plain", pfx), snprintf(a, sizeof a, "%s", tmpdir(name));
    make_layout_of(a, n);
    snprintf(f->plain, sizeof f->plain, "oci:%s:v1", a);
    snprintf(name, sizeof name, "%s-enc", pfx), snprintf(f->enc, sizeof f->enc, "oci:%s:v1", tmpdir(name));
    snprintf(name, sizeof name, "%s-dec", pfx), snprintf(f->dec, sizeof f->dec, "%s", tmpdir(name));
    snprintf(f->dec_ref, sizeof f->dec_ref, "oci:%s:v1", f->dec);
    ccs_image_copy_result r;
    assert_st(ccs_image_copy(f->plain, f->enc, CCS_IMAGE_ENCRYPT, recipients, &r), CCS_OK);
}

/* The verdict's order through a layout, as in memory: digest, key, HMAC.
 * A layer encrypted to the RSA key only, opened with the EC key: a changed
 * blob is refused by its digest (which is computed because no HMAC could
 * be), the intact one by the key. */
static void test_stream_verdict_order(void **state) {
    (void)state;
    char path[800];
    ccs_image_keys rsa_only = keys_of(2, -1), ec = keys_of(1, -1);
    enc_fixture f;
    enc_fixture_make(&f, "vo", (size_t)3 << 19, &rsa_only);
    ccs_image_copy_result r;
    assert_st(ccs_image_copy(f.enc, f.dec_ref, CCS_IMAGE_DECRYPT, &ec, &r), CCS_ERR_KEY);
    enc_blob_path(tpath("vo-enc"), path, sizeof path);
    ccs_buf blob = {0};
    assert_st(ccs_file_read(path, 1 << 23, &blob), CCS_OK);
    blob.ptr[7] ^= 0x80;
    assert_st(ccs_file_write(path, ccs_buf_view(&blob)), CCS_OK);
    assert_st(ccs_image_copy(f.enc, f.dec_ref, CCS_IMAGE_DECRYPT, &ec, &r), CCS_ERR_MISMATCH);
    assert_non_null(strstr(ccs_error_detail(), "does not match its digest"));
    ccs_buf_free(&blob);
}

/* A write that fails half way (RLIMIT_FSIZE: EFBIG, SIGXFSZ ignored) while
 * the second thread is still decrypting: the writer's error comes back,
 * both threads end, and nothing is left: no temporary file, no tag. */
static void test_stream_write_fails(void **state) {
    (void)state;
    ccs_image_keys pubs = keys_of(2, 3), priv = keys_of(0, -1);
    enc_fixture f;
    enc_fixture_make(&f, "wf", (size_t)6 << 20, &pubs);
    ccs_image_copy_result r;
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)5 << 19; /* 2.5 MiB: the third chunk does not fit */
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    ccs_status st = ccs_image_copy(f.enc, f.dec_ref, CCS_IMAGE_DECRYPT, &priv, &r);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_st(st, CCS_ERR_IO);
    assert_non_null(strstr(ccs_error_detail(), "image: write: File too large"));
    char cmd[900];
    snprintf(cmd, sizeof cmd, "test -z \"$(find '%s' -name '.ccs-tmp*')\"", f.dec);
    assert_int_equal(system(cmd), 0);
    ccs_oci_layout *l = NULL;
    json_t *tag = NULL;
    assert_st(ccs_oci_layout_open(f.dec, false, &l), CCS_OK);
    assert_st(ccs_oci_index_find(l, "v1", &tag), CCS_ERR_NOT_FOUND);
    ccs_oci_layout_free(l);
    /* the same source, without the limit */
    assert_st(ccs_image_copy(f.enc, f.dec_ref, CCS_IMAGE_DECRYPT, &priv, &r), CCS_OK);
}

/* Through a layout (the streamed path): a layer whose private options
 * record another plain digest is refused after decryption, and nothing is
 * stored: no plain blob, no temporary file, no tag. */
static void test_stream_privopts_digest(void **state) {
    (void)state;
    char src[512], dst[512]; /* tmpdir's buffer is static */
    snprintf(src, sizeof src, "%s", tmpdir("pd-src")), snprintf(dst, sizeof dst, "%s", tmpdir("pd-dst"));
    const char *layer = "a layer whose encryption recorded another digest";
    json_t *in = plain_desc(ccs_bytes_str(layer));
    char plain[CCS_IMAGE_DIGEST_LEN + 1], other[CCS_IMAGE_DIGEST_LEN + 1];
    ccs__image_digest_of(ccs_bytes_str(layer), plain);
    ccs__image_digest_of(ccs_bytes_str("another layer"), other);
    json_object_set_new(in, "digest", json_string(other));
    json_object_set_new(in, "mediaType", json_string("application/vnd.oci.image.layer.v1.tar"));
    ccs_image_keys rcpt = keys_of(2, -1), priv = keys_of(0, -1);
    ccs_buf ct = {0};
    json_t *ed = NULL;
    assert_st(ccs_ocicrypt_encrypt_layer(in, ccs_bytes_str(layer), &rcpt, &ct, &ed), CCS_OK);
    ccs_oci_layout *l = NULL;
    assert_st(ccs_oci_layout_open(src, true, &l), CCS_OK);
    char ld[CCS_IMAGE_DIGEST_LEN + 1], cd[CCS_IMAGE_DIGEST_LEN + 1], md[CCS_IMAGE_DIGEST_LEN + 1];
    assert_st(ccs_oci_blob_write(l, ccs_buf_view(&ct), ld), CCS_OK);
    char cfg[256];
    snprintf(cfg, sizeof cfg, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}", plain);
    assert_st(ccs_oci_blob_write(l, ccs_bytes_str(cfg), cd), CCS_OK);
    json_t *man = json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:[O]}", "schemaVersion", 2, "mediaType",
                            "application/vnd.oci.image.manifest.v1+json", "config", "mediaType",
                            "application/vnd.oci.image.config.v1+json", "digest", cd, "size", (json_int_t)strlen(cfg),
                            "layers", ed);
    assert_non_null(man);
    char *mtext = json_dumps(man, JSON_COMPACT);
    assert_st(ccs_oci_blob_write(l, ccs_bytes_str(mtext), md), CCS_OK);
    json_t *d = json_pack("{s:s,s:s,s:I}", "mediaType", "application/vnd.oci.image.manifest.v1+json", "digest", md,
                          "size", (json_int_t)strlen(mtext));
    assert_st(ccs_oci_index_put(l, "v1", d), CCS_OK);
    ccs_oci_layout_free(l);
    char sr[640], dr[640];
    snprintf(sr, sizeof sr, "oci:%s:v1", src), snprintf(dr, sizeof dr, "oci:%s:v1", dst);
    ccs_image_copy_result r;
    assert_st(ccs_image_copy(sr, dr, CCS_IMAGE_DECRYPT, &priv, &r), CCS_ERR_MISMATCH);
    assert_non_null(strstr(ccs_error_detail(), "but its encryption recorded"));
    char path[800];
    struct stat sb;
    snprintf(path, sizeof path, "%s/blobs/sha256/%s", dst, plain + 7);
    assert_int_not_equal(stat(path, &sb), 0);
    char cmd[900];
    snprintf(cmd, sizeof cmd, "test -z \"$(find '%s' -name '.ccs-tmp*')\"", dst);
    assert_int_equal(system(cmd), 0);
    json_t *tag = NULL;
    assert_st(ccs_oci_layout_open(dst, false, &l), CCS_OK);
    assert_st(ccs_oci_index_find(l, "v1", &tag), CCS_ERR_NOT_FOUND);
    ccs_oci_layout_free(l);
    free(mtext);
    json_decref(d), json_decref(man), json_decref(in), json_decref(ed);
    ccs_buf_free(&ct);
}

/* The other groups of test_image, one per file. */
int test_group_image_aa(void); /* aa_test.c */
int test_group_image_sign(void); /* sign_test.c */
int test_group_image_unpack(void); /* unpack_test.c */
int test_group_image_registry(void); /* registry_test.c */
int test_group_image_manifest(void); /* manifest_test.c */

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layer_round_trips), cmocka_unit_test(test_stream_decrypt),    cmocka_unit_test(test_layer_refusals),
        cmocka_unit_test(test_annotation_refusals),  cmocka_unit_test(test_privopts_digest),
        cmocka_unit_test(test_stream_privopts_digest), cmocka_unit_test(test_stream_write_fails), cmocka_unit_test(test_stream_verdict_order),  cmocka_unit_test(test_skopeo_image),
        cmocka_unit_test(test_encrypt_then_decrypt_image), cmocka_unit_test(test_layout_refusals),
        cmocka_unit_test(test_copy_keeps_manifest),
    };
    int failed = cmocka_run_group_tests_name("image", tests, setup, teardown);
    failed += test_group_image_aa();
    failed += test_group_image_sign();
    failed += test_group_image_unpack();
    failed += test_group_image_registry();
    failed += test_group_image_manifest();
    return failed == 0 ? 0 : 1;
}
