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

#endif
