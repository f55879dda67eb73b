/* The RA-TLS evidence extensions (specs/kbs-image-ratls.md section 4): the
 * TCG DICE tagged-evidence CBOR (2.23.133.5.4.9) encoded and parsed with
 * libcbor, and the legacy raw-quote OIDs. Everything parsed here is
 * untrusted: definite lengths only, exact types, no bytes after an item,
 * size limits before any copy. */
#include <cbor.h>
#include <string.h>

#include "ratls_internal.h"

/* Any bigger extension cannot hold a valid evidence + claims pair. */
#define TCG_EXT_MAX (CCS_RATLS_EVIDENCE_MAX + CCS_RATLS_CLAIMS_MAX + 64u)

const char *ccs_ratls_format_name(ccs_ratls_format f) {
    switch (f) {
    case CCS_RATLS_FORMAT_TCG: return "tcg";
    case CCS_RATLS_FORMAT_INTEL_LEGACY: return "intel-legacy";
    case CCS_RATLS_FORMAT_GRAMINE_LEGACY: return "gramine-legacy";
    default: return "none";
    }
}

void ratls_tcg_report_data(ccs_bytes claims, uint8_t out[static 64]) {
    memset(out, 0, 64);
    ccs_sha256(claims, out);
}

void ratls_legacy_report_data(ccs_bytes spki, uint8_t out[static 64]) {
    memset(out, 0, 64);
    ccs_sha256(spki, out);
}

void ccs_ratls_evidence_clear(ccs_ratls_evidence *e) {
    if (e == NULL) return;
    ccs_buf_free(&e->evidence);
    ccs_buf_free(&e->claims);
    ccs_buf_free(&e->nonce);
    ccs_buf_free(&e->spki);
    ccs_ratls_endorsements_clear(&e->endorsements);
    memset(e, 0, sizeof *e);
}

/* ---- encoding ------------------------------------------------------------------ */

static ccs_status serialize(cbor_item_t *item, ccs_buf *out) {
    unsigned char *buf = NULL;
    size_t cap = 0;
    size_t n = item != NULL ? cbor_serialize_alloc(item, &buf, &cap) : 0;
    ccs_status st = n == 0 ? ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ratls: CBOR encoding failed")
                           : ccs_buf_set(out, ccs_bytes_of(buf, n));
    free(buf);
    return st;
}

static bool map_add(cbor_item_t *map, cbor_item_t *k, cbor_item_t *v) {
    bool ok = k != NULL && v != NULL && cbor_map_add(map, (struct cbor_pair){.key = k, .value = v});
    if (k) cbor_decref(&k);
    if (v) cbor_decref(&v);
    return ok;
}

static bool array_push(cbor_item_t *arr, cbor_item_t *v) {
    bool ok = v != NULL && cbor_array_push(arr, v);
    if (v) cbor_decref(&v);
    return ok;
}

ccs_status ratls_claims_encode(ccs_hash_alg alg, ccs_bytes spki, ccs_bytes nonce, ccs_buf *out) {
    uint8_t h[64];
    size_t hlen = 0;
    uint8_t id = alg == CCS_HASH_SHA256 ? RATLS_HASH_ID_SHA256
                 : alg == CCS_HASH_SHA384 ? RATLS_HASH_ID_SHA384
                 : alg == CCS_HASH_SHA512 ? RATLS_HASH_ID_SHA512 : 0;
    CCS_ENSURE(id != 0, CCS_ERR_UNSUPPORTED, "ratls: unsupported pubkey hash");
    CCS_ENSURE(nonce.len <= CCS_RATLS_NONCE_MAX, CCS_ERR_INVALID_ARG, "ratls: nonce over %u bytes",
               CCS_RATLS_NONCE_MAX);
    CCS_TRY(ccs_digest(alg, spki, h, sizeof h, &hlen));

    ccs_buf ph = {0};
    cbor_item_t *pair = cbor_new_definite_array(2);
    bool ok = pair != NULL && array_push(pair, cbor_build_uint8(id)) &&
              array_push(pair, cbor_build_bytestring(h, hlen));
    ccs_status st = ok ? serialize(pair, &ph) : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ratls: out of memory");
    if (pair) cbor_decref(&pair);

    cbor_item_t *map = st == CCS_OK ? cbor_new_definite_map(nonce.len > 0 ? 2 : 1) : NULL;
    if (st == CCS_OK) {
        ok = map != NULL && map_add(map, cbor_build_string("pubkey-hash"), cbor_build_bytestring(ph.ptr, ph.len));
        if (ok && nonce.len > 0) ok = map_add(map, cbor_build_string("nonce"), cbor_build_bytestring(nonce.ptr, nonce.len));
        st = ok ? serialize(map, out) : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ratls: out of memory");
    }
    if (map) cbor_decref(&map);
    ccs_buf_free(&ph);
    return st;
}

ccs_status ratls_tcg_encode(uint64_t tag, ccs_bytes evidence, ccs_bytes claims, ccs_buf *out) {
    CCS_ENSURE(evidence.len > 0 && evidence.len <= CCS_RATLS_EVIDENCE_MAX, CCS_ERR_INVALID_ARG,
               "ratls: evidence must be 1..%u bytes", CCS_RATLS_EVIDENCE_MAX);
    cbor_item_t *arr = cbor_new_definite_array(2);
    bool ok = arr != NULL && array_push(arr, cbor_build_bytestring(evidence.ptr, evidence.len)) &&
              array_push(arr, cbor_build_bytestring(claims.ptr, claims.len));
    cbor_item_t *tagged = ok ? cbor_build_tag(tag, arr) : NULL;
    ccs_status st = tagged != NULL ? serialize(tagged, out)
                                   : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ratls: out of memory");
    if (tagged) cbor_decref(&tagged);
    if (arr) cbor_decref(&arr);
    return st;
}

ccs_status ratls_tcg_encode_cmw(uint64_t tag, const char *media_type, ccs_bytes evidence, ccs_bytes claims,
                               ccs_buf *out) {
    CCS_ENSURE(evidence.len > 0 && evidence.len <= CCS_RATLS_EVIDENCE_MAX, CCS_ERR_INVALID_ARG,
               "ratls: evidence must be 1..%u bytes", CCS_RATLS_EVIDENCE_MAX);
    /* The CMW array record (draft-ietf-rats-msg-wrap): [media type, value]. */
    cbor_item_t *cmw = cbor_new_definite_array(2);
    bool ok = cmw != NULL && array_push(cmw, cbor_build_string(media_type)) &&
              array_push(cmw, cbor_build_bytestring(evidence.ptr, evidence.len));
    cbor_item_t *arr = ok ? cbor_new_definite_array(2) : NULL;
    ok = arr != NULL && cbor_array_push(arr, cmw) && array_push(arr, cbor_build_bytestring(claims.ptr, claims.len));
    cbor_item_t *tagged = ok ? cbor_build_tag(tag, arr) : NULL;
    ccs_status st = tagged != NULL ? serialize(tagged, out)
                                   : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ratls: out of memory");
    if (tagged) cbor_decref(&tagged);
    if (arr) cbor_decref(&arr);
    if (cmw) cbor_decref(&cmw);
    return st;
}

/* ---- parsing --------------------------------------------------------------------- */

typedef struct prescan {
    size_t remaining;
    bool indefinite, too_many;
} prescan;

static void ps_indefinite(void *ctx) { ((prescan *)ctx)->indefinite = true; }
static void ps_array(void *ctx, size_t n) {
    prescan *p = ctx;
    if (n > p->remaining) p->too_many = true; /* each element takes at least a byte */
}
static void ps_map(void *ctx, size_t n) {
    prescan *p = ctx;
    if (n > p->remaining / 2) p->too_many = true;
}

/* libcbor 0.8's cbor_load allocates an array or map of the declared count
 * before reading any element, so a 5-byte header could ask for gigabytes
 * (found by fuzz_ratls_ext). This pass walks every item header with
 * libcbor's streaming decoder first and refuses counts the input cannot
 * hold, and every indefinite-length item (never valid here). */
static ccs_status prescan_items(ccs_bytes in, const char *what) {
    struct cbor_callbacks cb = cbor_empty_callbacks;
    cb.indef_array_start = ps_indefinite;
    cb.indef_map_start = ps_indefinite;
    cb.byte_string_start = ps_indefinite;
    cb.string_start = ps_indefinite;
    cb.array_start = ps_array;
    cb.map_start = ps_map;
    for (size_t pos = 0; pos < in.len;) {
        prescan p = {.remaining = in.len - pos};
        struct cbor_decoder_result r = cbor_stream_decode(in.ptr + pos, in.len - pos, &cb, &p);
        if (r.status == CBOR_DECODER_NEDATA)
            CCS_BAIL(CCS_ERR_TRUNCATED, "ratls: %s: CBOR ends early (at byte %zu)", what, pos);
        CCS_ENSURE(r.status == CBOR_DECODER_FINISHED && r.read > 0, CCS_ERR_FORMAT,
                   "ratls: %s: malformed CBOR (at byte %zu)", what, pos);
        CCS_ENSURE(!p.indefinite, CCS_ERR_FORMAT, "ratls: %s: indefinite-length item (at byte %zu)", what, pos);
        CCS_ENSURE(!p.too_many, CCS_ERR_TRUNCATED, "ratls: %s: array or map larger than the input (at byte %zu)",
                   what, pos);
        pos += r.read;
    }
    return CCS_OK;
}

/* One complete CBOR item spanning all of in. */
ccs_status ratls_cbor_load_exact(ccs_bytes in, const char *what, cbor_item_t **out) {
    struct cbor_load_result res;
    *out = NULL;
    CCS_ENSURE(in.len > 0, CCS_ERR_TRUNCATED, "ratls: %s: empty", what);
    CCS_TRY(prescan_items(in, what));
    cbor_item_t *item = cbor_load(in.ptr, in.len, &res);
    if (item == NULL) {
        switch (res.error.code) {
        case CBOR_ERR_NOTENOUGHDATA:
            CCS_BAIL(CCS_ERR_TRUNCATED, "ratls: %s: CBOR ends early (at byte %zu)", what, res.error.position);
        case CBOR_ERR_MEMERROR: CCS_BAIL(CCS_ERR_NOMEM, "ratls: %s: out of memory", what);
        default: CCS_BAIL(CCS_ERR_FORMAT, "ratls: %s: malformed CBOR (at byte %zu)", what, res.error.position);
        }
    }
    if (res.read != in.len) {
        cbor_decref(&item);
        CCS_BAIL(CCS_ERR_TRAILING, "ratls: %s: %zu bytes after the CBOR item", what, in.len - res.read);
    }
    *out = item;
    return CCS_OK;
}

ccs_status ratls_cbor_bstr(const cbor_item_t *it, const char *what, size_t max, ccs_bytes *out) {
    CCS_ENSURE(cbor_isa_bytestring(it), CCS_ERR_FORMAT, "ratls: %s: expected a byte string", what);
    CCS_ENSURE(cbor_bytestring_is_definite(it), CCS_ERR_FORMAT, "ratls: %s: indefinite-length byte string", what);
    size_t n = cbor_bytestring_length(it);
    CCS_ENSURE(n <= max, CCS_ERR_OVERFLOW, "ratls: %s: %zu bytes, more than the %zu allowed", what, n, max);
    *out = ccs_bytes_of(cbor_bytestring_handle(it), n);
    return CCS_OK;
}

static bool text_is(const cbor_item_t *it, const char *s) {
    size_t n = strlen(s);
    return cbor_string_length(it) == n && memcmp(cbor_string_handle(it), s, n) == 0;
}

static ccs_status tag_check(uint64_t tag) {
    switch (tag) {
    case CCS_RATLS_TAG_GRAMINE_SGX_QUOTE:
    case CCS_RATLS_TAG_TEE_QUOTE:
    case CCS_RATLS_TAG_TEE_REPORT:
    case CCS_RATLS_TAG_SGX_LEGACY_REPORT:
    case CCS_RATLS_TAG_SNP_REPORT:
    case CCS_RATLS_TAG_SEV_REPORT:
    case CCS_RATLS_TAG_CSV_REPORT:
    case CCS_RATLS_TAG_CCS_TPM_CMW: return CCS_OK;
    case 571u:
    case 1668557429u:
        CCS_BAIL(CCS_ERR_UNSUPPORTED, "ratls: CBOR tag %llu is a CMW wrapper (not supported yet)",
                 (unsigned long long)tag);
    default: CCS_BAIL(CCS_ERR_UNSUPPORTED, "ratls: unknown evidence CBOR tag %llu", (unsigned long long)tag);
    }
}

/* The evidence item under CCS_RATLS_TAG_CCS_TPM_CMW (and only there): the
 * CMW array record [text media type, bstr value] (draft-ietf-rats-msg-wrap,
 * no indicator), media type exactly CCS_RATLS_TPM_MEDIA_TYPE. */
static ccs_status tpm_cmw(const cbor_item_t *it, ccs_bytes *out) {
    CCS_ENSURE(cbor_isa_array(it) && cbor_array_is_definite(it) && cbor_array_size(it) == 2, CCS_ERR_FORMAT,
               "ratls: TPM evidence: expected the CMW record [media type, bstr]");
    cbor_item_t **e = cbor_array_handle(it);
    CCS_ENSURE(cbor_isa_string(e[0]) && cbor_string_is_definite(e[0]), CCS_ERR_FORMAT,
               "ratls: TPM evidence: the CMW type is not a definite text string");
    CCS_ENSURE(text_is(e[0], CCS_RATLS_TPM_MEDIA_TYPE), CCS_ERR_UNSUPPORTED,
               "ratls: TPM evidence: CMW media type is not " CCS_RATLS_TPM_MEDIA_TYPE);
    return ratls_cbor_bstr(e[1], "TPM evidence", CCS_RATLS_EVIDENCE_MAX, out);
}

/* "pubkey-hash": bstr(CBOR [uint alg-id, bstr hash]). */
static ccs_status parse_pubkey_hash(ccs_bytes v, ccs_ratls_evidence *out) {
    cbor_item_t *arr = NULL;
    CCS_TRY(ratls_cbor_load_exact(v, "pubkey-hash", &arr));
    ccs_status st = CCS_OK;
    if (!cbor_isa_array(arr) || !cbor_array_is_definite(arr) || cbor_array_size(arr) != 2)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ratls: pubkey-hash: expected a definite 2-element array");
    cbor_item_t **e = st == CCS_OK ? cbor_array_handle(arr) : NULL;
    if (st == CCS_OK && !cbor_isa_uint(e[0]))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ratls: pubkey-hash: hash-alg-id is not an unsigned integer");
    if (st == CCS_OK) {
        uint64_t id = cbor_get_int(e[0]);
        out->pubkey_hash_alg = id == RATLS_HASH_ID_SHA256 ? CCS_HASH_SHA256
                               : id == RATLS_HASH_ID_SHA384 ? CCS_HASH_SHA384
                               : id == RATLS_HASH_ID_SHA512 ? CCS_HASH_SHA512 : 0;
        if (out->pubkey_hash_alg == 0)
            st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "ratls: pubkey-hash: hash-alg-id %llu is not 1, 7 or 8",
                               (unsigned long long)id);
    }
    ccs_bytes h;
    if (st == CCS_OK) st = ratls_cbor_bstr(e[1], "pubkey-hash value", 64, &h);
    if (st == CCS_OK && h.len != ccs_hash_len(out->pubkey_hash_alg))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ratls: pubkey-hash: %zu bytes, the algorithm gives %zu", h.len,
                           ccs_hash_len(out->pubkey_hash_alg));
    if (st == CCS_OK) {
        memcpy(out->pubkey_hash, h.ptr, h.len);
        out->pubkey_hash_len = h.len;
    }
    cbor_decref(&arr);
    return st;
}

/* claims: definite map, definite text keys, no duplicates; unknown claims
 * are skipped (forward compatibility), "pubkey-hash" is required. */
static ccs_status parse_claims(ccs_bytes claims, ccs_ratls_evidence *out) {
    cbor_item_t *map = NULL;
    CCS_TRY(ratls_cbor_load_exact(claims, "claims", &map));
    ccs_status st = CCS_OK;
    bool have_ph = false, have_nonce = false;
    if (!cbor_isa_map(map) || !cbor_map_is_definite(map))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ratls: claims: expected a definite-length map");
    size_t n = st == CCS_OK ? cbor_map_size(map) : 0;
    struct cbor_pair *p = st == CCS_OK ? cbor_map_handle(map) : NULL;
    for (size_t i = 0; st == CCS_OK && i < n; i++) {
        const cbor_item_t *k = p[i].key;
        if (!cbor_isa_string(k) || !cbor_string_is_definite(k)) {
            st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ratls: claims: key %zu is not a definite text string", i);
            break;
        }
        for (size_t j = 0; j < i; j++)
            if (cbor_string_length(p[j].key) == cbor_string_length(k) &&
                memcmp(cbor_string_handle(p[j].key), cbor_string_handle(k), cbor_string_length(k)) == 0)
                st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ratls: claims: duplicate key");
        if (st != CCS_OK) break;
        ccs_bytes v;
        if (text_is(k, "pubkey-hash")) {
            st = ratls_cbor_bstr(p[i].value, "pubkey-hash", 256, &v);
            if (st == CCS_OK) st = parse_pubkey_hash(v, out);
            have_ph = true;
        } else if (text_is(k, "nonce")) {
            st = ratls_cbor_bstr(p[i].value, "nonce", CCS_RATLS_NONCE_MAX, &v);
            if (st == CCS_OK) st = ccs_buf_set(&out->nonce, v);
            have_nonce = true;
        }
    }
    (void)have_nonce;
    if (st == CCS_OK && !have_ph) st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ratls: claims: no pubkey-hash");
    cbor_decref(&map);
    return st;
}

/* The binding fields once the evidence and SPKI are known. */
static ccs_status bind(ccs_bytes spki, ccs_ratls_evidence *out) {
    CCS_TRY(ccs_buf_set(&out->spki, spki));
    if (out->format == CCS_RATLS_FORMAT_TCG) {
        uint8_t h[64];
        size_t hlen = 0;
        ratls_tcg_report_data(ccs_buf_view(&out->claims), out->report_data);
        out->report_data_cmp = 64;
        /* TPM: what the backend put in extraData (src/tee/tpm.c). */
        if (out->tag == CCS_RATLS_TAG_CCS_TPM_CMW)
            CCS_TRY(ccs_tpm_nonce(ccs_bytes_of(out->report_data, 64), out->tpm_nonce));
        CCS_TRY(ccs_digest(out->pubkey_hash_alg, spki, h, sizeof h, &hlen));
        out->pubkey_hash_ok = ccs_ct_eq(ccs_bytes_of(h, hlen), ccs_bytes_of(out->pubkey_hash, out->pubkey_hash_len));
    } else {
        ratls_legacy_report_data(spki, out->report_data);
        out->report_data_cmp = 32;
        out->pubkey_hash_ok = true;
    }
    return CCS_OK;
}

static ccs_status tcg_parse(ccs_bytes ext, ccs_ratls_evidence *out) {
    CCS_ENSURE(ext.len <= TCG_EXT_MAX, CCS_ERR_OVERFLOW, "ratls: evidence extension of %zu bytes is over the limit",
               ext.len);
    cbor_item_t *top = NULL;
    CCS_TRY(ratls_cbor_load_exact(ext, "tagged evidence", &top));
    ccs_status st = CCS_OK;
    cbor_item_t *arr = NULL;
    if (!cbor_isa_tag(top)) st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ratls: tagged evidence: not a CBOR tag");
    if (st == CCS_OK) {
        out->tag = cbor_tag_value(top);
        st = tag_check(out->tag);
    }
    if (st == CCS_OK) {
        arr = cbor_tag_item(top); /* a new reference */
        if (!cbor_isa_array(arr) || !cbor_array_is_definite(arr) || cbor_array_size(arr) != 2)
            st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE,
                               "ratls: tagged evidence: expected a definite array [evidence, claims]");
    }
    ccs_bytes ev, cl;
    if (st == CCS_OK && out->tag == CCS_RATLS_TAG_CCS_TPM_CMW) st = tpm_cmw(cbor_array_handle(arr)[0], &ev);
    else if (st == CCS_OK) st = ratls_cbor_bstr(cbor_array_handle(arr)[0], "evidence", CCS_RATLS_EVIDENCE_MAX, &ev);
    if (st == CCS_OK) st = ratls_cbor_bstr(cbor_array_handle(arr)[1], "claims", CCS_RATLS_CLAIMS_MAX, &cl);
    if (st == CCS_OK && ev.len == 0) st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ratls: evidence is empty");
    if (st == CCS_OK) st = ratls_evidence_layout_check(out->tag, ev); /* SNP, CSV (snp_csv.c) */
    if (st == CCS_OK) st = ccs_buf_set(&out->evidence, ev);
    if (st == CCS_OK) st = ccs_buf_set(&out->claims, cl);
    if (st == CCS_OK) st = parse_claims(cl, out);
    if (arr) cbor_decref(&arr);
    cbor_decref(&top);
    return st;
}

ccs_status ccs_ratls_tcg_parse(ccs_bytes ext, ccs_bytes spki, ccs_ratls_evidence *out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "ratls: NULL argument");
    memset(out, 0, sizeof *out);
    out->format = CCS_RATLS_FORMAT_TCG;
    ccs_status st = tcg_parse(ext, out);
    if (st == CCS_OK) st = bind(spki, out);
    if (st != CCS_OK) ccs_ratls_evidence_clear(out);
    return st;
}

static ccs_status legacy_parse(ccs_bytes ext, ccs_ratls_format f, ccs_bytes spki, ccs_ratls_evidence *out) {
    CCS_ENSURE(ext.len > 0, CCS_ERR_FORMAT, "ratls: %s extension is empty", ccs_ratls_format_name(f));
    CCS_ENSURE(ext.len <= CCS_RATLS_EVIDENCE_MAX, CCS_ERR_OVERFLOW,
               "ratls: %s quote of %zu bytes, more than the %u allowed", ccs_ratls_format_name(f), ext.len,
               CCS_RATLS_EVIDENCE_MAX);
    out->format = f;
    CCS_TRY(ccs_buf_set(&out->evidence, ext));
    return bind(spki, out);
}

static ccs_status parse_cert(const ccs_x509 *c, ccs_ratls_evidence *out) {
    ccs_pubkey *k = NULL;
    ccs_buf spki = {0};
    ccs_bytes ext;
    CCS_TRY(ccs_x509_pubkey(c, &k));
    ccs_status st = ccs_pubkey_spki(k, &spki);
    ccs_pubkey_free(k);
    static const struct {
        const char *oid;
        ccs_ratls_format f;
    } oids[] = {
        {CCS_RATLS_OID_TCG_EVIDENCE, CCS_RATLS_FORMAT_TCG},
        {CCS_RATLS_OID_INTEL_QUOTE, CCS_RATLS_FORMAT_INTEL_LEGACY},
        {CCS_RATLS_OID_GRAMINE_LEGACY, CCS_RATLS_FORMAT_GRAMINE_LEGACY},
    };
    bool found = false;
    for (size_t i = 0; st == CCS_OK && !found && i < sizeof oids / sizeof oids[0]; i++) {
        st = ccs_x509_extension(c, oids[i].oid, &ext);
        if (st == CCS_ERR_NOT_FOUND) {
            st = CCS_OK;
            continue;
        }
        found = st == CCS_OK;
        if (!found) break;
        if (oids[i].f == CCS_RATLS_FORMAT_TCG) {
            out->format = CCS_RATLS_FORMAT_TCG;
            st = tcg_parse(ext, out);
            if (st == CCS_OK) st = bind(ccs_buf_view(&spki), out);
        } else {
            st = legacy_parse(ext, oids[i].f, ccs_buf_view(&spki), out);
        }
    }
    if (st == CCS_OK && !found)
        st = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "ratls: the certificate has no evidence extension");
    if (st == CCS_OK) st = ratls_endorsements_from_cert(c, out);
    ccs_buf_free(&spki);
    return st;
}

ccs_status ccs_ratls_evidence_parse(ccs_bytes cert_der, ccs_ratls_evidence *out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "ratls: NULL argument");
    memset(out, 0, sizeof *out);
    ccs_x509 *c = NULL;
    CCS_TRY(ccs_x509_parse_der(cert_der, &c));
    ccs_status st = parse_cert(c, out);
    ccs_x509_free(c);
    if (st != CCS_OK) ccs_ratls_evidence_clear(out);
    return st;
}
