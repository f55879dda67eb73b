/* Fuzz target: what the agent reads from a KBS or a workload (src/agent).
 * The first byte picks the parser:
 *   0  the /auth challenge (agent_parse_challenge)
 *   1  an error reply body (agent_http_error: RFC 7807 kind and detail)
 *   2  a resource URI (ccs_agent_resource_uri_parse)
 *   3  a listen address (ccs_agent_listen_check) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    ccs_bytes rest = ccs_bytes_of(data + 1, size - 1);
    char *text = malloc(size); /* NUL-terminated copy for the string parsers */
    if (text == NULL) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    switch (data[0] & 3) {
    case 0: {
        agent_session s = {0};
        if (agent_parse_challenge(&s, rest) == CCS_OK && (s.nonce == NULL || s.nonce[0] == 0)) __builtin_trap();
        agent_session_clear(&s);
        break;
    }
    case 1: {
        ccs_status st = agent_http_error(401, rest, "POST /kbs/v0/attest");
        if (st != CCS_ERR_POLICY || strlen(ccs_error_detail()) > 600) __builtin_trap();
        break;
    }
    case 2: {
        char path[CCS_AGENT_PATH_MAX];
        if (ccs_agent_resource_uri_parse(text, path) == CCS_OK &&
            (strstr(path, "..") != NULL || strchr(path, '?') != NULL || strchr(path, '%') != NULL))
            __builtin_trap();
        break;
    }
    default:
        if (ccs_agent_listen_check(text) == CCS_OK && strncmp(text, "0.0.0.0", 7) == 0) __builtin_trap();
        break;
    }
    free(text);
    return 0;
}
