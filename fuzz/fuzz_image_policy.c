/* libFuzzer target: containers-policy.json parsing and appraisal
 * (ccs_image_policy_parse in parser-only mode: no key files, no gpg), the
 * signature payload parser (simple signing and cosign), and docker
 * references. The same input goes to every parser; a policy that parses is
 * then evaluated for a few references, with no signature and with a
 * cosign signature whose payload and signature are the input. Invariant:
 * no crash, leak or UB; nothing is accepted that the policy does not
 * accept unconditionally. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/image_sign.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(ccs_status st) { (void)st; }

static void evaluate(const ccs_image_policy *p, ccs_bytes in) {
    static const char *const refs[] = {"reg.example:5000/demo/app:v1", "busybox", ("a.b.example.org/x/y@" D1),
                                       "localhost/ns/app:dev"};
    ccs_image_sigs *none = NULL, *one = NULL;
    if (ccs_image_sigs_new(&none) != CCS_OK) return;
    if (ccs_image_sigs_new(&one) == CCS_OK &&
        ccs_image_sigs_add(one, CCS_IMAGE_SIG_COSIGN, in, "MEUCIQDx7Vf0Q2nBDeLwEJwXWp4eE8m0ZQdWLQjTk8BbS3w6ZQIgS6Dq") !=
            CCS_OK) {
        ccs_image_sigs_free(one);
        one = NULL;
    }
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        char scope[CCS_IMAGE_REF_MAX];
        ccs_image_verdict v;
        ignore(ccs_image_policy_scope(p, refs[i], scope, sizeof scope));
        ignore(ccs_image_policy_check(p, refs[i], D1, none, &v));
        if (one != NULL) ignore(ccs_image_policy_check(p, refs[i], D1, one, &v));
    }
    ccs_image_sigs_free(none);
    ccs_image_sigs_free(one);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_bytes in = ccs_bytes_of(data, size);
    ccs_image_policy *p = NULL;
    if (ccs_image_policy_parse(in, CCS_IMAGE_POLICY_NO_KEY_FILES, &p) == CCS_OK) {
        evaluate(p, in);
        ccs_image_policy_free(p);
    }
    ccs_image_sig_claims c;
    ignore(ccs_image_sig_payload_parse(in, CCS_IMAGE_SIG_SIMPLE, &c));
    ignore(ccs_image_sig_payload_parse(in, CCS_IMAGE_SIG_COSIGN, &c));
    char ref[CCS_IMAGE_REF_MAX + 8];
    size_t n = size < sizeof ref - 1 ? size : sizeof ref - 1;
    memcpy(ref, data, n);
    ref[n] = '\0';
    ccs_image_dref r;
    if (ccs_image_dref_parse(ref, &r) == CCS_OK) {
        char out[CCS_IMAGE_REF_MAX + 200];
        ccs_image_dref_string(&r, out, sizeof out);
    }
    return 0;
}
