/* ccs: one program, `ccs <area> <verb> [options]`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: ccs <area> <verb> [options]\n"
    "\n"
    "CCS, a confidential-computing stack.\n"
    "\n"
    "areas:\n"
    "  attest    verify attestation evidence (SGX/TDX DCAP, SEV-SNP, Hygon CSV, TPM 2.0)\n"
    "  tee       produce evidence, seal data, measurements; the sim platform\n"
    "  kbs       the key broker service: serve, and the admin commands\n"
    "  agent     attest to a KBS and fetch secrets, tokens, evidence; local REST endpoint\n"
    "  ratls     RA-TLS certificates carrying evidence; secrets over mutual RA-TLS\n"
    "  image     container images: pull, verify, sign, encrypt/decrypt (ocicrypt), unpack\n"
    "  he        computing on encrypted data: demo, HEBench-style benchmarks\n"
    "\n"
    "Run `ccs <area> --help` for the verbs of an area.\n"
    "Exit status: 0 success/accepted, 1 verification or policy refused, 2 bad usage or unreadable input.\n";

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        puts("ccs 0.1.0");
        return CLI_OK;
    }
    if (strcmp(argv[1], "attest") == 0) return ccs_cli_attest(argc - 1, argv + 1);
    if (strcmp(argv[1], "tee") == 0) return ccs_cli_tee(argc - 1, argv + 1);
    if (strcmp(argv[1], "kbs") == 0) return ccs_cli_kbs(argc - 1, argv + 1);
    if (strcmp(argv[1], "agent") == 0) return ccs_cli_agent(argc - 1, argv + 1);
    if (strcmp(argv[1], "ratls") == 0) return ccs_cli_ratls(argc - 1, argv + 1);
    if (strcmp(argv[1], "image") == 0) return ccs_cli_image(argc - 1, argv + 1);
    if (strcmp(argv[1], "he") == 0) return ccs_cli_he(argc - 1, argv + 1);
    fprintf(stderr, "ccs: unknown area \"%s\"\n\n%s", argv[1], usage);
    return CLI_USAGE;
}
