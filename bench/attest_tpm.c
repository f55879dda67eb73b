/* bench_attest, TPM part: TPM 2.0 quote verification of the recorded swtpm
 * quote (tests/data/tpm) beside tpm2_checkquote, in the same run.
 *   ccs lib       ccs_tpm_verify from the evidence JSON each time (parse,
 *                 AK key from PEM, signature, nonce, PCR digest, event-log
 *                 replay); the trusted AK key is parsed once.
 *   ccs process   `ccs attest verify --tee tpm` as a process per verification
 *   checkquote    `tpm2_checkquote` as a process per verification (its only
 *                 form), on the same quote converted to its inputs.
 * The ratio that compares like with like is process against process; the
 * library rate is what a verifier service gets. Best of `repeat` runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <tss2/tss2_tpm2_types.h>

#include "ccs/attest.h"

int ccs_bench_tpm(double secs, int repeat, const char *ccs_bin);

#define RD "73657373696f6e2d62696e64696e672d31" /* "session-binding-1" */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double bench_lib(ccs_bytes ev, const ccs_pubkey *ak, const uint8_t nonce[32], double secs, bool *pass) {
    ccs_tpm_options opt = {.nonce = ccs_bytes_of(nonce, 32), .ak = ak};
    static ccs_tpm_result r;
    size_t n = 0;
    double t0 = now_s(), t;
    do {
        *pass = ccs_tpm_verify(ev, &opt, &r) == CCS_OK;
        n++;
    } while ((t = now_s() - t0) < secs);
    return (double)n / t;
}

/* Runs cmd (exit status 0 expected) repeatedly for secs. */
static double bench_cmd(const char *cmd, double secs, bool *pass) {
    size_t n = 0;
    double t0 = now_s(), t;
    do {
        *pass = system(cmd) == 0;
        n++;
    } while ((t = now_s() - t0) < secs);
    return (double)n / t;
}

static bool write_file(const char *dir, const char *name, const void *p, size_t n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return ccs_file_write(path, ccs_bytes_of(p, n)) == CCS_OK;
}

/* tpm2_checkquote's inputs from our evidence: TPMS_ATTEST, TPMT_SIGNATURE,
 * the AK PEM and tpm2-tools' serialized PCR file (TPML_PCR_SELECTION, a
 * UINT32 count, TPML_DIGESTs of up to 8 values, as tpm2_quote -o writes). */
static bool checkquote_inputs(json_t *ev, const char *dir) {
    ccs_buf att = {0}, sig = {0};
    const char *a64 = json_string_value(json_object_get(ev, "tpms_attest"));
    const char *s64 = json_string_value(json_object_get(ev, "signature"));
    const char *ak = json_string_value(json_object_get(ev, "ak_public"));
    ccs_tpm_attest a;
    bool ok = a64 && s64 && ak && ccs_base64_decode(a64, strlen(a64), &att) == CCS_OK &&
              ccs_base64_decode(s64, strlen(s64), &sig) == CCS_OK &&
              ccs_tpm_attest_parse(ccs_buf_view(&att), &a) == CCS_OK && a.n_banks == 1 &&
              a.banks[0].hash_alg == CCS_TPM_ALG_SHA256;
    TPML_PCR_SELECTION sel;
    TPML_DIGEST lists[3];
    uint32_t n = 0;
    memset(&sel, 0, sizeof sel);
    memset(lists, 0, sizeof lists);
    json_t *bank = json_object_get(json_object_get(ev, "pcrs"), "sha256");
    sel.count = 1;
    sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
    sel.pcrSelections[0].sizeofSelect = 3;
    for (unsigned i = 0; ok && i < CCS_TPM_PCRS; i++) {
        if (!(a.banks[0].mask & (1u << i))) continue;
        char idx[4];
        snprintf(idx, sizeof idx, "%u", i);
        const char *h = json_string_value(json_object_get(bank, idx));
        sel.pcrSelections[0].pcrSelect[i / 8] |= (uint8_t)(1u << (i % 8));
        if (lists[n].count == 8) n++;
        TPM2B_DIGEST *d = &lists[n].digests[lists[n].count++];
        d->size = 32;
        ok = h && ccs_hex_decode_fixed(h, strlen(h), d->buffer, 32) == CCS_OK;
    }
    uint32_t count = n + 1;
    ccs_buf pcrs = {0};
    ok = ok && ccs_buf_append(&pcrs, &sel, sizeof sel) == CCS_OK &&
         ccs_buf_append(&pcrs, &count, sizeof count) == CCS_OK &&
         ccs_buf_append(&pcrs, lists, count * sizeof lists[0]) == CCS_OK;
    ok = ok && write_file(dir, "attest.bin", att.ptr, att.len) && write_file(dir, "sig.bin", sig.ptr, sig.len) &&
         write_file(dir, "ak.pem", ak, strlen(ak)) && write_file(dir, "pcrs.bin", pcrs.ptr, pcrs.len);
    ccs_buf_free(&att);
    ccs_buf_free(&sig);
    ccs_buf_free(&pcrs);
    return ok;
}

int ccs_bench_tpm(double secs, int repeat, const char *ccs_bin) {
    const char *dir = CCS_BENCH_TPM_DATA;
    char path[1024], tmp[] = "/tmp/ccs-bench-tpm.XXXXXX", cmd[4096], nhex[65];
    ccs_buf ev = {0}, pem = {0};
    ccs_pubkey *ak = NULL;
    uint8_t nonce[32];
    snprintf(path, sizeof path, "%s/evidence.json", dir);
    if (ccs_file_read(path, 1u << 20, &ev) != CCS_OK) return fprintf(stderr, "bench_tpm: %s\n", ccs_error_detail()), 1;
    snprintf(path, sizeof path, "%s/ak.pem", dir);
    if (ccs_file_read(path, 1u << 16, &pem) != CCS_OK || ccs_pubkey_from_pem(ccs_buf_view(&pem), &ak) != CCS_OK)
        return fprintf(stderr, "bench_tpm: %s\n", ccs_error_detail()), 1;
    ccs_buf rd = {0};
    if (ccs_hex_decode(RD, strlen(RD), &rd) != CCS_OK || ccs_tpm_nonce(ccs_buf_view(&rd), nonce) != CCS_OK ||
        ccs_hex_encode(ccs_bytes_of(nonce, 32), nhex, sizeof nhex) != CCS_OK)
        return 1;
    ccs_buf_free(&rd);
    printf("TPM 2.0 quote verification (tests/data/tpm, ECDSA P-256 AK, 10 PCRs, 4-event log), one core, "
           "best of %d runs of %.1f s\n\n",
           repeat, secs);
    double lib = 0, proc = 0, peer = 0;
    bool lib_ok = false, proc_ok = false, peer_ok = false, have_peer = system("command -v tpm2_checkquote >/dev/null") == 0;
    for (int k = 0; k < repeat; k++) {
        double r = bench_lib(ccs_buf_view(&ev), ak, nonce, secs, &lib_ok);
        if (r > lib) lib = r;
    }
    printf("  ccs lib       %10.0f verifications/s  %8.1f us  (%s)\n", lib, 1e6 / lib, lib_ok ? "pass" : "fail");
    if (ccs_bin) {
        snprintf(cmd, sizeof cmd, "taskset -c 0 '%s' attest verify --tee tpm --evidence '%s/evidence.json' "
                 "--collateral '%s' --report-data %s >/dev/null 2>&1", ccs_bin, dir, dir, RD);
        for (int k = 0; k < repeat; k++) {
            double r = bench_cmd(cmd, secs, &proc_ok);
            if (r > proc) proc = r;
        }
        printf("  ccs process   %10.0f verifications/s  %8.1f us  (%s)\n", proc, 1e6 / proc, proc_ok ? "pass" : "fail");
    }
    json_t *doc = json_loadb((const char *)ev.ptr, ev.len, 0, NULL);
    if (have_peer && doc && mkdtemp(tmp) && checkquote_inputs(doc, tmp)) {
        snprintf(cmd, sizeof cmd, "cd '%s' && taskset -c 0 tpm2_checkquote -u ak.pem -m attest.bin -s sig.bin "
                 "-f pcrs.bin -g sha256 -q %s >/dev/null 2>&1", tmp, nhex);
        for (int k = 0; k < repeat; k++) {
            double r = bench_cmd(cmd, secs, &peer_ok);
            if (r > peer) peer = r;
        }
        printf("  checkquote    %10.0f verifications/s  %8.1f us  (%s)  ccs process %.1fx  ccs lib %.0fx\n", peer,
               1e6 / peer, peer_ok ? "pass" : "fail", proc / peer, lib / peer);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
        if (system(cmd) != 0) fprintf(stderr, "bench_tpm: could not remove %s\n", tmp);
    } else {
        printf("  checkquote    not run (tpm2-tools missing: scripts/install-deps.sh)\n");
    }
    printf("\n");
    json_decref(doc);
    ccs_pubkey_free(ak);
    ccs_buf_free(&ev);
    ccs_buf_free(&pem);
    return lib_ok && (!ccs_bin || proc_ok) && (!have_peer || peer_ok) ? 0 : 1;
}
