/* RA-TLS with TPM 2.0 evidence (src/ratls/tpm.c, docs/ratls.md "TPM 2.0
 * evidence") from a software TPM (swtpm) started for this group on a free
 * loopback port (or the one CCS_TPM_TCTI names): the CMW representation,
 * certificate round trips with the AK as ak.pem, in a collateral directory
 * and through the verifier; TLS 1.3 one-way and mutual with a PCR policy;
 * refusals for another AK, a tampered PCR value, a flipped TPMS_ATTEST
 * byte, evidence and claims moved to another key, and malformed CMW.
 * Skipped, with the reason, when swtpm is not installed. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ccs/ratls.h"
#include "ratls_internal.h"
#include "ratls_tests.h"

#define AK_DIR CCS_TEST_TMP "/tpm_ak"
#define OTHER_AK_DIR CCS_TEST_TMP "/tpm_other_ak"

static pid_t swtpm_pid = -1;
static char tcti[128], tmpdir[256];
static ccs_time t0;

/* ---- swtpm (as tests/tee/tpm_test.c) -------------------------------------------------- */

static bool port_free(unsigned port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

static bool port_answers(unsigned port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

static int start_swtpm(void) {
    snprintf(tmpdir, sizeof tmpdir, "%s/tpm.XXXXXX", CCS_TEST_TMP);
    if (mkdtemp(tmpdir) == NULL) return -1;
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (int tries = 0; tries < 50; tries++) {
        unsigned port = 20000 + (unsigned)rand() % 40000;
        if (!port_free(port) || !port_free(port + 1)) continue;
        char state[300], server[64], ctrl[64];
        snprintf(state, sizeof state, "dir=%s", tmpdir);
        snprintf(server, sizeof server, "type=tcp,port=%u,bindaddr=127.0.0.1", port);
        snprintf(ctrl, sizeof ctrl, "type=tcp,port=%u,bindaddr=127.0.0.1", port + 1);
        pid_t pid = fork();
        if (pid < 0) return -1;
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            int null = open("/dev/null", O_WRONLY);
            if (null >= 0) dup2(null, 1);
            execlp("swtpm", "swtpm", "socket", "--tpm2", "--tpmstate", state, "--server", server, "--ctrl", ctrl,
                   "--flags", "not-need-init,startup-clear", (char *)NULL);
            _exit(127);
        }
        for (int i = 0; i < 200; i++) {
            int wst;
            if (waitpid(pid, &wst, WNOHANG) == pid) break;
            if (port_answers(port)) {
                swtpm_pid = pid;
                snprintf(tcti, sizeof tcti, "swtpm:host=127.0.0.1,port=%u", port);
                return 0;
            }
            usleep(20000);
        }
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    return -1;
}

static ccs_backend *open_tpm(void) {
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_TPM, .tpm_tcti = tcti};
    ccs_backend *b = NULL;
    if (ccs_backend_open(&cfg, &b) != CCS_OK) fail_msg("open tpm: %s", ccs_error_detail());
    return b;
}

/* The TPM's AK into AK_DIR/ak.pem; a P-256 key that is no AK into OTHER_AK_DIR. */
static int write_aks(void) {
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_TPM, .tpm_tcti = tcti};
    ccs_backend *b = NULL;
    char *js = NULL;
    json_t *o = NULL;
    ccs_privkey *k = NULL;
    ccs_pubkey *pub = NULL;
    ccs_buf pem = {0};
    int rc = -1;
    mkdir(AK_DIR, 0700);
    mkdir(OTHER_AK_DIR, 0700);
    if (ccs_backend_open(&cfg, &b) == CCS_OK && ccs_backend_measurements(b, &js) == CCS_OK &&
        (o = json_loads(js, 0, NULL)) != NULL && json_is_string(json_object_get(o, "ak_public")) &&
        ccs_file_write(AK_DIR "/ak.pem", ccs_bytes_str(json_string_value(json_object_get(o, "ak_public")))) ==
            CCS_OK &&
        ccs_privkey_generate(CCS_CURVE_P256, &k) == CCS_OK && ccs_privkey_public(k, &pub) == CCS_OK &&
        ccs_pubkey_pem(pub, &pem) == CCS_OK && ccs_file_write(OTHER_AK_DIR "/ak.pem", ccs_buf_view(&pem)) == CCS_OK)
        rc = 0;
    if (rc != 0) fprintf(stderr, "tpm ak: %s\n", ccs_error_detail());
    ccs_buf_free(&pem);
    ccs_pubkey_free(pub);
    ccs_privkey_free(k);
    json_decref(o);
    free(js);
    ccs_backend_free(b);
    return rc;
}

static bool have_swtpm(void) {
    return system("command -v swtpm >/dev/null 2>&1") == 0;
}

static int group_setup(void **state) {
    (void)state;
    t0 = ccs_time_now();
    setenv("TSS2_LOG", "all+NONE", 0);
    const char *env = getenv("CCS_TPM_TCTI");
    if (env && *env) snprintf(tcti, sizeof tcti, "%s", env);
    else if (start_swtpm() != 0) {
        fprintf(stderr, "ratls tpm tests: cannot start swtpm\n");
        return -1;
    }
    return write_aks();
}

static int group_teardown(void **state) {
    (void)state;
    if (swtpm_pid > 0) {
        kill(swtpm_pid, SIGTERM);
        waitpid(swtpm_pid, NULL, 0);
        swtpm_pid = -1;
    }
    return 0;
}

/* ---- helpers ---------------------------------------------------------------------- */

static void create(ccs_curve curve, ccs_bytes nonce, ccs_x509 **c, ccs_privkey **k) {
    ccs_backend *b = open_tpm();
    ccs_ratls_create_options o = {.curve = curve, .nonce = nonce, .now = t0};
    if (ccs_ratls_cert_create(b, &o, c, k) != CCS_OK) fail_msg("create: %s", ccs_error_detail());
    ccs_backend_free(b);
}

static bool failed(const ccs_ratls_result *r, const char *name) {
    for (size_t i = 0; i < r->n_failed; i++)
        if (strcmp(r->failed[i].name, name) == 0) return true;
    for (size_t i = 0; i < r->tpm.n_failed; i++)
        if (strcmp(r->tpm.failed[i].name, name) == 0) return true;
    return false;
}

static ccs_status verify_ak(ccs_bytes der, const char *ak_pem, ccs_ratls_result *r) {
    ccs_ratls_verify_options o = {.now = t0, .tpm_ak_pem = ak_pem};
    return ccs_ratls_verify_cert(der, &o, r);
}

static ccs_x509 *cert_with(const ccs_privkey *k, ccs_bytes ext) {
    ccs_x509 *c = NULL;
    ccs_x509_ext x = {.oid = CCS_RATLS_OID_TCG_EVIDENCE, .der = ext};
    ccs_x509_spec spec = {.subject_cn = "forged", .serial = 11, .not_before = t0 - 60, .not_after = t0 + 3600,
                          .exts = &x, .n_exts = 1};
    assert_int_equal(ccs_x509_build(&spec, k, NULL, k, &c), CCS_OK);
    return c;
}

/* ---- certificates ---------------------------------------------------------------- */

static void round_trip(ccs_curve curve) {
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    ccs_ratls_result *r = calloc(1, sizeof *r);
    ccs_ratls_evidence ev;
    assert_non_null(r);
    create(curve, ccs_bytes_str("fresh"), &c, &k);

    /* The representation: the CCS-private tag over [CMW record, claims]. */
    assert_int_equal(ccs_ratls_evidence_parse(ccs_x509_der(c), &ev), CCS_OK);
    assert_int_equal(ev.format, CCS_RATLS_FORMAT_TCG);
    assert_int_equal(ev.tag, CCS_RATLS_TAG_CCS_TPM_CMW);
    assert_true(ev.pubkey_hash_ok);
    assert_int_equal(ev.evidence.ptr[0], '{'); /* the JSON, unwrapped */
    assert_int_equal(ev.nonce.len, 5);
    ccs_ratls_evidence_clear(&ev);

    assert_int_equal(verify_ak(ccs_x509_der(c), AK_DIR "/ak.pem", r), CCS_OK);
    assert_true(r->pass && r->is_tpm && r->tpm.pass);
    assert_string_equal(ccs_ratls_result_tee_name(r), "tpm");
    assert_false(r->sim);
    /* extraData = SHA-256(SHA-256(claims) || 32 zeros) (ccs_tpm_nonce). */
    assert_int_equal(r->tpm.attest.extra_data_len, 32);

    /* The AK found in a collateral directory, as ccs attest verify does. */
    ccs_ratls_verify_options o = {.now = t0, .collateral = AK_DIR, .expected_nonce = ccs_bytes_str("fresh")};
    assert_int_equal(ccs_ratls_verify_cert(ccs_x509_der(c), &o, r), CCS_OK);
    /* No AK trust at all: refused, named. */
    o.collateral = NULL;
    assert_int_equal(ccs_ratls_verify_cert(ccs_x509_der(c), &o, r), CCS_ERR_VERIFY);
    assert_true(failed(r, CCS_RATLS_CHECK_AK_TRUST));
    free(r);
    ccs_x509_free(c);
    ccs_privkey_free(k);
}

static void test_round_trip_p256(void **state) { (void)state; round_trip(CCS_CURVE_P256); }
static void test_round_trip_p384(void **state) { (void)state; round_trip(CCS_CURVE_P384); }

static void test_wrong_ak(void **state) {
    (void)state;
    ccs_x509 *c = NULL;
    ccs_privkey *k = NULL;
    ccs_ratls_result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    create(CCS_CURVE_P256, ccs_bytes_str(""), &c, &k);
    assert_int_equal(verify_ak(ccs_x509_der(c), OTHER_AK_DIR "/ak.pem", r), CCS_ERR_VERIFY);
    assert_false(r->pass);
    assert_true(failed(r, CCS_RATLS_CHECK_EVIDENCE));
    assert_true(failed(r, CCS_TPM_CHECK_AK_TRUST));
    free(r);
    ccs_x509_free(c);
    ccs_privkey_free(k);
}

/* Rewrites the evidence JSON of ev: a PCR value, or a byte of TPMS_ATTEST. */
static void tamper(ccs_ratls_evidence *ev, bool pcr) {
    json_error_t je;
    json_t *o = json_loadb((const char *)ev->evidence.ptr, ev->evidence.len, 0, &je);
    assert_non_null(o);
    if (pcr) {
        json_t *bank = json_object_get(json_object_get(o, "pcrs"), "sha256");
        assert_non_null(json_object_get(bank, "16"));
        assert_int_equal(json_object_set_new(bank, "16", json_string("11111111111111111111111111111111"
                                                                     "11111111111111111111111111111111")), 0);
    } else {
        const char *b64 = json_string_value(json_object_get(o, "tpms_attest"));
        assert_non_null(b64);
        ccs_buf raw = {0}, enc = {0};
        assert_int_equal(ccs_base64_decode(b64, strlen(b64), &raw), CCS_OK);
        raw.ptr[raw.len - 1] ^= 1; /* the last byte of the PCR digest */
        assert_int_equal(ccs_base64_encode(ccs_buf_view(&raw), &enc), CCS_OK);
        assert_int_equal(json_object_set_new(o, "tpms_attest", json_stringn((const char *)enc.ptr, enc.len)), 0);
        ccs_buf_free(&raw);
        ccs_buf_free(&enc);
    }
    char *s = json_dumps(o, JSON_COMPACT);
    assert_non_null(s);
    assert_int_equal(ccs_buf_set(&ev->evidence, ccs_bytes_str(s)), CCS_OK);
    free(s);
    json_decref(o);
}

static void test_tampered(void **state) {
    (void)state;
    ccs_x509 *a = NULL, *c = NULL;
    ccs_privkey *ka = NULL;
    ccs_ratls_result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    create(CCS_CURVE_P256, ccs_bytes_str(""), &a, &ka);
    for (int pcr = 1; pcr >= 0; pcr--) {
        ccs_ratls_evidence ev;
        ccs_buf ext = {0};
        assert_int_equal(ccs_ratls_evidence_parse(ccs_x509_der(a), &ev), CCS_OK);
        tamper(&ev, pcr);
        assert_int_equal(ratls_tcg_encode_cmw(CCS_RATLS_TAG_CCS_TPM_CMW, CCS_RATLS_TPM_MEDIA_TYPE,
                                              ccs_buf_view(&ev.evidence), ccs_buf_view(&ev.claims), &ext),
                         CCS_OK);
        c = cert_with(ka, ccs_buf_view(&ext));
        assert_int_equal(verify_ak(ccs_x509_der(c), AK_DIR "/ak.pem", r), CCS_ERR_VERIFY);
        if (pcr) assert_true(failed(r, CCS_TPM_CHECK_PCR_DIGEST));
        else assert_true(failed(r, CCS_TPM_CHECK_SIGNATURE));
        ccs_x509_free(c);
        ccs_buf_free(&ext);
        ccs_ratls_evidence_clear(&ev);
    }
    free(r);
    ccs_x509_free(a);
    ccs_privkey_free(ka);
}

/* Evidence from another certificate: the whole extension on another key
 * (pubkey-hash), and A's quote with claims for B's key (the quote's nonce). */
static void test_key_binding(void **state) {
    (void)state;
    ccs_x509 *a = NULL, *b = NULL, *c = NULL;
    ccs_privkey *ka = NULL, *kb = NULL;
    ccs_ratls_result *r = calloc(1, sizeof *r);
    ccs_ratls_evidence ea, eb;
    ccs_bytes ext;
    ccs_buf spliced = {0};
    assert_non_null(r);
    create(CCS_CURVE_P256, ccs_bytes_str(""), &a, &ka);
    create(CCS_CURVE_P256, ccs_bytes_str(""), &b, &kb);
    assert_int_equal(ccs_x509_extension(a, CCS_RATLS_OID_TCG_EVIDENCE, &ext), CCS_OK);
    c = cert_with(kb, ext);
    assert_int_equal(verify_ak(ccs_x509_der(c), AK_DIR "/ak.pem", r), CCS_ERR_VERIFY);
    assert_true(failed(r, CCS_RATLS_CHECK_PUBKEY_HASH));
    ccs_x509_free(c);

    assert_int_equal(ccs_ratls_evidence_parse(ccs_x509_der(a), &ea), CCS_OK);
    assert_int_equal(ccs_ratls_evidence_parse(ccs_x509_der(b), &eb), CCS_OK);
    assert_int_equal(ratls_tcg_encode_cmw(CCS_RATLS_TAG_CCS_TPM_CMW, CCS_RATLS_TPM_MEDIA_TYPE,
                                          ccs_buf_view(&ea.evidence), ccs_buf_view(&eb.claims), &spliced),
                     CCS_OK);
    c = cert_with(kb, ccs_buf_view(&spliced));
    assert_int_equal(verify_ak(ccs_x509_der(c), AK_DIR "/ak.pem", r), CCS_ERR_VERIFY);
    assert_false(failed(r, CCS_RATLS_CHECK_PUBKEY_HASH));
    assert_true(failed(r, CCS_TPM_CHECK_NONCE));
    ccs_x509_free(c);
    ccs_buf_free(&spliced);
    ccs_ratls_evidence_clear(&ea);
    ccs_ratls_evidence_clear(&eb);
    free(r);
    ccs_x509_free(a);
    ccs_x509_free(b);
    ccs_privkey_free(ka);
    ccs_privkey_free(kb);
}

/* The CMW form only under the CCS tag, only with the TPM media type; TPM
 * JSON under a DCAP tag is not verified as TPM evidence. */
static void test_cmw_strict(void **state) {
    (void)state;
    ccs_x509 *a = NULL, *c = NULL;
    ccs_privkey *ka = NULL;
    ccs_ratls_result *r = calloc(1, sizeof *r);
    ccs_ratls_evidence ea, out;
    ccs_buf ext = {0};
    assert_non_null(r);
    create(CCS_CURVE_P256, ccs_bytes_str(""), &a, &ka);
    assert_int_equal(ccs_ratls_evidence_parse(ccs_x509_der(a), &ea), CCS_OK);
    ccs_bytes ev = ccs_buf_view(&ea.evidence), cl = ccs_buf_view(&ea.claims), spki = ccs_buf_view(&ea.spki);

    /* A bstr under the CCS tag (no CMW record). */
    assert_int_equal(ratls_tcg_encode(CCS_RATLS_TAG_CCS_TPM_CMW, ev, cl, &ext), CCS_OK);
    assert_int_equal(ccs_ratls_tcg_parse(ccs_buf_view(&ext), spki, &out), CCS_ERR_FORMAT);
    /* Another media type. */
    assert_int_equal(ratls_tcg_encode_cmw(CCS_RATLS_TAG_CCS_TPM_CMW, "application/json", ev, cl, &ext), CCS_OK);
    assert_int_equal(ccs_ratls_tcg_parse(ccs_buf_view(&ext), spki, &out), CCS_ERR_UNSUPPORTED);
    /* The CMW record under Gramine's and rats-tls's tags. */
    assert_int_equal(ratls_tcg_encode_cmw(CCS_RATLS_TAG_GRAMINE_SGX_QUOTE, CCS_RATLS_TPM_MEDIA_TYPE, ev, cl, &ext),
                     CCS_OK);
    assert_int_equal(ccs_ratls_tcg_parse(ccs_buf_view(&ext), spki, &out), CCS_ERR_FORMAT);
    assert_int_equal(ratls_tcg_encode_cmw(CCS_RATLS_TAG_TEE_QUOTE, CCS_RATLS_TPM_MEDIA_TYPE, ev, cl, &ext), CCS_OK);
    assert_int_equal(ccs_ratls_tcg_parse(ccs_buf_view(&ext), spki, &out), CCS_ERR_FORMAT);
    /* TPM JSON as a bstr under the TDX tag: a DCAP quote that does not parse. */
    assert_int_equal(ratls_tcg_encode(CCS_RATLS_TAG_TEE_QUOTE, ev, cl, &ext), CCS_OK);
    c = cert_with(ka, ccs_buf_view(&ext));
    assert_int_equal(verify_ak(ccs_x509_der(c), AK_DIR "/ak.pem", r), CCS_ERR_VERIFY);
    assert_false(r->is_tpm);
    assert_true(failed(r, CCS_RATLS_CHECK_EVIDENCE));
    ccs_x509_free(c);
    ccs_buf_free(&ext);
    ccs_ratls_evidence_clear(&ea);
    free(r);
    ccs_x509_free(a);
    ccs_privkey_free(ka);
}

/* ---- TLS ------------------------------------------------------------------------- */

typedef struct side {
    ccs_ratls_tls *t;
    int fd;
    ccs_status hs, io;
    bool peer_ok;
    char err[1024];
    char got[8];
} side;

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
    shutdown(s->fd, SHUT_RDWR);
}

static void *server_thread(void *arg) {
    run_side(arg, true);
    return NULL;
}

static void run(side *srv, side *cli) {
    int sv[2];
    struct timeval tv = {.tv_sec = 10};
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    for (int i = 0; i < 2; i++) {
        (void)setsockopt(sv[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        (void)setsockopt(sv[i], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    srv->fd = sv[0];
    cli->fd = sv[1];
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, server_thread, srv), 0);
    run_side(cli, false);
    pthread_join(th, NULL);
    close(sv[0]);
    close(sv[1]);
}

/* A policy on the quoted sha256 PCR 16 (zero after swtpm's startup). */
static ccs_ratls_policy *pcr16_policy(const char *hex) {
    ccs_ratls_policy *p = NULL;
    assert_int_equal(ccs_ratls_policy_parse("{\"version\":1,\"tees\":{\"tpm\":{\"pcrs\":{\"sha256:16\":"
                                            "{\"ref\":\"tpm.pcr16\"}}}}}", &p), CCS_OK);
    assert_int_equal(ccs_ratls_policy_add_refval(p, "tpm.pcr16", hex), CCS_OK);
    return p;
}

#define ZERO32 "0000000000000000000000000000000000000000000000000000000000000000"
#define ONES32 "1111111111111111111111111111111111111111111111111111111111111111"

static ccs_ratls_verifier *verifier(const char *ak_dir, const ccs_ratls_policy *p) {
    ccs_ratls_verify_options o = {.collateral = ak_dir};
    ccs_ratls_verifier *v = NULL;
    assert_int_equal(ccs_ratls_verifier_new(&o, p, &v), CCS_OK);
    return v;
}

static void tls_round_trip(bool mutual) {
    ccs_x509 *sc = NULL, *cc = NULL;
    ccs_privkey *sk = NULL, *ck = NULL;
    create(CCS_CURVE_P256, ccs_bytes_str(""), &sc, &sk);
    if (mutual) create(CCS_CURVE_P384, ccs_bytes_str(""), &cc, &ck);
    ccs_ratls_policy *pol = pcr16_policy(ZERO32);
    ccs_ratls_verifier *sv = verifier(AK_DIR, pol), *cv = verifier(AK_DIR, pol);
    ccs_ratls_tls_options so = {.peer_verifier = mutual ? sv : NULL}, co = {.peer_verifier = cv};
    side srv = {0}, cli = {0};
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_SERVER, sc, sk, &so, &srv.t), CCS_OK);
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_CLIENT, cc, ck, &co, &cli.t), CCS_OK);
    for (int i = 0; i < 2; i++) { /* the second reuses the cached AK trust */
        run(&srv, &cli);
        if (cli.hs != CCS_OK || srv.hs != CCS_OK)
            fail_msg("handshake: client %d (%s), server %d (%s)", cli.hs, cli.err, srv.hs, srv.err);
        assert_int_equal(cli.io, CCS_OK);
        assert_int_equal(srv.io, CCS_OK);
        assert_memory_equal(cli.got, "hello", 5);
        assert_true(cli.peer_ok);
        assert_int_equal(srv.peer_ok, mutual);
    }
    ccs_ratls_tls_free(srv.t);
    ccs_ratls_tls_free(cli.t);
    ccs_ratls_verifier_free(sv);
    ccs_ratls_verifier_free(cv);
    ccs_ratls_policy_free(pol);
    ccs_x509_free(sc);
    ccs_x509_free(cc);
    ccs_privkey_free(sk);
    ccs_privkey_free(ck);
}

static void test_tls_one_way(void **state) { (void)state; tls_round_trip(false); }
static void test_tls_mutual(void **state) { (void)state; tls_round_trip(true); }

/* The client refuses the server (check named in its error); as a mutual
 * client with the same certificate, the server refuses it. */
static void expect_refused(const char *ak_dir, const ccs_ratls_policy *pol, const char *check) {
    ccs_x509 *c = NULL, *gc = NULL;
    ccs_privkey *k = NULL, *gk = NULL;
    create(CCS_CURVE_P256, ccs_bytes_str(""), &c, &k);
    create(CCS_CURVE_P256, ccs_bytes_str(""), &gc, &gk);
    ccs_ratls_verifier *v = verifier(ak_dir, pol), *good = verifier(AK_DIR, NULL);
    ccs_ratls_tls_options so = {0}, co = {.peer_verifier = v};
    side srv = {0}, cli = {0};
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_SERVER, c, k, &so, &srv.t), CCS_OK);
    assert_int_equal(ccs_ratls_tls_new(CCS_RATLS_CLIENT, NULL, NULL, &co, &cli.t), CCS_OK);
    run(&srv, &cli);
    assert_int_equal(cli.hs, CCS_ERR_VERIFY);
    if (strstr(cli.err, check) == NULL) fail_msg("client error lacks %s: %s", check, cli.err);
    ccs_ratls_tls_free(srv.t);
    ccs_ratls_tls_free(cli.t);

    memset(&srv, 0, sizeof srv);
    memset(&cli, 0, sizeof cli);
    so = (ccs_ratls_tls_options){.peer_verifier = v};
    co = (ccs_ratls_tls_options){.peer_verifier = good};
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
    ccs_x509_free(c);
    ccs_x509_free(gc);
    ccs_privkey_free(k);
    ccs_privkey_free(gk);
}

static void test_tls_wrong_ak(void **state) {
    (void)state;
    expect_refused(OTHER_AK_DIR, NULL, CCS_TPM_CHECK_AK_TRUST);
}

static void test_tls_policy_refused(void **state) {
    (void)state;
    ccs_ratls_policy *pol = pcr16_policy(ONES32);
    expect_refused(AK_DIR, pol, CCS_RATLS_CHECK_POLICY);
    ccs_ratls_policy_free(pol);
}

int ccs_test_ratls_tpm(void) {
    if (getenv("CCS_TPM_TCTI") == NULL && !have_swtpm()) {
        printf("[  SKIPPED ] ratls_tpm: swtpm is not installed (scripts/install-deps.sh installs it)\n");
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_p256), cmocka_unit_test(test_round_trip_p384),
        cmocka_unit_test(test_wrong_ak),        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_key_binding),     cmocka_unit_test(test_cmw_strict),
        cmocka_unit_test(test_tls_one_way),     cmocka_unit_test(test_tls_mutual),
        cmocka_unit_test(test_tls_wrong_ak),    cmocka_unit_test(test_tls_policy_refused),
    };
    return cmocka_run_group_tests_name("ratls_tpm", tests, group_setup, group_teardown);
}
