/* Signatures and containers-policy.json (include/ccs/image_sign.h): docker
 * reference normalisation, payload parsing (strict), policy parsing with
 * the JSON path of every refusal, scope choice, signedIdentity semantics,
 * cosign-style signatures end to end in memory (good, flipped byte, other
 * key, other digest), lookaside and OCI-artifact storage round trips. GPG
 * simple signing against skopeo is in tests/cli/image_sign.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ccs/image_sign.h"

int test_group_image_sign(void);

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
static const char *const g_d1 = D1; /* D1 + 7 is the hex */

static void st_is(ccs_status got, ccs_status want) {
    if (got != want) fail_msg("status %d, expected %d: %s", (int)got, (int)want, ccs_error_detail());
}

static void detail_has(const char *s) {
    if (strstr(ccs_error_detail(), s) == NULL) fail_msg("detail \"%s\" lacks \"%s\"", ccs_error_detail(), s);
}

static void test_dref(void **state) {
    (void)state;
    static const struct {
        const char *in, *name, *tag, *digest;
    } ok[] = {
        {"busybox", "docker.io/library/busybox", "", ""},
        {"busybox:1.36", "docker.io/library/busybox", "1.36", ""},
        {"user/app", "docker.io/user/app", "", ""},
        {"index.docker.io/user/app:v", "docker.io/user/app", "v", ""},
        {"localhost/app:v1", "localhost/app", "v1", ""},
        {"reg.example:5000/a/b-c/d__e:t_1.x", "reg.example:5000/a/b-c/d__e", "t_1.x", ""},
        {"reg.example/a@" D1, "reg.example/a", "", D1},
        {"reg.example/a:t@" D1, "reg.example/a", "t", D1},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ccs_image_dref r;
        st_is(ccs_image_dref_parse(ok[i].in, &r), CCS_OK);
        assert_string_equal(r.name, ok[i].name);
        assert_string_equal(r.tag, ok[i].tag);
        assert_string_equal(r.digest, ok[i].digest);
    }
    static const char *const bad[] = {"", "a//b", "reg.example/A", "reg.example/a:", "reg.example/a:-x", "reg.example/a@sha256:12",
                                      "reg.example/-a", "-reg.example/a", "reg.example:/a", "reg.example/a b", "a..b/c"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ccs_image_dref r;
        if (ccs_image_dref_parse(bad[i], &r) != CCS_ERR_FORMAT) fail_msg("accepted \"%s\"", bad[i]);
    }
}

static void test_payload(void **state) {
    (void)state;
    ccs_image_sig_claims c;
    const char *simple = "{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-digest\":\"" D1
                         "\"},\"identity\":{\"docker-reference\":\"reg.example/a:v1\"}},\"optional\":{\"creator\":\"x\",\"timestamp\":17}}";
    st_is(ccs_image_sig_payload_parse(ccs_bytes_str(simple), CCS_IMAGE_SIG_SIMPLE, &c), CCS_OK);
    assert_string_equal(c.manifest_digest, D1);
    assert_string_equal(c.docker_reference, "reg.example/a:v1");
    assert_int_equal(c.timestamp, 17);
    /* The same text is not a cosign payload. */
    st_is(ccs_image_sig_payload_parse(ccs_bytes_str(simple), CCS_IMAGE_SIG_COSIGN, &c), CCS_ERR_FORMAT);
    detail_has("$.critical.type");
    const char *cosign = "{\"critical\":{\"identity\":{\"docker-reference\":\"reg.example/a\"},\"image\":{\"docker-manifest-digest\":\"" D1
                         "\"},\"type\":\"cosign container image signature\"},\"optional\":null}";
    st_is(ccs_image_sig_payload_parse(ccs_bytes_str(cosign), CCS_IMAGE_SIG_COSIGN, &c), CCS_OK);
    static const struct {
        const char *json, *path;
    } bad[] = {
        {"{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-digest\":\"" D1
         "\"},\"identity\":{\"docker-reference\":\"r/a\"},\"extra\":1},\"optional\":{}}",
         "unknown key \"extra\""},
        {"{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-digest\":\"" D1
         "\"}},\"optional\":{}}",
         "$.critical.identity is missing"},
        {"{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-digest\":\"sha256:12\"},"
         "\"identity\":{\"docker-reference\":\"r/a\"}},\"optional\":{}}",
         "docker-manifest-digest"},
        {"{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-digest\":\"" D1
         "\"},\"identity\":{\"docker-reference\":\"r/a\"}},\"optional\":{\"timestamp\":\"now\"}}",
         "$.optional.timestamp"},
        {"{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-digest\":\"" D1
         "\"},\"identity\":{\"docker-reference\":\"r/a\"}},\"optional\":null}",
         "$.optional is not an object"},
        {"{\"critical\":{}}", "$.optional is missing"},
        {"[1]", "not a JSON object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st_is(ccs_image_sig_payload_parse(ccs_bytes_str(bad[i].json), CCS_IMAGE_SIG_SIMPLE, &c), CCS_ERR_FORMAT);
        detail_has(bad[i].path);
    }
    ccs_buf b = {0};
    st_is(ccs_image_sig_payload_build(CCS_IMAGE_SIG_SIMPLE, "reg.example/a:v2", D2, 1700000000, &b), CCS_OK);
    st_is(ccs_image_sig_payload_parse(ccs_buf_view(&b), CCS_IMAGE_SIG_SIMPLE, &c), CCS_OK);
    assert_string_equal(c.docker_reference, "reg.example/a:v2");
    assert_string_equal(c.manifest_digest, D2);
    assert_int_equal(c.timestamp, 1700000000);
    st_is(ccs_image_sig_payload_build(CCS_IMAGE_SIG_COSIGN, "reg.example/a", D2, 0, &b), CCS_OK);
    /* cosign's key order: critical.identity, image, type. */
    assert_non_null(strstr((const char *)b.ptr, "{\"critical\":{\"identity\":{\"docker-reference\":\"reg.example/a\"},\"image\""));
    ccs_buf_free(&b);
}

static void test_policy_errors(void **state) {
    (void)state;
    static const struct {
        const char *json;
        ccs_status st;
        const char *detail;
    } t[] = {
        {"{}", CCS_ERR_FORMAT, "\"default\" is missing"},
        {"{\"default\":[],\"x\":1}", CCS_ERR_FORMAT, "$: unknown key \"x\""},
        {"{\"default\":[]}", CCS_ERR_FORMAT, "$.default: an empty list"},
        {"{\"default\":{}}", CCS_ERR_FORMAT, "$.default: not a list"},
        {"{\"default\":[{}]}", CCS_ERR_FORMAT, "$.default[0].type: missing"},
        {"{\"default\":[{\"type\":\"reject\",\"keyPath\":\"/x\"}]}", CCS_ERR_FORMAT, "$.default[0]: unknown key \"keyPath\""},
        {"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/x\",\"keyData\":\"eA==\"}]}",
         CCS_ERR_FORMAT, "$.default[0]: exactly one of keyPath"},
        {"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"X509Certificates\",\"keyPath\":\"/x\"}]}",
         CCS_ERR_UNSUPPORTED, "$.default[0].keyType: keyType \"X509Certificates\" is not supported"},
        {"{\"default\":[{\"type\":\"signedBy\",\"keyPath\":\"/x\"}]}", CCS_ERR_FORMAT, "$.default[0].keyType: missing"},
        {"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPaths\":[]}]}", CCS_ERR_FORMAT,
         "$.default[0].keyPaths: not a list"},
        {"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPaths\":[\"/a\",7]}]}", CCS_ERR_FORMAT,
         "$.default[0].keyPaths[1]: not a non-empty string"},
        {"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyData\":\"%%\"}]}", CCS_ERR_FORMAT,
         "$.default[0].keyData: not base64"},
        {"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/x\",\"rekorPublicKeyPath\":\"/r\"}]}",
         CCS_ERR_UNSUPPORTED, "$.default[0].rekorPublicKeyPath: rekorPublicKeyPath is not supported"},
        {"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyData\":\"eA==\"}]}", CCS_ERR_KEY,
         "$.default[0]: key 1 is not a PEM public key"},
        {"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/x\",\"signedIdentity\":{\"type\":\"exactRepository\","
         "\"dockerRepository\":\"reg.example/a:t\"}}]}",
         CCS_ERR_FORMAT, "$.default[0].signedIdentity: dockerRepository"},
        {"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/x\",\"signedIdentity\":{\"type\":\"remapIdentity\","
         "\"prefix\":\"reg.example/a\"}}]}",
         CCS_ERR_FORMAT, "$.default[0].signedIdentity.signedPrefix: missing"},
        {"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/x\",\"signedIdentity\":{\"type\":\"matchExact\",\"x\":1}}]}",
         CCS_ERR_FORMAT, "$.default[0].signedIdentity: unknown key \"x\""},
        {"{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{\"reg.example/a\":[{\"type\":\"insecureAcceptAnything\"},"
         "{\"type\":\"nope\"}]}}}",
         CCS_ERR_FORMAT, "$.transports.docker[\"reg.example/a\"][1].type: unknown requirement type \"nope\""},
        {"{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{\"*.a\":[{\"type\":\"reject\"}]}}}", CCS_ERR_FORMAT,
         "$.transports.docker[\"*.a\"]: not a docker scope"},
        {"{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"oci\":{\"/x\":[]}}}", CCS_ERR_FORMAT,
         "$.transports.oci[\"/x\"]: an empty list"},
        {"{\"default\":[{\"type\":\"reject\"}],\"transports\":[]}", CCS_ERR_FORMAT, "$.transports: not an object"},
        {"{\"default\":[{\"type\":\"reject\"}]", CCS_ERR_FORMAT, "JSON"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        ccs_image_policy *p = NULL;
        ccs_status st = ccs_image_policy_parse(ccs_bytes_str(t[i].json), CCS_IMAGE_POLICY_NO_KEY_FILES, &p);
        if (st != t[i].st) fail_msg("case %zu: status %d, expected %d: %s", i, (int)st, (int)t[i].st, ccs_error_detail());
        detail_has(t[i].detail);
        assert_null(p);
    }
}

static const char SCOPES[] =
    "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{"
    "\"reg.example:5000\":[{\"type\":\"insecureAcceptAnything\"}],"
    "\"reg.example:5000/ns\":[{\"type\":\"reject\"}],"
    "\"reg.example:5000/ns/app\":[{\"type\":\"insecureAcceptAnything\"}],"
    "\"reg.example:5000/ns/app:dev\":[{\"type\":\"reject\"}],"
    "\"reg.example:5000/ns/app@" D1 "\":[{\"type\":\"reject\"}],"
    "\"*.example.org\":[{\"type\":\"insecureAcceptAnything\"}],"
    "\"docker.io/library\":[{\"type\":\"insecureAcceptAnything\"}]},"
    "\"oci\":{\"\":[{\"type\":\"insecureAcceptAnything\"}]}}}";

static void test_scopes(void **state) {
    (void)state;
    ccs_image_policy *p = NULL;
    st_is(ccs_image_policy_parse(ccs_bytes_str(SCOPES), 0, &p), CCS_OK);
    static const struct {
        const char *ref, *scope;
        ccs_status st;
    } t[] = {
        {"reg.example:5000/ns/app:v1", "reg.example:5000/ns/app", CCS_OK},
        {"reg.example:5000/ns/app", "reg.example:5000/ns/app", CCS_OK},
        {"reg.example:5000/ns/app:dev", "reg.example:5000/ns/app:dev", CCS_ERR_POLICY},
        {"reg.example:5000/ns/app@" D1, "reg.example:5000/ns/app@" D1, CCS_ERR_POLICY},
        {"reg.example:5000/ns/other:v1", "reg.example:5000/ns", CCS_ERR_POLICY},
        {"reg.example:5000/ns/app/sub:v1", "reg.example:5000/ns/app", CCS_OK},
        {"reg.example:5000/x:v1", "reg.example:5000", CCS_OK},
        {"a.b.example.org/x:1", "*.example.org", CCS_OK},
        {"example.org/x:1", "default", CCS_ERR_POLICY},
        {"busybox", "docker.io/library", CCS_OK},
        {"quay.io/x/y:1", "default", CCS_ERR_POLICY},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char scope[600];
        st_is(ccs_image_policy_scope(p, t[i].ref, scope, sizeof scope), CCS_OK);
        if (strcmp(scope, t[i].scope) != 0) fail_msg("%s: scope %s, expected %s", t[i].ref, scope, t[i].scope);
        ccs_image_verdict v;
        ccs_status st = ccs_image_policy_check(p, t[i].ref, D1, NULL, &v);
        if (st != t[i].st) fail_msg("%s: status %d: %s", t[i].ref, (int)st, ccs_error_detail());
        if (st == CCS_ERR_POLICY) detail_has("is rejected by policy");
    }
    st_is(ccs_image_policy_check(p, "Bad Ref", D1, NULL, NULL), CCS_ERR_FORMAT);
    st_is(ccs_image_policy_check(p, "reg.example:5000/x", "sha256:12", NULL, NULL), CCS_ERR_FORMAT);
    ccs_image_policy_free(p);
}

/* A sigstoreSigned policy for reg.example/ns with the given key and identity JSON. */
static ccs_image_policy *cosign_policy(const ccs_privkey *k, const char *identity) {
    ccs_pubkey *pub = NULL;
    ccs_buf pem = {0}, b64 = {0}, json = {0};
    st_is(ccs_privkey_public(k, &pub), CCS_OK);
    st_is(ccs_pubkey_pem(pub, &pem), CCS_OK);
    st_is(ccs_base64_encode(ccs_buf_view(&pem), &b64), CCS_OK);
    char head[200];
    snprintf(head, sizeof head, "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{\"\":[{\"type\":\"sigstoreSigned\",\"keyData\":\"");
    st_is(ccs_buf_append_str(&json, head), CCS_OK);
    st_is(ccs_buf_append(&json, b64.ptr, b64.len), CCS_OK);
    st_is(ccs_buf_append_str(&json, "\",\"signedIdentity\":"), CCS_OK);
    st_is(ccs_buf_append_str(&json, identity), CCS_OK);
    st_is(ccs_buf_append_str(&json, "}]}}}"), CCS_OK);
    ccs_image_policy *p = NULL;
    st_is(ccs_image_policy_parse(ccs_buf_view(&json), 0, &p), CCS_OK);
    ccs_pubkey_free(pub);
    ccs_buf_free(&pem);
    ccs_buf_free(&b64);
    ccs_buf_free(&json);
    return p;
}

/* sigs with one cosign signature by k over a payload for ref/digest; flip: alter a payload byte. */
static ccs_image_sigs *cosign_sigs(const ccs_privkey *k, const char *ref, const char *digest, bool flip) {
    ccs_buf payload = {0}, sig = {0}, b64 = {0};
    st_is(ccs_image_sig_payload_build(CCS_IMAGE_SIG_COSIGN, ref, digest, 0, &payload), CCS_OK);
    st_is(ccs_image_sign_cosign(k, ccs_buf_view(&payload), &sig), CCS_OK);
    st_is(ccs_base64_encode(ccs_buf_view(&sig), &b64), CCS_OK);
    st_is(ccs_buf_append(&b64, "", 1), CCS_OK);
    if (flip) payload.ptr[payload.len - 3] ^= 1;
    ccs_image_sigs *s = NULL;
    st_is(ccs_image_sigs_new(&s), CCS_OK);
    st_is(ccs_image_sigs_add(s, CCS_IMAGE_SIG_COSIGN, ccs_buf_view(&payload), (const char *)b64.ptr), CCS_OK);
    ccs_buf_free(&payload);
    ccs_buf_free(&sig);
    ccs_buf_free(&b64);
    return s;
}

static void test_cosign_identities(void **state) {
    (void)state;
    ccs_privkey *k = NULL, *k2 = NULL;
    st_is(ccs_privkey_generate(CCS_CURVE_P256, &k), CCS_OK);
    st_is(ccs_privkey_generate(CCS_CURVE_P256, &k2), CCS_OK);
    static const struct {
        const char *identity, *signed_ref, *pulled;
        ccs_status st;
    } t[] = {
        {"{\"type\":\"matchRepository\"}", "reg.example/ns/a", "reg.example/ns/a:v1", CCS_OK},
        {"{\"type\":\"matchRepository\"}", "reg.example/ns/b", "reg.example/ns/a:v1", CCS_ERR_POLICY},
        {"{\"type\":\"matchRepoDigestOrExact\"}", "reg.example/ns/a", "reg.example/ns/a:v1", CCS_ERR_POLICY},
        {"{\"type\":\"matchRepoDigestOrExact\"}", "reg.example/ns/a:v1", "reg.example/ns/a:v1", CCS_OK},
        /* A name-only signed identity is never enough (containers/image's IsNameOnly). */
        {"{\"type\":\"matchRepoDigestOrExact\"}", "reg.example/ns/a", "reg.example/ns/a@" D1, CCS_ERR_POLICY},
        {"{\"type\":\"matchRepoDigestOrExact\"}", "reg.example/ns/a:v1", "reg.example/ns/a@" D1, CCS_OK},
        {"{\"type\":\"matchRepoDigestOrExact\"}", "reg.example/ns/a@" D1, "reg.example/ns/a@" D1, CCS_OK},
        {"{\"type\":\"matchRepoDigestOrExact\"}", "reg.example/ns/b:v1", "reg.example/ns/a@" D1, CCS_ERR_POLICY},
        {"{\"type\":\"matchExact\"}", "reg.example/ns/a:v1", "reg.example/ns/a:v1", CCS_OK},
        {"{\"type\":\"matchExact\"}", "reg.example/ns/a:v1", "reg.example/ns/a:v2", CCS_ERR_POLICY},
        {"{\"type\":\"matchExact\"}", "reg.example/ns/a", "reg.example/ns/a", CCS_ERR_POLICY}, /* pulled as :latest */
        {"{\"type\":\"exactReference\",\"dockerReference\":\"other.example/x:1\"}", "other.example/x:1",
         "reg.example/ns/a:v9", CCS_OK},
        {"{\"type\":\"exactReference\",\"dockerReference\":\"other.example/x:1\"}", "other.example/x:2",
         "reg.example/ns/a:v9", CCS_ERR_POLICY},
        {"{\"type\":\"exactRepository\",\"dockerRepository\":\"other.example/x\"}", "other.example/x",
         "reg.example/ns/a:v9", CCS_OK},
        {"{\"type\":\"exactRepository\",\"dockerRepository\":\"other.example/x\"}", "other.example/y",
         "reg.example/ns/a:v9", CCS_ERR_POLICY},
        {"{\"type\":\"remapIdentity\",\"prefix\":\"reg.example/ns\",\"signedPrefix\":\"upstream.example/team\"}",
         "upstream.example/team/a:v1", "reg.example/ns/a:v1", CCS_OK},
        {"{\"type\":\"remapIdentity\",\"prefix\":\"reg.example/ns\",\"signedPrefix\":\"upstream.example/team\"}",
         "reg.example/ns/a:v1", "reg.example/ns/a:v1", CCS_ERR_POLICY},
        {"{\"type\":\"remapIdentity\",\"prefix\":\"reg.example/ns/b\",\"signedPrefix\":\"upstream.example/team\"}",
         "reg.example/ns/a:v1", "reg.example/ns/a:v1", CCS_OK}, /* prefix does not apply: repo-digest-or-exact */
        /* The prefix matches the repository name up to a '/', not a port or a longer host. */
        {"{\"type\":\"remapIdentity\",\"prefix\":\"reg.example\",\"signedPrefix\":\"upstream.example\"}",
         "upstream.example/ns/a:v1", "reg.example/ns/a:v1", CCS_OK},
        {"{\"type\":\"remapIdentity\",\"prefix\":\"reg.example\",\"signedPrefix\":\"upstream.example\"}",
         "upstream.example:5000/ns/a:v1", "reg.example:5000/ns/a:v1", CCS_ERR_POLICY},
        {"{\"type\":\"remapIdentity\",\"prefix\":\"reg.example\",\"signedPrefix\":\"upstream.example\"}",
         "reg.example:5000/ns/a:v1", "reg.example:5000/ns/a:v1", CCS_OK},
        {"{\"type\":\"remapIdentity\",\"prefix\":\"reg.example/ns\",\"signedPrefix\":\"upstream.example/team\"}",
         "upstream.example/teamx:v1", "reg.example/nsx:v1", CCS_ERR_POLICY},
        {"{\"type\":\"remapIdentity\",\"prefix\":\"reg.example/ns\",\"signedPrefix\":\"upstream.example/team\"}",
         "upstream.example/team/a", "reg.example/ns/a@" D1, CCS_ERR_POLICY},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        ccs_image_policy *p = cosign_policy(k, t[i].identity);
        ccs_image_sigs *s = cosign_sigs(k, t[i].signed_ref, D1, false);
        ccs_image_verdict v;
        ccs_status st = ccs_image_policy_check(p, t[i].pulled, D1, s, &v);
        if (st != t[i].st) fail_msg("case %zu: status %d: %s", i, (int)st, ccs_error_detail());
        if (st == CCS_OK) assert_string_equal(v.signed_identity, t[i].signed_ref);
        else detail_has("is not accepted");
        ccs_image_sigs_free(s);
        ccs_image_policy_free(p);
    }
    ccs_image_policy *p = cosign_policy(k, "{\"type\":\"matchRepository\"}");
    ccs_image_sigs *s = cosign_sigs(k, "reg.example/ns/a", D1, true);
    st_is(ccs_image_policy_check(p, "reg.example/ns/a:v1", D1, s, NULL), CCS_ERR_POLICY);
    detail_has("no signature by a key the policy trusts");
    ccs_image_sigs_free(s);
    s = cosign_sigs(k2, "reg.example/ns/a", D1, false);
    st_is(ccs_image_policy_check(p, "reg.example/ns/a:v1", D1, s, NULL), CCS_ERR_POLICY);
    detail_has("no signature by a key the policy trusts");
    /* A good one among bad ones is enough. */
    ccs_image_sigs *good = cosign_sigs(k, "reg.example/ns/a", D1, false);
    ccs_bytes data, sig;
    ccs_image_sig_format f;
    st_is(ccs_image_sigs_get(good, 0, &f, &data, &sig), CCS_OK);
    ccs_buf b64 = {0};
    st_is(ccs_base64_encode(sig, &b64), CCS_OK);
    st_is(ccs_buf_append(&b64, "", 1), CCS_OK);
    st_is(ccs_image_sigs_add(s, f, data, (const char *)b64.ptr), CCS_OK);
    st_is(ccs_image_policy_check(p, "reg.example/ns/a:v1", D1, s, NULL), CCS_OK);
    ccs_buf_free(&b64);
    ccs_image_sigs_free(s);
    ccs_image_sigs_free(good);
    s = cosign_sigs(k, "reg.example/ns/a", D2, false);
    st_is(ccs_image_policy_check(p, "reg.example/ns/a:v1", D1, s, NULL), CCS_ERR_POLICY);
    detail_has("does not match");
    ccs_image_sigs_free(s);
    st_is(ccs_image_sigs_new(&s), CCS_OK);
    st_is(ccs_image_policy_check(p, "reg.example/ns/a:v1", D1, s, NULL), CCS_ERR_POLICY);
    detail_has("A signature was required, but no signature exists");
    /* A simple signature does not count for sigstoreSigned. */
    st_is(ccs_image_sigs_add(s, CCS_IMAGE_SIG_SIMPLE, ccs_bytes_str("x"), NULL), CCS_OK);
    st_is(ccs_image_policy_check(p, "reg.example/ns/a:v1", D1, s, NULL), CCS_ERR_POLICY);
    detail_has("A signature was required");
    st_is(ccs_image_sigs_add(s, CCS_IMAGE_SIG_COSIGN, ccs_bytes_str("x"), "%%"), CCS_ERR_FORMAT);
    st_is(ccs_image_sigs_add(s, CCS_IMAGE_SIG_COSIGN, ccs_bytes_str("x"), NULL), CCS_ERR_INVALID_ARG);
    ccs_image_sigs_free(s);
    ccs_image_policy_free(p);
    /* Key files not read (parser-only mode): such a requirement refuses. */
    st_is(ccs_image_policy_parse(ccs_bytes_str("{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/nonexistent\"}]}"),
                                 CCS_IMAGE_POLICY_NO_KEY_FILES, &p),
          CCS_OK);
    s = cosign_sigs(k, "reg.example/ns/a", D1, false);
    st_is(ccs_image_policy_check(p, "reg.example/ns/a", D1, s, NULL), CCS_ERR_POLICY);
    detail_has("not read");
    ccs_image_sigs_free(s);
    ccs_image_policy_free(p);
    ccs_privkey_free(k);
    ccs_privkey_free(k2);
}

static void test_storage(void **state) {
    (void)state;
    char dir[512], cmd[600];
    snprintf(dir, sizeof dir, "%s/sign-%d", CCS_TEST_TMP, (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    /* lookaside */
    unsigned idx = 0;
    st_is(ccs_image_lookaside_write(dir, "reg.example:5000/ns/a:v1", D1, ccs_bytes_str("one"), &idx), CCS_OK);
    assert_int_equal(idx, 1);
    st_is(ccs_image_lookaside_write(dir, "reg.example:5000/ns/a:v2", D1, ccs_bytes_str("two"), &idx), CCS_OK);
    assert_int_equal(idx, 2);
    char path[800];
    snprintf(path, sizeof path, "%s/ns/a@sha256=%s/signature-2", dir, g_d1 + 7);
    assert_int_equal(access(path, F_OK), 0);
    ccs_image_sigs *s = NULL;
    st_is(ccs_image_sigs_new(&s), CCS_OK);
    st_is(ccs_image_lookaside_read(dir, "reg.example:5000/ns/a", D1, s), CCS_OK);
    assert_int_equal(ccs_image_sigs_count(s), 2);
    st_is(ccs_image_lookaside_read(dir, "reg.example:5000/ns/a", D2, s), CCS_OK); /* none: fine */
    assert_int_equal(ccs_image_sigs_count(s), 2);
    st_is(ccs_image_lookaside_read(dir, "reg.example:5000/ns/a", "sha256:../../x", s), CCS_ERR_FORMAT);
    ccs_image_sigs_free(s);
    /* the cosign artifact */
    char lay[600];
    snprintf(lay, sizeof lay, "%s/layout", dir);
    ccs_oci_layout *l = NULL;
    st_is(ccs_oci_layout_open(lay, true, &l), CCS_OK);
    st_is(ccs_image_sigs_new(&s), CCS_OK);
    st_is(ccs_image_cosign_read(l, D1, s), CCS_OK);
    assert_int_equal(ccs_image_sigs_count(s), 0);
    st_is(ccs_image_cosign_attach(l, D1, ccs_bytes_str("payload-1"), ccs_bytes_str("sig-1")), CCS_OK);
    st_is(ccs_image_cosign_attach(l, D1, ccs_bytes_str("payload-2"), ccs_bytes_str("sig-2")), CCS_OK);
    st_is(ccs_image_cosign_read(l, D1, s), CCS_OK);
    assert_int_equal(ccs_image_sigs_count(s), 2);
    ccs_bytes data, sig;
    ccs_image_sig_format f;
    st_is(ccs_image_sigs_get(s, 1, &f, &data, &sig), CCS_OK);
    assert_int_equal(f, CCS_IMAGE_SIG_COSIGN);
    assert_true(ccs_bytes_eq(data, ccs_bytes_str("payload-2")));
    assert_true(ccs_bytes_eq(sig, ccs_bytes_str("sig-2")));
    json_t *desc = NULL;
    char tag[80];
    snprintf(tag, sizeof tag, "sha256-%s.sig", g_d1 + 7);
    st_is(ccs_oci_index_find(l, tag, &desc), CCS_OK);
    json_decref(desc);
    ccs_image_sigs_free(s);
    ccs_oci_layout_free(l);
    assert_int_equal(system(cmd), 0);
}

static void test_registries_d(void **state) {
    (void)state;
    char dir[512], cmd[1100], path[700], out[600];
    snprintf(dir, sizeof dir, "%s/regd-%d", CCS_TEST_TMP, (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    st_is(ccs_file_write(path, ccs_bytes_str("# comment\n"
                                             "docker:\n"
                                             "    reg.example:\n"
                                             "        sigstore: file:///host  # old name\n"
                                             "    'reg.example/ns':\n"
                                             "        lookaside: file:///ns\n"
                                             "        lookaside-staging: \"file:///ns-staging\"\n"
                                             "    reg.example/ns/app:\n"
                                             "        use-sigstore-attachments: true\n"
                                             "    other.example:\n"
                                             "        lookaside: https://sigs.example/\n"
                                             "default-docker:\n"
                                             "    lookaside: file:///default\n")),
          CCS_OK);
    snprintf(path, sizeof path, "%s/ignored.txt", dir);
    st_is(ccs_file_write(path, ccs_bytes_str("docker:\n  x.example:\n    lookaside: file:///x\n")), CCS_OK);
    static const struct {
        const char *ref;
        bool staging;
        ccs_status st;
        const char *dir;
    } t[] = {
        {"reg.example/ns/app:v1", false, CCS_OK, "/ns"}, /* app has no lookaside: its namespace */
        {"reg.example/ns/app:v1", true, CCS_OK, "/ns-staging"},
        {"reg.example/x:v1", false, CCS_OK, "/host"},
        {"reg.example/x:v1", true, CCS_ERR_NOT_FOUND, NULL},
        {"busybox", false, CCS_OK, "/default"},
        {"x.example/a", false, CCS_OK, "/default"},
        {"other.example/a", false, CCS_ERR_UNSUPPORTED, NULL},
        {"Bad Ref", false, CCS_ERR_FORMAT, NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        ccs_status st = ccs_image_registries_d_lookaside(dir, t[i].ref, t[i].staging, out, sizeof out);
        if (st != t[i].st) fail_msg("%s: status %d: %s", t[i].ref, (int)st, ccs_error_detail());
        if (st == CCS_OK) assert_string_equal(out, t[i].dir);
    }
    snprintf(path, sizeof path, "%s/b.yml", dir);
    st_is(ccs_file_write(path, ccs_bytes_str("docker:\n  reg.example/ns:\n    lookaside: file:///elsewhere\n")), CCS_OK);
    st_is(ccs_image_registries_d_lookaside(dir, "reg.example/ns/a", false, out, sizeof out), CCS_ERR_FORMAT);
    detail_has("two lookaside URLs");
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int test_group_image_sign(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dref),   cmocka_unit_test(test_payload),           cmocka_unit_test(test_policy_errors),
        cmocka_unit_test(test_scopes), cmocka_unit_test(test_cosign_identities), cmocka_unit_test(test_storage),
        cmocka_unit_test(test_registries_d),
    };
    return cmocka_run_group_tests_name("image_sign", tests, NULL, NULL);
}
