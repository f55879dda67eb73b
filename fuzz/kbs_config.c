/* Fuzz target: the KBS configuration parser (src/kbs/config.c,
 * ccs_kbs_config_parse: the JSON text of a `ccs kbs serve --config` file)
 * over the defaults, relative paths against a fixed base directory. A
 * refused config must leave the caller's config as it was; an accepted one
 * must satisfy the documented invariants (both TLS files or neither). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/kbs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_kbs_config cfg;
    memset(&cfg, 0, sizeof cfg);
    if (ccs_kbs_config_set(&cfg.listen, "keep") != CCS_OK) return 0;
    if (ccs_kbs_config_parse(ccs_bytes_of(data, size), "/etc/ccs", &cfg) != CCS_OK) {
        if (cfg.listen == NULL || strcmp(cfg.listen, "keep") != 0 || cfg.store != NULL) __builtin_trap();
    } else {
        if ((cfg.tls_cert == NULL) != (cfg.tls_key == NULL)) __builtin_trap();
        if (cfg.listen == NULL || cfg.store == NULL || cfg.token_key == NULL) __builtin_trap();
        if (cfg.token_lifetime_s < 1 || cfg.session_timeout_s < 1) __builtin_trap();
    }
    ccs_kbs_config_clear(&cfg);
    return 0;
}
