/* Fuzz target: the KBS policy parsers (src/kbs/policy.c,
 * policy_resource.c, policy_util.c). The first byte picks the parser (its
 * low bit, so text seeds can start with '0' or '1'):
 *   even  attestation policy: ccs_kbs_attestation_policy_parse, and when it
 *         parses, evaluation of a fixed sim-sgx verifier result (reference
 *         values from a fixed lookup)
 *   odd   resource policy: ccs_kbs_resource_policy_parse, and when it
 *         parses, a decision for a fixed path and subject.
 * Neither parser may accept what the other's result contradicts: a failed
 * parse leaves no object, and every decision comes with a status. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kbs_internal.h"

#define MR "33d8c8f0b5ee6bd8e16b5c6a8f2f5c4ed4c7a6a8e7a4bb7e6e0c6e8e3f0baa01"

static const char result[] =
    "{\"verdict\":\"pass\",\"tee\":\"sgx\",\"tcb_status\":\"SWHardeningNeeded\",\"claims\":{\"mrenclave\":\"" MR
    "\",\"mrsigner\":\"" MR "\",\"isv_svn\":2,\"isv_prod_id\":0,\"debug\":true,"
    "\"reported_tcb\":{\"snp\":8},\"pcrs\":{\"sha256:7\":\"" MR "\"}}}";

static ccs_status lookup(void *ctx, const char *ref, char **values_json) {
    (void)ctx;
    if (strcmp(ref, "sim-sgx.mrenclave") != 0 && strcmp(ref, "sgx.mrenclave") != 0)
        return ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "no reference value set %s", ref);
    *values_json = strdup("[\"" MR "\"]");
    return *values_json ? CCS_OK : CCS_ERR_NOMEM;
}

static void attestation(const char *text) {
    ccs_kbs_attestation_policy *p = NULL;
    if (ccs_kbs_attestation_policy_parse(text, &p) != CCS_OK) {
        if (p != NULL) __builtin_trap(); /* nothing returned on failure */
        return;
    }
    static const char *const tees[] = {"sim-sgx", "sgx", "tdx", "snp", "tpm", NULL};
    for (size_t i = 0; i < sizeof tees / sizeof tees[0]; i++) {
        ccs_kbs_appraisal a;
        memset(&a, 0, sizeof a);
        if (ccs_kbs_attestation_policy_evaluate(p, result, tees[i], lookup, NULL, &a) == CCS_OK &&
            !a.allow && a.status != CCS_KBS_EAR_CONTRAINDICATED)
            __builtin_trap(); /* a refusal is always contraindicated */
        ccs_kbs_appraisal_clear(&a);
    }
    ccs_kbs_attestation_policy_free(p);
}

static void resource(const char *text) {
    ccs_kbs_resource_policy *p = NULL;
    if (ccs_kbs_resource_policy_parse(text, &p) != CCS_OK) {
        if (p != NULL) __builtin_trap();
        return;
    }
    json_t *claims = json_pack("{s:s,s:i}", "mrenclave", MR, "isv_svn", 2);
    static const char *const paths[] = {"default/keys/k1", "shared/x/y", "other/certs/ca1"};
    static const ccs_kbs_ear_status statuses[] = {CCS_KBS_EAR_AFFIRMING, CCS_KBS_EAR_WARNING,
                                                  CCS_KBS_EAR_CONTRAINDICATED};
    for (size_t i = 0; i < 3; i++) {
        ccs_kbs_subject who = {.tee = i == 1 ? "sgx" : "sim-sgx", .status = statuses[i], .claims = claims};
        bool allow = false;
        char *reason = NULL;
        if (ccs_kbs_resource_policy_allows(p, paths[i], &who, &allow, &reason) == CCS_OK && allow &&
            who.status == CCS_KBS_EAR_CONTRAINDICATED)
            __builtin_trap(); /* contraindicated tokens are never accepted */
        free(reason);
    }
    json_decref(claims);
    ccs_kbs_resource_policy_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    char *text = malloc(size); /* the rest, NUL-terminated (the parsers take C strings) */
    if (text == NULL) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if ((data[0] & 1) == 0) attestation(text);
    else resource(text);
    free(text);
    return 0;
}
