/*
 * Registry client tests: reference, challenge and platform parsing (tables),
 * and the HTTP behaviour against a loopback server run in a thread here: the
 * bearer token flow (401 + WWW-Authenticate, the token endpoint, the token
 * cached per scope), basic auth, retries on 503 and none on 404, a manifest
 * larger than the limit, wrong digests (reference, Docker-Content-Digest,
 * blob content), blob redirects and a redirect loop, plain HTTP refused for
 * other hosts. The server is a small POSIX-socket HTTP/1.1 responder
 * (Connection: close) because test_image links no libevent; the real
 * registry round trips are tests/cli/image_registry.sh.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ccs/image_registry.h"

#define assert_st(expr, want) assert_int_equal((int)(expr), (int)(want))

enum { M_BEARER, M_BASIC, M_503, M_404, M_BIG, M_BADDCD, M_BLOB, M_LOOP, M_FAR_REALM };

static struct {
    int fd, port;
    pthread_t thread;
    atomic_int mode, requests, token_hits, fail_left;
    atomic_bool stop;
    char blob[64];
    char blob_digest[CCS_IMAGE_DIGEST_LEN + 1];
    char last_auth[256];
} srv;

static const char MANIFEST[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
    "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c06"
    "0f61caaff8a\",\"size\":2},\"layers\":[]}";

static void reply(int c, int code, const char *extra, const char *body, size_t len) {
    char head[1024];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n", code, len,
                     extra ? extra : "");
    if (write(c, head, (size_t)n) != n) return;
    if (len && write(c, body, len) != (ssize_t)len) return;
}

static void manifest_ok(int c, const char *dcd) {
    char extra[300], d[CCS_IMAGE_DIGEST_LEN + 1];
    uint8_t h[32];
    ccs_sha256(ccs_bytes_str(MANIFEST), h);
    memcpy(d, "sha256:", 7);
    assert_st(ccs_hex_encode(ccs_bytes_of(h, 32), d + 7, 65), CCS_OK);
    snprintf(extra, sizeof extra, "Content-Type: application/vnd.oci.image.manifest.v1+json\r\nDocker-Content-Digest: %s\r\n",
             dcd ? dcd : d);
    reply(c, 200, extra, MANIFEST, strlen(MANIFEST));
}

static void handle(int c, const char *req) {
    char method[8] = "", path[1024] = "";
    sscanf(req, "%7s %1023s", method, path);
    const char *auth = strcasestr(req, "\r\nAuthorization: ");
    snprintf(srv.last_auth, sizeof srv.last_auth, "%.*s", auth ? (int)strcspn(auth + 17, "\r") : 0, auth ? auth + 17 : "");
    int mode = atomic_load(&srv.mode);
    char extra[600];
    if (strncmp(path, "/token?", 7) == 0) {
        atomic_fetch_add(&srv.token_hits, 1);
        if (strstr(path, "service=reg.test") && strstr(path, "scope=repository%3Atest%2Fapp%3Apull"))
            reply(c, 200, "Content-Type: application/json\r\n", "{\"token\":\"tok123\"}", 18);
        else
            reply(c, 400, NULL, "", 0);
        return;
    }
    switch (mode) {
    case M_BEARER:
        if (strcmp(srv.last_auth, "Bearer tok123") != 0) {
            snprintf(extra, sizeof extra,
                     "WWW-Authenticate: Bearer realm=\"http://127.0.0.1:%d/token\",service=\"reg.test\","
                     "scope=\"repository:test/app:pull\"\r\n",
                     srv.port);
            const char *e = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"auth\"}]}";
            reply(c, 401, extra, e, strlen(e));
        } else {
            manifest_ok(c, NULL);
        }
        return;
    case M_FAR_REALM: /* a plain-http token endpoint elsewhere: credentials would go in clear */
        reply(c, 401,
              "WWW-Authenticate: Bearer realm=\"http://auth.example.invalid/token\",service=\"reg.test\","
              "scope=\"repository:test/app:pull\"\r\n",
              "", 0);
        return;
    case M_BASIC:
        if (strcmp(srv.last_auth, "Basic YWxpY2U6czNjcmV0") != 0) /* alice:s3cret */
            reply(c, 401, "WWW-Authenticate: Basic realm=\"reg\"\r\n", "", 0);
        else
            manifest_ok(c, NULL);
        return;
    case M_503:
        if (atomic_fetch_sub(&srv.fail_left, 1) > 0) reply(c, 503, NULL, "busy", 4);
        else manifest_ok(c, NULL);
        return;
    case M_404:
    {
        const char *e = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}";
        reply(c, 404, NULL, e, strlen(e));
        return;
    }
    case M_BIG: {
        static char big[5000];
        memset(big, ' ', sizeof big);
        reply(c, 200, "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n", big, sizeof big);
        return;
    }
    case M_BADDCD:
        manifest_ok(c, "sha256:0000000000000000000000000000000000000000000000000000000000000000");
        return;
    case M_BLOB:
        if (strstr(path, "/blobs/")) {
            snprintf(extra, sizeof extra, "Location: http://127.0.0.1:%d/storage/x\r\n", srv.port);
            reply(c, 307, extra, "", 0);
        } else if (strcmp(path, "/storage/x") == 0) {
            reply(c, 200, NULL, srv.blob, strlen(srv.blob));
        } else {
            reply(c, 404, NULL, "", 0);
        }
        return;
    case M_LOOP:
        snprintf(extra, sizeof extra, "Location: http://127.0.0.1:%d/loop%d\r\n", srv.port, atomic_load(&srv.requests));
        reply(c, 302, extra, "", 0);
        return;
    }
}

static void *server_main(void *arg) {
    (void)arg;
    while (!atomic_load(&srv.stop)) {
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0) continue;
        if (atomic_load(&srv.stop)) {
            close(c);
            break;
        }
        char req[8192];
        size_t n = 0;
        while (n + 1 < sizeof req) {
            ssize_t k = read(c, req + n, sizeof req - 1 - n);
            if (k <= 0) break;
            n += (size_t)k;
            req[n] = '\0';
            if (strstr(req, "\r\n\r\n")) break;
        }
        req[n] = '\0';
        atomic_fetch_add(&srv.requests, 1);
        handle(c, req);
        close(c);
    }
    return NULL;
}

static int server_start(void **state) {
    (void)state;
    setenv("no_proxy", "127.0.0.1", 1);
    setenv("NO_PROXY", "127.0.0.1", 1);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(srv.fd, 16) != 0 ||
        getsockname(srv.fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    srv.port = ntohs(a.sin_port);
    return pthread_create(&srv.thread, NULL, server_main, NULL) == 0 ? 0 : -1;
}

static int server_stop(void **state) {
    (void)state;
    atomic_store(&srv.stop, true);
    int c = socket(AF_INET, SOCK_STREAM, 0); /* wake accept() */
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (c >= 0) {
        (void)connect(c, (struct sockaddr *)&a, sizeof a);
        close(c);
    }
    pthread_join(srv.thread, NULL);
    close(srv.fd);
    return 0;
}

static int reset(void **state) {
    (void)state;
    atomic_store(&srv.requests, 0);
    atomic_store(&srv.token_hits, 0);
    atomic_store(&srv.fail_left, 0);
    return 0;
}

/* A client and the reference docker://127.0.0.1:PORT/test/app:v1. */
static ccs_registry *client(ccs_registry_opts *o, ccs_image_ref *ref) {
    o->insecure_plain_http = true;
    o->backoff_ms = 1;
    ccs_registry *r = NULL;
    assert_st(ccs_registry_new(o, &r), CCS_OK);
    char text[100];
    snprintf(text, sizeof text, "docker://127.0.0.1:%d/test/app:v1", srv.port);
    assert_st(ccs_image_ref_parse(text, ref), CCS_OK);
    return r;
}

static ccs_status get(ccs_registry *r, const ccs_image_ref *ref, const char *reference) {
    ccs_buf body = {0};
    char mt[128], d[CCS_IMAGE_DIGEST_LEN + 1];
    ccs_status st = ccs_registry_get_manifest(r, ref, reference, &body, mt, d);
    if (st == CCS_OK) {
        assert_int_equal(body.len, strlen(MANIFEST));
        assert_string_equal(mt, "application/vnd.oci.image.manifest.v1+json");
    }
    ccs_buf_free(&body);
    return st;
}

/* ---- parsing tables ---- */

static void test_refs(void **state) {
    (void)state;
    static const struct {
        const char *in, *host, *repo, *tag, *digest, *identity;
    } ok[] = {
        {"docker://alpine", "registry-1.docker.io", "library/alpine", "latest", NULL, "docker.io/library/alpine:latest"},
        {"docker://docker.io/alpine:3.19", "registry-1.docker.io", "library/alpine", "3.19", NULL,
         "docker.io/library/alpine:3.19"},
        {"index.docker.io/user/app", "registry-1.docker.io", "user/app", "latest", NULL, "docker.io/user/app:latest"},
        {"docker://user/app:v1", "registry-1.docker.io", "user/app", "v1", NULL, "docker.io/user/app:v1"},
        {"docker://127.0.0.1:5000/demo/enc:v1", "127.0.0.1:5000", "demo/enc", "v1", NULL, "127.0.0.1:5000/demo/enc:v1"},
        {"docker://localhost/a/b/c", "localhost", "a/b/c", "latest", NULL, "localhost/a/b/c:latest"},
        {"docker://quay.io/x_y/a__b.c-d:T_1.0-rc",  "quay.io", "x_y/a__b.c-d", "T_1.0-rc", NULL,
         "quay.io/x_y/a__b.c-d:T_1.0-rc"},
        {"docker://[::1]:5000/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "[::1]:5000", "x",
         NULL, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
         "[::1]:5000/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ccs_image_ref r;
        assert_st(ccs_image_ref_parse(ok[i].in, &r), CCS_OK);
        assert_string_equal(r.host, ok[i].host);
        assert_string_equal(r.repo, ok[i].repo);
        if (ok[i].tag) assert_string_equal(r.tag, ok[i].tag);
        else assert_null(r.tag);
        if (ok[i].digest) assert_string_equal(r.digest, ok[i].digest);
        else assert_null(r.digest);
        /* What policy.json scopes and signatures name: docker.io, not the endpoint. */
        char id[512];
        assert_st(ccs_image_ref_identity(&r, id, sizeof id), CCS_OK);
        assert_string_equal(id, ok[i].identity);
        assert_st(ccs_image_ref_identity(&r, id, strlen(ok[i].identity)), CCS_ERR_FORMAT);
        ccs_image_ref_clear(&r);
    }
    static const char *const bad[] = {
        "", "docker://", "docker://Alpine", "docker://host:5000/", "docker://a//b", "docker://a/-b", "docker://a:",
        "docker://a:-x", "docker://a@sha256:1234", "docker://a@sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "docker://h:99999999/a", "docker://-h.io/a", "docker://a b", "docker://a/b.", "docker://a/b__-c",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ccs_image_ref r;
        assert_st(ccs_image_ref_parse(bad[i], &r), CCS_ERR_FORMAT);
        assert_null(r.host);
    }
    ccs_image_ref r;
    assert_st(ccs_image_ref_parse("localhost:1/a", &r), CCS_OK);
    assert_true(ccs_image_ref_is_loopback(&r));
    ccs_image_ref_clear(&r);
    assert_st(ccs_image_ref_parse("127.0.0.2/a", &r), CCS_OK);
    assert_true(ccs_image_ref_is_loopback(&r));
    ccs_image_ref_clear(&r);
    assert_st(ccs_image_ref_parse("localhost.evil.io/a", &r), CCS_OK);
    assert_false(ccs_image_ref_is_loopback(&r));
    ccs_image_ref_clear(&r);
    assert_st(ccs_image_ref_parse("127.evil.io:5000/a", &r), CCS_OK); /* a name, not 127/8 */
    assert_false(ccs_image_ref_is_loopback(&r));
    ccs_image_ref_clear(&r);
    assert_st(ccs_image_ref_parse("[::1]:5000/a", &r), CCS_OK);
    assert_true(ccs_image_ref_is_loopback(&r));
    ccs_image_ref_clear(&r);
}

static void test_challenges(void **state) {
    (void)state;
    ccs_registry_challenge c;
    assert_st(ccs_registry_challenge_parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                                           "scope=\"repository:library/alpine:pull\",error=\"insufficient_scope\"",
                                           &c),
              CCS_OK);
    assert_string_equal(c.scheme, "bearer");
    assert_string_equal(c.realm, "https://auth.docker.io/token");
    assert_string_equal(c.service, "registry.docker.io");
    assert_string_equal(c.scope, "repository:library/alpine:pull");
    ccs_registry_challenge_clear(&c);
    assert_st(ccs_registry_challenge_parse("bearer  realm=https://h/t , service = \"a\\\"b\"", &c), CCS_OK);
    assert_string_equal(c.realm, "https://h/t");
    assert_string_equal(c.service, "a\"b");
    assert_null(c.scope);
    ccs_registry_challenge_clear(&c);
    assert_st(ccs_registry_challenge_parse("Basic realm=\"Registry Realm\"", &c), CCS_OK);
    assert_string_equal(c.scheme, "basic");
    ccs_registry_challenge_clear(&c);
    assert_st(ccs_registry_challenge_parse("Basic", &c), CCS_OK);
    ccs_registry_challenge_clear(&c);
    static const struct {
        const char *in;
        ccs_status want;
    } bad[] = {
        {"", CCS_ERR_FORMAT},
        {"Bearer", CCS_ERR_FORMAT}, /* no realm */
        {"Bearer service=\"x\"", CCS_ERR_FORMAT},
        {"Bearer realm=\"x", CCS_ERR_FORMAT},
        {"Bearer realm=\"x\\", CCS_ERR_FORMAT},
        {"Bearer realm=", CCS_ERR_FORMAT},
        {"Bearer realm=\"a\",realm=\"b\"", CCS_ERR_FORMAT},
        {"Bearer realm=\"a\" scope=\"b\"", CCS_ERR_FORMAT},
        {"Bearer =x", CCS_ERR_FORMAT},
        {"Bearer realm=\"a\x01\"", CCS_ERR_FORMAT},
        {"Digest realm=\"a\"", CCS_ERR_UNSUPPORTED},
        {"Negotiate", CCS_ERR_UNSUPPORTED},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_st(ccs_registry_challenge_parse(bad[i].in, &c), bad[i].want);
        assert_null(c.scheme);
    }
    char os[32], arch[32], var[32];
    assert_st(ccs_registry_platform_parse("linux/arm64/v8", os, arch, var), CCS_OK);
    assert_string_equal(os, "linux");
    assert_string_equal(arch, "arm64");
    assert_string_equal(var, "v8");
    assert_st(ccs_registry_platform_parse("linux/amd64", os, arch, var), CCS_OK);
    assert_string_equal(var, "");
    assert_st(ccs_registry_platform_parse("linux", os, arch, var), CCS_ERR_FORMAT);
    assert_st(ccs_registry_platform_parse("linux//v8", os, arch, var), CCS_ERR_FORMAT);
    assert_st(ccs_registry_platform_parse("linux/a/b/c", os, arch, var), CCS_ERR_FORMAT);
}

/* ---- HTTP behaviour ---- */

static void test_bearer_flow(void **state) {
    (void)state;
    atomic_store(&srv.mode, M_BEARER);
    ccs_registry_opts o = {0};
    ccs_image_ref ref;
    ccs_registry *r = client(&o, &ref);
    assert_st(get(r, &ref, "v1"), CCS_OK);
    /* 401, the token, the manifest again with the token */
    assert_int_equal(atomic_load(&srv.requests), 3);
    assert_int_equal(atomic_load(&srv.token_hits), 1);
    /* The token is cached for the scope: one request, no token fetch. */
    assert_st(get(r, &ref, "v1"), CCS_OK);
    assert_int_equal(atomic_load(&srv.requests), 4);
    assert_int_equal(atomic_load(&srv.token_hits), 1);
    ccs_registry_free(r);
    ccs_image_ref_clear(&ref);
    /* A plain-http realm on another host is not followed, credentials or not. */
    atomic_store(&srv.mode, M_FAR_REALM);
    o.username = "alice";
    o.password = "s3cret";
    r = client(&o, &ref);
    assert_st(get(r, &ref, "v1"), CCS_ERR_POLICY);
    assert_non_null(strstr(ccs_error_detail(), "plain http to a host that is not loopback"));
    assert_null(strstr(ccs_error_detail(), "s3cret"));
    ccs_registry_free(r);
    ccs_image_ref_clear(&ref);
}

static void test_basic_auth(void **state) {
    (void)state;
    atomic_store(&srv.mode, M_BASIC);
    ccs_registry_opts o = {0};
    ccs_image_ref ref;
    ccs_registry *r = client(&o, &ref);
    assert_st(get(r, &ref, "v1"), CCS_ERR_POLICY);
    assert_non_null(strstr(ccs_error_detail(), "needs credentials"));
    ccs_registry_free(r);
    ccs_image_ref_clear(&ref);
    o.username = "alice";
    o.password = "s3cret";
    r = client(&o, &ref);
    assert_st(get(r, &ref, "v1"), CCS_OK);
    assert_st(get(r, &ref, "v1"), CCS_OK); /* basic is now sent up front */
    assert_int_equal(atomic_load(&srv.requests), 4);
    ccs_registry_free(r);
    ccs_image_ref_clear(&ref);
    o.password = "wrong";
    r = client(&o, &ref);
    assert_st(get(r, &ref, "v1"), CCS_ERR_POLICY);
    assert_null(strstr(ccs_error_detail(), "wrong"));
    ccs_registry_free(r);
    ccs_image_ref_clear(&ref);
}

static void test_retries(void **state) {
    (void)state;
    ccs_registry_opts o = {.retries = 3};
    ccs_image_ref ref;
    ccs_registry *r = client(&o, &ref);
    atomic_store(&srv.mode, M_503);
    atomic_store(&srv.fail_left, 2);
    assert_st(get(r, &ref, "v1"), CCS_OK);
    assert_int_equal(atomic_load(&srv.requests), 3);
    /* Always 503: 1 + 3 tries, then CCS_ERR_NETWORK. */
    atomic_store(&srv.requests, 0);
    atomic_store(&srv.fail_left, 100);
    assert_st(get(r, &ref, "v1"), CCS_ERR_NETWORK);
    assert_int_equal(atomic_load(&srv.requests), 4);
    /* 404: no retry. */
    atomic_store(&srv.mode, M_404);
    atomic_store(&srv.requests, 0);
    assert_st(get(r, &ref, "nope"), CCS_ERR_NOT_FOUND);
    assert_int_equal(atomic_load(&srv.requests), 1);
    assert_non_null(strstr(ccs_error_detail(), "MANIFEST_UNKNOWN"));
    assert_non_null(strstr(ccs_error_detail(), "test/app:nope"));
    ccs_registry_free(r);
    ccs_image_ref_clear(&ref);
}

static void test_manifest_refusals(void **state) {
    (void)state;
    ccs_registry_opts o = {.manifest_max = 1000};
    ccs_image_ref ref;
    ccs_registry *r = client(&o, &ref);
    atomic_store(&srv.mode, M_BIG);
    assert_st(get(r, &ref, "v1"), CCS_ERR_OVERFLOW);
    atomic_store(&srv.mode, M_BEARER);
    assert_st(get(r, &ref, "sha256:1111111111111111111111111111111111111111111111111111111111111111"), CCS_ERR_MISMATCH);
    assert_non_null(strstr(ccs_error_detail(), "the manifest served is sha256:"));
    atomic_store(&srv.mode, M_BADDCD);
    assert_st(get(r, &ref, "v1"), CCS_ERR_MISMATCH);
    assert_non_null(strstr(ccs_error_detail(), "Docker-Content-Digest"));
    assert_st(get(r, &ref, "sha256:ZZ"), CCS_ERR_FORMAT);
    ccs_registry_free(r);
    ccs_image_ref_clear(&ref);
    /* Plain HTTP to a host that is not loopback: refused before any I/O. */
    assert_st(ccs_registry_new(&(ccs_registry_opts){.insecure_plain_http = true}, &r), CCS_OK);
    assert_st(ccs_image_ref_parse("docker://registry.example.invalid/a:v1", &ref), CCS_OK);
    ccs_buf b = {0};
    char mt[128], d[CCS_IMAGE_DIGEST_LEN + 1];
    assert_st(ccs_registry_get_manifest(r, &ref, "v1", &b, mt, d), CCS_ERR_POLICY);
    ccs_registry_free(r);
    ccs_image_ref_clear(&ref);
}

static void test_blobs(void **state) {
    (void)state;
    ccs_registry_opts o = {0};
    ccs_image_ref ref;
    ccs_registry *r = client(&o, &ref);
    atomic_store(&srv.mode, M_BLOB);
    snprintf(srv.blob, sizeof srv.blob, "blob content");
    uint8_t h[32];
    ccs_sha256(ccs_bytes_str(srv.blob), h);
    char d[CCS_IMAGE_DIGEST_LEN + 1] = "sha256:";
    assert_st(ccs_hex_encode(ccs_bytes_of(h, 32), d + 7, 65), CCS_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/registry-blob", CCS_TEST_TMP);
    unlink(path);
    /* Through a redirect to "storage". */
    assert_st(ccs_registry_get_blob(r, &ref, d, 12, path), CCS_OK);
    ccs_buf b = {0};
    assert_st(ccs_file_read(path, 100, &b), CCS_OK);
    assert_memory_equal(b.ptr, "blob content", 12);
    ccs_buf_free(&b);
    unlink(path);
    /* Content that is not the digest: refused, nothing stored. */
    snprintf(srv.blob, sizeof srv.blob, "blob c0ntent");
    assert_st(ccs_registry_get_blob(r, &ref, d, 12, path), CCS_ERR_MISMATCH);
    assert_non_null(strstr(ccs_error_detail(), "does not match its digest"));
    struct stat sb;
    assert_int_not_equal(stat(path, &sb), 0);
    /* Longer or shorter than the descriptor. */
    assert_st(ccs_registry_get_blob(r, &ref, d, 5, path), CCS_ERR_MISMATCH);
    assert_st(ccs_registry_get_blob(r, &ref, d, 20, path), CCS_ERR_MISMATCH);
    assert_int_not_equal(stat(path, &sb), 0);
    /* Larger than the limit. */
    ccs_registry_free(r);
    ccs_image_ref_clear(&ref);
    o.blob_max = 4;
    r = client(&o, &ref);
    assert_st(ccs_registry_get_blob(r, &ref, d, 12, path), CCS_ERR_OVERFLOW);
    assert_st(ccs_registry_get_blob(r, &ref, d, -1, path), CCS_ERR_OVERFLOW);
    /* A redirect loop: capped. */
    atomic_store(&srv.mode, M_LOOP);
    atomic_store(&srv.requests, 0);
    assert_st(ccs_registry_get_blob(r, &ref, d, -1, path), CCS_ERR_NETWORK);
    assert_non_null(strstr(ccs_error_detail(), "redirects"));
    assert_int_equal(atomic_load(&srv.requests), 6); /* the first + 5 redirects */
    ccs_registry_free(r);
    ccs_image_ref_clear(&ref);
}

int test_group_image_registry(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_challenges),
        cmocka_unit_test_setup(test_bearer_flow, reset),
        cmocka_unit_test_setup(test_basic_auth, reset),
        cmocka_unit_test_setup(test_retries, reset),
        cmocka_unit_test_setup(test_manifest_refusals, reset),
        cmocka_unit_test_setup(test_blobs, reset),
    };
    return cmocka_run_group_tests_name("image_registry", tests, server_start, server_stop);
}
