/* tpm: fresh quotes from a software TPM (swtpm) started for this run on a
 * free loopback port (or the one CCS_TPM_TCTI names), verified by ccs and
 * cross-checked with tpm2_checkquote; tampered PCR values, a wrong nonce and
 * a wrong AK are refused with the exact failed checks, by both.
 * swtpm runs as this process's child with PR_SET_PDEATHSIG, so it dies with
 * the test however the test ends. CCS_TPM_RECORD_DIR=DIR writes one
 * evidence file with its ak.pem and report data there (tests/data/tpm). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tss2/tss2_tpm2_types.h>

#include "ccs/attest.h"
#include "ccs/tee.h"
#include "tee_tests.h"

static pid_t swtpm_pid = -1;
static char tcti[128], tmpdir[256];

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
            if (waitpid(pid, &wst, WNOHANG) == pid) break; /* exited: port taken meanwhile, or no swtpm */
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

static int group_setup(void **state) {
    (void)state;
    setenv("TSS2_LOG", "all+NONE", 0); /* tss2's own stderr logging; failures are asserted */
    const char *env = getenv("CCS_TPM_TCTI");
    if (env && *env) {
        snprintf(tcti, sizeof tcti, "%s", env);
        snprintf(tmpdir, sizeof tmpdir, "%s", CCS_TEST_TMP);
        return 0;
    }
    if (start_swtpm() != 0) {
        fprintf(stderr, "tpm tests: cannot start swtpm (scripts/install-deps.sh installs it)\n");
        return -1;
    }
    return 0;
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

/* ---- helpers ---------------------------------------------------------------- */

/* PCRs 16 and 23 are resettable: every test starts from zeros there, so the
 * event log of its own extends replays. Transient objects a failed test
 * left behind are flushed (swtpm has no resource manager). */
static void reset_tpm(void) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "TPM2TOOLS_TCTI='%s' tpm2_pcrreset 16 23 >/dev/null && "
             "TPM2TOOLS_TCTI='%s' tpm2_flushcontext -t >/dev/null", tcti, tcti);
    int rc = system(cmd);
    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0) fail_msg("tpm2_pcrreset/tpm2_flushcontext failed");
}

static ccs_backend *open_tpm(void) {
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_TPM, .tpm_tcti = tcti};
    ccs_backend *b = NULL;
    if (ccs_backend_open(&cfg, &b) != CCS_OK) fail_msg("open tpm: %s", ccs_error_detail());
    return b;
}

/* The AK as the verifier trusts it: from the measurements, not the evidence. */
static ccs_pubkey *trusted_ak(ccs_backend *b, ccs_buf *pem) {
    char *js = NULL;
    assert_int_equal(ccs_backend_measurements(b, &js), CCS_OK);
    json_t *o = json_loads(js, 0, NULL);
    assert_non_null(o);
    const char *p = json_string_value(json_object_get(o, "ak_public"));
    assert_non_null(p);
    ccs_pubkey *k = NULL;
    assert_int_equal(ccs_pubkey_from_pem(ccs_bytes_str(p), &k), CCS_OK);
    if (pem) assert_int_equal(ccs_buf_set(pem, ccs_bytes_str(p)), CCS_OK);
    json_decref(o);
    free(js);
    return k;
}

static void evidence(ccs_backend *b, const char *rd, ccs_buf *ev, uint8_t nonce[32]) {
    ccs_bytes r = ccs_bytes_str(rd);
    if (ccs_backend_evidence(b, r, ev) != CCS_OK) fail_msg("evidence: %s", ccs_error_detail());
    assert_int_equal(ccs_tpm_nonce(r, nonce), CCS_OK);
}

/* Verifies and asserts the exact list of failed checks ("" = pass). */
static void expect(ccs_bytes ev, const ccs_pubkey *ak, const uint8_t nonce[32], const char *want) {
    ccs_tpm_options opt = {.nonce = ccs_bytes_of(nonce, 32), .ak = ak, .now = ccs_time_now()};
    ccs_tpm_result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    ccs_status st = ccs_tpm_verify(ev, &opt, r);
    char got[256] = "";
    for (size_t i = 0; i < r->n_failed; i++) {
        strncat(got, i ? "," : "", sizeof got - strlen(got) - 1);
        strncat(got, r->failed[i].name, sizeof got - strlen(got) - 1);
    }
    if (strcmp(got, want) != 0)
        fail_msg("failed checks \"%s\", want \"%s\" (%s)", got, want, r->n_failed ? r->failed[0].message : "");
    assert_int_equal(st, *want ? CCS_ERR_VERIFY : CCS_OK);
    assert_int_equal(r->pass, *want == '\0');
    free(r);
}

/* Rewrites one member of the evidence JSON (path "pcrs.sha256.0" style). */
static void edit_json(const ccs_buf *in, const char *path, json_t *value, ccs_buf *out) {
    json_t *o = json_loadb((const char *)in->ptr, in->len, 0, NULL), *cur = o;
    assert_non_null(o);
    char buf[128], *save = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    char *k = strtok_r(buf, ".", &save), *next;
    while ((next = strtok_r(NULL, ".", &save)) != NULL) {
        cur = json_object_get(cur, k);
        assert_non_null(cur);
        k = next;
    }
    if (value)
        json_object_set_new(cur, k, value);
    else
        json_object_del(cur, k);
    char *t = json_dumps(o, 0);
    assert_int_equal(ccs_buf_set(out, ccs_bytes_str(t)), CCS_OK);
    free(t);
    json_decref(o);
}

static const char *member(const ccs_buf *ev, const char *path, json_t **keep) {
    *keep = json_loadb((const char *)ev->ptr, ev->len, 0, NULL);
    json_t *cur = *keep;
    char buf[128], *save = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k && cur; k = strtok_r(NULL, ".", &save)) cur = json_object_get(cur, k);
    return json_string_value(cur);
}

/* ---- tpm2_checkquote --------------------------------------------------------- */

static void write_file(const char *name, ccs_bytes b) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    assert_int_equal(ccs_file_write(p, b), CCS_OK);
}

static void write_b64(const char *name, const char *b64) {
    ccs_buf raw = {0};
    assert_int_equal(ccs_base64_decode(b64, strlen(b64), &raw), CCS_OK);
    write_file(name, ccs_buf_view(&raw));
    ccs_buf_free(&raw);
}

/* tpm2-tools' PCR file ("serialized"): the in-memory TPML_PCR_SELECTION,
 * a UINT32 count, then that many TPML_DIGEST (8 values each) in selection
 * order, as tpm2_quote -o writes it on this host. */
static void write_pcrs_serialized(const ccs_tpm_attest *a, json_t *pcrs) {
    TPML_PCR_SELECTION sel;
    TPML_DIGEST lists[CCS_TPM_MAX_BANKS * CCS_TPM_PCRS / 8 + CCS_TPM_MAX_BANKS];
    uint32_t n = 0;
    char idx[4];
    memset(&sel, 0, sizeof sel);
    memset(lists, 0, sizeof lists);
    sel.count = (uint32_t)a->n_banks;
    for (size_t b = 0; b < a->n_banks; b++) {
        sel.pcrSelections[b].hash = a->banks[b].hash_alg;
        sel.pcrSelections[b].sizeofSelect = 3;
        json_t *bank = json_object_get(pcrs, a->banks[b].hash_alg == CCS_TPM_ALG_SHA256 ? "sha256" : "sha384");
        for (unsigned i = 0; i < CCS_TPM_PCRS; i++) {
            if (!(a->banks[b].mask & (1u << i))) continue;
            sel.pcrSelections[b].pcrSelect[i / 8] |= (uint8_t)(1u << (i % 8));
            if (lists[n].count == 8) n++;
            TPM2B_DIGEST *d = &lists[n].digests[lists[n].count++];
            snprintf(idx, sizeof idx, "%u", i);
            const char *h = json_string_value(json_object_get(bank, idx));
            if (h) {
                d->size = (UINT16)(strlen(h) / 2);
                assert_int_equal(ccs_hex_decode_fixed(h, strlen(h), d->buffer, d->size), CCS_OK);
            }
        }
    }
    uint32_t count = lists[n].count ? n + 1 : n;
    ccs_buf f = {0};
    assert_int_equal(ccs_buf_append(&f, &sel, sizeof sel), CCS_OK);
    assert_int_equal(ccs_buf_append(&f, &count, sizeof count), CCS_OK);
    assert_int_equal(ccs_buf_append(&f, lists, count * sizeof lists[0]), CCS_OK);
    write_file("cq.pcrs", ccs_buf_view(&f));
    ccs_buf_free(&f);
}

/* Runs tpm2_checkquote on our evidence: -m TPMS_ATTEST, -s TPMT_SIGNATURE,
 * -u the AK PEM, -f the PCR values (tpm2-tools' serialized form), -q the
 * nonce. Returns its exit status. */
static int checkquote(const ccs_buf *ev, const char *ak_pem, const uint8_t nonce[32]) {
    json_t *o = json_loadb((const char *)ev->ptr, ev->len, 0, NULL);
    assert_non_null(o);
    write_b64("cq.attest", json_string_value(json_object_get(o, "tpms_attest")));
    write_b64("cq.sig", json_string_value(json_object_get(o, "signature")));
    write_file("cq.ak.pem", ccs_bytes_str(ak_pem));
    ccs_tpm_attest a;
    ccs_buf raw = {0};
    const char *b64 = json_string_value(json_object_get(o, "tpms_attest"));
    assert_int_equal(ccs_base64_decode(b64, strlen(b64), &raw), CCS_OK);
    assert_int_equal(ccs_tpm_attest_parse(ccs_buf_view(&raw), &a), CCS_OK);
    write_pcrs_serialized(&a, json_object_get(o, "pcrs"));
    char nhex[65], cmd[2048];
    assert_int_equal(ccs_hex_encode(ccs_bytes_of(nonce, 32), nhex, sizeof nhex), CCS_OK);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && tpm2_checkquote -u cq.ak.pem -m cq.attest -s cq.sig -f cq.pcrs -g sha256 -q %s "
             ">cq.out 2>&1",
             tmpdir, nhex);
    int rc = system(cmd);
    ccs_buf_free(&raw);
    json_decref(o);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_quote_verifies(void **state) {
    (void)state;
    reset_tpm();
    ccs_backend *b = open_tpm();
    ccs_buf ev = {0}, pem = {0};
    uint8_t nonce[32];
    assert_int_equal(ccs_backend_platform(b), CCS_PLATFORM_TPM);
    assert_int_equal(ccs_backend_extend(b, 16, ccs_bytes_str("kernel cmdline")), CCS_OK);
    assert_int_equal(ccs_backend_extend(b, 16, ccs_bytes_str("initrd")), CCS_OK);
    assert_int_equal(ccs_backend_extend(b, 23, ccs_bytes_str("policy")), CCS_OK);
    ccs_pubkey *ak = trusted_ak(b, &pem);
    evidence(b, "session-binding-1", &ev, nonce);
    assert_string_equal(ccs_evidence_kind(ccs_buf_view(&ev)), "tpm");
    expect(ccs_buf_view(&ev), ak, nonce, "");
    /* Claims: the log replays PCRs 16 and 23; the JSON names them. */
    ccs_tpm_options opt = {.nonce = ccs_bytes_of(nonce, 32), .ak = ak};
    ccs_tpm_result r;
    assert_int_equal(ccs_tpm_verify(ccs_buf_view(&ev), &opt, &r), CCS_OK);
    assert_int_equal(r.replayed_mask, (1u << 16) | (1u << 23));
    assert_int_equal(r.n_events, 4);
    char *js = NULL;
    assert_int_equal(ccs_tpm_result_json(&r, &js), CCS_OK);
    { /* the unserialized result (what the KBS and RA-TLS policies read) is the same object */
        json_t *doc = ccs_tpm_result_doc(&r), *parsed = json_loads(js, 0, NULL);
        assert_non_null(doc);
        assert_true(json_equal(doc, parsed));
        json_decref(doc);
        json_decref(parsed);
    }
    assert_non_null(strstr(js, "\"verdict\": \"pass\""));
    assert_non_null(strstr(js, "\"replayed_sha256_pcrs\""));
    free(js);
    if (checkquote(&ev, (const char *)pem.ptr, nonce) != 0) fail_msg("tpm2_checkquote refused a quote ccs accepts");
    const char *rec = getenv("CCS_TPM_RECORD_DIR");
    if (rec && *rec) {
        char p[512];
        snprintf(p, sizeof p, "%s/evidence.json", rec);
        assert_int_equal(ccs_file_write(p, ccs_buf_view(&ev)), CCS_OK);
        snprintf(p, sizeof p, "%s/ak.pem", rec);
        assert_int_equal(ccs_file_write(p, ccs_buf_view(&pem)), CCS_OK);
    }
    ccs_pubkey_free(ak);
    ccs_buf_free(&ev);
    ccs_buf_free(&pem);
    ccs_backend_free(b);
}

static void test_fresh_quotes(void **state) {
    (void)state;
    reset_tpm();
    ccs_backend *b = open_tpm();
    ccs_buf e1 = {0}, e2 = {0};
    uint8_t n1[32], n2[32];
    ccs_pubkey *ak = trusted_ak(b, NULL);
    evidence(b, "nonce-a", &e1, n1);
    evidence(b, "nonce-b", &e2, n2);
    assert_false(ccs_bytes_eq(ccs_buf_view(&e1), ccs_buf_view(&e2)));
    expect(ccs_buf_view(&e1), ak, n1, "");
    expect(ccs_buf_view(&e2), ak, n2, "");
    expect(ccs_buf_view(&e2), ak, n1, "nonce"); /* a replayed quote */
    /* A second handle on the same TPM derives the same AK (primary key). */
    ccs_backend *b2 = open_tpm();
    ccs_pubkey *ak2 = trusted_ak(b2, NULL);
    assert_true(ccs_pubkey_equal(ak, ak2));
    ccs_pubkey_free(ak2);
    ccs_backend_free(b2);
    ccs_pubkey_free(ak);
    ccs_buf_free(&e1);
    ccs_buf_free(&e2);
    ccs_backend_free(b);
}

static void test_tampered_pcr(void **state) {
    (void)state;
    reset_tpm();
    ccs_backend *b = open_tpm();
    ccs_buf ev = {0}, bad = {0}, pem = {0};
    uint8_t nonce[32];
    json_t *keep;
    assert_int_equal(ccs_backend_extend(b, 16, ccs_bytes_str("app v1")), CCS_OK);
    ccs_pubkey *ak = trusted_ak(b, &pem);
    evidence(b, "tamper", &ev, nonce);
    static const char other[] = "1111111111111111111111111111111111111111111111111111111111111111";
    /* PCR 0: outside the event log, only the digest catches it. */
    edit_json(&ev, "pcrs.sha256.0", json_string(other), &bad);
    expect(ccs_buf_view(&bad), ak, nonce, "pcr_digest");
    assert_int_not_equal(checkquote(&bad, (const char *)pem.ptr, nonce), 0);
    /* PCR 16: the digest and the log replay both disagree. */
    edit_json(&ev, "pcrs.sha256.16", json_string(other), &bad);
    expect(ccs_buf_view(&bad), ak, nonce, "pcr_digest,event_log");
    assert_int_not_equal(checkquote(&bad, (const char *)pem.ptr, nonce), 0);
    /* A value for a PCR the quote does not cover. */
    edit_json(&ev, "pcrs.sha256.9", json_string(other), &bad);
    expect(ccs_buf_view(&bad), ak, nonce, "pcr_digest");
    /* A PCR the quote covers, left out; a value that is not hex. */
    edit_json(&ev, "pcrs.sha256.7", NULL, &bad);
    expect(ccs_buf_view(&bad), ak, nonce, "pcr_digest");
    edit_json(&ev, "pcrs.sha256.7", json_null(), &bad);
    expect(ccs_buf_view(&bad), ak, nonce, "evidence_format");
    /* The event log claiming another event than was measured. */
    assert_int_equal(ccs_backend_extend(b, 16, ccs_bytes_str("app v2")), CCS_OK);
    ccs_buf ev2 = {0};
    evidence(b, "tamper", &ev2, nonce);
    const char *log1 = member(&ev, "event_log", &keep);
    edit_json(&ev2, "event_log", json_string(log1), &bad);
    json_decref(keep);
    expect(ccs_buf_view(&bad), ak, nonce, "event_log");
    ccs_pubkey_free(ak);
    ccs_buf_free(&ev);
    ccs_buf_free(&ev2);
    ccs_buf_free(&bad);
    ccs_buf_free(&pem);
    ccs_backend_free(b);
}

static void test_wrong_nonce(void **state) {
    (void)state;
    reset_tpm();
    ccs_backend *b = open_tpm();
    ccs_buf ev = {0}, pem = {0};
    uint8_t nonce[32], wrong[32];
    ccs_pubkey *ak = trusted_ak(b, &pem);
    evidence(b, "right", &ev, nonce);
    assert_int_equal(ccs_tpm_nonce(ccs_bytes_str("wrong"), wrong), CCS_OK);
    expect(ccs_buf_view(&ev), ak, wrong, "nonce");
    assert_int_not_equal(checkquote(&ev, (const char *)pem.ptr, wrong), 0);
    assert_int_equal(checkquote(&ev, (const char *)pem.ptr, nonce), 0);
    ccs_pubkey_free(ak);
    ccs_buf_free(&ev);
    ccs_buf_free(&pem);
    ccs_backend_free(b);
}

static void test_wrong_ak(void **state) {
    (void)state;
    reset_tpm();
    ccs_backend *b = open_tpm();
    ccs_buf ev = {0}, bad = {0}, pem = {0}, other_pem = {0};
    uint8_t nonce[32], xy[64];
    ccs_pubkey *ak = trusted_ak(b, &pem), *other = NULL;
    evidence(b, "ak", &ev, nonce);
    /* Another P-256 key: the generator point. */
    static const char g[] = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
                            "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
    assert_int_equal(ccs_hex_decode_fixed(g, 128, xy, 64), CCS_OK);
    assert_int_equal(ccs_pubkey_from_ec_raw(CCS_CURVE_P256, ccs_bytes_of(xy, 64), &other), CCS_OK);
    assert_int_equal(ccs_pubkey_pem(other, &other_pem), CCS_OK);
    /* The verifier trusts another AK. */
    expect(ccs_buf_view(&ev), other, nonce, "ak_trust");
    assert_int_not_equal(checkquote(&ev, (const char *)other_pem.ptr, nonce), 0);
    /* The evidence names another AK than the one that signed. */
    edit_json(&ev, "ak_public", json_string((const char *)other_pem.ptr), &bad);
    expect(ccs_buf_view(&bad), ak, nonce, "signature,ak_trust");
    expect(ccs_buf_view(&bad), other, nonce, "signature");
    /* No trust anchor at all fails closed. */
    expect(ccs_buf_view(&ev), NULL, nonce, "ak_trust");
    ccs_pubkey_free(ak);
    ccs_pubkey_free(other);
    ccs_buf_free(&ev);
    ccs_buf_free(&bad);
    ccs_buf_free(&pem);
    ccs_buf_free(&other_pem);
    ccs_backend_free(b);
}

/* Bytes of TPMS_ATTEST and TPMT_SIGNATURE changed in transit. */
static void test_tampered_structures(void **state) {
    (void)state;
    reset_tpm();
    ccs_backend *b = open_tpm();
    ccs_buf ev = {0}, bad = {0}, raw = {0}, b64 = {0};
    uint8_t nonce[32];
    json_t *keep;
    ccs_pubkey *ak = trusted_ak(b, NULL);
    evidence(b, "bytes", &ev, nonce);
    const char *att = member(&ev, "tpms_attest", &keep);
    assert_int_equal(ccs_base64_decode(att, strlen(att), &raw), CCS_OK);
    json_decref(keep);
    raw.ptr[raw.len - 40] ^= 1; /* inside clockInfo/firmwareVersion/selection region */
    assert_int_equal(ccs_base64_encode(ccs_buf_view(&raw), &b64), CCS_OK);
    edit_json(&ev, "tpms_attest", json_stringn((const char *)b64.ptr, b64.len), &bad);
    /* Signature fails; other checks may also (if the flipped bit is parsed). */
    ccs_tpm_options opt = {.nonce = ccs_bytes_of(nonce, 32), .ak = ak};
    ccs_tpm_result r;
    assert_int_equal(ccs_tpm_verify(ccs_buf_view(&bad), &opt, &r), CCS_ERR_VERIFY);
    raw.ptr[raw.len - 40] ^= 1;
    assert_int_equal(ccs_buf_append(&raw, "\0", 1), CCS_OK); /* a trailing byte */
    b64.len = 0;
    assert_int_equal(ccs_base64_encode(ccs_buf_view(&raw), &b64), CCS_OK);
    edit_json(&ev, "tpms_attest", json_stringn((const char *)b64.ptr, b64.len), &bad);
    expect(ccs_buf_view(&bad), ak, nonce, "attest_format");
    edit_json(&ev, "extra", json_string("x"), &bad);
    expect(ccs_buf_view(&bad), ak, nonce, "evidence_format");
    edit_json(&ev, "signature", json_string("AAAA"), &bad);
    expect(ccs_buf_view(&bad), ak, nonce, "signature");
    ccs_pubkey_free(ak);
    ccs_buf_free(&ev);
    ccs_buf_free(&bad);
    ccs_buf_free(&raw);
    ccs_buf_free(&b64);
    ccs_backend_free(b);
}

static void test_config(void **state) {
    (void)state;
    reset_tpm();
    ccs_tee_config cfg = {.platform = CCS_PLATFORM_TPM, .tpm_tcti = tcti, .tpm_pcrs = "sha256:0-3,23"};
    ccs_backend *b = NULL;
    assert_int_equal(ccs_backend_open(&cfg, &b), CCS_OK);
    ccs_buf ev = {0};
    uint8_t nonce[32];
    ccs_pubkey *ak = trusted_ak(b, NULL);
    evidence(b, "cfg", &ev, nonce);
    expect(ccs_buf_view(&ev), ak, nonce, "");
    ccs_tpm_options opt = {.nonce = ccs_bytes_of(nonce, 32), .ak = ak};
    ccs_tpm_result r;
    assert_int_equal(ccs_tpm_verify(ccs_buf_view(&ev), &opt, &r), CCS_OK);
    assert_int_equal(r.pcrs[0].mask, 0x80000fu);
    uint8_t key[32];
    assert_int_equal(ccs_backend_seal_key(b, CCS_SEAL_MEASUREMENT, ccs_bytes_str("l"), key), CCS_ERR_UNSUPPORTED);
    assert_int_equal(ccs_backend_extend(b, 24, ccs_bytes_str("x")), CCS_ERR_INVALID_ARG);
    ccs_pubkey_free(ak);
    ccs_buf_free(&ev);
    ccs_backend_free(b);
    static const char *const bad[] = {"sha256", "md5:0", "sha256:", "sha256:24", "sha256:3-1", "sha256:1,,2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg.tpm_pcrs = bad[i];
        assert_int_equal(ccs_backend_open(&cfg, &b), CCS_ERR_INVALID_ARG);
    }
    /* Nothing listening: a clear error, no hang. */
    ccs_tee_config none = {.platform = CCS_PLATFORM_TPM, .tpm_tcti = "swtpm:host=127.0.0.1,port=1"};
    assert_int_not_equal(ccs_backend_open(&none, &b), CCS_OK);
}

int ccs_test_tpm(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_verifies),  cmocka_unit_test(test_fresh_quotes),
        cmocka_unit_test(test_tampered_pcr),    cmocka_unit_test(test_wrong_nonce),
        cmocka_unit_test(test_wrong_ak),        cmocka_unit_test(test_tampered_structures),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests_name("tee/tpm", tests, group_setup, group_teardown);
}
