/* Hygon CSV v2: replay of the guest's CC event log (CCEL, UEFI 2.10
 * section 38.4; the TCG PC Client crypto-agile format, section 10.2 of the
 * Platform Firmware Profile) with SM3 digests into the five RTMRs, as
 * trustee's CSV verifier does (deps/verifier/src/csv: MR index 1..4 compared
 * with rtmr1..4, SM3 extend from zero). Mirrors tpm_eventlog.c, which is
 * SHA-256-only. All integers little-endian. */
#include <stdio.h>
#include <string.h>

#include "csv.h"

#define EV_NO_ACTION 0x00000003u
#define MAX_EVENTS 100000u
#define MAX_ALGS 8

typedef struct ccel_algs {
    uint16_t id[MAX_ALGS], size[MAX_ALGS];
    uint32_t n;
} ccel_algs;

/* The Spec ID Event03 body: platform class, version, uintn size, the
 * algorithm list (which must include SM3 with 32-byte digests), vendor info. */
static ccs_status parse_spec_id(ccs_bytes event, ccel_algs *a) {
    ccs_reader ev;
    ccs_bytes sig;
    uint8_t vendor_len;
    bool sm3 = false;
    ccs_reader_init(&ev, event);
    CCS_TRY(ccs_reader_bytes(&ev, 16, &sig));
    CCS_ENSURE(memcmp(sig.ptr, "Spec ID Event03\0", 16) == 0, CCS_ERR_UNSUPPORTED,
               "CCEL: not a crypto-agile log (no \"Spec ID Event03\")");
    CCS_TRY(ccs_reader_skip(&ev, 8)); /* platform class u32, minor, major, errata, uintn size */
    CCS_TRY(ccs_reader_u32le(&ev, &a->n));
    CCS_ENSURE(a->n >= 1 && a->n <= MAX_ALGS, CCS_ERR_FORMAT, "CCEL: %u digest algorithms", a->n);
    for (uint32_t i = 0; i < a->n; i++) {
        CCS_TRY(ccs_reader_u16le(&ev, &a->id[i]));
        CCS_TRY(ccs_reader_u16le(&ev, &a->size[i]));
        CCS_ENSURE(a->size[i] > 0 && a->size[i] <= 64, CCS_ERR_FORMAT, "CCEL: digest size %u", a->size[i]);
        for (uint32_t j = 0; j < i; j++)
            CCS_ENSURE(a->id[j] != a->id[i], CCS_ERR_FORMAT, "CCEL: algorithm listed twice");
        if (a->id[i] == CSV_ALG_SM3) {
            CCS_ENSURE(a->size[i] == 32, CCS_ERR_FORMAT, "CCEL: SM3 digest size %u", a->size[i]);
            sm3 = true;
        }
    }
    CCS_TRY(ccs_reader_u8(&ev, &vendor_len));
    CCS_TRY(ccs_reader_skip(&ev, vendor_len));
    CCS_TRY(ccs_reader_expect_end(&ev));
    CCS_ENSURE(sm3, CCS_ERR_UNSUPPORTED, "CCEL: no SM3 digests");
    return CCS_OK;
}

/* The first event: a TCG_PCR_EVENT (SHA-1 format) of type EV_NO_ACTION. */
static ccs_status parse_header(ccs_reader *r, ccel_algs *a) {
    uint32_t index, type, size;
    ccs_bytes digest, event;
    CCS_TRY(ccs_reader_u32le(r, &index));
    CCS_TRY(ccs_reader_u32le(r, &type));
    CCS_TRY(ccs_reader_bytes(r, 20, &digest));
    CCS_TRY(ccs_reader_u32le(r, &size));
    CCS_TRY(ccs_reader_bytes(r, size, &event));
    CCS_ENSURE(index == 0 && type == EV_NO_ACTION && ccs_bytes_is_zero(digest), CCS_ERR_FORMAT,
               "CCEL: the first event is not the Spec ID event");
    return parse_spec_id(event, a);
}

/* The rest of the CCEL area after the last event (never empty here): all
 * 0xFF or all 0x00. An event cannot look so (its type or digest count is
 * non-zero and its digests are not all 0xFF in practice). */
static bool is_padding(ccs_bytes rest) {
    if (rest.ptr[0] != 0xff && rest.ptr[0] != 0) return false;
    for (size_t i = 1; i < rest.len; i++)
        if (rest.ptr[i] != rest.ptr[0]) return false;
    return true;
}

/* One TCG_PCR_EVENT2: index, type, digests (in the header's order), event. */
static ccs_status replay_one(ccs_reader *r, const ccel_algs *a, uint8_t rtmr[CCS_CSV_RTMRS][32]) {
    uint32_t index, type, count, size;
    ccs_bytes sm3 = {0}, event;
    CCS_TRY(ccs_reader_u32le(r, &index));
    CCS_TRY(ccs_reader_u32le(r, &type));
    CCS_TRY(ccs_reader_u32le(r, &count));
    CCS_ENSURE(count == a->n, CCS_ERR_FORMAT, "%u digests, the header lists %u", count, a->n);
    for (uint32_t i = 0; i < count; i++) {
        uint16_t id;
        ccs_bytes d;
        CCS_TRY(ccs_reader_u16le(r, &id));
        CCS_ENSURE(id == a->id[i], CCS_ERR_FORMAT, "digest 0x%04x out of the header's order", id);
        CCS_TRY(ccs_reader_bytes(r, a->size[i], &d));
        if (id == CSV_ALG_SM3) sm3 = d;
    }
    CCS_TRY(ccs_reader_u32le(r, &size));
    CCS_TRY(ccs_reader_bytes(r, size, &event));
    if (type == EV_NO_ACTION) return CCS_OK; /* informational, never extended */
    CCS_ENSURE(index < CCS_CSV_RTMRS, CCS_ERR_FORMAT, "measurement register index %u (CSV has 0..4)", index);
    uint8_t in[64];
    memcpy(in, rtmr[index], 32);
    memcpy(in + 32, sm3.ptr, 32);
    ccs_sm3(ccs_bytes_of(in, sizeof in), rtmr[index]);
    return CCS_OK;
}

ccs_status ccs_csv_ccel_replay(ccs_bytes log, uint8_t rtmr[CCS_CSV_RTMRS][32], size_t *n_events) {
    ccs_reader r;
    ccel_algs a;
    CCS_ENSURE(rtmr != NULL && n_events != NULL && (log.ptr != NULL || log.len == 0), CCS_ERR_INVALID_ARG,
               "invalid argument");
    memset(rtmr, 0, CCS_CSV_RTMRS * 32);
    memset(&a, 0, sizeof a);
    *n_events = 0;
    ccs_reader_init(&r, log);
    CCS_TRY(parse_header(&r, &a));
    size_t n = 0;
    while (ccs_reader_remaining(&r) > 0) {
        ccs_bytes rest = ccs_bytes_of(log.ptr + r.off, ccs_reader_remaining(&r));
        if (is_padding(rest)) break;
        CCS_ENSURE(n < MAX_EVENTS, CCS_ERR_FORMAT, "CCEL: more than %u events", MAX_EVENTS);
        ccs_status st = replay_one(&r, &a, rtmr);
        if (st != CCS_OK) {
            char why[256];
            snprintf(why, sizeof why, "%s", ccs_error_detail()); /* the detail buffer is rewritten below */
            return ccs_error_set(st, CCS_HERE, "CCEL: event %zu: %s", n + 1, why);
        }
        n++;
    }
    *n_events = n;
    return CCS_OK;
}
