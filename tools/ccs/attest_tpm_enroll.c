/* `ccs attest tpm-challenge` and `ccs attest tpm-enroll`: the verifier's
 * side of TPM 2.0 AK enrollment (docs/attest.md "TPM 2.0 AK enrollment"). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/attest.h"
#include "cli.h"
#include "cli_tpm.h"

#define MAX_INPUT (1u << 20)

static const char challenge_usage[] =
    "usage: ccs attest tpm-challenge --ek-cert FILE --ek-ca FILE --ak-public FILE\n"
    "                                -o CHALLENGE --state-out STATE [--at RFC3339]\n"
    "\n"
    "Checks that the EK certificate (PEM or DER, from `ccs tee tpm ek-cert`) chains to\n"
    "the EK CA bundle, and that the AK (TPM2B_PUBLIC, from `ccs tee tpm ak-public`) is a\n"
    "restricted signing key with fixedTPM, fixedParent and sensitiveDataOrigin; then\n"
    "makes a credential (TPM2_MakeCredential in software) of a fresh 32-byte secret for\n"
    "the AK's Name under the EK. Only the TPM that holds that EK, with that AK loaded,\n"
    "can recover the secret (`ccs tee tpm activate CHALLENGE`).\n"
    "\n"
    "  --ek-cert FILE          the EK certificate\n"
    "  --ek-ca FILE            PEM bundle of the EK CAs (roots and intermediates)\n"
    "  --ak-public FILE        the AK's TPM2B_PUBLIC\n"
    "  -o, --output FILE       the challenge (tpm2-tools credential blob format)\n"
    "  --state-out FILE        what tpm-enroll needs: the secret and the AK Name (JSON,\n"
    "                          mode 0600; keep it on the verifier, it is the secret)\n"
    "  --at RFC3339            check the EK chain as of this time (default: now)\n"
    "Exit status: 0 challenge written, 1 refused (EK chain, AK attributes), 2 bad usage\n"
    "or unreadable input.\n";

static const char enroll_usage[] =
    "usage: ccs attest tpm-enroll --state STATE --response FILE --ak-public FILE\n"
    "                             --ca-cert FILE --ca-key FILE [--days N] [--at RFC3339] -o FILE\n"
    "\n"
    "Compares the attester's response (the secret `ccs tee tpm activate` recovered) with\n"
    "the challenge's, in constant time, checks the AK is the one the challenge was made\n"
    "for, and issues an AK certificate signed by the enrollment CA. With it, `ccs attest\n"
    "verify --tee tpm` accepts that AK's quotes: put the certificate in DIR/ak_chain.pem\n"
    "and the CA certificate in DIR/ak_root.pem, and pass --collateral DIR.\n"
    "\n"
    "  --state FILE            the state from `ccs attest tpm-challenge --state-out`\n"
    "  --response FILE         the secret from `ccs tee tpm activate -o`\n"
    "  --ak-public FILE        the AK's TPM2B_PUBLIC (the one given to tpm-challenge)\n"
    "  --ca-cert FILE          the enrollment CA's certificate (PEM)\n"
    "  --ca-key FILE           its private key (PEM, unencrypted)\n"
    "  --days N                validity of the AK certificate (default 365)\n"
    "  --at RFC3339            notBefore (default: now)\n"
    "  -o, --output FILE       the AK certificate (PEM)\n"
    "Exit status: 0 issued, 1 refused (wrong secret, other AK), 2 bad usage or unreadable\n"
    "input.\n";

typedef struct enroll_args {
    const char *ek_cert, *ek_ca, *ak_public, *output, *state, *response, *ca_cert, *ca_key;
    unsigned days;
    ccs_time now;
} enroll_args;

static int usage_error(const char *verb, const char *msg, const char *arg) {
    fprintf(stderr, "ccs attest %s: %s%s%s\n", verb, msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "Run `ccs attest %s --help` for usage.\n", verb);
    return CLI_USAGE;
}

static int parse(const char *verb, const char *help, int argc, char **argv, enroll_args *a) {
    enum { O_EKC = 1, O_EKCA, O_AK, O_STATE_OUT, O_STATE, O_RESP, O_CAC, O_CAK, O_DAYS, O_AT, O_HELP };
    static const struct option copts[] = {
        {"ek-cert", required_argument, 0, O_EKC}, {"ek-ca", required_argument, 0, O_EKCA},
        {"ak-public", required_argument, 0, O_AK}, {"state-out", required_argument, 0, O_STATE_OUT},
        {"output", required_argument, 0, 'o'},    {"at", required_argument, 0, O_AT},
        {"help", no_argument, 0, O_HELP},         {0, 0, 0, 0},
    };
    static const struct option eopts[] = {
        {"state", required_argument, 0, O_STATE},     {"response", required_argument, 0, O_RESP},
        {"ak-public", required_argument, 0, O_AK},    {"ca-cert", required_argument, 0, O_CAC},
        {"ca-key", required_argument, 0, O_CAK},      {"days", required_argument, 0, O_DAYS},
        {"output", required_argument, 0, 'o'},        {"at", required_argument, 0, O_AT},
        {"help", no_argument, 0, O_HELP},             {0, 0, 0, 0},
    };
    bool challenge = strcmp(verb, "tpm-challenge") == 0;
    optind = 1;
    opterr = 0;
    a->now = ccs_time_now();
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "o:h", challenge ? copts : eopts, NULL)) != -1) {
        switch (c) {
        case O_EKC: a->ek_cert = optarg; break;
        case O_EKCA: a->ek_ca = optarg; break;
        case O_AK: a->ak_public = optarg; break;
        case O_STATE_OUT:
        case O_STATE: a->state = optarg; break;
        case O_RESP: a->response = optarg; break;
        case O_CAC: a->ca_cert = optarg; break;
        case O_CAK: a->ca_key = optarg; break;
        case 'o': a->output = optarg; break;
        case O_DAYS: {
            unsigned long d = strtoul(optarg, &end, 10);
            if (end == optarg || *end || d == 0 || d > 36500) return usage_error(verb, "--days must be 1 to 36500", optarg);
            a->days = (unsigned)d;
            break;
        }
        case O_AT:
            if (ccs_time_parse(optarg, &a->now) != CCS_OK) return usage_error(verb, "bad --at time", optarg);
            break;
        case 'h':
        case O_HELP: fputs(help, stdout); return -1;
        default: return usage_error(verb, "unknown or incomplete option", argv[optind - 1]);
        }
    }
    if (optind < argc) return usage_error(verb, "unexpected argument", argv[optind]);
    if (challenge && (!a->ek_cert || !a->ek_ca || !a->ak_public || !a->output || !a->state))
        return usage_error(verb, "--ek-cert, --ek-ca, --ak-public, -o and --state-out are required", NULL);
    if (!challenge && (!a->state || !a->response || !a->ak_public || !a->ca_cert || !a->ca_key || !a->output))
        return usage_error(verb, "--state, --response, --ak-public, --ca-cert, --ca-key and -o are required", NULL);
    return CLI_OK;
}

/* Reads a file; on failure prints why and returns false. */
static bool read_file(const char *verb, const char *path, ccs_buf *out) {
    if (ccs_file_read(path, MAX_INPUT, out) == CCS_OK) return true;
    fprintf(stderr, "ccs attest %s: %s\n", verb, ccs_error_detail());
    return false;
}

/* Refusals (exit 1) are judgements about the inputs; anything else is 2. */
static bool is_refusal(ccs_status st) {
    switch (st) {
    case CCS_ERR_UNTRUSTED:
    case CCS_ERR_EXPIRED:
    case CCS_ERR_REVOKED:
    case CCS_ERR_SIGNATURE:
    case CCS_ERR_CERT:
    case CCS_ERR_POLICY:
    case CCS_ERR_MISMATCH: return true;
    default: return false;
    }
}

static int cmd_challenge(const enroll_args *a) {
    const char *verb = "tpm-challenge";
    ccs_buf ek = {0}, ca = {0}, ak = {0}, blob = {0}, state_json = {0};
    ccs_x509_chain *bundle = NULL;
    ccs_tpm_credential cred;
    ccs_tpm_challenge_state state;
    int rc = CLI_USAGE;
    if (!read_file(verb, a->ek_cert, &ek) || !read_file(verb, a->ek_ca, &ca) || !read_file(verb, a->ak_public, &ak))
        goto done;
    if (ccs_x509_chain_parse_pem(ccs_buf_view(&ca), &bundle) != CCS_OK) {
        fprintf(stderr, "ccs attest %s: %s: %s\n", verb, a->ek_ca, ccs_error_detail());
        goto done;
    }
    ccs_tpm_challenge_options opt = {.ek_ca = bundle, .now = a->now};
    ccs_status st = ccs_tpm_challenge(ccs_buf_view(&ek), ccs_buf_view(&ak), &opt, &cred, &state);
    if (st == CCS_OK) st = ccs_tpm_credential_encode(&cred, &blob);
    if (st == CCS_OK) st = ccs_tpm_challenge_state_json(&state, &state_json);
    if (st == CCS_OK) st = ccs_cli_write_private(a->state, ccs_buf_view(&state_json));
    if (st == CCS_OK) st = ccs_file_write(a->output, ccs_buf_view(&blob));
    if (st != CCS_OK) {
        fprintf(stderr, "ccs attest %s: %s\n", verb, ccs_error_detail());
        rc = is_refusal(st) ? CLI_REFUSED : CLI_USAGE;
        goto done;
    }
    char name[2 * CCS_TPM_MAX_NAME + 1];
    if (ccs_hex_encode(ccs_bytes_of(state.ak_name, state.ak_name_len), name, sizeof name) == CCS_OK)
        printf("challenge for AK %s written to %s\n", name, a->output);
    rc = CLI_OK;
done:
    ccs_wipe(&state, sizeof state);
    ccs_x509_chain_free(bundle);
    ccs_buf_free(&ek);
    ccs_buf_free(&ca);
    ccs_buf_free(&ak);
    ccs_buf_free(&blob);
    ccs_buf_free(&state_json);
    return rc;
}

static int cmd_enroll(const enroll_args *a) {
    const char *verb = "tpm-enroll";
    ccs_buf sj = {0}, resp = {0}, ak = {0}, cac = {0}, cak = {0}, pem = {0};
    ccs_x509 *ca = NULL;
    ccs_tpm_challenge_state state;
    memset(&state, 0, sizeof state);
    int rc = CLI_USAGE;
    if (!read_file(verb, a->state, &sj) || !read_file(verb, a->response, &resp) ||
        !read_file(verb, a->ak_public, &ak) || !read_file(verb, a->ca_cert, &cac) || !read_file(verb, a->ca_key, &cak))
        goto done;
    if (ccs_tpm_challenge_state_parse(ccs_buf_view(&sj), &state) != CCS_OK ||
        ccs_x509_parse_pem(ccs_buf_view(&cac), &ca) != CCS_OK) {
        fprintf(stderr, "ccs attest %s: %s\n", verb, ccs_error_detail());
        goto done;
    }
    ccs_tpm_enroll_options opt = {.ca_cert = ca, .ca_key_pem = ccs_buf_view(&cak), .now = a->now, .days = a->days};
    ccs_status st = ccs_tpm_enroll(&state, ccs_buf_view(&resp), ccs_buf_view(&ak), &opt, &pem);
    if (st == CCS_OK) st = ccs_file_write(a->output, ccs_buf_view(&pem));
    if (st != CCS_OK) {
        fprintf(stderr, "ccs attest %s: %s\n", verb, ccs_error_detail());
        rc = is_refusal(st) ? CLI_REFUSED : CLI_USAGE;
        goto done;
    }
    printf("AK certificate written to %s\n", a->output);
    rc = CLI_OK;
done:
    ccs_wipe(&state, sizeof state);
    ccs_x509_free(ca);
    ccs_buf_free(&sj);
    ccs_buf_free(&resp);
    ccs_buf_free(&ak);
    ccs_buf_free(&cac);
    ccs_buf_free(&cak);
    ccs_buf_free(&pem);
    return rc;
}

int ccs_cli_attest_tpm_enroll(int argc, char **argv) {
    const char *verb = argv[0];
    bool challenge = strcmp(verb, "tpm-challenge") == 0;
    if (!challenge && strcmp(verb, "tpm-enroll") != 0) {
        fprintf(stderr, "ccs attest: unknown verb \"%s\" (tpm-challenge, tpm-enroll)\n", verb);
        return CLI_USAGE;
    }
    enroll_args a;
    memset(&a, 0, sizeof a);
    int rc = parse(verb, challenge ? challenge_usage : enroll_usage, argc, argv, &a);
    if (rc < 0) return CLI_OK;
    if (rc != CLI_OK) return rc;
    return challenge ? cmd_challenge(&a) : cmd_enroll(&a);
}
