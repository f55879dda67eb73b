/* The ccs command line: `ccs <area> <verb> [options]` (DESIGN.md). */
#ifndef CCS_CLI_H
#define CCS_CLI_H

#include "ccs/attest.h"

/* Exit statuses shared by every command. */
enum { CLI_OK = 0, CLI_REFUSED = 1, CLI_USAGE = 2 };

int ccs_cli_attest(int argc, char **argv);
int ccs_cli_attest_parse(int argc, char **argv);
int ccs_cli_tee(int argc, char **argv);
int ccs_cli_kbs(int argc, char **argv); /* kbs_cmd.c */
int ccs_cli_agent(int argc, char **argv); /* agent_cmd.c */
int ccs_cli_ratls(int argc, char **argv); /* ratls_cmd.c */
int ccs_cli_image(int argc, char **argv); /* image_cmd.c */
int ccs_cli_he(int argc, char **argv);    /* he_cmd.c */

/* Options of `ccs attest verify`, shared by every evidence format. */
typedef struct verify_args {
    const char *evidence, *collateral, *pccs, *pccs_cache, *tee;
    const char *trust_sim; /* --trust-sim DIR: trust the sim root (insecure) */
    bool json, insecure_tls;
    ccs_dcap_options opt;  /* now, report_data, accept_tcb, allow_debug */
    ccs_buf report_data;
    /* SEV-SNP policy: --allow-migration-agent, --refuse-smt, --min-tcb */
    bool snp_allow_migration_agent, snp_refuse_smt, snp_has_min_tcb;
    uint32_t snp_max_vmpl; /* --max-vmpl */
    ccs_snp_tcb snp_min_tcb;
    ccs_buf mnonce;         /* --mnonce HEX (Hygon CSV): the mnonce the guest was given */
    ccs_buf csv_measurement; /* --measurement HEX (Hygon CSV): the expected launch measurement */
    bool insecure_csv_hmac; /* --insecure-unchecked-hmac (Hygon CSV trustee JSON) */
} verify_args;

/* One evidence format's verifier: reads what it needs from `a`, prints the
 * result (JSON with --json), returns CLI_OK / CLI_REFUSED / CLI_USAGE. */
typedef int (*cli_verify_fn)(const verify_args *a, ccs_bytes evidence);

typedef struct cli_format {
    const char *name;    /* the --tee value */
    const char *family;  /* formats sharing a verifier share a family */
    cli_verify_fn verify;
} cli_format;

/* The formats `ccs attest verify` knows (formats.c). */
const cli_format *ccs_cli_format(const char *name);
bool ccs_cli_same_format(const char *a, const char *b);
const char *ccs_cli_format_list(void);

int ccs_cli_verify_usage_error(const char *msg, const char *arg);
void ccs_cli_print_hex_row(const char *name, const uint8_t *p, size_t n);

int ccs_cli_verify_dcap(const verify_args *a, ccs_bytes quote);
int ccs_cli_verify_tpm(const verify_args *a, ccs_bytes evidence); /* attest_tpm.c */
int ccs_cli_verify_snp(const verify_args *a, ccs_bytes evidence);
/* Parses --min-tcb "bl=N,tee=N,snp=N,ucode=N[,fmc=N]"; 0 on success. */
int ccs_cli_parse_snp_tcb(const char *s, ccs_snp_tcb *out);
int ccs_cli_verify_csv(const verify_args *a, ccs_bytes evidence);
void ccs_cli_csv_set_event_log(const char *path); /* attest_csv.c: --event-log */

#endif
