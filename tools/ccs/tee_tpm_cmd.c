/* `ccs tee tpm <verb>`: the attester's side of TPM 2.0 EK/AK enrollment
 * (docs/tee.md "TPM 2.0 AK enrollment"): the EK certificate, the AK's
 * public area, and credential activation. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ccs/tee.h"
#include "cli.h"
#include "cli_tpm.h"

#define MAX_BLOB (64u << 10)

static const char tpm_usage[] =
    "usage: ccs tee tpm <verb> [--tcti CONF] [options]\n"
    "\n"
    "The attester's side of TPM 2.0 AK enrollment (credential activation):\n"
    "  ek-cert     write the EK certificate from NV, checked against the EK created\n"
    "              from its default template (RSA 2048 L-1, or ECC P-256 L-2)\n"
    "  ak-public   write the AK's public area (TPM2B_PUBLIC), the AK `ccs tee quote\n"
    "              --platform tpm` signs with\n"
    "  activate    TPM2_ActivateCredential of a challenge from `ccs attest tpm-challenge`\n"
    "              (or tpm2_makecredential); writes the recovered secret\n"
    "\n"
    "Run `ccs tee tpm <verb> --help` for its options.\n";

static const char ek_usage[] =
    "usage: ccs tee tpm ek-cert [--tcti CONF] [--ek auto|rsa|ecc] [--der] [--public-out FILE] -o FILE\n"
    "\n"
    "Reads the EK certificate from NV (RSA: 0x01c00002, ECC: 0x01c0000a; auto prefers\n"
    "RSA), creates the EK from the TCG default template and checks that its key is the\n"
    "certificate's. Writes the certificate as PEM (DER with --der).\n"
    "\n"
    "  --tcti CONF             TCTI configuration, e.g. swtpm:host=127.0.0.1,port=2321\n"
    "  --ek KIND               auto (default), rsa or ecc\n"
    "  --der                   write DER instead of PEM\n"
    "  --public-out FILE       also write the EK's TPM2B_PUBLIC (for tpm2_makecredential -u)\n"
    "  -o, --output FILE       where to write the certificate\n"
    "Exit status: 0 written, 1 the certificate is not for this TPM's EK, 2 no TPM,\n"
    "no certificate, or bad usage.\n";

static const char ak_usage[] =
    "usage: ccs tee tpm ak-public [--tcti CONF] -o FILE\n"
    "\n"
    "Writes the AK's public area as a marshalled TPM2B_PUBLIC (the format of\n"
    "tpm2_readpublic -o); `ccs attest tpm-challenge --ak-public` reads it.\n"
    "\n"
    "  --tcti CONF             TCTI configuration\n"
    "  -o, --output FILE       where to write it\n";

static const char act_usage[] =
    "usage: ccs tee tpm activate [--tcti CONF] [--ek auto|rsa|ecc] CHALLENGE -o FILE\n"
    "\n"
    "Runs TPM2_ActivateCredential on CHALLENGE (tpm2-tools' credential blob format, as\n"
    "`ccs attest tpm-challenge -o` and tpm2_makecredential -o write it) with the AK and\n"
    "the EK (authorized with PolicySecret(endorsement)), and writes the secret (mode\n"
    "0600) for `ccs attest tpm-enroll --response`.\n"
    "\n"
    "  --tcti CONF             TCTI configuration\n"
    "  --ek KIND               auto (default: the EK whose certificate is in NV, else RSA), rsa, ecc\n"
    "  -o, --output FILE       where to write the secret\n"
    "Exit status: 0 activated, 1 the TPM refused the challenge (made for another EK or\n"
    "AK, or altered), 2 bad usage, unreadable input or no TPM.\n";

ccs_status ccs_cli_write_private(const char *path, ccs_bytes data) { return ccs_file_write_private(path, data); }

typedef struct tpm_args {
    const char *tcti, *output, *public_out, *input;
    ccs_tpm_ek_kind ek;
    bool der;
} tpm_args;

static int usage_error(const char *verb, const char *msg, const char *arg) {
    fprintf(stderr, "ccs tee tpm %s: %s%s%s\n", verb, msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "Run `ccs tee tpm %s --help` for usage.\n", verb);
    return CLI_USAGE;
}

/* Returns CLI_OK, CLI_USAGE, or -1 after --help. */
static int parse(const char *verb, const char *help, int argc, char **argv, tpm_args *a) {
    enum { O_TCTI = 1, O_EK, O_DER, O_PUB, O_HELP };
    static const struct option opts[] = {
        {"tcti", required_argument, 0, O_TCTI},      {"ek", required_argument, 0, O_EK},
        {"der", no_argument, 0, O_DER},              {"public-out", required_argument, 0, O_PUB},
        {"output", required_argument, 0, 'o'},       {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0},
    };
    optind = 1;
    opterr = 0;
    int c;
    bool is_ek = strcmp(verb, "ek-cert") == 0, is_act = strcmp(verb, "activate") == 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case O_TCTI: a->tcti = optarg; break;
        case 'o': a->output = optarg; break;
        case O_EK:
            if (!is_ek && !is_act) return usage_error(verb, "unknown option", "--ek");
            if (strcmp(optarg, "auto") == 0) a->ek = CCS_TPM_EK_AUTO;
            else if (strcmp(optarg, "rsa") == 0) a->ek = CCS_TPM_EK_RSA;
            else if (strcmp(optarg, "ecc") == 0) a->ek = CCS_TPM_EK_ECC;
            else return usage_error(verb, "--ek must be auto, rsa or ecc", optarg);
            break;
        case O_DER:
            if (!is_ek) return usage_error(verb, "unknown option", "--der");
            a->der = true;
            break;
        case O_PUB:
            if (!is_ek) return usage_error(verb, "unknown option", "--public-out");
            a->public_out = optarg;
            break;
        case 'h':
        case O_HELP: fputs(help, stdout); return -1;
        default: return usage_error(verb, "unknown or incomplete option", argv[optind - 1]);
        }
    }
    if (is_act && optind < argc) a->input = argv[optind++];
    if (optind < argc) return usage_error(verb, "unexpected argument", argv[optind]);
    if (is_act && a->input == NULL) return usage_error(verb, "the challenge file is required", NULL);
    if (a->output == NULL) return usage_error(verb, "-o FILE is required", NULL);
    return CLI_OK;
}

static int fail(const char *verb, ccs_status st) {
    fprintf(stderr, "ccs tee tpm %s: %s\n", verb, ccs_error_detail());
    return st == CCS_ERR_MISMATCH ? CLI_REFUSED : CLI_USAGE;
}

static int cmd_ek_cert(const tpm_args *a) {
    ccs_buf der = {0}, pub = {0}, pem = {0};
    ccs_status st = ccs_tpm_ek_cert(a->tcti, a->ek, &der, a->public_out ? &pub : NULL);
    if (st == CCS_OK && !a->der) st = ccs_pem_encode("CERTIFICATE", ccs_buf_view(&der), &pem);
    if (st == CCS_OK) st = ccs_file_write(a->output, a->der ? ccs_buf_view(&der) : ccs_buf_view(&pem));
    if (st == CCS_OK && a->public_out) st = ccs_file_write(a->public_out, ccs_buf_view(&pub));
    int rc = st == CCS_OK ? CLI_OK : fail("ek-cert", st);
    ccs_buf_free(&der);
    ccs_buf_free(&pub);
    ccs_buf_free(&pem);
    return rc;
}

static int cmd_ak_public(const tpm_args *a) {
    ccs_buf pub = {0};
    ccs_status st = ccs_tpm_ak_public(a->tcti, &pub);
    if (st == CCS_OK) st = ccs_file_write(a->output, ccs_buf_view(&pub));
    int rc = st == CCS_OK ? CLI_OK : fail("ak-public", st);
    ccs_buf_free(&pub);
    return rc;
}

static int cmd_activate(const tpm_args *a) {
    ccs_buf blob = {0}, secret = {0};
    ccs_status st = ccs_file_read(a->input, MAX_BLOB, &blob);
    if (st != CCS_OK) {
        fprintf(stderr, "ccs tee tpm activate: %s\n", ccs_error_detail());
        return CLI_USAGE;
    }
    st = ccs_tpm_activate(a->tcti, a->ek, ccs_buf_view(&blob), &secret);
    if (st == CCS_OK) st = ccs_cli_write_private(a->output, ccs_buf_view(&secret));
    int rc = st == CCS_OK ? CLI_OK : fail("activate", st);
    ccs_buf_free(&blob);
    ccs_buf_free(&secret);
    return rc;
}

int ccs_cli_tee_tpm(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(tpm_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *verb = argv[1], *help;
    int (*run)(const tpm_args *);
    if (strcmp(verb, "ek-cert") == 0) help = ek_usage, run = cmd_ek_cert;
    else if (strcmp(verb, "ak-public") == 0) help = ak_usage, run = cmd_ak_public;
    else if (strcmp(verb, "activate") == 0) help = act_usage, run = cmd_activate;
    else {
        fprintf(stderr, "ccs tee tpm: unknown verb \"%s\"\n\n%s", verb, tpm_usage);
        return CLI_USAGE;
    }
    tpm_args a;
    memset(&a, 0, sizeof a);
    int rc = parse(verb, help, argc - 1, argv + 1, &a);
    if (rc < 0) return CLI_OK;
    return rc == CLI_OK ? run(&a) : rc;
}
