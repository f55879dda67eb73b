/* Hygon CSV report v1 and v2: parsing the raw firmware buffer and the CoCo
 * trustee JSON form, and undoing the (v1) anonce masking. The v2 TeeInfo is
 * in csv_report_v2.c; the version comes from the csv-rs wrapper header
 * (magic "ATTESTATION_EXT\0", flags 0 = v1, 1 = v2). Layout (MANIFEST.md, shared
 * specs section 4): TeeInfo 336 bytes = user_pubkey_digest 32, vm_id 16,
 * vm_version 16, report_data 64, mnonce 16, measure 32, policy u32,
 * sig_usage u32, sig_algo u32, anonce u32, r 72, s 72; then the signer
 * block: PEK cert 2084, chip SN 64, reserved 32, HMAC 32.
 *
 * Masking: every TeeInfo field before the anonce, and (in firmware output)
 * the PEK cert and the chip SN, are XORed with the anonce's 4 little-endian
 * bytes repeated (all fields start at multiples of 4). */
#include <jansson.h>
#include <string.h>

#include "csv.h"

#define EXT_FLAGS_V1 0u
#define EXT_FLAGS_V2 1u

static void unmask(uint8_t *p, size_t n, uint32_t anonce) {
    const uint8_t k[4] = {(uint8_t)anonce, (uint8_t)(anonce >> 8), (uint8_t)(anonce >> 16), (uint8_t)(anonce >> 24)};
    for (size_t i = 0; i < n; i++) p[i] ^= k[i % 4];
}

/* The chip SN: printable ASCII, then zero bytes to the end of its field. */
static ccs_status read_sn(const uint8_t sn[64], char out[65]) {
    size_t n = 0;
    while (n < 64 && sn[n] != 0) {
        CCS_ENSURE(sn[n] >= 0x20 && sn[n] < 0x7f, CCS_ERR_FORMAT, "chip serial number is not printable ASCII");
        out[n] = (char)sn[n];
        n++;
    }
    out[n] = '\0';
    CCS_ENSURE(ccs_bytes_is_zero(ccs_bytes_of(sn + n, 64 - n)), CCS_ERR_FORMAT,
               "chip serial number field has bytes after its end");
    CCS_ENSURE(n > 0, CCS_ERR_FORMAT, "chip serial number is empty");
    return CCS_OK;
}

static ccs_status read_tee_info(ccs_reader *r, ccs_csv_report *o) {
    CCS_TRY(ccs_reader_copy(r, o->user_pubkey_digest, 32));
    CCS_TRY(ccs_reader_copy(r, o->vm_id, 16));
    CCS_TRY(ccs_reader_copy(r, o->vm_version, 16));
    CCS_TRY(ccs_reader_copy(r, o->report_data, 64));
    CCS_TRY(ccs_reader_copy(r, o->mnonce, 16));
    CCS_TRY(ccs_reader_copy(r, o->measure, 32));
    CCS_TRY(ccs_reader_u32le(r, &o->policy));
    CCS_TRY(ccs_reader_u32le(r, &o->sig_usage));
    CCS_TRY(ccs_reader_u32le(r, &o->sig_algo));
    CCS_TRY(ccs_reader_u32le(r, &o->anonce));
    CCS_TRY(ccs_csv_read_le72(r, o->sig_rs));
    CCS_TRY(ccs_csv_read_le72(r, o->sig_rs + 32));
    uint32_t a = o->anonce;
    unmask(o->user_pubkey_digest, 32, a);
    unmask(o->vm_id, 16, a);
    unmask(o->vm_version, 16, a);
    unmask(o->report_data, 64, a);
    unmask(o->mnonce, 16, a);
    unmask(o->measure, 32, a);
    o->policy ^= a;
    o->sig_usage ^= a;
    o->sig_algo ^= a;
    /* A v1 report is signed by the PEK with SM2; anything else is another
     * report version or a buffer that is not a report. */
    CCS_ENSURE(o->sig_usage == CSV_USAGE_PEK, CCS_ERR_UNSUPPORTED,
               "report signature usage 0x%x is not the PEK's (0x1002): not a v1 report", o->sig_usage);
    CCS_ENSURE(o->sig_algo == CSV_ALGO_SM2_SIGN, CCS_ERR_UNSUPPORTED, "report signature algorithm %u is not SM2 (4)",
               o->sig_algo);
    return CCS_OK;
}

/* Decodes o->raw (o->version set); signer_masked: the v1 PEK and SN are
 * still masked. The signer block (PEK, SN, reserved, HMAC) follows the
 * TeeInfo in both versions. */
static ccs_status decode(ccs_csv_report *o, bool signer_masked) {
    ccs_reader r;
    uint8_t sn[64];
    o->len = o->version == 2 ? CCS_CSV_REPORT_V2_LEN : CCS_CSV_REPORT_LEN;
    ccs_reader_init(&r, ccs_bytes_of(o->raw, o->len));
    if (o->version == 2) {
        CCS_TRY(ccs_csv_read_tee_info_v2(&r, o));
    } else {
        CCS_TRY(read_tee_info(&r, o));
        CCS_ENSURE(r.off == CSV_V1_TEE_INFO_LEN, CCS_ERR_INTERNAL, "csv TeeInfo layout");
    }
    CCS_TRY(ccs_reader_copy(&r, o->pek, sizeof o->pek));
    CCS_TRY(ccs_reader_copy(&r, sn, sizeof sn));
    CCS_TRY(ccs_reader_skip(&r, 32)); /* reserved: HMAC input, nothing else */
    CCS_TRY(ccs_reader_copy(&r, o->mac, sizeof o->mac));
    CCS_TRY(ccs_reader_expect_end(&r));
    if (signer_masked && o->version == 1) {
        unmask(o->pek, sizeof o->pek, o->anonce);
        unmask(sn, sizeof sn, o->anonce);
    }
    return read_sn(sn, o->chip_id);
}

/* The wrapper's flags: 0 is a v1 report behind the extension magic, 1 the
 * v2 (extended) report (csv-rs AttestationReport::try_from). */
static ccs_status version_of_flags(uint32_t flags, uint32_t *version) {
    CCS_ENSURE(flags == EXT_FLAGS_V1 || flags == EXT_FLAGS_V2, CCS_ERR_UNSUPPORTED,
               "CSV report wrapper flags %u (only 0 = v1 and 1 = v2)", flags);
    *version = flags == EXT_FLAGS_V2 ? 2 : 1;
    return CCS_OK;
}

/* The report in its buffer: at least the version's report length, at most
 * the 4096-byte firmware buffer; what follows the report there is padding
 * that nothing signs, and is ignored. */
static ccs_status take_body(ccs_bytes body, ccs_csv_report *o) {
    size_t need = o->version == 2 ? CCS_CSV_REPORT_V2_LEN : CCS_CSV_REPORT_LEN;
    CCS_ENSURE(body.len >= need, CCS_ERR_TRUNCATED, "CSV report v%u is %zu bytes, at least %zu needed", o->version,
               body.len, need);
    CCS_ENSURE(body.len <= CCS_CSV_REPORT_BUF_LEN, CCS_ERR_TRAILING, "CSV report is %zu bytes, at most %d expected",
               body.len, CCS_CSV_REPORT_BUF_LEN);
    memcpy(o->raw, body.ptr, need);
    o->trailing = body.len - need;
    return CCS_OK;
}

/* Raw evidence: the csv-rs wrapper (header, then the report buffer), or a
 * bare v1 report. A masked v1 report starting with the 16 magic bytes is a
 * 2^-128 accident (the anonce is random), so the magic decides. */
static ccs_status parse_raw(ccs_bytes in, ccs_csv_report *o) {
    o->form = CCS_CSV_FORM_RAW;
    o->version = 1;
    if (in.len >= 16 && memcmp(in.ptr, CSV_EXT_MAGIC, 16) == 0) {
        ccs_reader r;
        uint32_t flags;
        ccs_bytes body;
        ccs_reader_init(&r, in);
        CCS_TRY(ccs_reader_skip(&r, 16));
        CCS_TRY(ccs_reader_u32le(&r, &flags));
        CCS_TRY(version_of_flags(flags, &o->version));
        CCS_TRY(ccs_reader_bytes(&r, ccs_reader_remaining(&r), &body));
        CCS_TRY(take_body(body, o));
    } else {
        CCS_TRY(take_body(in, o));
    }
    return decode(o, true);
}

/* A JSON array of n bytes (integers 0..255) into out. */
static ccs_status json_bytes(const json_t *a, uint8_t *out, size_t min, size_t max, size_t *n, const char *what) {
    CCS_ENSURE(json_is_array(a), CCS_ERR_FORMAT, "%s is not an array of bytes", what);
    size_t len = json_array_size(a);
    CCS_ENSURE(len >= min, CCS_ERR_TRUNCATED, "%s has %zu bytes, at least %zu needed", what, len, min);
    CCS_ENSURE(len <= max, CCS_ERR_TRAILING, "%s has %zu bytes, at most %zu expected", what, len, max);
    for (size_t i = 0; i < len; i++) {
        const json_t *v = json_array_get(a, i);
        CCS_ENSURE(json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255, CCS_ERR_FORMAT,
                   "%s[%zu] is not a byte", what, i);
        if (out) out[i] = (uint8_t)json_integer_value(v);
    }
    *n = len;
    return CCS_OK;
}

/* The wrapper's magic/flags: all-zero magic (any flags) or the extension
 * magic with flags 0 mean a v1 report; the extension magic with flags 1 is
 * the v2 (extended) report. */
static ccs_status check_wrapper(const json_t *rep, uint32_t *version) {
    uint8_t magic[16];
    size_t n = 0;
    const json_t *flags = json_object_get(rep, "flags");
    CCS_TRY(json_bytes(json_object_get(rep, "magic"), magic, 16, 16, &n, "attestation_report.magic"));
    CCS_ENSURE(json_is_integer(flags), CCS_ERR_FORMAT, "attestation_report.flags is not an integer");
    json_int_t f = json_integer_value(flags);
    *version = 1;
    if (ccs_bytes_is_zero(ccs_bytes_of(magic, 16))) return CCS_OK;
    CCS_ENSURE(memcmp(magic, CSV_EXT_MAGIC, 16) == 0, CCS_ERR_FORMAT, "attestation_report.magic is unknown");
    CCS_ENSURE(f >= 0 && f <= UINT32_MAX, CCS_ERR_FORMAT, "attestation_report.flags %lld is not a u32", (long long)f);
    return version_of_flags((uint32_t)f, version);
}

/* cert_chain.pek, when present, is the PEK as JSON; its key must be the
 * key of the PEK inside the report (which is what is verified). */
static ccs_status check_pek_json(const json_t *root, const ccs_csv_report *o) {
    uint8_t x[72], y[72];
    size_t n = 0;
    const json_t *chain = json_object_get(root, "cert_chain");
    if (chain == NULL) return CCS_OK;
    const json_t *key = json_object_get(
        json_object_get(json_object_get(json_object_get(json_object_get(chain, "pek"), "body"), "data"), "pubkey"),
        "key");
    CCS_TRY(json_bytes(json_object_get(key, "x"), x, 72, 72, &n, "cert_chain.pek public key x"));
    CCS_TRY(json_bytes(json_object_get(key, "y"), y, 72, 72, &n, "cert_chain.pek public key y"));
    CCS_ENSURE(memcmp(x, o->pek + 20, 72) == 0 && memcmp(y, o->pek + 92, 72) == 0, CCS_ERR_FORMAT,
               "cert_chain.pek is not the PEK inside the report");
    return CCS_OK;
}

/* serial_number: the 64-byte SN field as a byte array (trustee), or a string. */
static ccs_status read_serial(const json_t *sn, char out[65]) {
    uint8_t f[64];
    size_t n = 0;
    if (json_is_string(sn)) {
        CCS_ENSURE(json_string_length(sn) <= 64, CCS_ERR_FORMAT, "serial_number is longer than 64 characters");
        memset(f, 0, sizeof f);
        memcpy(f, json_string_value(sn), json_string_length(sn));
    } else {
        CCS_ENSURE(sn != NULL, CCS_ERR_FORMAT, "serial_number is missing");
        CCS_TRY(json_bytes(sn, f, 64, 64, &n, "serial_number"));
    }
    return read_sn(f, out);
}

static ccs_status parse_trustee(const json_t *root, ccs_csv_report *o) {
    uint8_t buf[CCS_CSV_REPORT_BUF_LEN];
    size_t n = 0;
    const json_t *rep = json_object_get(root, "attestation_report");
    const json_t *sn = json_object_get(root, "serial_number");
    CCS_ENSURE(json_is_object(rep), CCS_ERR_FORMAT, "attestation_report is not an object");
    CCS_TRY(check_wrapper(rep, &o->version));
    size_t need = o->version == 2 ? CCS_CSV_REPORT_V2_LEN : CCS_CSV_REPORT_LEN;
    CCS_TRY(json_bytes(json_object_get(rep, "data"), buf, need, sizeof buf, &n, "attestation_report.data"));
    CCS_TRY(take_body(ccs_bytes_of(buf, n), o));
    o->form = CCS_CSV_FORM_TRUSTEE;
    CCS_TRY(read_serial(sn, o->serial_number));
    /* csv-rs unmasked the PEK and SN (v1) and zeroed the reserved bytes
     * before trustee serialized the report. */
    CCS_TRY(decode(o, false));
    return check_pek_json(root, o);
}

ccs_status ccs_csv_report_parse(ccs_bytes evidence, ccs_csv_report *out) {
    CCS_ENSURE(out != NULL && (evidence.ptr != NULL || evidence.len == 0), CCS_ERR_INVALID_ARG, "invalid argument");
    memset(out, 0, sizeof *out);
    /* A raw report starts with a masked (random-looking) byte that may be
     * '{'; it is JSON only when it parses as JSON (raw reports hold NULs,
     * which JSON text cannot). */
    json_error_t err;
    json_t *root = NULL;
    if (evidence.len > 0 && evidence.ptr[0] == '{')
        root = json_loadb((const char *)evidence.ptr, evidence.len, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL && evidence.len > 0 && evidence.ptr[0] == '{' && memchr(evidence.ptr, 0, evidence.len) == NULL)
        CCS_BAIL(CCS_ERR_FORMAT, "CSV evidence JSON: %s (line %d)", err.text, err.line);
    if (root == NULL) return parse_raw(evidence, out);
    ccs_status st = json_is_object(root) ? parse_trustee(root, out)
                                         : ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "CSV evidence JSON is not an object");
    json_decref(root);
    return st;
}

ccs_status ccs_csv_trustee_event_log(ccs_bytes evidence, ccs_buf *out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    out->len = 0;
    if (evidence.len == 0 || evidence.ptr[0] != '{' || memchr(evidence.ptr, 0, evidence.len) != NULL) return CCS_OK;
    json_error_t err;
    json_t *root = json_loadb((const char *)evidence.ptr, evidence.len, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) return CCS_OK; /* reported by the parser */
    ccs_status st = CCS_OK;
    const json_t *el = json_object_get(root, "cc_eventlog");
    if (json_is_string(el))
        st = ccs_base64_decode(json_string_value(el), json_string_length(el), out);
    else if (el != NULL && !json_is_null(el))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "cc_eventlog is not a base64 string");
    json_decref(root);
    return st;
}
