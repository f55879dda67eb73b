/* Hygon CSV certificates and report internals (private to src/attest and its
 * tests). Layouts: tests/data/attestation/csv/MANIFEST.md (confirmed by
 * verifying every signature of the recorded vectors). */
#ifndef CCS_ATTEST_CSV_H
#define CCS_ATTEST_CSV_H

#include "ccs/attest.h"

/* Key usages (csv-rs "Usage"). */
#define CSV_USAGE_HRK 0x0000u
#define CSV_USAGE_HSK 0x0013u
#define CSV_USAGE_NONE 0x1000u /* an empty signature slot */
#define CSV_USAGE_OCA 0x1001u
#define CSV_USAGE_PEK 0x1002u
#define CSV_USAGE_CEK 0x1004u
#define CSV_ALGO_SM2_SIGN 4u
#define CSV_CURVE_SM2 3u

#define CSV_CA_SIGNED_LEN 576   /* "ca" certs sign bytes [0, 576) */
#define CSV_CERT_SIGNED_LEN 1044 /* "csv" certs sign bytes [0, 1044) */

typedef struct csv_sig {
    uint32_t usage, algo; /* usage of the signing key; "ca" certs: the signer's (unknown: 0) */
    uint8_t rs[64];       /* r||s big-endian */
    bool empty;
} csv_sig;

/* A parsed "ca" (HRK, HSK) or "csv" (CEK, PEK) certificate. Views point into
 * the bytes given to the parser. */
typedef struct csv_cert {
    bool ca;
    uint32_t version, key_usage, key_algo, curve;
    uint8_t fw_major, fw_minor;  /* "csv" only */
    uint8_t key_id[16];          /* "ca" only */
    uint8_t signer_id[16];
    uint8_t pub_xy[64];          /* big-endian x||y */
    ccs_bytes user_id, signed_data;
    csv_sig sig[2];
    size_t n_sig;                /* 1 for "ca", 2 for "csv" */
} csv_cert;

/* Exactly 832 / 2084 bytes. CCS_ERR_TRUNCATED, CCS_ERR_TRAILING,
 * CCS_ERR_UNSUPPORTED (curve, algorithm), CCS_ERR_FORMAT. */
CCS_MUST_USE ccs_status ccs_csv_ca_cert_parse(ccs_bytes raw, csv_cert *out);
CCS_MUST_USE ccs_status ccs_csv_cert_parse(ccs_bytes raw, csv_cert *out);
/* A 72-byte little-endian field whose upper 40 bytes are zero, as 32
 * big-endian bytes (CCS_ERR_FORMAT otherwise). */
CCS_MUST_USE ccs_status ccs_csv_read_le72(ccs_reader *r, uint8_t out[32]);
/* Verifies that `signer` signed `subject`: for a "csv" subject, the slot
 * whose usage is the signer's key usage (CCS_ERR_NOT_FOUND if none); the
 * signer's user ID is the distinguishing ID. */
CCS_MUST_USE ccs_status ccs_csv_cert_verify(const csv_cert *subject, const csv_cert *signer);

/* v1 TeeInfo offsets (336 bytes) and signer block. */
#define CSV_V1_TEE_INFO_LEN 336
/* v2 TeeInfo (csv-rs TeeInfoV2, 0x490 bytes): the v1 fields to sig_algo
 * @184, then build u32 @188, rtmr_version u16 @192, reserved0 [14] @194,
 * rtmr0..4 [32] @208..@368, reserved1 [656] @368, r/s 72+72 @1024. */
#define CSV_V2_TEE_INFO_LEN 1168
#define CSV_V2_SIG_OFF 1024
#define CSV_EXT_MAGIC "ATTESTATION_EXT" /* + NUL: 16 bytes */
#define CSV_ALG_SM3 0x0012u             /* TCG TPM_ALG_SM3_256 */

/* Reads a v2 TeeInfo into o (no masking; sig usage/algo checked). */
CCS_MUST_USE ccs_status ccs_csv_read_tee_info_v2(ccs_reader *r, ccs_csv_report *o);

/* Replays a CCEL (TCG PC Client crypto-agile event log whose Spec ID header
 * lists SM3) into rtmr[0..4]: each event's MR index i selects rtmr[i],
 * rtmr = SM3(rtmr || event SM3 digest), all starting at zero; EV_NO_ACTION
 * events are not extended; trailing 0xFF or 0x00 padding (the ACPI CCEL
 * area) ends the log. CCS_ERR_FORMAT (index > 4, bad structure),
 * CCS_ERR_TRUNCATED, CCS_ERR_UNSUPPORTED (no SM3 bank). */
CCS_MUST_USE ccs_status ccs_csv_ccel_replay(ccs_bytes log, uint8_t rtmr[CCS_CSV_RTMRS][32], size_t *n_events);

/* The trustee JSON form's "cc_eventlog" (base64) decoded into out; out
 * stays empty when evidence is not JSON or has none. */
CCS_MUST_USE ccs_status ccs_csv_trustee_event_log(ccs_bytes evidence, ccs_buf *out);

/* The HRK the verifier trusts: the compiled-in one, or the one set with
 * ccs__csv_set_test_hrk (tests only; an empty view restores the real one). */
ccs_bytes ccs_csv_trusted_hrk(void);
void ccs__csv_set_test_hrk(ccs_bytes hrk);

#endif
