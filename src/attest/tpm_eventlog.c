/* Replay of a TCG PC Client crypto-agile event log into the SHA-256 bank
 * (TCG PC Client Platform Firmware Profile 1.05, section 10.2): a first
 * TCG_PCR_EVENT in SHA-1 format carrying the "Spec ID Event03" header that
 * lists the digest algorithms and sizes, then TCG_PCR_EVENT2 records, each
 * with one digest per listed algorithm. All integers little-endian. */
#include <stdio.h>
#include <string.h>

#include "tpm_internal.h"

#define EV_NO_ACTION 0x00000003u
#define MAX_EVENTS 100000u
#define MAX_ALGS 8

typedef struct spec_algs {
    uint16_t id[MAX_ALGS];
    uint16_t size[MAX_ALGS];
    uint32_t n;
} spec_algs;

static ccs_status read_spec_header(ccs_reader *r, spec_algs *algs) {
    uint32_t pcr, type, size, platform, n;
    ccs_bytes digest, event, sig;
    ccs_reader ev;
    CCS_TRY(ccs_reader_u32le(r, &pcr));
    CCS_TRY(ccs_reader_u32le(r, &type));
    CCS_TRY(ccs_reader_bytes(r, 20, &digest));
    CCS_TRY(ccs_reader_u32le(r, &size));
    CCS_TRY(ccs_reader_bytes(r, size, &event));
    CCS_ENSURE(pcr == 0 && type == EV_NO_ACTION && ccs_bytes_is_zero(digest), CCS_ERR_FORMAT,
               "event log: the first event is not the Spec ID event");
    ccs_reader_init(&ev, event);
    CCS_TRY(ccs_reader_bytes(&ev, 16, &sig));
    CCS_ENSURE(memcmp(sig.ptr, "Spec ID Event03\0", 16) == 0, CCS_ERR_UNSUPPORTED,
               "event log: not a crypto-agile log (no \"Spec ID Event03\")");
    CCS_TRY(ccs_reader_u32le(&ev, &platform));
    CCS_TRY(ccs_reader_skip(&ev, 4)); /* spec version minor, major, errata, uintnSize */
    CCS_TRY(ccs_reader_u32le(&ev, &n));
    CCS_ENSURE(n >= 1 && n <= MAX_ALGS, CCS_ERR_FORMAT, "event log: %u digest algorithms", n);
    bool sha256 = false;
    for (uint32_t i = 0; i < n; i++) {
        CCS_TRY(ccs_reader_u16le(&ev, &algs->id[i]));
        CCS_TRY(ccs_reader_u16le(&ev, &algs->size[i]));
        size_t want = ccs_tpm_alg_len(algs->id[i]);
        CCS_ENSURE(want == 0 || want == algs->size[i], CCS_ERR_FORMAT, "event log: digest size %u for %s",
                   algs->size[i], ccs_tpm_alg_name(algs->id[i]));
        CCS_ENSURE(algs->size[i] > 0 && algs->size[i] <= 64, CCS_ERR_FORMAT, "event log: digest size %u",
                   algs->size[i]);
        for (uint32_t j = 0; j < i; j++)
            CCS_ENSURE(algs->id[j] != algs->id[i], CCS_ERR_FORMAT, "event log: algorithm listed twice");
        sha256 |= algs->id[i] == CCS_TPM_ALG_SHA256;
    }
    algs->n = n;
    uint8_t vendor_len;
    CCS_TRY(ccs_reader_u8(&ev, &vendor_len));
    CCS_TRY(ccs_reader_skip(&ev, vendor_len));
    CCS_TRY(ccs_reader_expect_end(&ev));
    CCS_ENSURE(sha256, CCS_ERR_UNSUPPORTED, "event log: no SHA-256 digests");
    return CCS_OK;
}

/* One TCG_PCR_EVENT2; applies it to pcrs. */
static ccs_status replay_one(ccs_reader *r, const spec_algs *algs, uint8_t pcrs[CCS_TPM_PCRS][32],
                             uint32_t *touched) {
    uint32_t pcr, type, count, size;
    ccs_bytes sha256 = {0}, event;
    CCS_TRY(ccs_reader_u32le(r, &pcr));
    CCS_TRY(ccs_reader_u32le(r, &type));
    CCS_TRY(ccs_reader_u32le(r, &count));
    CCS_ENSURE(count == algs->n, CCS_ERR_FORMAT, "event log: event with %u digests, the header lists %u", count,
               algs->n);
    for (uint32_t i = 0; i < count; i++) {
        uint16_t id;
        ccs_bytes d;
        CCS_TRY(ccs_reader_u16le(r, &id));
        CCS_ENSURE(id == algs->id[i], CCS_ERR_FORMAT, "event log: digest 0x%04x out of the header's order", id);
        CCS_TRY(ccs_reader_bytes(r, algs->size[i], &d));
        if (id == CCS_TPM_ALG_SHA256) sha256 = d;
    }
    CCS_TRY(ccs_reader_u32le(r, &size));
    CCS_TRY(ccs_reader_bytes(r, size, &event));
    if (type == EV_NO_ACTION) {
        /* StartupLocality (section 10.4.5.3): PCR 0 starts at the locality. */
        static const char loc[] = "StartupLocality";
        if (pcr == 0 && event.len == sizeof loc + 1 && memcmp(event.ptr, loc, sizeof loc) == 0) {
            CCS_ENSURE(!(*touched & 1u), CCS_ERR_FORMAT, "event log: StartupLocality after a PCR 0 event");
            memset(pcrs[0], 0, 32);
            pcrs[0][31] = event.ptr[sizeof loc];
        }
        return CCS_OK;
    }
    CCS_ENSURE(pcr < CCS_TPM_PCRS, CCS_ERR_FORMAT, "event log: PCR index %u", pcr);
    ccs_bytes parts[2] = {ccs_bytes_of(pcrs[pcr], 32), sha256};
    ccs_sha256_v(parts, 2, pcrs[pcr]);
    *touched |= 1u << pcr;
    return CCS_OK;
}

ccs_status ccs_tpm_eventlog_replay(ccs_bytes log, uint8_t pcrs[CCS_TPM_PCRS][32], uint32_t *touched,
                                   size_t *n_events) {
    ccs_reader r;
    spec_algs algs;
    CCS_ENSURE(pcrs != NULL && touched != NULL && n_events != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    memset(pcrs, 0, CCS_TPM_PCRS * 32);
    memset(&algs, 0, sizeof algs);
    *touched = 0;
    *n_events = 0;
    ccs_reader_init(&r, log);
    CCS_TRY(read_spec_header(&r, &algs));
    size_t n = 1;
    while (ccs_reader_remaining(&r) > 0) {
        CCS_ENSURE(n < MAX_EVENTS, CCS_ERR_FORMAT, "event log: more than %u events", MAX_EVENTS);
        ccs_status st = replay_one(&r, &algs, pcrs, touched);
        if (st != CCS_OK) {
            char why[256];
            snprintf(why, sizeof why, "%s", ccs_error_detail()); /* the detail buffer is rewritten below */
            return ccs_error_set(st, CCS_HERE, "event log: event %zu: %s", n, why);
        }
        n++;
    }
    *n_events = n;
    return CCS_OK;
}
