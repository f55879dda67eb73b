/* RA-TLS endorsements (docs/ratls.md "Endorsements"): the DCAP collateral a
 * verifier needs, carried in the certificate under 2.23.133.5.4.2
 * (tcg-dice-endorsement-manifest) as the CCC interoperable RA-TLS layout
 * gives it (specs/kbs-image-ratls.md section 4):
 *
 *   tag(T, [ uint version, bstr tcb_info, bstr tcb_info_issuer_chain,
 *            bstr pck_crl, bstr root_ca_crl, bstr pck_crl_issuer_chain,
 *            bstr qe_identity, bstr qe_identity_issuer_chain,
 *            ? creation_datetime ])
 *
 * with T the evidence's tag. The element order is sgx_ql_qve_collateral_t's
 * as rats-tls maps it (element 4, "CRL_PCK_PROC_CA" in the CCC text, is the
 * Root CA CRL). Everything parsed here is untrusted collateral: the DCAP
 * verifier checks it against the trusted root like collateral from anywhere
 * else, so the parser only bounds and types it. */
#include <stdlib.h>
#include <string.h>

#include "ratls_internal.h"

#define N_PIECES 7
#define DATETIME_MAX 64u

void ccs_ratls_endorsements_clear(ccs_ratls_endorsements *e) {
    if (e == NULL) return;
    ccs_buf_free(&e->tcb_info);
    ccs_buf_free(&e->tcb_info_issuer_chain);
    ccs_buf_free(&e->pck_crl);
    ccs_buf_free(&e->root_ca_crl);
    ccs_buf_free(&e->pck_crl_issuer_chain);
    ccs_buf_free(&e->qe_identity);
    ccs_buf_free(&e->qe_identity_issuer_chain);
    ccs_buf_free(&e->creation_datetime);
    memset(e, 0, sizeof *e);
}

void ccs_ratls_endorsements_raw(const ccs_ratls_endorsements *e, ccs_collateral_raw *out) {
    if (out == NULL) return;
    memset(out, 0, sizeof *out);
    if (e == NULL) return;
    out->tcb_info = ccs_buf_view(&e->tcb_info);
    out->tcb_info_issuer_chain = ccs_buf_view(&e->tcb_info_issuer_chain);
    out->pck_crl = ccs_buf_view(&e->pck_crl);
    out->root_ca_crl = ccs_buf_view(&e->root_ca_crl);
    out->pck_crl_issuer_chain = ccs_buf_view(&e->pck_crl_issuer_chain);
    out->qe_identity = ccs_buf_view(&e->qe_identity);
    out->qe_identity_issuer_chain = ccs_buf_view(&e->qe_identity_issuer_chain);
}

/* The pieces in array order (elements 1..7). */
static void pieces(ccs_ratls_endorsements *e, ccs_buf *p[N_PIECES]) {
    p[0] = &e->tcb_info;
    p[1] = &e->tcb_info_issuer_chain;
    p[2] = &e->pck_crl;
    p[3] = &e->root_ca_crl;
    p[4] = &e->pck_crl_issuer_chain;
    p[5] = &e->qe_identity;
    p[6] = &e->qe_identity_issuer_chain;
}

static const char *const piece_names[N_PIECES] = {
    "tcb_info", "tcb_info_issuer_chain", "pck_crl", "root_ca_crl", "pck_crl_issuer_chain", "qe_identity",
    "qe_identity_issuer_chain",
};

/* ---- encoding ------------------------------------------------------------------ */

/* A signed PCS document as its response body: unchanged when it is one, else
 * {"<key>":<inner>,"signature":"<hex>"} around the exact signed text (the
 * dcap-qvl layout keeps the two apart). */
static ccs_status body_of(ccs_bytes doc, ccs_bytes sig, const char *key, ccs_buf *out) {
    if (sig.len == 0) return ccs_buf_set(out, doc);
    while (sig.len && (sig.ptr[sig.len - 1] == '\n' || sig.ptr[sig.len - 1] == ' ')) sig.len--;
    ccs_status st = ccs_buf_append_str(out, "{\"");
    if (st == CCS_OK) st = ccs_buf_append_str(out, key);
    if (st == CCS_OK) st = ccs_buf_append_str(out, "\":");
    if (st == CCS_OK) st = ccs_buf_append(out, doc.ptr, doc.len);
    if (st == CCS_OK) st = ccs_buf_append_str(out, ",\"signature\":\"");
    if (st == CCS_OK) st = ccs_buf_append(out, sig.ptr, sig.len);
    if (st == CCS_OK) st = ccs_buf_append_str(out, "\"}");
    return st;
}

/* CRLs go out as DER (the version's minor 1): hex of DER (PCCS, dcap-qvl)
 * is decoded; DER and PEM pass unchanged. */
static ccs_status crl_of(ccs_bytes crl, ccs_buf *out) {
    while (crl.len && crl.ptr[0] != 0x30 && (crl.ptr[crl.len - 1] == '\n' || crl.ptr[crl.len - 1] == 0)) crl.len--;
    if (crl.len && crl.ptr[0] != 0x30 && crl.ptr[0] != '-' &&
        ccs_hex_decode((const char *)crl.ptr, crl.len, out) == CCS_OK)
        return CCS_OK;
    ccs_buf_free(out);
    return ccs_buf_set(out, crl);
}

static bool push(cbor_item_t *arr, cbor_item_t *v) {
    bool ok = v != NULL && cbor_array_push(arr, v);
    if (v) cbor_decref(&v);
    return ok;
}

ccs_status ratls_endorsements_encode(uint64_t tag, const ccs_collateral *coll, ccs_time now, ccs_buf *out) {
    ccs_collateral_raw raw;
    ccs_ratls_endorsements e = {0};
    ccs_buf *p[N_PIECES];
    char when[21];
    CCS_ENSURE(coll != NULL && out != NULL, CCS_ERR_INVALID_ARG, "ratls: NULL argument");
    ccs_collateral_raw_view(coll, &raw);
    pieces(&e, p);
    ccs_status st = body_of(raw.tcb_info, raw.tcb_info_signature, "tcbInfo", p[0]);
    if (st == CCS_OK) st = ccs_buf_set(p[1], raw.tcb_info_issuer_chain);
    if (st == CCS_OK) st = crl_of(raw.pck_crl, p[2]);
    if (st == CCS_OK) st = crl_of(raw.root_ca_crl, p[3]);
    if (st == CCS_OK) st = ccs_buf_set(p[4], raw.pck_crl_issuer_chain);
    if (st == CCS_OK) st = body_of(raw.qe_identity, raw.qe_identity_signature, "enclaveIdentity", p[5]);
    if (st == CCS_OK) st = ccs_buf_set(p[6], raw.qe_identity_issuer_chain);
    if (st == CCS_OK) st = ccs_time_format(now, when);
    for (int i = 0; st == CCS_OK && i < N_PIECES; i++) {
        if (p[i]->len == 0)
            st = ccs_error_set(CCS_ERR_INVALID_ARG, CCS_HERE, "ratls: endorsements: the collateral has no %s",
                               piece_names[i]);
        else if (p[i]->len > CCS_RATLS_ENDORSEMENT_ITEM_MAX)
            st = ccs_error_set(CCS_ERR_OVERFLOW, CCS_HERE, "ratls: endorsements: %s of %zu bytes is over %u",
                               piece_names[i], p[i]->len, CCS_RATLS_ENDORSEMENT_ITEM_MAX);
    }
    cbor_item_t *arr = st == CCS_OK ? cbor_new_definite_array(N_PIECES + 2) : NULL;
    bool ok = arr != NULL && push(arr, cbor_build_uint32(CCS_RATLS_ENDORSEMENTS_VERSION));
    for (int i = 0; ok && i < N_PIECES; i++) ok = push(arr, cbor_build_bytestring(p[i]->ptr, p[i]->len));
    if (ok) ok = push(arr, cbor_build_bytestring((const unsigned char *)when, strlen(when)));
    cbor_item_t *tagged = ok ? cbor_build_tag(tag, arr) : NULL;
    unsigned char *buf = NULL;
    size_t cap = 0, n = tagged != NULL ? cbor_serialize_alloc(tagged, &buf, &cap) : 0;
    if (st == CCS_OK && n == 0)
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "ratls: endorsements: CBOR encoding failed");
    if (st == CCS_OK && n > CCS_RATLS_ENDORSEMENTS_MAX)
        st = ccs_error_set(CCS_ERR_OVERFLOW, CCS_HERE, "ratls: endorsements of %zu bytes are over %u", n,
                           CCS_RATLS_ENDORSEMENTS_MAX);
    if (st == CCS_OK) st = ccs_buf_set(out, ccs_bytes_of(buf, n));
    free(buf);
    if (tagged) cbor_decref(&tagged);
    if (arr) cbor_decref(&arr);
    ccs_ratls_endorsements_clear(&e);
    return st;
}

/* ---- parsing (untrusted) ------------------------------------------------------- */

static ccs_status parse_items(cbor_item_t *const *it, size_t n, ccs_ratls_endorsements *out) {
    ccs_buf *p[N_PIECES];
    ccs_bytes v;
    CCS_ENSURE(cbor_isa_uint(it[0]), CCS_ERR_FORMAT, "ratls: endorsements: version is not an unsigned integer");
    uint64_t version = cbor_get_int(it[0]);
    CCS_ENSURE(version <= UINT32_MAX, CCS_ERR_FORMAT, "ratls: endorsements: version %llu is not a uint32",
               (unsigned long long)version);
    out->version = (uint32_t)version;
    pieces(out, p);
    for (size_t i = 0; i < N_PIECES; i++) {
        CCS_TRY(ratls_cbor_bstr(it[i + 1], piece_names[i], CCS_RATLS_ENDORSEMENT_ITEM_MAX, &v));
        CCS_ENSURE(v.len > 0, CCS_ERR_FORMAT, "ratls: endorsements: %s is empty", piece_names[i]);
        CCS_TRY(ccs_buf_set(p[i], v));
    }
    if (n == N_PIECES + 2) {
        const cbor_item_t *d = it[N_PIECES + 1];
        if (cbor_isa_string(d)) {
            CCS_ENSURE(cbor_string_is_definite(d), CCS_ERR_FORMAT, "ratls: endorsements: indefinite creation_datetime");
            v = ccs_bytes_of(cbor_string_handle(d), cbor_string_length(d));
            CCS_ENSURE(v.len <= DATETIME_MAX, CCS_ERR_OVERFLOW, "ratls: endorsements: creation_datetime over %u bytes",
                       DATETIME_MAX);
        } else {
            CCS_TRY(ratls_cbor_bstr(d, "creation_datetime", DATETIME_MAX, &v));
        }
        CCS_TRY(ccs_buf_set(&out->creation_datetime, v));
    }
    return CCS_OK;
}

static ccs_status parse(ccs_bytes ext, ccs_ratls_endorsements *out) {
    CCS_ENSURE(ext.len <= CCS_RATLS_ENDORSEMENTS_MAX, CCS_ERR_OVERFLOW,
               "ratls: endorsements extension of %zu bytes is over %u", ext.len, CCS_RATLS_ENDORSEMENTS_MAX);
    cbor_item_t *top = NULL, *arr = NULL;
    CCS_TRY(ratls_cbor_load_exact(ext, "endorsements", &top));
    ccs_status st = CCS_OK;
    if (!cbor_isa_tag(top)) st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ratls: endorsements: not a CBOR tag");
    if (st == CCS_OK) {
        out->tag = cbor_tag_value(top);
        if (out->tag != CCS_RATLS_TAG_GRAMINE_SGX_QUOTE && out->tag != CCS_RATLS_TAG_TEE_QUOTE)
            st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE,
                               "ratls: endorsements: CBOR tag %llu is not a DCAP quote tag (60000, 0x1a7501)",
                               (unsigned long long)out->tag);
    }
    if (st == CCS_OK) {
        arr = cbor_tag_item(top); /* a new reference */
        if (!cbor_isa_array(arr) || !cbor_array_is_definite(arr) ||
            (cbor_array_size(arr) != N_PIECES + 1 && cbor_array_size(arr) != N_PIECES + 2))
            st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE,
                               "ratls: endorsements: expected a definite array of 8 or 9 items");
    }
    if (st == CCS_OK) st = parse_items(cbor_array_handle(arr), cbor_array_size(arr), out);
    if (arr) cbor_decref(&arr);
    cbor_decref(&top);
    return st;
}

ccs_status ccs_ratls_endorsements_parse(ccs_bytes ext, ccs_ratls_endorsements *out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "ratls: NULL argument");
    memset(out, 0, sizeof *out);
    ccs_status st = parse(ext, out);
    if (st != CCS_OK) ccs_ratls_endorsements_clear(out);
    return st;
}

ccs_status ratls_endorsements_from_cert(const ccs_x509 *c, ccs_ratls_evidence *ev) {
    ccs_bytes ext;
    ccs_status st = ccs_x509_extension(c, CCS_RATLS_OID_TCG_ENDORSEMENTS, &ext);
    if (st == CCS_ERR_NOT_FOUND) return CCS_OK;
    CCS_TRY(st);
    CCS_TRY(ccs_ratls_endorsements_parse(ext, &ev->endorsements));
    ev->has_endorsements = true;
    /* CCC: "the same tag as that for evidence extension". */
    CCS_ENSURE(ev->format != CCS_RATLS_FORMAT_TCG || ev->endorsements.tag == ev->tag, CCS_ERR_FORMAT,
               "ratls: endorsements: CBOR tag %llu is not the evidence's tag %llu",
               (unsigned long long)ev->endorsements.tag, (unsigned long long)ev->tag);
    return CCS_OK;
}
