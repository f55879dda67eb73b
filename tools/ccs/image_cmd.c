/* `ccs image VERB ...`: the dispatch. encrypt|decrypt|copy are in
 * image_copy_cmd.c; every other verb in its own image_<verb>_cmd.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/image.h"
#include "cli.h"

/* The other verbs, each in its own file (image_<verb>_cmd.c): argv[0] is
 * the verb. One prototype and one table row per verb. */
typedef int (*image_verb_fn)(int argc, char **argv);
int ccs_cli_image_verify(int argc, char **argv); /* image_verify_cmd.c */
int ccs_cli_image_sign(int argc, char **argv);   /* image_sign_cmd.c */
int ccs_cli_image_unpack(int argc, char **argv); /* image_unpack_cmd.c */
int ccs_cli_image_pull(int argc, char **argv); /* image_pull_cmd.c */
int ccs_cli_image_push(int argc, char **argv); /* image_push_cmd.c */
static const struct {
    const char *verb;
    image_verb_fn fn;
} VERBS[] = {
    {"verify", ccs_cli_image_verify},
    {"sign", ccs_cli_image_sign},
    {"unpack", ccs_cli_image_unpack},
    {"pull", ccs_cli_image_pull},
    {"push", ccs_cli_image_push},
    {NULL, NULL},
};

/* encrypt, decrypt, copy: image_copy_cmd.c. */
int ccs_cli_image_copy_verbs(int argc, char **argv);
void ccs_cli_image_copy_usage(FILE *f);

static void usage(FILE *f) {
    ccs_cli_image_copy_usage(f);
    fprintf(f, "Other verbs:");
    for (size_t i = 0; VERBS[i].verb != NULL; i++) fprintf(f, " %s", VERBS[i].verb);
    fprintf(f, "%s\nRun `ccs image VERB --help` for each.\n", VERBS[0].verb ? "" : " (none)");
}

int ccs_cli_image(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    for (size_t i = 0; VERBS[i].verb != NULL; i++)
        if (strcmp(argv[1], VERBS[i].verb) == 0) return VERBS[i].fn(argc - 1, argv + 1);
    return ccs_cli_image_copy_verbs(argc, argv);
}
