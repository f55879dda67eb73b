/* Attestation and resource policies: valid and invalid documents with the
 * exact messages, appraisal (allow/deny, reasons, AR4SI vector), resource
 * rules and globbing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <unistd.h>

#include "ccs/attest.h"
#include "kbs_tests.h"
#include "kbs_internal.h"

#define H32A "33d8c3b1a9e0f7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170aa01"
#define H32B "0000000000000000000000000000000000000000000000000000000000000001"
#define H32S "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
#define H48A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define H48B "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define H48C "c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4"

/* ---- attestation policy: parsing ---- */

static const char *const att_valid[] = {
    "{\"version\":1,\"tees\":{}}",
    "{\"version\":1,\"comment\":\"prod\",\"tees\":{\"sgx\":{\"accept_tcb\":[\"UpToDate\",\"SWHardeningNeeded\"],"
    "\"allow_debug\":false,\"measurements\":{\"mrenclave\":{\"ref\":\"sgx.mrenclave\"},\"mrsigner\":{\"values\":"
    "[\"" H32S "\"]}},\"min_svn\":{\"isv_svn\":2}}}}",
    "{\"version\":1,\"tees\":{\"tdx\":{\"measurements\":{\"mr_td\":{\"ref\":\"tdx.mr_td\",\"values\":[\"" H48A
    "\"]},\"rtmr0\":{\"ref\":\"tdx.rtmr0\"},\"rtmr3\":{\"values\":[\"" H48B "\"]}}}}}",
    "{\"version\":1,\"tees\":{\"snp\":{\"allow_debug\":false,\"measurements\":{\"measurement\":{\"ref\":"
    "\"snp.measurement\"},\"host_data\":{\"values\":[\"" H32A "\"]}},\"min_svn\":{\"bootloader\":3,\"tee\":0,"
    "\"snp\":8,\"microcode\":115}}}}",
    "{\"version\":1,\"tees\":{\"csv\":{\"measurements\":{\"measurement\":{\"ref\":\"csv.measurement\"}}}}}",
    "{\"version\":1,\"tees\":{\"tpm\":{\"pcrs\":{\"sha256:7\":{\"ref\":\"tpm.pcr7\"},\"sha1:0\":{\"values\":"
    "[\"0000000000000000000000000000000000000000\"]},\"sha384:23\":{\"ref\":\"tpm.pcr23\"}}}}}",
    "{\"version\":1,\"tees\":{\"sim-sgx\":{\"allow_debug\":true,\"measurements\":{\"mrenclave\":{\"values\":[\"" H32A
    "\"]}}},\"sim-tdx\":{\"measurements\":{\"mr_td\":{\"values\":[\"" H48A "\"]}}}}}",
    /* Upper-case hex is accepted (and compared regardless of case). */
    "{\"version\":1,\"tees\":{\"sgx\":{\"measurements\":{\"mrenclave\":{\"values\":[\"33D8C3B1A9E0F7D6C5B4A3928"
    "1706F5E4D3C2B1A09F8E7D6C5B4A3928170AA01\"]}}}}}",
    "{\"version\":1,\"tees\":{\"csv\":{}}}",
    /* init-data: required and/or digests of the TEE's field length. */
    "{\"version\":1,\"tees\":{\"sim-tdx\":{\"init_data\":{\"required\":true,\"digests\":{\"ref\":\"sim-tdx.init\","
    "\"values\":[\"" H48A "\"]}}},\"snp\":{\"init_data\":{\"digests\":{\"values\":[\"" H32A "\"]}}},"
    "\"sgx\":{\"init_data\":{\"required\":false}}}}",
};

typedef struct bad_case {
    const char *json;
    const char *message;
} bad_case;

#define SGX(body) "{\"version\":1,\"tees\":{\"sgx\":" body "}}"

static const bad_case att_invalid[] = {
    {"[]", "attestation policy: expected a JSON object"},
    {"{}", "version: missing (this build reads version 1)"},
    {"{\"version\":2,\"tees\":{}}", "version: unsupported (this build reads version 1)"},
    {"{\"version\":\"1\",\"tees\":{}}", "version: unsupported (this build reads version 1)"},
    {"{\"version\":1}", "tees: missing"},
    {"{\"version\":1,\"tees\":[]}", "tees: expected an object"},
    {"{\"version\":1,\"tees\":{},\"extra\":1}", "extra: unknown key"},
    {"{\"version\":1,\"comment\":5,\"tees\":{}}", "comment: expected a string"},
    {"{\"version\":1,\"tees\":{\"sev\":{}}}",
     "tees.sev: unknown TEE (expected one of: sgx, tdx, snp, csv, tpm, sim-sgx, sim-tdx)"},
    {SGX("5"), "tees.sgx: expected an object"},
    {SGX("{\"alow_debug\":false}"), "tees.sgx.alow_debug: unknown key"},
    {SGX("{\"allow_debug\":\"no\"}"), "tees.sgx.allow_debug: expected true or false"},
    {SGX("{\"accept_tcb\":[]}"), "tees.sgx.accept_tcb: expected an array of 1 to 16 items"},
    {SGX("{\"accept_tcb\":\"UpToDate\"}"), "tees.sgx.accept_tcb: expected an array of 1 to 16 items"},
    {SGX("{\"accept_tcb\":[\"UpToDate\",\"Uptodate\"]}"), "tees.sgx.accept_tcb[1]: unknown TCB status \"Uptodate\""},
    {SGX("{\"accept_tcb\":[\"Unknown\"]}"), "tees.sgx.accept_tcb[0]: unknown TCB status \"Unknown\""},
    {SGX("{\"accept_tcb\":[7]}"), "tees.sgx.accept_tcb[0]: expected a TCB status name"},
    {SGX("{\"accept_tcb\":[\"Revoked\"]}"), "tees.sgx.accept_tcb[0]: Revoked is never acceptable"},
    {SGX("{\"measurements\":[]}"), "tees.sgx.measurements: expected an object"},
    {SGX("{\"measurements\":{\"mrenclav\":{\"ref\":\"sgx.mrenclave\"}}}"),
     "tees.sgx.measurements.mrenclav: unknown key (expected one of: mrenclave, mrsigner)"},
    {SGX("{\"measurements\":{\"mrenclave\":{}}}"), "tees.sgx.measurements.mrenclave: expected \"ref\" or \"values\""},
    {SGX("{\"measurements\":{\"mrenclave\":\"" H32A "\"}}"), "tees.sgx.measurements.mrenclave: expected an object"},
    {SGX("{\"measurements\":{\"mrenclave\":{\"ref\":\"mrenclave\"}}}"),
     "tees.sgx.measurements.mrenclave.ref: expected a reference value set name \"<tee>.<name>\""},
    {SGX("{\"measurements\":{\"mrenclave\":{\"ref\":\"sgx...\"}}}"),
     "tees.sgx.measurements.mrenclave.ref: expected a reference value set name \"<tee>.<name>\""},
    {SGX("{\"measurements\":{\"mrenclave\":{\"ref\":\"sgx.a\",\"refs\":1}}}"),
     "tees.sgx.measurements.mrenclave.refs: unknown key"},
    {SGX("{\"measurements\":{\"mrenclave\":{\"values\":[]}}}"),
     "tees.sgx.measurements.mrenclave.values: expected an array of 1 to 256 items"},
    {SGX("{\"measurements\":{\"mrenclave\":{\"values\":[\"" H32A "\",\"33d8\"]}}}"),
     "tees.sgx.measurements.mrenclave.values[1]: expected 64 hex digits"},
    {SGX("{\"measurements\":{\"mrenclave\":{\"values\":[\"" H32A "\",\"zz" H32B "\"]}}}"),
     "tees.sgx.measurements.mrenclave.values[1]: expected 64 hex digits"},
    {"{\"version\":1,\"tees\":{\"tdx\":{\"measurements\":{\"mr_td\":{\"values\":[\"" H32A "\"]}}}}}",
     "tees.tdx.measurements.mr_td.values[0]: expected 96 hex digits"},
    {"{\"version\":1,\"tees\":{\"tdx\":{\"min_svn\":{}}}}", "tees.tdx.min_svn: unknown key"},
    {SGX("{\"min_svn\":{\"isv_svn\":-1}}"), "tees.sgx.min_svn.isv_svn: expected an integer from 0 to 4294967295"},
    {SGX("{\"min_svn\":{\"isv_svn\":\"2\"}}"), "tees.sgx.min_svn.isv_svn: expected an integer from 0 to 4294967295"},
    {SGX("{\"min_svn\":{\"svn\":1}}"), "tees.sgx.min_svn.svn: unknown key (expected one of: isv_svn)"},
    {"{\"version\":1,\"tees\":{\"snp\":{\"min_svn\":{\"fw\":1}}}}",
     "tees.snp.min_svn.fw: unknown key (expected one of: bootloader, tee, snp, microcode, fmc, guest_svn)"},
    {"{\"version\":1,\"tees\":{\"snp\":{\"accept_tcb\":[\"UpToDate\"]}}}", "tees.snp.accept_tcb: unknown key"},
    {"{\"version\":1,\"tees\":{\"tpm\":{\"allow_debug\":false}}}", "tees.tpm.allow_debug: unknown key"},
    {"{\"version\":1,\"tees\":{\"tpm\":{\"measurements\":{}}}}", "tees.tpm.measurements: unknown key"},
    {"{\"version\":1,\"tees\":{\"tpm\":{\"pcrs\":{\"sha256:24\":{\"ref\":\"tpm.x\"}}}}}",
     "tees.tpm.pcrs.sha256:24: unknown key (expected \"<sha1|sha256|sha384|sha512>:<0-23>\")"},
    {"{\"version\":1,\"tees\":{\"tpm\":{\"pcrs\":{\"sha256:07\":{\"ref\":\"tpm.x\"}}}}}",
     "tees.tpm.pcrs.sha256:07: unknown key (expected \"<sha1|sha256|sha384|sha512>:<0-23>\")"},
    {"{\"version\":1,\"tees\":{\"tpm\":{\"pcrs\":{\"sha256:7\":{\"values\":[\"" H48A "\"]}}}}}",
     "tees.tpm.pcrs.sha256:7.values[0]: expected 64 hex digits"},
    {"{\"version\":1,\"tees\":{\"sim-sgx\":{\"measurements\":{\"mr_td\":{\"ref\":\"a.b\"}}}}}",
     "tees.sim-sgx.measurements.mr_td: unknown key (expected one of: mrenclave, mrsigner)"},
    {"{\"version\":1,\"tees\":{\"tdx\":{\"init_data\":{\"requird\":true}}}}", "tees.tdx.init_data.requird: unknown key"},
    {"{\"version\":1,\"tees\":{\"tdx\":{\"init_data\":{\"required\":1}}}}",
     "tees.tdx.init_data.required: expected true or false"},
    {"{\"version\":1,\"tees\":{\"tdx\":{\"init_data\":{}}}}",
     "tees.tdx.init_data: expected \"required\" or \"digests\""},
    {"{\"version\":1,\"tees\":{\"tdx\":{\"init_data\":true}}}", "tees.tdx.init_data: expected an object"},
    {"{\"version\":1,\"tees\":{\"tdx\":{\"init_data\":{\"digests\":{\"values\":[\"" H32A "\"]}}}}}",
     "tees.tdx.init_data.digests.values[0]: expected 96 hex digits"},
    {"{\"version\":1,\"tees\":{\"sim-sgx\":{\"init_data\":{\"digests\":{\"values\":[\"" H48A "\"]}}}}}",
     "tees.sim-sgx.init_data.digests.values[0]: expected 128 hex digits"},
    {"{\"version\":1,\"tees\":{\"snp\":{\"init_data\":{\"digests\":{\"ref\":\"nodot\"}}}}}",
     "tees.snp.init_data.digests.ref: expected a reference value set name \"<tee>.<name>\""},
    {"{\"version\":1,\"tees\":{\"snp\":{\"init_data\":{\"digests\":{}}}}}",
     "tees.snp.init_data.digests: expected \"ref\" or \"values\""},
    {"{\"version\":1,\"tees\":{\"csv\":{\"init_data\":{\"required\":true}}}}", "tees.csv.init_data: unknown key"},
    {"{\"version\":1,\"tees\":{\"tpm\":{\"init_data\":{\"required\":true}}}}", "tees.tpm.init_data: unknown key"},
};

static void test_attestation_parse(void **state) {
    (void)state;
    ccs_kbs_attestation_policy *p = NULL;
    for (size_t i = 0; i < sizeof att_valid / sizeof att_valid[0]; i++) {
        ccs_status st = ccs_kbs_attestation_policy_parse(att_valid[i], &p);
        if (st != CCS_OK) fail_msg("valid policy %zu refused: %s", i, ccs_error_detail());
        ccs_kbs_attestation_policy_free(p);
    }
    for (size_t i = 0; i < sizeof att_invalid / sizeof att_invalid[0]; i++) {
        p = NULL;
        ccs_status st = ccs_kbs_attestation_policy_parse(att_invalid[i].json, &p);
        if (st != CCS_ERR_FORMAT) fail_msg("invalid policy %zu: got %s", i, ccs_status_name(st));
        assert_null(p);
        if (!detail_is(att_invalid[i].message))
            fail_msg("invalid policy %zu: got \"%s\", want \"%s\"", i, ccs_error_detail(), att_invalid[i].message);
    }
    /* Not JSON, and duplicate keys: the parser's words with line and column. */
    check_st(ccs_kbs_attestation_policy_parse("{\"version\":1,", &p), CCS_ERR_FORMAT);
    assert_non_null(strstr(ccs_error_detail(), "attestation policy: not valid JSON: "));
    assert_non_null(strstr(ccs_error_detail(), "(line 1, column "));
    check_st(ccs_kbs_attestation_policy_parse("{\"version\":1,\"tees\":{},\"tees\":{}}", &p), CCS_ERR_FORMAT);
    assert_non_null(strstr(ccs_error_detail(), "duplicate"));
    check_st(ccs_kbs_attestation_policy_parse(NULL, &p), CCS_ERR_INVALID_ARG);
    /* Control characters in a key are not echoed into messages. */
    check_st(ccs_kbs_attestation_policy_parse(SGX("{\"a\\u001b[31m\":1}"), &p), CCS_ERR_FORMAT);
    assert_detail("tees.sgx.a?[31m: unknown key");
}

/* ---- attestation policy: evaluation ---- */

static const char eval_policy[] =
    "{\"version\":1,\"tees\":{"
    "\"sgx\":{\"accept_tcb\":[\"UpToDate\",\"SWHardeningNeeded\"],\"allow_debug\":false,"
    "\"measurements\":{\"mrenclave\":{\"ref\":\"sgx.mrenclave\"},\"mrsigner\":{\"values\":[\"" H32S "\"]}},"
    "\"min_svn\":{\"isv_svn\":2}},"
    "\"tdx\":{\"measurements\":{\"mr_td\":{\"ref\":\"tdx.mr_td\"},\"rtmr0\":{\"values\":[\"" H48B "\"]}}},"
    "\"snp\":{\"allow_debug\":false,\"measurements\":{\"measurement\":{\"ref\":\"snp.measurement\"}},"
    "\"min_svn\":{\"snp\":8,\"microcode\":115}},"
    "\"tpm\":{\"pcrs\":{\"sha256:7\":{\"ref\":\"tpm.pcr7\"}}},"
    "\"sim-sgx\":{\"allow_debug\":true,\"measurements\":{\"mrenclave\":{\"values\":[\"" H32A "\"]}}},"
    "\"csv\":{}"
    "}}";

static ccs_status lookup(void *ctx, const char *ref, char **values) {
    static const char *const sets[][2] = {
        {"sgx.mrenclave", "[\"" H32B "\",\"" H32A "\"]"},
        {"tdx.mr_td", "[\"" H48A "\"]"},
        {"snp.measurement", "[\"" H48C "\"]"},
        {"tpm.pcr7", "[\"" H32B "\"]"},
    };
    int *calls = ctx;
    if (calls) (*calls)++;
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        if (strcmp(ref, sets[i][0]) == 0) {
            *values = strdup(sets[i][1]);
            return *values ? CCS_OK : CCS_ERR_NOMEM;
        }
    }
    return ccs_error_set(CCS_ERR_NOT_FOUND, NULL, 0, "no reference value set %s", ref);
}

static ccs_status lookup_broken(void *ctx, const char *ref, char **values) {
    (void)ctx, (void)ref, (void)values;
    return ccs_error_set(CCS_ERR_IO, NULL, 0, "KBS store: disk on fire");
}

#define RESULT(tee, verdict, tcb, claims)                                                                     \
    "{\"verdict\":\"" verdict "\",\"tee\":\"" tee "\",\"tcb_status\":\"" tcb "\",\"claims\":" claims "}"
#define SGX_CLAIMS(mre, debug, svn) \
    "{\"mrenclave\":\"" mre "\",\"mrsigner\":\"" H32S "\",\"isv_svn\":" #svn ",\"debug\":" debug "}"

typedef struct eval_case {
    const char *name;
    const char *result;
    const char *tee; /* override */
    bool allow;
    ccs_kbs_ear_status status;
    ccs_kbs_tvector tv; /* instance, configuration, executables, fs, hardware, runtime, storage, sourced */
    const char *reasons[5];
} eval_case;

static const eval_case eval_cases[] = {
    {"sgx up to date", RESULT("sgx", "pass", "UpToDate", SGX_CLAIMS(H32A, "false", 3)), NULL, true,
     CCS_KBS_EAR_AFFIRMING, {2, 2, 2, 0, 2, 2, 0, 0}, {NULL}},
    {"sgx hardening needed", RESULT("sgx", "pass", "SWHardeningNeeded", SGX_CLAIMS(H32A, "false", 2)), NULL, true,
     CCS_KBS_EAR_WARNING, {2, 2, 2, 0, 32, 2, 0, 0}, {NULL}},
    {"sgx everything wrong", RESULT("sgx", "pass", "OutOfDate", SGX_CLAIMS(H32S, "true", 1)), NULL, false,
     CCS_KBS_EAR_CONTRAINDICATED, {2, 96, 96, 0, 96, 2, 0, 0},
     {"tcb_status: OutOfDate is not accepted (accepted: UpToDate, SWHardeningNeeded)",
      "debug: expected false, got true (the policy does not allow debug)",
      "mrenclave " H32S " is not in reference value set sgx.mrenclave", "isv_svn 1 is below the minimum 2", NULL}},
    {"sgx verdict fail", RESULT("sgx", "fail", "UpToDate", SGX_CLAIMS(H32A, "false", 3)), NULL, false,
     CCS_KBS_EAR_CONTRAINDICATED, {99, 2, 2, 0, 2, 2, 0, 0}, {"verdict: expected pass, got fail", NULL}},
    {"sgx missing claims", RESULT("sgx", "pass", "UpToDate", "{}"), NULL, false, CCS_KBS_EAR_CONTRAINDICATED,
     {2, 96, 96, 0, 2, 2, 0, 0},
     {"debug: missing from the evidence", "mrenclave: missing from the evidence",
      "mrsigner: missing from the evidence", "isv_svn: missing from the evidence", NULL}},
    {"tee not in the policy", RESULT("sgx", "pass", "UpToDate", SGX_CLAIMS(H32A, "false", 3)), "sim-tdx", false,
     CCS_KBS_EAR_CONTRAINDICATED, {0, 0, 0, 0, 97, 0, 0, 0}, {"tee: sim-tdx is not accepted by the policy", NULL}},
    {"sim-sgx debug allowed", RESULT("sgx", "pass", "UpToDate", SGX_CLAIMS(H32A, "true", 0)), "sim-sgx", true,
     CCS_KBS_EAR_WARNING, {2, 32, 2, 0, 32, 32, 0, 0}, {NULL}},
    {"csv with no measurements is refused",
     RESULT("csv", "pass", "UpToDate", "{\"measurement\":\"" H32A "\",\"debug\":false}"), NULL, false,
     CCS_KBS_EAR_CONTRAINDICATED, {2, 2, 96, 0, 2, 2, 0, 0},
     {"tees.csv: the policy requires no measurement, so csv is refused", NULL}},
    {"tdx upper-case hex", RESULT("tdx", "pass", "UpToDate",
                                  "{\"mr_td\":\"" H48A "\",\"rtmr0\":\"B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2"
                                  "B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2\",\"debug\":false}"),
     NULL, true, CCS_KBS_EAR_AFFIRMING, {2, 2, 2, 0, 2, 2, 0, 0}, {NULL}},
    {"tdx rtmr0 missing", RESULT("tdx", "pass", "UpToDate", "{\"mr_td\":\"" H48A "\",\"debug\":false}"), NULL,
     false, CCS_KBS_EAR_CONTRAINDICATED, {2, 2, 96, 0, 2, 2, 0, 0}, {"rtmr0: missing from the evidence", NULL}},
    {"snp debug from the guest policy, old firmware",
     RESULT("snp", "pass", "UpToDate",
            "{\"measurement\":\"" H48C "\",\"policy\":196608,\"reported_tcb\":{\"bootloader\":3,\"tee\":0,"
            "\"snp\":7,\"microcode\":115}}"),
     NULL, false, CCS_KBS_EAR_CONTRAINDICATED, {2, 2, 2, 0, 96, 2, 0, 0}, {"snp 7 is below the minimum 8", NULL}},
    {"snp debug guest", RESULT("snp", "pass", "UpToDate",
                               "{\"measurement\":\"" H48C "\",\"policy\":720896,\"reported_tcb\":{\"snp\":8,"
                               "\"microcode\":200}}"),
     NULL, false, CCS_KBS_EAR_CONTRAINDICATED, {2, 96, 2, 0, 2, 2, 0, 0},
     {"debug: expected false, got true (the policy does not allow debug)", NULL}},
    {"tpm pcrs by bank", RESULT("tpm", "pass", "Unknown", "{\"pcrs\":{\"sha256\":{\"7\":\"" H32B "\"}}}"), NULL,
     true, CCS_KBS_EAR_AFFIRMING, {2, 0, 2, 0, 2, 0, 0, 0}, {NULL}},
    {"tpm pcr wrong", RESULT("tpm", "pass", "Unknown", "{\"pcrs\":{\"sha256:7\":\"" H32A "\"}}"), NULL, false,
     CCS_KBS_EAR_CONTRAINDICATED, {2, 0, 96, 0, 2, 0, 0, 0},
     {"sha256:7 " H32A " is not in reference value set tpm.pcr7", NULL}},
    {"not JSON", "{\"verdict\":", NULL, false, CCS_KBS_EAR_CONTRAINDICATED, {96, 0, 0, 0, 0, 0, 0, 0},
     {"result: not a JSON object", NULL}},
    {"no tee", "{\"verdict\":\"pass\"}", NULL, false, CCS_KBS_EAR_CONTRAINDICATED, {0, 0, 0, 0, 97, 0, 0, 0},
     {"tee: missing from the result", NULL}},
};

static void test_attestation_evaluate(void **state) {
    (void)state;
    ccs_kbs_attestation_policy *p = NULL;
    check_st(ccs_kbs_attestation_policy_parse(eval_policy, &p), CCS_OK);
    for (size_t i = 0; i < sizeof eval_cases / sizeof eval_cases[0]; i++) {
        const eval_case *c = &eval_cases[i];
        ccs_kbs_appraisal a;
        ccs_status st = ccs_kbs_attestation_policy_evaluate(p, c->result, c->tee, lookup, NULL, &a);
        if (st != CCS_OK) fail_msg("%s: %s (%s)", c->name, ccs_status_name(st), ccs_error_detail());
        size_t n = 0;
        while (n < 5 && c->reasons[n]) n++;
        if (a.allow != c->allow || a.reasons.n != n) {
            for (size_t j = 0; j < a.reasons.n; j++) print_message("  reason: %s\n", a.reasons.v[j]);
            fail_msg("%s: allow %d with %zu reasons, want %d with %zu", c->name, a.allow, a.reasons.n, c->allow, n);
        }
        for (size_t j = 0; j < n; j++)
            if (strcmp(a.reasons.v[j], c->reasons[j]) != 0)
                fail_msg("%s: reason %zu \"%s\", want \"%s\"", c->name, j, a.reasons.v[j], c->reasons[j]);
        if (memcmp(&a.tv, &c->tv, sizeof a.tv) != 0)
            fail_msg("%s: vector %d %d %d %d %d %d %d %d", c->name, a.tv.instance_identity, a.tv.configuration,
                     a.tv.executables, a.tv.file_system, a.tv.hardware, a.tv.runtime_opaque, a.tv.storage_opaque,
                     a.tv.sourced_data);
        if (a.status != c->status) fail_msg("%s: status %d, want %d", c->name, a.status, c->status);
        ccs_kbs_appraisal_clear(&a);
    }
    /* The appraised TEE is named; a failing lookup is an error, not a verdict. */
    ccs_kbs_appraisal a;
    int calls = 0;
    check_st(ccs_kbs_attestation_policy_evaluate(p, eval_cases[0].result, NULL, lookup, &calls, &a), CCS_OK);
    assert_string_equal(a.tee, "sgx");
    assert_int_equal(calls, 1);
    ccs_kbs_appraisal_clear(&a);
    check_st(ccs_kbs_attestation_policy_evaluate(p, eval_cases[0].result, NULL, lookup_broken, NULL, &a),
             CCS_ERR_IO);
    /* No lookup at all: every reference is missing. */
    check_st(ccs_kbs_attestation_policy_evaluate(p, eval_cases[0].result, NULL, NULL, NULL, &a), CCS_OK);
    assert_false(a.allow);
    assert_int_equal(a.reasons.n, 1);
    assert_string_equal(a.reasons.v[0], "mrenclave: reference value set sgx.mrenclave does not exist");
    ccs_kbs_appraisal_clear(&a);
    ccs_kbs_attestation_policy_free(p);

    /* Inline values and a missing set together. */
    check_st(ccs_kbs_attestation_policy_parse(SGX("{\"allow_debug\":true,\"measurements\":{\"mrenclave\":{"
                                                  "\"ref\":\"sgx.none\",\"values\":[\"" H32B "\"]}}}"),
                                              &p),
             CCS_OK);
    check_st(ccs_kbs_attestation_policy_evaluate(p, eval_cases[0].result, NULL, lookup, NULL, &a), CCS_OK);
    assert_int_equal(a.reasons.n, 1);
    assert_string_equal(a.reasons.v[0], "mrenclave " H32A
                        " is not among the policy's values (reference value set sgx.none does not exist)");
    ccs_kbs_appraisal_clear(&a);
    ccs_kbs_attestation_policy_free(p);
}

static void test_tvector(void **state) {
    (void)state;
    ccs_kbs_tvector tv = {2, 2, 2, 0, 32, 2, 0, 0};
    assert_int_equal(ccs_kbs_tvector_status(&tv), CCS_KBS_EAR_WARNING);
    json_t *j = ccs_kbs_tvector_json(&tv);
    char *s = json_dumps(j, JSON_COMPACT);
    assert_string_equal(s, "{\"instance-identity\":2,\"configuration\":2,\"executables\":2,\"hardware\":32,"
                           "\"runtime-opaque\":2}");
    free(s);
    json_decref(j);
    ccs_kbs_tvector zero = {0};
    assert_int_equal(ccs_kbs_tvector_status(&zero), CCS_KBS_EAR_CONTRAINDICATED);
    ccs_kbs_tvector neg = {2, -1, 0, 0, 0, 0, 0, 0};
    assert_int_equal(ccs_kbs_tvector_status(&neg), CCS_KBS_EAR_CONTRAINDICATED);
    ccs_kbs_tvector ok = {2, 3, 0, 0, 0, 0, 0, 0};
    assert_int_equal(ccs_kbs_tvector_status(&ok), CCS_KBS_EAR_AFFIRMING);
}

/* ---- resource policy ---- */

#define RP(rules) "{\"version\":1,\"rules\":[" rules "]}"

static const bad_case res_invalid[] = {
    {"{\"version\":1}", "rules: missing"},
    {RP(""), "rules: expected an array of 1 to 1024 items"},
    {"{\"version\":1,\"rules\":{}}", "rules: expected an array of 1 to 1024 items"},
    {"{\"version\":1,\"rules\":[{\"resources\":\"a/b/c\",\"deny\":true}],\"default\":\"allow\"}",
     "default: unknown key"},
    {RP("5"), "rules[0]: expected an object"},
    {RP("{\"allow\":{}}"), "rules[0].resources: missing"},
    {RP("{\"resources\":\"default/keys\",\"allow\":{}}"),
     "rules[0].resources: expected a pattern \"<repository>/<type>/<tag>\" of [A-Za-z0-9._-*?]"},
    {RP("{\"resources\":\"default/keys/k/x\",\"allow\":{}}"),
     "rules[0].resources: expected a pattern \"<repository>/<type>/<tag>\" of [A-Za-z0-9._-*?]"},
    {RP("{\"resources\":\"default/../k\",\"allow\":{}}"),
     "rules[0].resources: expected a pattern \"<repository>/<type>/<tag>\" of [A-Za-z0-9._-*?]"},
    {RP("{\"resources\":\"default/[ab]/k\",\"allow\":{}}"),
     "rules[0].resources: expected a pattern \"<repository>/<type>/<tag>\" of [A-Za-z0-9._-*?]"},
    {RP("{\"resources\":[\"a/b/c\",\"a//c\"],\"allow\":{}}"),
     "rules[0].resources[1]: expected a pattern \"<repository>/<type>/<tag>\" of [A-Za-z0-9._-*?]"},
    {RP("{\"resources\":[],\"allow\":{}}"), "rules[0].resources: expected an array of 1 to 64 items"},
    {RP("{\"resources\":\"a/b/c\"}"), "rules[0]: expected exactly one of \"allow\" and \"deny\""},
    {RP("{\"resources\":\"a/b/c\",\"allow\":{},\"deny\":true}"),
     "rules[0]: expected exactly one of \"allow\" and \"deny\""},
    {RP("{\"resources\":\"a/b/c\",\"deny\":false}"), "rules[0].deny: expected true"},
    {RP("{\"resources\":\"a/b/c\",\"deny\":true,\"comment\":[]}"), "rules[0].comment: expected a string"},
    {RP("{\"resources\":\"a/b/c\",\"deny\":true},{\"resources\":\"a/b/c\",\"allow\":{\"tees\":[\"sgx\"]}}"),
     "rules[1].allow.tees: unknown key"},
    {RP("{\"resources\":\"a/b/c\",\"allow\":[]}"), "rules[0].allow: expected an object"},
    {RP("{\"resources\":\"a/b/c\",\"allow\":{\"tee\":[\"sgx\",\"sev\"]}}"),
     "rules[0].allow.tee[1]: unknown TEE (expected one of: sgx, tdx, snp, csv, tpm, sim-sgx, sim-tdx)"},
    {RP("{\"resources\":\"a/b/c\",\"allow\":{\"tee\":\"sgx\"}}"),
     "rules[0].allow.tee: expected an array of 1 to 16 items"},
    {RP("{\"resources\":\"a/b/c\",\"allow\":{\"status\":[\"contraindicated\"]}}"),
     "rules[0].allow.status[0]: contraindicated tokens are never accepted"},
    {RP("{\"resources\":\"a/b/c\",\"allow\":{\"status\":[\"Affirming\"]}}"),
     "rules[0].allow.status[0]: expected \"affirming\" or \"warning\""},
    {RP("{\"resources\":\"a/b/c\",\"allow\":{\"claims\":{\"mrenclave\":[]}}}"),
     "rules[0].allow.claims.mrenclave: expected an array of 1 to 256 items"},
    {RP("{\"resources\":\"a/b/c\",\"allow\":{\"claims\":{\"mrenclave\":[\"aa\",true]}}}"),
     "rules[0].allow.claims.mrenclave[1]: expected a non-empty string or an integer"},
    {RP("{\"resources\":\"a/b/c\",\"allow\":{\"claims\":{\"a b\":[1]}}}"),
     "rules[0].allow.claims.a b: expected a claim name of [A-Za-z0-9._-]"},
};

static const char res_policy[] = RP(
    "{\"resources\":\"default/keys/*\",\"allow\":{\"tee\":[\"sgx\",\"tdx\"],\"claims\":{\"mrenclave\":[\"" H32A
    "\"]}}},"
    "{\"resources\":[\"default/certs/ca?\",\"shared/*/*\"],\"allow\":{\"status\":[\"affirming\",\"warning\"]}},"
    "{\"resources\":\"default/svn/*\",\"allow\":{\"claims\":{\"isv_svn\":[3,4],\"reported_tcb.snp\":[8]}}},"
    "{\"resources\":\"default/*/*\",\"deny\":true,\"comment\":\"everything else in default\"},"
    "{\"resources\":\"*/*/*\",\"allow\":{\"tee\":[\"sim-sgx\"],\"status\":[\"warning\"]}}");

typedef struct res_case {
    const char *path;
    const char *tee;
    ccs_kbs_ear_status status;
    const char *claims;
    bool allow;
    const char *reason;
} res_case;

static const res_case res_cases[] = {
    {"default/keys/k1", "sgx", CCS_KBS_EAR_AFFIRMING, "{\"mrenclave\":\"" H32A "\"}", true,
     "rule 0 (default/keys/*) allows default/keys/k1"},
    {"default/keys/k1", "sgx", CCS_KBS_EAR_AFFIRMING,
     "{\"mrenclave\":\"33D8C3B1A9E0F7D6C5B4A39281706F5E4D3C2B1A09F8E7D6C5B4A3928170AA01\"}", true,
     "rule 0 (default/keys/*) allows default/keys/k1"},
    {"default/keys/k1", "tdx", CCS_KBS_EAR_AFFIRMING, "{}", false,
     "rule 0 (default/keys/*): claim mrenclave is missing"},
    {"default/keys/k1", "sgx", CCS_KBS_EAR_AFFIRMING, "{\"mrenclave\":\"" H32B "\"}", false,
     "rule 0 (default/keys/*): claim mrenclave " H32B " is not among the allowed values"},
    {"default/keys/k1", "sgx", CCS_KBS_EAR_WARNING, "{\"mrenclave\":\"" H32A "\"}", false,
     "rule 0 (default/keys/*): status warning is not accepted"},
    {"default/keys/k1", "snp", CCS_KBS_EAR_AFFIRMING, "{\"mrenclave\":\"" H32A "\"}", false,
     "rule 0 (default/keys/*): tee snp is not accepted"},
    {"default/keys/k1", "sgx", CCS_KBS_EAR_CONTRAINDICATED, "{\"mrenclave\":\"" H32A "\"}", false,
     "rule 0 (default/keys/*): status contraindicated is not accepted"},
    {"default/certs/ca1", "snp", CCS_KBS_EAR_WARNING, NULL, true,
     "rule 1 (default/certs/ca?) allows default/certs/ca1"},
    {"default/certs/ca12", "snp", CCS_KBS_EAR_WARNING, NULL, false,
     "rule 3 (default/*/*) denies default/certs/ca12"},
    {"shared/a/b", "tpm", CCS_KBS_EAR_AFFIRMING, NULL, true, "rule 1 (shared/*/*) allows shared/a/b"},
    {"default/svn/x", "snp", CCS_KBS_EAR_AFFIRMING, "{\"isv_svn\":4,\"reported_tcb\":{\"snp\":8}}", true,
     "rule 2 (default/svn/*) allows default/svn/x"},
    {"default/svn/x", "snp", CCS_KBS_EAR_AFFIRMING, "{\"isv_svn\":\"4\",\"reported_tcb\":{\"snp\":8}}", false,
     "rule 2 (default/svn/*): claim isv_svn 4 is not among the allowed values"},
    {"default/svn/x", "snp", CCS_KBS_EAR_AFFIRMING, "{\"isv_svn\":3,\"reported_tcb\":{\"snp\":7}}", false,
     "rule 2 (default/svn/*): claim reported_tcb.snp 7 is not among the allowed values"},
    {"other/x/y", "sim-sgx", CCS_KBS_EAR_WARNING, NULL, true, "rule 4 (*/*/*) allows other/x/y"},
    {"other/x/y", "sim-sgx", CCS_KBS_EAR_AFFIRMING, NULL, false, "rule 4 (*/*/*): status affirming is not accepted"},
    {"other/x/y", "sgx", CCS_KBS_EAR_WARNING, NULL, false, "rule 4 (*/*/*): tee sgx is not accepted"},
    {"default/../x", "sgx", CCS_KBS_EAR_AFFIRMING, NULL, false, "default/../x is not a valid resource path"},
    {"default/keys", "sgx", CCS_KBS_EAR_AFFIRMING, NULL, false, "default/keys is not a valid resource path"},
    {"default/keys/k1/x", "sgx", CCS_KBS_EAR_AFFIRMING, NULL, false,
     "default/keys/k1/x is not a valid resource path"},
};

static void test_resource_parse(void **state) {
    (void)state;
    ccs_kbs_resource_policy *p = NULL;
    check_st(ccs_kbs_resource_policy_parse(res_policy, &p), CCS_OK);
    ccs_kbs_resource_policy_free(p);
    for (size_t i = 0; i < sizeof res_invalid / sizeof res_invalid[0]; i++) {
        p = NULL;
        ccs_status st = ccs_kbs_resource_policy_parse(res_invalid[i].json, &p);
        if (st != CCS_ERR_FORMAT) fail_msg("invalid policy %zu: got %s", i, ccs_status_name(st));
        assert_null(p);
        if (!detail_is(res_invalid[i].message))
            fail_msg("invalid policy %zu: got \"%s\", want \"%s\"", i, ccs_error_detail(), res_invalid[i].message);
    }
    check_st(ccs_kbs_resource_policy_parse("{\"version\":1,\"tees\":{}}", &p), CCS_ERR_FORMAT);
    assert_detail("tees: unknown key");
}

static void test_resource_allows(void **state) {
    (void)state;
    ccs_kbs_resource_policy *p = NULL;
    check_st(ccs_kbs_resource_policy_parse(res_policy, &p), CCS_OK);
    for (size_t i = 0; i < sizeof res_cases / sizeof res_cases[0]; i++) {
        const res_case *c = &res_cases[i];
        json_t *claims = c->claims ? json_loads(c->claims, 0, NULL) : NULL;
        ccs_kbs_subject who = {c->tee, c->status, claims};
        bool allow = !c->allow;
        char *reason = NULL;
        check_st(ccs_kbs_resource_policy_allows(p, c->path, &who, &allow, &reason), CCS_OK);
        if (allow != c->allow || strcmp(reason, c->reason) != 0)
            fail_msg("case %zu (%s): %d \"%s\", want %d \"%s\"", i, c->path, allow, reason, c->allow, c->reason);
        free(reason);
        json_decref(claims);
    }
    bool allow = true;
    char *reason = NULL;
    check_st(ccs_kbs_resource_policy_allows(p, "default/keys/k1", NULL, &allow, &reason), CCS_OK);
    assert_false(allow);
    assert_string_equal(reason, "no attested subject");
    free(reason);
    ccs_kbs_subject who = {"sgx", CCS_KBS_EAR_AFFIRMING, NULL};
    check_st(ccs_kbs_resource_policy_allows(p, "default/keys/k1", &who, &allow, NULL), CCS_OK);
    assert_false(allow);
    ccs_kbs_resource_policy_free(p);

    /* Default deny when no rule matches. */
    check_st(ccs_kbs_resource_policy_parse(RP("{\"resources\":\"default/keys/*\",\"allow\":{}}"), &p), CCS_OK);
    check_st(ccs_kbs_resource_policy_allows(p, "other/keys/k1", &who, &allow, &reason), CCS_OK);
    assert_false(allow);
    assert_string_equal(reason, "no rule matches other/keys/k1 (default deny)");
    free(reason);
    /* "*" stays within one component. */
    check_st(ccs_kbs_resource_policy_allows(p, "default/keys/k1", &who, &allow, &reason), CCS_OK);
    assert_true(allow);
    free(reason);
    ccs_kbs_resource_policy_free(p);
}


/* ---- real verifier output, reference values from the store ---- */

#define AS_OF 1750330800 /* 2025-06-19T11:00:00Z: the vectors' as-of time */
#define VEC CCS_TEST_DATA "/attestation"

static char *sgx_result_json(void) {
    ccs_buf quote = {0};
    ccs_collateral *coll = NULL;
    ccs_dcap_result *r = calloc(1, sizeof *r);
    char *json = NULL;
    assert_non_null(r);
    check_st(ccs_file_read(VEC "/sgx/dcapqvl-sgx-v3/quote.bin", 1 << 20, &quote), CCS_OK);
    check_st(ccs_collateral_load_dir(VEC "/sgx/dcapqvl-sgx-v3", &coll), CCS_OK);
    ccs_dcap_options opt = {.now = AS_OF};
    check_st(ccs_dcap_verify(ccs_buf_view(&quote), coll, &opt, r), CCS_OK);
    check_st(ccs_dcap_result_json(r, &json), CCS_OK);
    ccs_collateral_free(coll);
    ccs_buf_free(&quote);
    free(r);
    return json;
}

static char *snp_result_json(void) {
    ccs_buf report = {0};
    ccs_snp_collateral *coll = NULL;
    ccs_snp_result *r = calloc(1, sizeof *r);
    char *json = NULL;
    assert_non_null(r);
    check_st(ccs_file_read(VEC "/snp/trustee-milan-vcek/report.bin", 1 << 20, &report), CCS_OK);
    check_st(ccs_snp_collateral_load_dir(VEC "/snp/trustee-milan-vcek", &coll), CCS_OK);
    ccs_snp_options opt = {.now = AS_OF};
    check_st(ccs_snp_verify(ccs_buf_view(&report), coll, &opt, r), CCS_OK);
    check_st(ccs_snp_result_json(r, &json), CCS_OK);
    ccs_snp_collateral_free(coll);
    ccs_buf_free(&report);
    free(r);
    return json;
}

static void appraise_one(ccs_kbs_store *s, const char *policy, const char *result, bool allow,
                         ccs_kbs_ear_status status, const char *reason) {
    ccs_kbs_attestation_policy *p = NULL;
    ccs_kbs_appraisal a;
    check_st(ccs_kbs_policy_set(s, CCS_KBS_POLICY_ATTESTATION, policy, AS_OF), CCS_OK);
    check_st(ccs_kbs_attestation_policy_parse(policy, &p), CCS_OK);
    check_st(ccs_kbs_attestation_policy_evaluate(p, result, NULL, ccs_kbs_store_refval_lookup, s, &a), CCS_OK);
    if (a.allow != allow || a.status != status || (reason && (a.reasons.n != 1 || strcmp(a.reasons.v[0], reason))) ||
        (!reason && a.reasons.n != 0))
        fail_msg("allow %d status %d, %zu reasons, first \"%s\"", a.allow, a.status, a.reasons.n,
                 a.reasons.n ? a.reasons.v[0] : "");
    ccs_kbs_appraisal_clear(&a);
    ccs_kbs_attestation_policy_free(p);
}

#define SGX_MRENCLAVE "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"
#define SNP_MEASUREMENT \
    "a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c"

static void test_real_results(void **state) {
    (void)state;
    char path[512];
    ccs_kbs_store *s = NULL;
    snprintf(path, sizeof path, "%s/policy-%d.db", CCS_TEST_TMP, (int)getpid());
    unlink(path);
    check_st(ccs_kbs_store_open(path, &s), CCS_OK);
    check_st(ccs_kbs_refval_set(s, "sgx", "mrenclave", "[\"" SGX_MRENCLAVE "\"]", AS_OF), CCS_OK);
    check_st(ccs_kbs_refval_set(s, "snp", "measurement", "\"" SNP_MEASUREMENT "\"", AS_OF), CCS_OK);
    char *sgx = sgx_result_json(), *snp = snp_result_json();

    /* The SGX vector's platform is ConfigurationAndSWHardeningNeeded. */
    appraise_one(s, SGX("{\"accept_tcb\":[\"UpToDate\",\"SWHardeningNeeded\"],\"measurements\":{\"mrenclave\":{"
                        "\"ref\":\"sgx.mrenclave\"}}}"),
                 sgx, false, CCS_KBS_EAR_CONTRAINDICATED,
                 "tcb_status: ConfigurationAndSWHardeningNeeded is not accepted (accepted: UpToDate, "
                 "SWHardeningNeeded)");
    appraise_one(s, SGX("{\"accept_tcb\":[\"ConfigurationAndSWHardeningNeeded\"],\"measurements\":{\"mrenclave\":{"
                        "\"ref\":\"sgx.mrenclave\"}},\"min_svn\":{\"isv_svn\":0}}"),
                 sgx, true, CCS_KBS_EAR_WARNING, NULL);
    appraise_one(s, SGX("{\"accept_tcb\":[\"ConfigurationAndSWHardeningNeeded\"],\"measurements\":{\"mrenclave\":{"
                        "\"ref\":\"sgx.mrenclave\"}},\"min_svn\":{\"isv_svn\":1}}"),
                 sgx, false, CCS_KBS_EAR_CONTRAINDICATED, "isv_svn 0 is below the minimum 1");
    /* A reference value changed in the store changes the verdict, not the policy. */
    check_st(ccs_kbs_refval_set(s, "sgx", "mrenclave", "[\"" H32A "\"]", AS_OF), CCS_OK);
    appraise_one(s, SGX("{\"accept_tcb\":[\"ConfigurationAndSWHardeningNeeded\"],\"measurements\":{\"mrenclave\":{"
                        "\"ref\":\"sgx.mrenclave\"}}}"),
                 sgx, false, CCS_KBS_EAR_CONTRAINDICATED,
                 "mrenclave " SGX_MRENCLAVE " is not in reference value set sgx.mrenclave");

    /* SNP: reported_tcb is BL 3, TEE 0, SNP 8, ucode 115; not a debug guest. */
    appraise_one(s,
                 "{\"version\":1,\"tees\":{\"snp\":{\"measurements\":{\"measurement\":{\"ref\":\"snp.measurement\"}},"
                 "\"min_svn\":{\"bootloader\":3,\"tee\":0,\"snp\":8,\"microcode\":115}}}}",
                 snp, true, CCS_KBS_EAR_AFFIRMING, NULL);
    appraise_one(s,
                 "{\"version\":1,\"tees\":{\"snp\":{\"measurements\":{\"measurement\":{\"ref\":\"snp.measurement\"}},"
                 "\"min_svn\":{\"microcode\":116}}}}",
                 snp, false, CCS_KBS_EAR_CONTRAINDICATED, "microcode 115 is below the minimum 116");
    free(sgx);
    free(snp);
    ccs_kbs_store_close(s);
}

/* ---- init-data rule (ccs_kbs_attestation_policy_check_init_data) ---- */

static ccs_status init_lookup(void *ctx, const char *ref, char **values_json) {
    (void)ctx;
    if (strcmp(ref, "tdx.init") != 0) return ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "no %s", ref);
    *values_json = strdup("[\"" H48A "\"]");
    return *values_json ? CCS_OK : CCS_ERR_NOMEM;
}

/* SGX CONFIGID: a SHA-384 digest zero-padded to 64 bytes. */
#define CFG_A H48A "00000000000000000000000000000000"
#define CFG_C H48C "00000000000000000000000000000000"

static void test_init_data_rule(void **state) {
    (void)state;
    static const char pol_text[] =
        "{\"version\":1,\"tees\":{\"tdx\":{\"measurements\":{\"mr_td\":{\"values\":[\"" H48A "\"]}},"
        "\"init_data\":{\"required\":true,\"digests\":{\"ref\":\"tdx.init\"}}},"
        "\"sgx\":{\"measurements\":{\"mrenclave\":{\"values\":[\"" H32A "\"]}}}}}";
    static const char pol_digests[] =
        "{\"version\":1,\"tees\":{\"sgx\":{\"measurements\":{\"mrenclave\":{\"values\":[\"" H32A "\"]}},"
        "\"init_data\":{\"digests\":{\"values\":[\"" CFG_A "\"]}}}}}";
    ccs_kbs_attestation_policy *p = NULL, *pd = NULL;
    check_st(ccs_kbs_attestation_policy_parse(pol_text, &p), CCS_OK);
    check_st(ccs_kbs_attestation_policy_parse(pol_digests, &pd), CCS_OK);
    static const struct {
        const char *tee, *hex;
        bool sent, allow;
        const char *reason;
    } cases[] = {
        {"tdx", H48A, true, true, NULL},
        {"tdx", NULL, false, false, "init_data: the policy requires init-data (tees.tdx.init_data.required)"},
        {"tdx", H48A, false, false, "init_data: the policy requires init-data (tees.tdx.init_data.required)"},
        {"tdx", H48C, true, false, "init_data " H48C " is not in reference value set tdx.init"},
        {"sgx", NULL, false, true, NULL}, /* no rule for sgx */
        {"snp", NULL, false, true, NULL}, /* not listed: the evaluation refuses it, not this rule */
        /* digests without required: the launch field is checked whether or
         * not the request sent the document; a zero field (NULL) passes. */
        {"sgx", CFG_A, false, true, NULL},
        {"sgx", CFG_C, false, false, "init_data " CFG_C " is not among the policy's values"},
        {"sgx", CFG_C, true, false, "init_data " CFG_C " is not among the policy's values"},
        {"sgx", NULL, false, true, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ccs_kbs_appraisal a;
        memset(&a, 0, sizeof a);
        a.allow = true;
        a.tv.instance_identity = a.tv.executables = CCS_AR4SI_AFFIRMING;
        a.status = CCS_KBS_EAR_AFFIRMING;
        const ccs_kbs_attestation_policy *pol = i < 6 ? p : pd;
        check_st(ccs_kbs_attestation_policy_check_init_data(pol, cases[i].tee, cases[i].hex, cases[i].sent, init_lookup,
                                                            NULL, &a),
                 CCS_OK);
        if (a.allow != cases[i].allow) fail_msg("case %zu: allow %d", i, a.allow);
        if (cases[i].reason != NULL) {
            assert_int_equal(a.reasons.n, 1);
            if (strstr(a.reasons.v[0], cases[i].reason) == NULL)
                fail_msg("case %zu: \"%s\" lacks \"%s\"", i, a.reasons.v[0], cases[i].reason);
            assert_int_equal(a.status, CCS_KBS_EAR_CONTRAINDICATED);
            assert_int_equal(a.tv.configuration, CCS_AR4SI_CONTRAINDICATED);
        } else {
            assert_int_equal(a.reasons.n, 0);
            assert_int_equal(a.status, CCS_KBS_EAR_AFFIRMING);
        }
        ccs_kbs_appraisal_clear(&a);
    }
    ccs_kbs_attestation_policy_free(p);
    ccs_kbs_attestation_policy_free(pd);
}

int ccs_test_policy(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attestation_parse),
        cmocka_unit_test(test_attestation_evaluate),
        cmocka_unit_test(test_init_data_rule),
        cmocka_unit_test(test_tvector),
        cmocka_unit_test(test_resource_parse),
        cmocka_unit_test(test_resource_allows),
        cmocka_unit_test(test_real_results),
    };
    return cmocka_run_group_tests_name("kbs_policy", tests, NULL, NULL);
}
