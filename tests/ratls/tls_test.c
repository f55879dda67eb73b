/* RA-TLS over TLS 1.3 (src/ratls/tls*.c) with the sim platform, over
 * socketpairs with the server in a thread: sim-sgx and sim-tdx round trips,
 * one-way and mutual, with a policy; refusals for tampered evidence, a key
 * binding made for another key, another measurement, an untrusted sim root,
 * an expired certificate and a missing client certificate; the
 * provisioning records (name checks, a refused client told why). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "ccs/ratls.h"
#include "ratls_internal.h"
#include "ratls_tests.h"

#define SIM_DIR CCS_TEST_TMP "/sim_tls"
#define OTHER_SIM CCS_TEST_TMP "/sim_tls_other"
#define SECRETS CCS_TEST_TMP "/secrets"

static ccs_time t0;

static int setup(void **state) {
    (void)state;
    t0 = ccs_time_now();
    if (ccs_sim_init(SIM_DIR, t0, true) != CCS_OK || ccs_sim_init(OTHER_SIM, t0, true) != CCS_OK) {
        fprintf(stderr, "sim init: %s\n", ccs_error_detail());
        return -1;
    }
    return 0;
}

static void create(ccs_platform p, ccs_curve curve, ccs_time now, const char *meas, ccs_x509 **c, ccs_privkey **k) {
    ccs_tee_config cfg = {.platform = p, .sim_dir = SIM_DIR, .sim_measurement = ccs_bytes_str(meas ? meas : "")};
    ccs_backend *b = NULL;
    ccs_ratls_create_options o = {.curve = curve, .now = now};
    if (ccs_backend_open(&cfg, &b) != CCS_OK) fail_msg("open: %s", ccs_error_detail());
    if (ccs_ratls_cert_create(b, &o, c, k) != CCS_OK) fail_msg("create: %s", ccs_error_detail());
    ccs_backend_free(b);
}

typedef struct side {
    ccs_ratls_tls *t;
    int fd;
    ccs_status hs, io;
    bool peer_ok;
    char err[1024];
    char got[8];
} side;

static void timeouts(int fd) {
    struct timeval tv = {.tv_sec = 10};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Handshake, then (client) write "hello" and read the echo, or (server)
 * read 5 bytes and echo them. */
static void run_side(side *s, bool server) {
    ccs_ratls_conn *c = NULL;
    s->io = CCS_ERR_INTERNAL;
    if (ccs_ratls_conn_new(s->t, s->fd, &c) != CCS_OK) fail_msg("conn: %s", ccs_error_detail());
    s->hs = ccs_ratls_conn_handshake(c);
    if (s->hs == CCS_OK) {
        s->peer_ok = ccs_ratls_conn_peer_ok(c);
        if (server) {
            s->io = ccs_ratls_conn_read_full(c, s->got, 5);
            if (s->io == CCS_OK) s->io = ccs_ratls_conn_write(c, s->got, 5);
        } else {
            s->io = ccs_ratls_conn_write(c, "hello", 5);
            if (s->io == CCS_OK) s->io = ccs_ratls_conn_read_full(c, s->got, 5);
        }
        if (s->io == CCS_OK) ccs_ratls_conn_close(c);
    }
    snprintf(s->err, sizeof s->err, "%s", ccs_ratls_conn_error(c));
    ccs_ratls_conn_free(c);
    /* Closing our end unblocks the other side after a failure. */
    shutdown(s->fd, SHUT_RDWR);
}

static void *server_thread(void *arg) {
    run_side(arg, true);
    return NULL;
}

static void run(side *srv, side *cli) {
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    timeouts(sv[0]);
    timeouts(sv[1]);
    srv->fd = sv[0];
    cli->fd = sv[1];
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, server_thread, srv), 0);
    run_side(cli, false);
    pthread_join(th, NULL);
    close(sv[0]);
    close(sv[1]);
}

static ccs_ratls_verifier *verifier(const char *sim_dir, const ccs_ratls_policy *p) {
    ccs_ratls_verify_options o = {.insecure_trust_sim_dir = sim_dir};
    ccs_ratls_verifier *v = NULL;
    assert_int_equal(ccs_ratls_verifier_new(&o, p, &v), CCS_OK);
    return v;
}

/* A policy accepting only `meas` on the sim platform of tee. */
static ccs_ratls_policy *policy_for(ccs_platform p, const char *meas) {
    ccs_tee_config cfg = {.platform = p, .sim_dir = SIM_DIR, .sim_measurement = ccs_bytes_str(meas)};
    uint8_t d[48];
    bool sgx = p == CCS_PLATFORM_SIM_SGX;
    if (sgx) ccs_sha256(cfg.sim_measurement, d);
    else ccs_sha384(cfg.sim_measurement, d);
    char hex[100];
    assert_int_equal(ccs_hex_encode(ccs_bytes_of(d, sgx ? 32 : 48), hex, sizeof hex), CCS_OK);
    char json[512];
    snprintf(json, sizeof json,
             "{\"version\":1,\"tees\":{\"%s\":{\"measurements\":{\"%s\":{\"ref\":\"app.mr\"}}}}}",
             sgx ? "sim-sgx" : "sim-tdx", sgx ? "mrenclave" : "mr_td");
    ccs_ratls_policy *pol = NULL;
    if (ccs_ratls_policy_parse(json, &pol) != CCS_OK) fail_msg("policy: %s", ccs_error_detail());
    assert_int_equal(ccs_ratls_policy_add_refval(pol, "app.mr", hex), CCS_OK);
    return pol;
}

static void round_trip(ccs_platform p, ccs_curve curve, bool mutual) {
    ccs_x509 *sc = NULL, *cc = NULL;
    ccs_privkey *sk = NULL, *ck = NULL;
    create(p, curve, t0, "server-image", &sc, &sk);
    if (mutual) create(p, curve, t0, "client-image", &cc, &ck);
    ccs_ratls_policy *sp = policy_for(p, "server-image"), *cp = policy_for(p, "client-image");
    ccs_ratls_verifier *sv = verifier(SIM_DIR, cp), *cv = verifier(SIM_DIR, sp);
    ccs_ratls_tls_options so = {.peer_verifier = mutual ? sv : NULL}, co = {.peer_verifier = cv};
    side srv = {0}, cli = {0};
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_SERVER, sc, sk, &so, &srv.t), CCS_OK);
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_CLIENT, cc, ck, &co, &cli.t), CCS_OK);
    run(&srv, &cli);
    if (cli.hs != CCS_OK || srv.hs != CCS_OK)
        fail_msg("handshake: client %d (%s), server %d (%s)", cli.hs, cli.err, srv.hs, srv.err);
    assert_int_equal(cli.io, CCS_OK);
    assert_int_equal(srv.io, CCS_OK);
    assert_memory_equal(cli.got, "hello", 5);
    assert_true(cli.peer_ok);
    assert_int_equal(srv.peer_ok, mutual);
    /* A second handshake reuses the verifiers' cached trust. */
    run(&srv, &cli);
    assert_int_equal(cli.hs, CCS_OK);
    assert_int_equal(srv.io, CCS_OK);
    ccs_ratls_tls_free(srv.t);
    ccs_ratls_tls_free(cli.t);
    ccs_ratls_verifier_free(sv);
    ccs_ratls_verifier_free(cv);
    ccs_ratls_policy_free(sp);
    ccs_ratls_policy_free(cp);
    ccs_x509_free(sc);
    ccs_x509_free(cc);
    ccs_privkey_free(sk);
    ccs_privkey_free(ck);
}

static void test_sgx_one_way(void **state) { (void)state; round_trip(CCS_PLATFORM_SIM_SGX, CCS_CURVE_P256, false); }
static void test_sgx_mutual(void **state) { (void)state; round_trip(CCS_PLATFORM_SIM_SGX, CCS_CURVE_P384, true); }
static void test_tdx_one_way(void **state) { (void)state; round_trip(CCS_PLATFORM_SIM_TDX, CCS_CURVE_P384, false); }
static void test_tdx_mutual(void **state) { (void)state; round_trip(CCS_PLATFORM_SIM_TDX, CCS_CURVE_P256, true); }

/* A certificate for key k with one extension (self-signed). */
static ccs_x509 *cert_with(const ccs_privkey *k, const ccs_x509_ext *x) {
    ccs_x509 *c = NULL;
    ccs_x509_spec spec = {.subject_cn = "forged", .serial = 7, .not_before = t0 - 60, .not_after = t0 + 3600,
                          .exts = x, .n_exts = 1};
    assert_int_equal(ccs_x509_build(&spec, k, NULL, k, &c), CCS_OK);
    return c;
}

/* The server presents (c, k); a client verifying with sim_dir and policy
 * must refuse it, naming `check`. Also as a mutual client: the server
 * refuses and names it. */
static void expect_refused(const ccs_x509 *c, const ccs_privkey *k, const char *sim_dir, const ccs_ratls_policy *pol,
                           const char *check) {
    ccs_x509 *gc = NULL, *sc = NULL;
    ccs_privkey *gk = NULL, *sk = NULL;
    create(CCS_PLATFORM_SIM_SGX, CCS_CURVE_P256, t0, "server-image", &gc, &gk);
    ccs_ratls_verifier *v = verifier(sim_dir, pol), *good = verifier(SIM_DIR, NULL);
    /* 1. one-way: the client refuses the server. */
    ccs_ratls_tls_options so = {0}, co = {.peer_verifier = v};
    side srv = {0}, cli = {0};
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_SERVER, c, k, &so, &srv.t), CCS_OK);
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_CLIENT, NULL, NULL, &co, &cli.t), CCS_OK);
    run(&srv, &cli);
    assert_int_equal(cli.hs, CCS_ERR_VERIFY);
    if (strstr(cli.err, check) == NULL) fail_msg("client error lacks %s: %s", check, cli.err);
    assert_int_not_equal(srv.hs == CCS_OK ? srv.io : srv.hs, CCS_OK);
    ccs_ratls_tls_free(srv.t);
    ccs_ratls_tls_free(cli.t);
    /* 2. mutual: the server refuses the client presenting (c, k). */
    memset(&srv, 0, sizeof srv);
    memset(&cli, 0, sizeof cli);
    so.peer_verifier = v;
    co.peer_verifier = good;
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_SERVER, gc, gk, &so, &srv.t), CCS_OK);
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_CLIENT, c, k, &co, &cli.t), CCS_OK);
    run(&srv, &cli);
    assert_int_equal(srv.hs, CCS_ERR_VERIFY);
    if (strstr(srv.err, check) == NULL) fail_msg("server error lacks %s: %s", check, srv.err);
    assert_int_not_equal(cli.hs == CCS_OK ? cli.io : cli.hs, CCS_OK);
    ccs_ratls_tls_free(srv.t);
    ccs_ratls_tls_free(cli.t);
    ccs_ratls_verifier_free(v);
    ccs_ratls_verifier_free(good);
    ccs_x509_free(gc);
    ccs_x509_free(sc);
    ccs_privkey_free(gk);
    ccs_privkey_free(sk);
}

static void test_tampered(void **state) {
    (void)state;
    ccs_x509 *a = NULL, *c = NULL;
    ccs_privkey *ka = NULL;
    ccs_ratls_evidence ea;
    create(CCS_PLATFORM_SIM_TDX, CCS_CURVE_P256, t0, NULL, &a, &ka);
    assert_int_equal(ccs_ratls_evidence_parse(ccs_x509_der(a), &ea), CCS_OK);
    ea.evidence.ptr[48 + 200] ^= 1;
    ccs_buf ext = {0};
    assert_int_equal(ratls_tcg_encode(0x1a7501, ccs_buf_view(&ea.evidence), ccs_buf_view(&ea.claims), &ext), CCS_OK);
    ccs_x509_ext x = {.oid = CCS_RATLS_OID_TCG_EVIDENCE, .der = ccs_buf_view(&ext)};
    c = cert_with(ka, &x);
    expect_refused(c, ka, SIM_DIR, NULL, CCS_CHECK_QUOTE_SIGNATURE);
    ccs_x509_free(c);
    ccs_buf_free(&ext);
    ccs_ratls_evidence_clear(&ea);
    ccs_x509_free(a);
    ccs_privkey_free(ka);
}

static void test_wrong_key(void **state) {
    (void)state;
    ccs_x509 *a = NULL, *c = NULL;
    ccs_privkey *ka = NULL, *kb = NULL;
    create(CCS_PLATFORM_SIM_SGX, CCS_CURVE_P256, t0, NULL, &a, &ka);
    assert_int_equal(ccs_privkey_generate(CCS_CURVE_P256, &kb), CCS_OK);
    /* A's evidence (made for A's key) on a certificate for key B. */
    ccs_bytes ext;
    assert_int_equal(ccs_x509_extension(a, CCS_RATLS_OID_TCG_EVIDENCE, &ext), CCS_OK);
    ccs_x509_ext x = {.oid = CCS_RATLS_OID_TCG_EVIDENCE, .der = ext};
    c = cert_with(kb, &x);
    expect_refused(c, kb, SIM_DIR, NULL, CCS_RATLS_CHECK_PUBKEY_HASH);
    ccs_x509_free(c);
    ccs_x509_free(a);
    ccs_privkey_free(ka);
    ccs_privkey_free(kb);
}

static void test_other_measurement(void **state) {
    (void)state;
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    create(CCS_PLATFORM_SIM_SGX, CCS_CURVE_P256, t0, "another-image", &c, &k);
    ccs_ratls_policy *pol = policy_for(CCS_PLATFORM_SIM_SGX, "server-image");
    expect_refused(c, k, SIM_DIR, pol, CCS_RATLS_CHECK_POLICY);
    ccs_ratls_policy_free(pol);
    ccs_x509_free(c);
    ccs_privkey_free(k);
    /* The TDX entry is absent from an SGX-only policy: also refused. */
    create(CCS_PLATFORM_SIM_TDX, CCS_CURVE_P256, t0, "server-image", &c, &k);
    pol = policy_for(CCS_PLATFORM_SIM_SGX, "server-image");
    ccs_ratls_result r;
    ccs_ratls_verifier *v = verifier(SIM_DIR, pol);
    assert_int_equal(ccs_ratls_verifier_check(v, ccs_x509_der(c), &r), CCS_ERR_VERIFY);
    ccs_ratls_verifier_free(v);
    ccs_ratls_policy_free(pol);
    ccs_x509_free(c);
    ccs_privkey_free(k);
}

static void test_untrusted_root(void **state) {
    (void)state;
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    create(CCS_PLATFORM_SIM_SGX, CCS_CURVE_P256, t0, NULL, &c, &k);
    expect_refused(c, k, OTHER_SIM, NULL, CCS_CHECK_PCK_CHAIN);
    expect_refused(c, k, NULL, NULL, CCS_RATLS_CHECK_COLLATERAL);
    ccs_x509_free(c);
    ccs_privkey_free(k);
}

static void test_expired(void **state) {
    (void)state;
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    /* Valid for a day, three days ago (the sim collateral is current). */
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_SIM_SGX, .sim_dir = SIM_DIR};
    ccs_backend *b = NULL;
    ccs_ratls_create_options o = {.now = t0 - 3 * 86400};
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_OK);
    assert_int_equal(ccs_ratls_cert_create(b, &o, &c, &k), CCS_OK);
    ccs_backend_free(b);
    expect_refused(c, k, SIM_DIR, NULL, CCS_RATLS_CHECK_VALIDITY);
    ccs_x509_free(c);
    ccs_privkey_free(k);
}

static void test_missing_client_cert(void **state) {
    (void)state;
    ccs_x509 *sc = NULL;
    ccs_privkey *sk = NULL;
    create(CCS_PLATFORM_SIM_SGX, CCS_CURVE_P256, t0, NULL, &sc, &sk);
    ccs_ratls_verifier *v = verifier(SIM_DIR, NULL);
    ccs_ratls_tls_options so = {.peer_verifier = v}, co = {.peer_verifier = v};
    side srv = {0}, cli = {0};
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_SERVER, sc, sk, &so, &srv.t), CCS_OK);
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_CLIENT, NULL, NULL, &co, &cli.t), CCS_OK);
    run(&srv, &cli);
    assert_int_not_equal(srv.hs, CCS_OK);
    assert_int_not_equal(cli.hs == CCS_OK ? cli.io : cli.hs, CCS_OK);
    /* Argument checks. */
    ccs_ratls_tls *t = NULL;
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_CLIENT, NULL, NULL, NULL, &t), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_SERVER, NULL, NULL, &so, &t), CCS_ERR_INVALID_ARG);
    ccs_ratls_tls_free(srv.t);
    ccs_ratls_tls_free(cli.t);
    ccs_ratls_verifier_free(v);
    ccs_x509_free(sc);
    ccs_privkey_free(sk);
}

/* ---- provisioning: the server side over a socketpair, the client's records by hand ---- */

typedef struct prov {
    ccs_ratls_tls *t;
    int fd;
    bool served;
    char why[1024];
} prov;

static void *prov_thread(void *arg) {
    prov *p = arg;
    ccs_ratls_conn *c = NULL;
    if (ccs_ratls_conn_new(p->t, p->fd, &c) == CCS_OK && ccs_ratls_conn_handshake(c) == CCS_OK) {
        if (ccs_ratls_provision_serve(c, SECRETS, &p->served, p->why, sizeof p->why) != CCS_OK) p->served = false;
    } else snprintf(p->why, sizeof p->why, "handshake: %s", ccs_ratls_conn_error(c));
    ccs_ratls_conn_free(c);
    shutdown(p->fd, SHUT_RDWR);
    return NULL;
}

/* Asks for name as a client with measurement meas; returns the record type,
 * the payload in out. */
static uint8_t ask(const char *meas, const char *name, ccs_buf *out, prov *p) {
    ccs_x509 *sc = NULL, *cc = NULL;
    ccs_privkey *sk = NULL, *ck = NULL;
    create(CCS_PLATFORM_SIM_SGX, CCS_CURVE_P256, t0, NULL, &sc, &sk);
    create(CCS_PLATFORM_SIM_SGX, CCS_CURVE_P256, t0, meas, &cc, &ck);
    ccs_ratls_policy *pol = policy_for(CCS_PLATFORM_SIM_SGX, "good-client");
    ccs_ratls_verifier *sv = verifier(SIM_DIR, pol), *cv = verifier(SIM_DIR, NULL);
    ccs_ratls_tls_options so = {.peer_verifier = sv, .defer_peer_refusal = true}, co = {.peer_verifier = cv};
    ccs_ratls_tls *ct = NULL;
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_SERVER, sc, sk, &so, &p->t), CCS_OK);
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_CLIENT, cc, ck, &co, &ct), CCS_OK);
    int sv2[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv2), 0);
    timeouts(sv2[0]);
    timeouts(sv2[1]);
    p->fd = sv2[0];
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, prov_thread, p), 0);
    ccs_ratls_conn *c = NULL;
    assert_int_equal(ccs_ratls_conn_new(ct, sv2[1], &c), CCS_OK);
    uint8_t type = 0, h[6];
    if (ccs_ratls_conn_handshake(c) != CCS_OK) fail_msg("handshake: %s", ccs_ratls_conn_error(c));
    size_t nl = strlen(name);
    uint8_t req[6] = {1, CCS_RATLS_PROV_GET, 0, 0, (uint8_t)(nl >> 8), (uint8_t)nl};
    assert_int_equal(ccs_ratls_conn_write(c, req, 6), CCS_OK);
    assert_int_equal(ccs_ratls_conn_write(c, name, nl), CCS_OK);
    assert_int_equal(ccs_ratls_conn_read_full(c, h, 6), CCS_OK);
    assert_int_equal(h[0], 1);
    type = h[1];
    size_t len = (size_t)h[4] << 8 | h[5];
    out->len = 0;
    assert_int_equal(ccs_buf_reserve(out, len + 1), CCS_OK);
    assert_int_equal(ccs_ratls_conn_read_full(c, out->ptr, len), CCS_OK);
    out->len = len;
    ccs_ratls_conn_free(c);
    shutdown(sv2[1], SHUT_RDWR);
    pthread_join(th, NULL);
    close(sv2[0]);
    close(sv2[1]);
    ccs_ratls_tls_free(p->t);
    ccs_ratls_tls_free(ct);
    ccs_ratls_verifier_free(sv);
    ccs_ratls_verifier_free(cv);
    ccs_ratls_policy_free(pol);
    ccs_x509_free(sc);
    ccs_x509_free(cc);
    ccs_privkey_free(sk);
    ccs_privkey_free(ck);
    return type;
}

static void test_provision_records(void **state) {
    (void)state;
    mkdir(SECRETS, 0700);
    FILE *f = fopen(SECRETS "/db-key", "wb");
    assert_non_null(f);
    fwrite("s3cr\0t", 1, 6, f);
    fclose(f);
    ccs_buf out = {0};
    prov p = {0};
    uint8_t type = ask("good-client", "db-key", &out, &p);
    if (type != CCS_RATLS_PROV_SECRET) fail_msg("refused: %.*s (server: %s)", (int)out.len, (char *)out.ptr, p.why);
    assert_int_equal(out.len, 6);
    assert_memory_equal(out.ptr, "s3cr\0t", 6);
    assert_true(p.served);
    memset(&p, 0, sizeof p);
    assert_int_equal(ask("bad-client", "db-key", &out, &p), CCS_RATLS_PROV_ERROR);
    assert_false(p.served);
    assert_non_null(memmem(out.ptr, out.len, "policy", 6));
    assert_non_null(strstr(p.why, "refused"));
    memset(&p, 0, sizeof p);
    assert_int_equal(ask("good-client", "../db-key", &out, &p), CCS_RATLS_PROV_ERROR);
    assert_non_null(memmem(out.ptr, out.len, "bad request", 11));
    memset(&p, 0, sizeof p);
    assert_int_equal(ask("good-client", "nope", &out, &p), CCS_RATLS_PROV_ERROR);
    assert_non_null(memmem(out.ptr, out.len, "no secret named nope", 20));
    ccs_buf_free(&out);
    assert_false(ccs_ratls_secret_name_ok(".."));
    assert_false(ccs_ratls_secret_name_ok("a/b"));
    assert_false(ccs_ratls_secret_name_ok(""));
    assert_true(ccs_ratls_secret_name_ok("key-1.bin"));
}

int ccs_test_ratls_tls(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgx_one_way),        cmocka_unit_test(test_sgx_mutual),
        cmocka_unit_test(test_tdx_one_way),        cmocka_unit_test(test_tdx_mutual),
        cmocka_unit_test(test_tampered),           cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_other_measurement),  cmocka_unit_test(test_untrusted_root),
        cmocka_unit_test(test_expired),            cmocka_unit_test(test_missing_client_cert),
        cmocka_unit_test(test_provision_records),
    };
    return cmocka_run_group_tests_name("ratls_tls", tests, setup, NULL);
}
