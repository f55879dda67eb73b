/* Hygon CSV report verification, v1 and v2 (shared specs section 4): the pinned HRK,
 * HRK -> HSK -> CEK -> PEK -> report with SM2/SM3 (the signer's user ID as
 * the distinguishing ID), the HMAC-SM3 over the signer block keyed with the
 * mnonce, then the caller's expectations. Every check that can run does, so
 * the result names every failure; the verdict passes only when none failed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "csv.h"
#include "checks.h"

#define POLICY_NODBG 0x1u

typedef struct cctx {
    const ccs_csv_report *rep;
    const ccs_csv_certs *certs;
    const ccs_csv_options *opt;
    ccs_csv_result *res;
    csv_cert hrk, hsk, cek, pek;
    bool hrk_ok, cek_ok, pek_parsed;
    ccs_bytes event_log; /* opt->event_log, else the trustee form's cc_eventlog */
} cctx;

/* Where the signer block (PEK || SN || reserved, the HMAC input) starts,
 * and how many leading report bytes the PEK signs, per version. */
static size_t signer_off(const ccs_csv_report *p) {
    return p->version == 2 ? CSV_V2_TEE_INFO_LEN : CSV_V1_TEE_INFO_LEN;
}
static size_t signed_len(const ccs_csv_report *p) {
    return p->version == 2 ? CCS_CSV_V2_SIGNED_LEN : CCS_CSV_SIGNED_LEN;
}

static void cfail(cctx *c, const char *check, const char *fmt, ...) CCS_PRINTF(3, 4);
static void cfail(cctx *c, const char *check, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ccs_check_vadd(c->res->failed, &c->res->n_failed, CCS_DCAP_MAX_FAILED, check, fmt, ap);
    va_end(ap);
}

/* The root: only the compiled-in Hygon HRK, which must sign itself. */
static void check_hrk(cctx *c) {
    ccs_bytes pinned = ccs_csv_trusted_hrk(), given = c->certs->hrk.len ? c->certs->hrk : pinned;
    if (!ccs_bytes_eq(given, pinned)) {
        cfail(c, CCS_CHECK_CSV_HRK, "the given HRK is not the Hygon Root Key (refused: only the built-in HRK is trusted)");
        return;
    }
    if (ccs_csv_ca_cert_parse(pinned, &c->hrk) != CCS_OK || c->hrk.key_usage != CSV_USAGE_HRK ||
        memcmp(c->hrk.key_id, c->hrk.signer_id, 16) != 0 || ccs_csv_cert_verify(&c->hrk, &c->hrk) != CCS_OK) {
        cfail(c, CCS_CHECK_CSV_HRK, "the built-in HRK does not verify: %s", ccs_error_detail());
        return;
    }
    c->hrk_ok = true;
}

static ccs_status chain_once(cctx *c) {
    CCS_TRY(ccs_csv_ca_cert_parse(c->certs->hsk, &c->hsk));
    CCS_ENSURE(c->hsk.key_usage == CSV_USAGE_HSK, CCS_ERR_CERT, "HSK has key usage 0x%x, not 0x13", c->hsk.key_usage);
    CCS_ENSURE(memcmp(c->hsk.signer_id, c->hrk.key_id, 16) == 0, CCS_ERR_CERT, "HSK is not issued by the HRK (signer id)");
    ccs_status st = ccs_csv_cert_verify(&c->hsk, &c->hrk);
    CCS_ENSURE(st == CCS_OK, st, "HRK -> HSK signature: %s", ccs_error_detail());
    CCS_TRY(ccs_csv_cert_parse(c->certs->cek, &c->cek));
    CCS_ENSURE(c->cek.key_usage == CSV_USAGE_CEK, CCS_ERR_CERT, "CEK has key usage 0x%x, not 0x1004", c->cek.key_usage);
    CCS_ENSURE(memcmp(c->cek.signer_id, c->hsk.key_id, 16) == 0, CCS_ERR_CERT, "CEK is not issued by the HSK (signer id)");
    st = ccs_csv_cert_verify(&c->cek, &c->hsk);
    CCS_ENSURE(st == CCS_OK, st, "HSK -> CEK signature: %s", ccs_error_detail());
    return CCS_OK;
}

/* HRK -> HSK -> CEK. The HSK and CEK are per chip (Hygon KDS); without them
 * the chain, and so the PEK, cannot be verified. */
static void check_chain(cctx *c) {
    if (c->certs->hsk.len == 0 || c->certs->cek.len == 0) {
        cfail(c, CCS_CHECK_CSV_CHAIN, "missing collateral: HSK/CEK for chip %s (fetch from Hygon KDS)",
              c->rep->chip_id);
        return;
    }
    if (!c->hrk_ok) {
        cfail(c, CCS_CHECK_CSV_CHAIN, "not verified: no trusted HRK");
        return;
    }
    if (chain_once(c) != CCS_OK) {
        cfail(c, CCS_CHECK_CSV_CHAIN, "%s", ccs_error_detail());
        return;
    }
    c->res->cek_fw_major = c->cek.fw_major;
    c->res->cek_fw_minor = c->cek.fw_minor;
    c->cek_ok = true;
}

/* CEK -> PEK (the PEK's slot made by the CEK; its OCA slot has no
 * certificate to check against and is not used). */
static void check_pek(cctx *c) {
    if (!c->pek_parsed || !c->cek_ok) return; /* reported as report_format / csv_chain */
    if (ccs_csv_cert_verify(&c->pek, &c->cek) != CCS_OK)
        cfail(c, CCS_CHECK_CSV_PEK_SIGNATURE, "the PEK is not signed by the chip's CEK: %s", ccs_error_detail());
}

static void check_report_signature(cctx *c) {
    if (!c->pek_parsed) return;
    ccs_status st = ccs_sm2_verify(ccs_bytes_of(c->pek.pub_xy, 64), c->pek.user_id,
                                   ccs_bytes_of(c->rep->raw, signed_len(c->rep)), ccs_bytes_of(c->rep->sig_rs, 64));
    if (st != CCS_OK) cfail(c, CCS_CHECK_CSV_REPORT_SIGNATURE, "report is not signed by its PEK: %s", ccs_error_detail());
}

/* HMAC-SM3(mnonce, signer block as the firmware delivered it). The mnonce
 * is in the report itself (masked with the anonce, also in the report), so
 * whoever holds the report can recompute this HMAC over another chip SN:
 * it catches corruption, not forgery, whatever the verifier checks. The PEK
 * is authenticated by the chain; the SN by nothing in the report. */
static void check_hmac(cctx *c) {
    uint8_t mac[CCS_SM3_LEN];
    ccs_csv_result *r = c->res;
    if (c->rep->form == CCS_CSV_FORM_TRUSTEE) {
        r->hmac = CCS_CSV_HMAC_NOT_CHECKABLE;
        if (!c->opt->insecure_unchecked_hmac)
            cfail(c, CCS_CHECK_CSV_REPORT_HMAC,
                  "not checkable: trustee JSON carries the signer block unmasked, reserved bytes zeroed; verify the "
                  "raw report (or accept this insecurely: --insecure-unchecked-hmac)");
        return;
    }
    size_t off = signer_off(c->rep), end = c->rep->len - 32; /* PEK, SN, reserved; the MAC last */
    if (ccs_hmac_sm3(ccs_bytes_of(c->rep->mnonce, 16), ccs_bytes_of(c->rep->raw + off, end - off), mac) != CCS_OK ||
        !ccs_ct_eq(ccs_bytes_of(mac, sizeof mac), ccs_bytes_of(c->rep->mac, 32))) {
        r->hmac = CCS_CSV_HMAC_INVALID;
        cfail(c, CCS_CHECK_CSV_REPORT_HMAC, "the HMAC over the PEK, chip SN and reserved bytes does not verify");
        return;
    }
    r->hmac = CCS_CSV_HMAC_VALID;
}

static void check_expectations(cctx *c) {
    const ccs_csv_options *o = c->opt;
    ccs_csv_result *r = c->res;
    if (c->rep->form == CCS_CSV_FORM_TRUSTEE && strcmp(c->rep->serial_number, c->rep->chip_id) != 0)
        cfail(c, CCS_CHECK_CSV_CHIP_ID, "serial_number \"%s\" is not the report's chip SN \"%s\"",
              c->rep->serial_number, c->rep->chip_id);
    if (o->mnonce.len && (o->mnonce.len != 16 || !ccs_ct_eq(o->mnonce, ccs_bytes_of(r->mnonce, 16))))
        cfail(c, CCS_CHECK_CSV_MNONCE, "the report's mnonce is not the expected one");
    if (o->measurement.len && (o->measurement.len != 32 || !ccs_ct_eq(o->measurement, ccs_bytes_of(r->measurement, 32))))
        cfail(c, CCS_CHECK_CSV_MEASUREMENT, "the launch measurement is not the expected one");
    if (r->debug && !o->allow_debug) cfail(c, CCS_CHECK_CSV_DEBUG, "the guest policy allows debugging (NODBG clear)");
    /* Compared with the unmasked REPORT_DATA. */
    if (!ccs_report_data_matches(r->report_data, o->report_data))
        cfail(c, CCS_CHECK_CSV_REPORT_DATA, "report data does not match the expected value");
}

static void copy_claims(cctx *c) {
    const ccs_csv_report *p = c->rep;
    ccs_csv_result *r = c->res;
    r->report_version = p->version;
    r->form = p->form;
    r->build = p->build;
    r->rtmr_version = p->rtmr_version;
    memcpy(r->rtmr, p->rtmr, sizeof r->rtmr);
    r->policy = p->policy;
    r->debug = (p->policy & POLICY_NODBG) == 0;
    memcpy(r->measurement, p->measure, 32);
    memcpy(r->report_data, p->report_data, 64);
    memcpy(r->user_pubkey_digest, p->user_pubkey_digest, 32);
    memcpy(r->vm_id, p->vm_id, 16);
    memcpy(r->vm_version, p->vm_version, 16);
    memcpy(r->mnonce, p->mnonce, 16);
    memcpy(r->chip_id, p->chip_id, sizeof r->chip_id);
}

/* The event log replayed into rtmr1..4 (trustee's mapping: MR index i ->
 * rtmr i) and compared with the report. rtmr0 is the launch digest, which
 * the log does not extend. Only v2 reports have RTMRs. */
static void check_event_log(cctx *c) {
    uint8_t rtmr[CCS_CSV_RTMRS][32];
    ccs_csv_result *r = c->res;
    if (c->event_log.len == 0) return;
    if (c->rep->version != 2) {
        r->event_log = CCS_CSV_EVENT_LOG_INVALID;
        cfail(c, CCS_CHECK_CSV_EVENT_LOG, "a v%u report has no RTMRs to check an event log against",
              c->rep->version);
        return;
    }
    if (ccs_csv_ccel_replay(c->event_log, rtmr, &r->n_events) != CCS_OK) {
        r->event_log = CCS_CSV_EVENT_LOG_INVALID;
        cfail(c, CCS_CHECK_CSV_EVENT_LOG, "%s", ccs_error_detail());
        return;
    }
    r->event_log = CCS_CSV_EVENT_LOG_MATCHED;
    for (unsigned i = 1; i < CCS_CSV_RTMRS; i++) {
        if (ccs_ct_eq(ccs_bytes_of(rtmr[i], 32), ccs_bytes_of(c->rep->rtmr[i], 32))) continue;
        r->event_log = CCS_CSV_EVENT_LOG_MISMATCHED;
        cfail(c, CCS_CHECK_CSV_RTMR, "rtmr%u is not the event log replayed (index %u)", i, i);
    }
}

static void parse_pek(cctx *c) {
    if (ccs_csv_cert_parse(ccs_bytes_of(c->rep->pek, sizeof c->rep->pek), &c->pek) != CCS_OK) {
        cfail(c, CCS_CHECK_CSV_REPORT_FORMAT, "PEK certificate: %s", ccs_error_detail());
        return;
    }
    if (c->pek.key_usage != CSV_USAGE_PEK) {
        cfail(c, CCS_CHECK_CSV_REPORT_FORMAT, "PEK certificate has key usage 0x%x, not 0x1002", c->pek.key_usage);
        return;
    }
    c->res->pek_fw_major = c->pek.fw_major;
    c->res->pek_fw_minor = c->pek.fw_minor;
    c->pek_parsed = true;
}

ccs_status ccs_csv_verify(ccs_bytes evidence, const ccs_csv_certs *certs, const ccs_csv_options *opt,
                          ccs_csv_result *out) {
    static const ccs_csv_certs none;
    static const ccs_csv_options defaults;
    ccs_csv_report rep;
    ccs_buf trustee_log = {0};
    cctx c;
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    CCS_ENSURE(opt == NULL || (opt->mnonce.len == 0 || opt->mnonce.len == 16), CCS_ERR_INVALID_ARG,
               "the expected mnonce must be 16 bytes");
    CCS_ENSURE(opt == NULL || opt->report_data.len <= 64, CCS_ERR_INVALID_ARG, "expected report data exceeds 64 bytes");
    memset(out, 0, sizeof *out);
    memset(&c, 0, sizeof c);
    c.rep = &rep;
    c.certs = certs ? certs : &none;
    c.opt = opt ? opt : &defaults;
    c.res = out;
    if (ccs_csv_report_parse(evidence, &rep) != CCS_OK) {
        cfail(&c, CCS_CHECK_CSV_REPORT_FORMAT, "%s", ccs_error_detail());
        return ccs_error_set(CCS_ERR_VERIFY, CCS_HERE, "CSV report does not parse");
    }
    copy_claims(&c);
    c.event_log = c.opt->event_log;
    if (c.event_log.len == 0 && rep.version == 2 && rep.form == CCS_CSV_FORM_TRUSTEE) {
        if (ccs_csv_trustee_event_log(evidence, &trustee_log) != CCS_OK)
            cfail(&c, CCS_CHECK_CSV_EVENT_LOG, "%s", ccs_error_detail());
        c.event_log = ccs_buf_view(&trustee_log);
    }
    parse_pek(&c);
    check_hrk(&c);
    check_chain(&c);
    check_pek(&c);
    check_report_signature(&c);
    check_hmac(&c);
    check_expectations(&c);
    check_event_log(&c);
    ccs_buf_free(&trustee_log);
    out->pass = out->n_failed == 0;
    if (!out->pass)
        return ccs_error_set(CCS_ERR_VERIFY, CCS_HERE, "%s: %s", out->failed[0].name, out->failed[0].message);
    return CCS_OK;
}
