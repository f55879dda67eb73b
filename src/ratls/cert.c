/* RA-TLS certificate creation (docs/ratls.md "Formats emitted"): a fresh
 * key, claims binding its SPKI, evidence over SHA-256(claims), and a
 * self-signed certificate carrying both (plus, for SGX, a second quote over
 * SHA-256(SPKI) under Intel's legacy OID for SDK and Python verifiers). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ratls_internal.h"

#define DEFAULT_VALIDITY ((ccs_time)86400)

/* The CBOR tag for a platform's evidence (specs/kbs-image-ratls.md 4:
 * Gramine's 60000 for SGX, rats-tls values for the others). */
static ccs_status tag_for(ccs_platform p, uint64_t *tag, bool *sgx) {
    switch (p) {
    case CCS_PLATFORM_SIM_SGX:
    case CCS_PLATFORM_SGX:
        *tag = CCS_RATLS_TAG_GRAMINE_SGX_QUOTE;
        *sgx = true;
        return CCS_OK;
    case CCS_PLATFORM_SIM_TDX:
    case CCS_PLATFORM_TDX:
        *tag = CCS_RATLS_TAG_TEE_QUOTE;
        *sgx = false;
        return CCS_OK;
    case CCS_PLATFORM_SNP: /* rats-tls's SEV-SNP tag */
        *tag = CCS_RATLS_TAG_SNP_REPORT;
        *sgx = false;
        return CCS_OK;
    case CCS_PLATFORM_CSV: /* rats-tls's CSV tag */
        *tag = CCS_RATLS_TAG_CSV_REPORT;
        *sgx = false;
        return CCS_OK;
    case CCS_PLATFORM_TPM: /* no registered tag: the CCS-private CMW wrapper */
        *tag = CCS_RATLS_TAG_CCS_TPM_CMW;
        *sgx = false;
        return CCS_OK;
    default:
        CCS_BAIL(CCS_ERR_UNSUPPORTED, "ratls: %s evidence cannot go into an RA-TLS certificate (sgx, tdx, snp, "
                                      "csv, tpm, sim-sgx, sim-tdx)", ccs_platform_name(p));
    }
}

typedef struct parts {
    ccs_buf spki, claims, quote, legacy_quote, tcg_ext, endorsements;
} parts;

static void parts_free(parts *p) {
    ccs_buf_free(&p->spki);
    ccs_buf_free(&p->claims);
    ccs_buf_free(&p->quote);
    ccs_buf_free(&p->legacy_quote);
    ccs_buf_free(&p->tcg_ext);
    ccs_buf_free(&p->endorsements);
}

/* The endorsements extension for o->endorsements: DCAP quotes only, and
 * collateral for the quote's TEE (a verifier would refuse anything else). */
static ccs_status endorsements_for(const ccs_ratls_create_options *o, uint64_t tag, ccs_time now, parts *p) {
    ccs_dcap_quote q;
    CCS_ENSURE(tag == CCS_RATLS_TAG_GRAMINE_SGX_QUOTE || tag == CCS_RATLS_TAG_TEE_QUOTE, CCS_ERR_UNSUPPORTED,
               "ratls: endorsements are DCAP collateral (SGX/TDX evidence only)");
    CCS_TRY(ccs_dcap_quote_parse(ccs_buf_view(&p->quote), &q));
    CCS_ENSURE(ccs_collateral_tee(o->endorsements) == q.tee, CCS_ERR_MISMATCH,
               "ratls: endorsements: the collateral is for %s, the quote is %s",
               ccs_tee_name(ccs_collateral_tee(o->endorsements)), ccs_tee_name(q.tee));
    return ratls_endorsements_encode(tag, o->endorsements, now, &p->endorsements);
}

/* The evidence producer over a backend. SNP: the report, followed by the
 * host's certificate table (re-encoded with only the VCEK/VLEK, ASK and
 * ARK) when the backend hands one out. */
static ccs_status backend_evidence(void *ctx, ccs_bytes report_data, ccs_buf *out) {
    ccs_backend *b = ctx;
    if (ccs_backend_platform(b) != CCS_PLATFORM_SNP) return ccs_backend_evidence(b, report_data, out);
    ccs_buf report = {0}, aux = {0};
    ratls_snp_certs c = {0};
    ccs_status st = ccs_backend_evidence_aux(b, report_data, &report, &aux);
    if (st == CCS_OK && aux.len > 0 && ratls_snp_table_parse(ccs_buf_view(&aux), &c) != CCS_OK)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "ratls: the host's SNP certificate table: %s", ccs_error_detail());
    if (st == CCS_OK) st = ratls_snp_evidence_build(ccs_buf_view(&report), &c, out);
    ccs_buf_free(&report);
    ccs_buf_free(&aux);
    return st;
}

static ccs_status evidence_for(ccs_ratls_evidence_fn fn, void *ctx, const ccs_privkey *k,
                               const ccs_ratls_create_options *o, uint64_t tag, bool sgx, parts *p) {
    ccs_pubkey *pub = NULL;
    uint8_t rd[64];
    CCS_TRY(ccs_privkey_public(k, &pub));
    ccs_status st = ccs_pubkey_spki(pub, &p->spki);
    ccs_pubkey_free(pub);
    CCS_TRY(st);
    ccs_hash_alg h = ccs_privkey_curve(k) == CCS_CURVE_P384 ? CCS_HASH_SHA384 : CCS_HASH_SHA256;
    CCS_TRY(ratls_claims_encode(h, ccs_buf_view(&p->spki), o->nonce, &p->claims));
    ratls_tcg_report_data(ccs_buf_view(&p->claims), rd);
    /* tpm: the backend quotes with extraData = ccs_tpm_nonce(rd). */
    CCS_TRY(fn(ctx, ccs_bytes_of(rd, sizeof rd), &p->quote));
    CCS_TRY(ratls_evidence_layout_check(tag, ccs_buf_view(&p->quote)));
    if (tag == CCS_RATLS_TAG_CCS_TPM_CMW)
        CCS_TRY(ratls_tcg_encode_cmw(tag, CCS_RATLS_TPM_MEDIA_TYPE, ccs_buf_view(&p->quote), ccs_buf_view(&p->claims),
                                     &p->tcg_ext));
    else
        CCS_TRY(ratls_tcg_encode(tag, ccs_buf_view(&p->quote), ccs_buf_view(&p->claims), &p->tcg_ext));
    if (sgx && !o->no_legacy_sgx_ext) {
        ratls_legacy_report_data(ccs_buf_view(&p->spki), rd);
        CCS_TRY(fn(ctx, ccs_bytes_of(rd, sizeof rd), &p->legacy_quote));
    }
    return CCS_OK;
}

ccs_status ccs_ratls_cert_create(ccs_backend *b, const ccs_ratls_create_options *opt, ccs_x509 **cert,
                                 ccs_privkey **key) {
    CCS_ENSURE(b != NULL, CCS_ERR_INVALID_ARG, "ratls: NULL argument");
    return ccs_ratls_cert_create_with(ccs_backend_platform(b), backend_evidence, b, opt, cert, key);
}

ccs_status ccs_ratls_cert_create_with(ccs_platform platform, ccs_ratls_evidence_fn fn, void *ctx,
                                      const ccs_ratls_create_options *opt, ccs_x509 **cert, ccs_privkey **key) {
    static const ccs_ratls_create_options defaults = {0};
    const ccs_ratls_create_options *o = opt != NULL ? opt : &defaults;
    CCS_ENSURE(fn != NULL && cert != NULL && key != NULL, CCS_ERR_INVALID_ARG, "ratls: NULL argument");
    *cert = NULL;
    *key = NULL;
    ccs_curve curve = o->curve != 0 ? o->curve : CCS_CURVE_P256;
    CCS_ENSURE(curve == CCS_CURVE_P256 || curve == CCS_CURVE_P384, CCS_ERR_INVALID_ARG, "ratls: curve must be "
               "P-256 or P-384");
    uint64_t tag = 0;
    bool sgx = false;
    CCS_TRY(tag_for(platform, &tag, &sgx));

    ccs_privkey *k = NULL;
    parts p = {0};
    uint64_t serial = 0;
    CCS_TRY(ccs_privkey_generate(curve, &k));
    ccs_status st = evidence_for(fn, ctx, k, o, tag, sgx, &p);
    ccs_time now = o->now != 0 ? o->now : ccs_time_now();
    if (st == CCS_OK && o->endorsements != NULL) st = endorsements_for(o, tag, now, &p);
    if (st == CCS_OK) st = ccs_random(&serial, sizeof serial);
    if (st == CCS_OK) {
        ccs_x509_ext exts[3] = {{.oid = CCS_RATLS_OID_TCG_EVIDENCE, .der = ccs_buf_view(&p.tcg_ext)}};
        size_t n_exts = 1;
        if (p.legacy_quote.len > 0)
            exts[n_exts++] = (ccs_x509_ext){.oid = CCS_RATLS_OID_INTEL_QUOTE, .der = ccs_buf_view(&p.legacy_quote)};
        if (p.endorsements.len > 0)
            exts[n_exts++] =
                (ccs_x509_ext){.oid = CCS_RATLS_OID_TCG_ENDORSEMENTS, .der = ccs_buf_view(&p.endorsements)};
        ccs_x509_spec spec = {
            .subject_cn = o->subject_cn != NULL ? o->subject_cn : "CCS RA-TLS",
            .subject_o = "CCS",
            .serial = (serial >> 1) | 1u, /* positive, non-zero */
            .not_before = now - 60,
            .not_after = now + (o->validity_s > 0 ? o->validity_s : DEFAULT_VALIDITY),
            .key_usage = CCS_KU_DIGITAL_SIGNATURE,
            .exts = exts,
            .n_exts = n_exts,
        };
        st = ccs_x509_build(&spec, k, NULL, k, cert);
    }
    parts_free(&p);
    if (st != CCS_OK) {
        ccs_privkey_free(k);
        return st;
    }
    *key = k;
    return CCS_OK;
}

ccs_status ccs_ratls_save(const ccs_x509 *cert, const ccs_privkey *key, const char *cert_path, const char *key_path) {
    CCS_ENSURE(cert != NULL && key != NULL && cert_path != NULL && key_path != NULL, CCS_ERR_INVALID_ARG,
               "ratls: NULL argument");
    ccs_buf pem = {0};
    CCS_TRY(ccs_privkey_save(key, key_path)); /* mode 0600 */
    ccs_status st = ccs_x509_to_pem(cert, &pem);
    if (st == CCS_OK) st = ccs_file_write(cert_path, ccs_buf_view(&pem));
    if (st == CCS_OK && chmod(cert_path, 0644) != 0)
        st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "ratls: cannot set the mode of %s", cert_path);
    ccs_buf_free(&pem);
    return st;
}
