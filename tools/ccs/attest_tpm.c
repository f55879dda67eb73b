/* `ccs attest verify --tee tpm`: TPM 2.0 quote evidence (docs/attest.md
 * "TPM 2.0"). --collateral DIR holds the AK trust: ak.pem (the AK public
 * key), or ak_chain.pem (the AK certificate first, then any intermediates)
 * with ak_root.pem (the CA that certifies AKs, e.g. after credential
 * activation against the EK certificate). --report-data HEX is required:
 * the nonce expected in extraData is SHA-256 of it zero-padded to 64 bytes,
 * as the tpm backend derives it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ccs/attest.h"
#include "cli.h"

#define MAX_PEM (1u << 20)

typedef struct tpm_trust {
    ccs_pubkey *ak;
    ccs_x509_chain *chain;
    ccs_x509 *root;
} tpm_trust;

static bool exists(const char *dir, const char *name, char *path, size_t cap) {
    struct stat st;
    snprintf(path, cap, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static ccs_status load_trust(const char *dir, tpm_trust *t) {
    char path[4096];
    ccs_buf b = {0};
    ccs_status st;
    if (exists(dir, "ak.pem", path, sizeof path)) {
        st = ccs_file_read(path, MAX_PEM, &b);
        if (st == CCS_OK) st = ccs_pubkey_from_pem(ccs_buf_view(&b), &t->ak);
    } else if (exists(dir, "ak_chain.pem", path, sizeof path)) {
        st = ccs_file_read(path, MAX_PEM, &b);
        if (st == CCS_OK) st = ccs_x509_chain_parse_pem(ccs_buf_view(&b), &t->chain);
        b.len = 0;
        if (st == CCS_OK && !exists(dir, "ak_root.pem", path, sizeof path))
            st = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "%s/ak_chain.pem needs %s/ak_root.pem", dir, dir);
        if (st == CCS_OK) st = ccs_file_read(path, MAX_PEM, &b);
        if (st == CCS_OK) st = ccs_x509_parse_pem(ccs_buf_view(&b), &t->root);
    } else {
        st = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "%s holds neither ak.pem nor ak_chain.pem", dir);
    }
    if (st != CCS_OK && strstr(ccs_error_detail(), path) == NULL) {
        char why[512];
        snprintf(why, sizeof why, "%s", ccs_error_detail());
        st = ccs_error_set(st, CCS_HERE, "%s: %s", path, why);
    }
    ccs_buf_free(&b);
    return st;
}

static void free_trust(tpm_trust *t) {
    ccs_pubkey_free(t->ak);
    ccs_x509_chain_free(t->chain);
    ccs_x509_free(t->root);
}

static void print_human(const ccs_tpm_result *r, const char *evidence) {
    printf("%s: %s\n", evidence, r->pass ? "PASS" : "FAIL");
    printf("  %-16s tpm\n", "tee");
    if (r->parsed) {
        printf("  %-16s clock %llu, resets %u, restarts %u, safe %s\n", "clock_info",
               (unsigned long long)r->attest.clock, r->attest.reset_count, r->attest.restart_count,
               r->attest.safe ? "yes" : "no");
        printf("  %-16s %016llx\n", "firmware", (unsigned long long)r->attest.firmware_version);
        for (size_t j = 0; j < r->n_banks; j++) {
            size_t len = r->pcrs[j].hash_alg == CCS_TPM_ALG_SHA1     ? 20
                         : r->pcrs[j].hash_alg == CCS_TPM_ALG_SHA384 ? 48
                         : r->pcrs[j].hash_alg == CCS_TPM_ALG_SHA512 ? 64
                                                                     : 32;
            for (unsigned i = 0; i < CCS_TPM_PCRS; i++) {
                if (!(r->pcrs[j].mask & (1u << i))) continue;
                char name[24];
                snprintf(name, sizeof name, "pcr%u%s", i, len == 32 ? "" : len == 20 ? " (sha1)" : " (sha384+)");
                ccs_cli_print_hex_row(name, r->pcrs[j].value[i], len);
            }
        }
        if (r->has_event_log) printf("  %-16s %zu events\n", "event_log", r->n_events);
    }
    for (size_t i = 0; i < r->n_failed; i++) printf("  failed: %s: %s\n", r->failed[i].name, r->failed[i].message);
}

int ccs_cli_verify_tpm(const verify_args *a, ccs_bytes evidence) {
    tpm_trust t = {0};
    uint8_t nonce[32];
    if (a->collateral == NULL)
        return ccs_cli_verify_usage_error("TPM evidence needs --collateral DIR (ak.pem, or ak_chain.pem + ak_root.pem)",
                                          NULL);
    if (a->report_data.len == 0)
        return ccs_cli_verify_usage_error("TPM evidence needs --report-data HEX (the nonce is its SHA-256)", NULL);
    if (ccs_tpm_nonce(ccs_buf_view(&a->report_data), nonce) != CCS_OK)
        return ccs_cli_verify_usage_error(ccs_error_detail(), NULL);
    if (load_trust(a->collateral, &t) != CCS_OK) {
        fprintf(stderr, "ccs attest verify: cannot load the AK trust: %s\n", ccs_error_detail());
        free_trust(&t);
        return CLI_USAGE;
    }
    ccs_tpm_options opt = {
        .nonce = ccs_bytes_of(nonce, sizeof nonce),
        .ak = t.ak,
        .ak_chain = t.chain,
        .ak_root = t.root,
        .now = a->opt.now,
    };
    ccs_tpm_result *r = calloc(1, sizeof *r);
    int rc = CLI_USAGE;
    if (r == NULL) {
        fprintf(stderr, "ccs attest verify: out of memory\n");
    } else {
        ccs_status st = ccs_tpm_verify(evidence, &opt, r);
        rc = st == CCS_OK ? CLI_OK : CLI_REFUSED;
        if (st != CCS_OK && st != CCS_ERR_VERIFY) {
            fprintf(stderr, "ccs attest verify: %s\n", ccs_error_detail());
            rc = CLI_USAGE;
        } else if (a->json) {
            char *js = NULL;
            if (ccs_tpm_result_json(r, &js) == CCS_OK) puts(js);
            free(js);
        } else {
            print_human(r, a->evidence);
        }
    }
    free(r);
    free_trust(&t);
    return rc;
}
