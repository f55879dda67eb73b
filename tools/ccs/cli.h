/* The ccs command line: `ccs <area> <verb> [options]` (DESIGN.md). */
#ifndef CCS_CLI_H
#define CCS_CLI_H

/* Exit statuses shared by every command. */
enum { CLI_OK = 0, CLI_REFUSED = 1, CLI_USAGE = 2 };

int ccs_cli_attest(int argc, char **argv);
int ccs_cli_attest_parse(int argc, char **argv);

#endif
