/* libFuzzer target: the registry client's parsers of untrusted text:
 * image references (ccs_image_ref_parse), WWW-Authenticate challenges
 * (ccs_registry_challenge_parse) and platform names. Input: one selector
 * byte (0 reference, 1 challenge, 2 platform; others: all three), then the
 * text. Invariant: no crash, leak or UB; a success has its fields set and a
 * failure leaves them empty. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/image_registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 8192) return 0;
    char *text = malloc(size);
    if (text == NULL) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    uint8_t sel = data[0];
    if (sel == 0 || sel > 2) {
        ccs_image_ref r;
        if (ccs_image_ref_parse(text, &r) == CCS_OK) {
            if (r.host == NULL || r.repo == NULL || (r.tag == NULL) == (r.digest == NULL)) abort();
            (void)ccs_image_ref_is_loopback(&r);
            (void)ccs_image_ref_reference(&r);
        } else if (r.host != NULL) {
            abort();
        }
        ccs_image_ref_clear(&r);
    }
    if (sel == 1 || sel > 2) {
        ccs_registry_challenge c;
        if (ccs_registry_challenge_parse(text, &c) == CCS_OK) {
            if (c.scheme == NULL || (strcmp(c.scheme, "bearer") == 0 && c.realm == NULL)) abort();
        } else if (c.scheme != NULL) {
            abort();
        }
        ccs_registry_challenge_clear(&c);
    }
    if (sel == 2 || sel > 2) {
        char os[32], arch[32], variant[32];
        if (ccs_registry_platform_parse(text, os, arch, variant) == CCS_OK && (os[0] == '\0' || arch[0] == '\0')) abort();
    }
    free(text);
    return 0;
}
