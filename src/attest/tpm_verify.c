/* TPM 2.0 quote verification (specs/cvm.md section 3): the evidence JSON
 * is read strictly, then every check runs and each failure is named:
 *   evidence_format  the JSON object, its members, PCR values, AK key
 *   attest_format    TPMS_ATTEST (magic, type, no trailing bytes)
 *   signature        TPMT_SIGNATURE by the evidence's AK over TPMS_ATTEST
 *   nonce            extraData equals the expected nonce
 *   pcr_digest       pcrDigest = H(selected PCR values, bank then index order)
 *                    with H the signature's hash (Part 3, TPM2_Quote); every
 *                    selected PCR has a value and no other value is given
 *   event_log        replay of the optional log reproduces the SHA-256 PCRs
 *   ak_trust         the AK is the caller's key or certified by its chain */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpm_internal.h"
#include "checks.h"

#define MAX_EVIDENCE (4u << 20)

typedef struct tpm_evidence {
    json_t *doc;
    ccs_buf attest, sig, log;
    bool has_log;
    ccs_pubkey *ak;
    size_t n_banks;
    struct {
        uint16_t alg;
        uint32_t mask;
        uint8_t value[CCS_TPM_PCRS][64];
    } banks[CCS_TPM_MAX_BANKS];
} tpm_evidence;

static void fail(ccs_tpm_result *r, const char *name, const char *fmt, ...) CCS_PRINTF(3, 4);
static void fail(ccs_tpm_result *r, const char *name, const char *fmt, ...) {
    r->pass = false;
    for (size_t i = 0; i < r->n_failed; i++)
        if (strcmp(r->failed[i].name, name) == 0) return; /* first reason per check */
    va_list ap;
    va_start(ap, fmt);
    ccs_check_vadd(r->failed, &r->n_failed, CCS_TPM_MAX_FAILED, name, fmt, ap);
    va_end(ap);
}

static ccs_status b64_member(json_t *doc, const char *key, ccs_buf *out) {
    json_t *v = json_object_get(doc, key);
    CCS_ENSURE(json_is_string(v), CCS_ERR_FORMAT, "\"%s\" is missing or not a string", key);
    ccs_status st = ccs_base64_decode(json_string_value(v), json_string_length(v), out);
    CCS_ENSURE(st == CCS_OK && out->len > 0, CCS_ERR_FORMAT, "\"%s\" is not base64", key);
    return CCS_OK;
}

/* "pcrs": {"sha256": {"0": "hex", ...}, ...}: PCR indexes in decimal
 * without leading zeros, values of exactly the bank's digest length. */
static ccs_status read_pcrs(json_t *pcrs, tpm_evidence *e) {
    const char *bank, *idx;
    json_t *vals, *v;
    CCS_ENSURE(json_is_object(pcrs) && json_object_size(pcrs) > 0, CCS_ERR_FORMAT, "\"pcrs\" is not an object");
    json_object_foreach(pcrs, bank, vals) {
        uint16_t alg = 0;
        CCS_ENSURE(ccs_tpm_alg_parse(bank, &alg), CCS_ERR_FORMAT, "unknown PCR bank \"%s\"", bank);
        CCS_ENSURE(e->n_banks < CCS_TPM_MAX_BANKS, CCS_ERR_FORMAT, "too many PCR banks");
        CCS_ENSURE(json_is_object(vals), CCS_ERR_FORMAT, "PCR bank \"%s\" is not an object", bank);
        size_t len = ccs_tpm_alg_len(alg), b = e->n_banks++;
        e->banks[b].alg = alg;
        json_object_foreach(vals, idx, v) {
            char *end = NULL;
            unsigned long i = strtoul(idx, &end, 10);
            CCS_ENSURE(idx[0] >= '0' && idx[0] <= '9' && *end == '\0' && i < CCS_TPM_PCRS &&
                           (idx[0] != '0' || idx[1] == '\0'),
                       CCS_ERR_FORMAT, "bad PCR index \"%s\"", idx);
            CCS_ENSURE(json_is_string(v) && json_string_length(v) == 2 * len, CCS_ERR_FORMAT,
                       "PCR %s:%s is not %zu bytes of hex", bank, idx, len);
            CCS_ENSURE(ccs_hex_decode_fixed(json_string_value(v), 2 * len, e->banks[b].value[i], len) == CCS_OK,
                       CCS_ERR_FORMAT, "PCR %s:%s is not hex", bank, idx);
            e->banks[b].mask |= 1u << i;
        }
    }
    return CCS_OK;
}

static ccs_status read_evidence(ccs_bytes in, tpm_evidence *e) {
    static const char *const known[] = {"tpms_attest", "signature", "ak_public", "pcrs", "event_log"};
    json_error_t jerr;
    const char *key;
    json_t *v;
    CCS_ENSURE(in.len > 0 && in.len <= MAX_EVIDENCE, CCS_ERR_FORMAT, "evidence of %zu bytes", in.len);
    e->doc = json_loadb((const char *)in.ptr, in.len, JSON_REJECT_DUPLICATES, &jerr);
    CCS_ENSURE(e->doc != NULL, CCS_ERR_FORMAT, "not JSON: %s", jerr.text);
    CCS_ENSURE(json_is_object(e->doc), CCS_ERR_FORMAT, "not a JSON object");
    json_object_foreach(e->doc, key, v) {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) ok |= strcmp(key, known[i]) == 0;
        CCS_ENSURE(ok, CCS_ERR_FORMAT, "unknown member \"%s\"", key);
    }
    CCS_TRY(b64_member(e->doc, "tpms_attest", &e->attest));
    CCS_TRY(b64_member(e->doc, "signature", &e->sig));
    if (json_object_get(e->doc, "event_log")) {
        CCS_TRY(b64_member(e->doc, "event_log", &e->log));
        e->has_log = true;
    }
    json_t *ak = json_object_get(e->doc, "ak_public");
    CCS_ENSURE(json_is_string(ak), CCS_ERR_FORMAT, "\"ak_public\" is missing or not a string");
    ccs_status st = ccs_pubkey_from_pem(ccs_bytes_of(json_string_value(ak), json_string_length(ak)), &e->ak);
    CCS_ENSURE(st == CCS_OK, CCS_ERR_FORMAT, "\"ak_public\" is not a PEM public key");
    return read_pcrs(json_object_get(e->doc, "pcrs"), e);
}

static void free_evidence(tpm_evidence *e) {
    json_decref(e->doc);
    ccs_buf_free(&e->attest);
    ccs_buf_free(&e->sig);
    ccs_buf_free(&e->log);
    ccs_pubkey_free(e->ak);
}

static void check_signature(const tpm_evidence *e, ccs_tpm_result *r) {
    tpm_sig sig;
    ccs_curve c = ccs_pubkey_curve(e->ak);
    size_t field = c == CCS_CURVE_P256 ? 32 : c == CCS_CURVE_P384 ? 48 : 0;
    if (ccs_tpm_sig_parse(ccs_buf_view(&e->sig), field, &sig) != CCS_OK) {
        fail(r, CCS_TPM_CHECK_SIGNATURE, "%s", ccs_error_detail());
        return;
    }
    r->sig_alg = sig.alg;
    r->sig_hash = sig.hash_alg;
    if (ccs_pubkey_verify(e->ak, sig.scheme, sig.hash, ccs_buf_view(&e->attest), ccs_bytes_of(sig.bytes, sig.len)) !=
        CCS_OK)
        fail(r, CCS_TPM_CHECK_SIGNATURE, "the AK signature over TPMS_ATTEST does not verify: %s", ccs_error_detail());
}

/* Looks up the evidence bank for a hash algorithm. */
static int bank_of(const tpm_evidence *e, uint16_t alg) {
    for (size_t i = 0; i < e->n_banks; i++)
        if (e->banks[i].alg == alg) return (int)i;
    return -1;
}

static void check_pcrs(const tpm_evidence *e, ccs_tpm_result *r) {
    const ccs_tpm_attest *a = &r->attest;
    ccs_hash_alg h;
    if (ccs_tpm_hash_of(r->sig_hash ? r->sig_hash : CCS_TPM_ALG_SHA256, &h) != CCS_OK) h = CCS_HASH_SHA256;
    /* Values given for PCRs the quote does not cover are unauthenticated. */
    for (size_t i = 0; i < e->n_banks; i++) {
        uint32_t quoted = 0;
        for (size_t j = 0; j < a->n_banks; j++)
            if (a->banks[j].hash_alg == e->banks[i].alg) quoted = a->banks[j].mask;
        if (e->banks[i].mask & ~quoted)
            fail(r, CCS_TPM_CHECK_PCR_DIGEST, "PCR values in bank %s not covered by the quote (mask 0x%06x)",
                 ccs_tpm_alg_name(e->banks[i].alg), e->banks[i].mask & ~quoted);
    }
    ccs_buf cat = {0};
    bool missing = false;
    for (size_t j = 0; j < a->n_banks; j++) {
        int b = bank_of(e, a->banks[j].hash_alg);
        size_t len = ccs_tpm_alg_len(a->banks[j].hash_alg);
        uint32_t have = b < 0 ? 0 : e->banks[b].mask & a->banks[j].mask;
        if (have != a->banks[j].mask && !missing) {
            missing = true;
            fail(r, CCS_TPM_CHECK_PCR_DIGEST, "the quote covers PCRs %s mask 0x%06x that the evidence lacks",
                 ccs_tpm_alg_name(a->banks[j].hash_alg), a->banks[j].mask & ~have);
        }
        for (unsigned i = 0; i < CCS_TPM_PCRS; i++)
            if ((have & (1u << i)) && ccs_buf_append(&cat, e->banks[b].value[i], len) != CCS_OK) missing = true;
        /* Claims: only values the quote covers (judged by the digest below). */
        r->pcrs[j].hash_alg = a->banks[j].hash_alg;
        r->pcrs[j].mask = have;
        if (b >= 0) memcpy(r->pcrs[j].value, e->banks[b].value, sizeof r->pcrs[j].value);
    }
    r->n_banks = a->n_banks;
    uint8_t md[64];
    size_t mdlen = 0;
    ccs_status st = ccs_digest(h, ccs_buf_view(&cat), md, sizeof md, &mdlen);
    ccs_buf_free(&cat);
    if (!missing && (st != CCS_OK || mdlen != a->pcr_digest_len ||
                     !ccs_ct_eq(ccs_bytes_of(md, mdlen), ccs_bytes_of(a->pcr_digest, a->pcr_digest_len))))
        fail(r, CCS_TPM_CHECK_PCR_DIGEST, "pcrDigest does not match the supplied PCR values");
}

static void check_event_log(const tpm_evidence *e, ccs_tpm_result *r) {
    uint8_t replayed[CCS_TPM_PCRS][32];
    uint32_t touched = 0;
    r->has_event_log = true;
    if (ccs_tpm_eventlog_replay(ccs_buf_view(&e->log), replayed, &touched, &r->n_events) != CCS_OK)
        { fail(r, CCS_TPM_CHECK_EVENT_LOG, "%s", ccs_error_detail()); return; }
    int b = -1;
    for (size_t j = 0; j < r->n_banks; j++)
        if (r->pcrs[j].hash_alg == CCS_TPM_ALG_SHA256) b = (int)j;
    if (b < 0) { fail(r, CCS_TPM_CHECK_EVENT_LOG, "the quote covers no SHA-256 PCRs to replay the log against"); return; }
    /* PCRs the quote does not cover cannot be judged; they are not claims. */
    for (unsigned i = 0; i < CCS_TPM_PCRS; i++) {
        if (!(touched & r->pcrs[b].mask & (1u << i))) continue;
        if (memcmp(replayed[i], r->pcrs[b].value[i], 32) != 0)
            { fail(r, CCS_TPM_CHECK_EVENT_LOG, "replaying the log does not give PCR sha256:%u", i); return; }
        r->replayed_mask |= 1u << i;
    }
}

static void check_ak(const tpm_evidence *e, const ccs_tpm_options *opt, ccs_tpm_result *r) {
    if (opt->ak) {
        if (!ccs_pubkey_equal(opt->ak, e->ak)) fail(r, CCS_TPM_CHECK_AK_TRUST, "the AK is not the trusted AK key");
        return;
    }
    if (opt->ak_chain && opt->ak_root) {
        ccs_pubkey *leaf = NULL;
        if (ccs_x509_verify_chain(opt->ak_chain, opt->ak_root, NULL, 0, opt->now) != CCS_OK)
            { fail(r, CCS_TPM_CHECK_AK_TRUST, "AK certificate chain: %s", ccs_error_detail()); return; }
        if (ccs_x509_pubkey(ccs_x509_chain_get(opt->ak_chain, 0), &leaf) != CCS_OK || !ccs_pubkey_equal(leaf, e->ak))
            fail(r, CCS_TPM_CHECK_AK_TRUST, "the AK is not the key of the AK certificate");
        ccs_pubkey_free(leaf);
        return;
    }
    fail(r, CCS_TPM_CHECK_AK_TRUST, "no trusted AK key or AK certificate chain given");
}

ccs_status ccs_tpm_verify(ccs_bytes evidence, const ccs_tpm_options *opt, ccs_tpm_result *out) {
    CCS_ENSURE(opt != NULL && out != NULL && (evidence.ptr != NULL || evidence.len == 0), CCS_ERR_INVALID_ARG,
               "invalid argument");
    CCS_ENSURE(opt->nonce.len > 0 && opt->nonce.ptr != NULL, CCS_ERR_INVALID_ARG, "tpm: an expected nonce is required");
    memset(out, 0, sizeof *out);
    out->pass = true;
    tpm_evidence e;
    memset(&e, 0, sizeof e);
    if (read_evidence(evidence, &e) != CCS_OK) {
        fail(out, CCS_TPM_CHECK_EVIDENCE_FORMAT, "%s", ccs_error_detail());
    } else if (ccs_tpm_attest_parse(ccs_buf_view(&e.attest), &out->attest) != CCS_OK) {
        fail(out, CCS_TPM_CHECK_ATTEST_FORMAT, "%s", ccs_error_detail());
    } else {
        out->parsed = true;
        check_signature(&e, out);
        if (!ccs_ct_eq(opt->nonce, ccs_bytes_of(out->attest.extra_data, out->attest.extra_data_len)))
            fail(out, CCS_TPM_CHECK_NONCE, "extraData is not the expected nonce");
        check_pcrs(&e, out);
        if (e.has_log) check_event_log(&e, out);
        check_ak(&e, opt, out);
    }
    free_evidence(&e);
    if (out->pass) return CCS_OK;
    return ccs_error_set(CCS_ERR_VERIFY, CCS_HERE, "tpm: %s: %s", out->failed[0].name, out->failed[0].message);
}
