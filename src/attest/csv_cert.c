/* Hygon certificates: the "ca" format (HRK, HSK; 832 bytes) and the "csv"
 * format (CEK, PEK; 2084 bytes), read field by field through ccs_reader.
 * Offsets: tests/data/attestation/csv/MANIFEST.md. Integers are
 * little-endian; SM2 coordinates and signature halves are little-endian
 * numbers in 72-byte fields of which only the low 32 bytes may be set. */
#include <string.h>

#include "csv.h"

ccs_status ccs_csv_read_le72(ccs_reader *r, uint8_t out[32]) {
    ccs_bytes f;
    CCS_TRY(ccs_reader_bytes(r, 72, &f));
    CCS_ENSURE(ccs_bytes_is_zero(ccs_bytes_of(f.ptr + 32, 40)), CCS_ERR_FORMAT,
               "an SM2 number field has bytes set above its low 32 (offset %zu)", r->off - 72);
    for (size_t i = 0; i < 32; i++) out[i] = f.ptr[31 - i];
    return CCS_OK;
}

static ccs_status read_key(ccs_reader *r, csv_cert *c) {
    CCS_TRY(ccs_csv_read_le72(r, c->pub_xy));
    return ccs_csv_read_le72(r, c->pub_xy + 32);
}

/* User-ID length u16, then a 254-byte field; the ID is its first len bytes. */
static ccs_status read_user_id(ccs_reader *r, csv_cert *c) {
    uint16_t len = 0;
    ccs_bytes f;
    CCS_TRY(ccs_reader_u16le(r, &len));
    CCS_TRY(ccs_reader_bytes(r, 254, &f));
    CCS_ENSURE(len <= 254, CCS_ERR_FORMAT, "certificate user ID length %u exceeds its 254-byte field", len);
    c->user_id = ccs_bytes_of(f.ptr, len);
    return CCS_OK;
}

static ccs_status check_curve(const csv_cert *c) {
    CCS_ENSURE(c->curve == CSV_CURVE_SM2, CCS_ERR_UNSUPPORTED, "certificate curve %u is not SM2-256 (3)", c->curve);
    return CCS_OK;
}

ccs_status ccs_csv_ca_cert_parse(ccs_bytes raw, csv_cert *out) {
    ccs_reader r;
    memset(out, 0, sizeof *out);
    CCS_ENSURE(raw.len >= CCS_CSV_CA_CERT_LEN, CCS_ERR_TRUNCATED, "\"ca\" certificate is %zu bytes, not %d", raw.len,
               CCS_CSV_CA_CERT_LEN);
    CCS_ENSURE(raw.len == CCS_CSV_CA_CERT_LEN, CCS_ERR_TRAILING, "\"ca\" certificate is %zu bytes, not %d", raw.len,
               CCS_CSV_CA_CERT_LEN);
    ccs_reader_init(&r, raw);
    out->ca = true;
    out->signed_data = ccs_bytes_of(raw.ptr, CSV_CA_SIGNED_LEN);
    out->key_algo = CSV_ALGO_SM2_SIGN;
    CCS_TRY(ccs_reader_u32le(&r, &out->version));
    CCS_TRY(ccs_reader_copy(&r, out->key_id, 16));
    CCS_TRY(ccs_reader_copy(&r, out->signer_id, 16));
    CCS_TRY(ccs_reader_u32le(&r, &out->key_usage));
    CCS_TRY(ccs_reader_skip(&r, 24));
    CCS_TRY(ccs_reader_u32le(&r, &out->curve));
    CCS_TRY(read_key(&r, out));
    CCS_TRY(read_user_id(&r, out));
    CCS_TRY(ccs_reader_skip(&r, 108));
    CCS_TRY(ccs_csv_read_le72(&r, out->sig[0].rs));
    CCS_TRY(ccs_csv_read_le72(&r, out->sig[0].rs + 32));
    CCS_TRY(ccs_reader_skip(&r, 112));
    CCS_TRY(ccs_reader_expect_end(&r));
    out->sig[0].algo = CSV_ALGO_SM2_SIGN;
    out->n_sig = 1;
    CCS_ENSURE(out->version == 1, CCS_ERR_UNSUPPORTED, "\"ca\" certificate version %u (only 1)", out->version);
    return check_curve(out);
}

/* A 520-byte signature slot: usage, algorithm, r, s, reserved. */
static ccs_status read_slot(ccs_reader *r, csv_sig *s) {
    CCS_TRY(ccs_reader_u32le(r, &s->usage));
    CCS_TRY(ccs_reader_u32le(r, &s->algo));
    CCS_TRY(ccs_csv_read_le72(r, s->rs));
    CCS_TRY(ccs_csv_read_le72(r, s->rs + 32));
    CCS_TRY(ccs_reader_skip(r, 368));
    s->empty = s->usage == CSV_USAGE_NONE && s->algo == 0;
    CCS_ENSURE(s->empty || s->algo == CSV_ALGO_SM2_SIGN, CCS_ERR_UNSUPPORTED,
               "certificate signature algorithm %u is not SM2 (4)", s->algo);
    return CCS_OK;
}

ccs_status ccs_csv_cert_parse(ccs_bytes raw, csv_cert *out) {
    ccs_reader r;
    uint16_t reserved = 0;
    memset(out, 0, sizeof *out);
    CCS_ENSURE(raw.len >= CCS_CSV_CERT_LEN, CCS_ERR_TRUNCATED, "\"csv\" certificate is %zu bytes, not %d", raw.len,
               CCS_CSV_CERT_LEN);
    CCS_ENSURE(raw.len == CCS_CSV_CERT_LEN, CCS_ERR_TRAILING, "\"csv\" certificate is %zu bytes, not %d", raw.len,
               CCS_CSV_CERT_LEN);
    ccs_reader_init(&r, raw);
    out->signed_data = ccs_bytes_of(raw.ptr, CSV_CERT_SIGNED_LEN);
    CCS_TRY(ccs_reader_u32le(&r, &out->version));
    CCS_TRY(ccs_reader_u8(&r, &out->fw_major));
    CCS_TRY(ccs_reader_u8(&r, &out->fw_minor));
    CCS_TRY(ccs_reader_u16le(&r, &reserved));
    CCS_TRY(ccs_reader_u32le(&r, &out->key_usage));
    CCS_TRY(ccs_reader_u32le(&r, &out->key_algo));
    CCS_TRY(ccs_reader_u32le(&r, &out->curve));
    CCS_TRY(read_key(&r, out));
    CCS_TRY(read_user_id(&r, out));
    CCS_TRY(ccs_reader_copy(&r, out->signer_id, 16));
    CCS_TRY(ccs_reader_skip(&r, 608));
    CCS_ENSURE(r.off == CSV_CERT_SIGNED_LEN, CCS_ERR_INTERNAL, "csv certificate layout");
    for (size_t i = 0; i < 2; i++) CCS_TRY(read_slot(&r, &out->sig[i]));
    CCS_TRY(ccs_reader_expect_end(&r));
    out->n_sig = 2;
    CCS_ENSURE(out->version == 1 || out->version == 2, CCS_ERR_UNSUPPORTED,
               "\"csv\" certificate version %u (only 1 and 2)", out->version);
    CCS_ENSURE(out->key_algo == CSV_ALGO_SM2_SIGN, CCS_ERR_UNSUPPORTED,
               "certificate key algorithm %u is not SM2 signing (4)", out->key_algo);
    return check_curve(out);
}

ccs_status ccs_csv_cert_verify(const csv_cert *subject, const csv_cert *signer) {
    const csv_sig *s = NULL;
    if (subject->ca) {
        s = &subject->sig[0];
    } else {
        /* A slot names the usage of the key that made it; the other slot
         * may be empty or from another signer (the PEK's OCA slot). */
        for (size_t i = 0; i < subject->n_sig && !s; i++)
            if (!subject->sig[i].empty && subject->sig[i].usage == signer->key_usage) s = &subject->sig[i];
        CCS_ENSURE(s != NULL, CCS_ERR_NOT_FOUND, "no signature slot for a key of usage 0x%x", signer->key_usage);
    }
    return ccs_sm2_verify(ccs_bytes_of(signer->pub_xy, 64), signer->user_id, subject->signed_data,
                          ccs_bytes_of(s->rs, 64));
}
