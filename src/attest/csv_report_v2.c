/* Hygon CSV report v2 (the "extended" report of firmware API 1.4+): the
 * TeeInfo. Layout from Hygon's csv-rs (src/api/guest/types.rs, TeeInfoV2,
 * 0x490 bytes; all integers little-endian):
 *
 *   user_pubkey_digest 32 @0, vm_id 16 @32, vm_version 16 @48,
 *   report_data 64 @64, mnonce 16 @128, measure 32 @144, policy u32 @176,
 *   sig_usage u32 @180, sig_algo u32 @184, build u32 @188,
 *   rtmr_version u16 @192, reserved0 14 @194, rtmr0..rtmr4 32 each @208,
 *   reserved1 656 @368, SM2 r 72 @1024, s 72 @1096 (end 1168).
 *
 * Unlike v1 there is no anonce: nothing is masked (csv-rs returns anonce 0
 * for v2, and its guest API checks the signer block's HMAC with anonce 0).
 * The PEK signs every byte before the signature, [0, 1024), reserved
 * fields included. rtmr0 is documented to equal measure. */
#include <string.h>

#include "csv.h"

static ccs_status parse_identity(ccs_reader *r, ccs_csv_report *o) {
    CCS_TRY(ccs_reader_copy(r, o->user_pubkey_digest, 32));
    CCS_TRY(ccs_reader_copy(r, o->vm_id, 16));
    CCS_TRY(ccs_reader_copy(r, o->vm_version, 16));
    CCS_TRY(ccs_reader_copy(r, o->report_data, 64));
    CCS_TRY(ccs_reader_copy(r, o->mnonce, 16));
    CCS_TRY(ccs_reader_copy(r, o->measure, 32));
    return ccs_reader_u32le(r, &o->policy);
}

static ccs_status parse_sig_kind(ccs_reader *r, ccs_csv_report *o) {
    CCS_TRY(ccs_reader_u32le(r, &o->sig_usage));
    CCS_TRY(ccs_reader_u32le(r, &o->sig_algo));
    CCS_ENSURE(o->sig_usage == CSV_USAGE_PEK, CCS_ERR_UNSUPPORTED,
               "v2 report signature usage 0x%x is not the PEK's (0x1002)", o->sig_usage);
    CCS_ENSURE(o->sig_algo == CSV_ALGO_SM2_SIGN, CCS_ERR_UNSUPPORTED, "v2 report signature algorithm %u is not SM2 (4)",
               o->sig_algo);
    return CCS_OK;
}

/* build, rtmr_version, reserved0 (signed, reported raw in neither form). */
static ccs_status parse_build(ccs_reader *r, ccs_csv_report *o) {
    CCS_TRY(ccs_reader_u32le(r, &o->build));
    CCS_TRY(ccs_reader_u16le(r, &o->rtmr_version));
    return ccs_reader_skip(r, 14);
}

static ccs_status parse_rtmrs(ccs_reader *r, ccs_csv_report *o) {
    for (size_t i = 0; i < CCS_CSV_RTMRS; i++) CCS_TRY(ccs_reader_copy(r, o->rtmr[i], 32));
    return ccs_reader_skip(r, 656); /* reserved1: signed, for future use */
}

ccs_status ccs_csv_read_tee_info_v2(ccs_reader *r, ccs_csv_report *o) {
    size_t start = r->off;
    CCS_TRY(parse_identity(r, o));
    CCS_TRY(parse_sig_kind(r, o));
    CCS_TRY(parse_build(r, o));
    CCS_TRY(parse_rtmrs(r, o));
    CCS_ENSURE(r->off - start == CSV_V2_SIG_OFF, CCS_ERR_INTERNAL, "csv v2 TeeInfo layout");
    CCS_TRY(ccs_csv_read_le72(r, o->sig_rs));
    CCS_TRY(ccs_csv_read_le72(r, o->sig_rs + 32));
    o->anonce = 0;
    return CCS_OK;
}
