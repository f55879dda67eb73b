/* SEV-SNP report verification (shared specs section 3 "Verification" and
 * section 6 item 8): the signing key's chain to the pinned ARK of the
 * report's product, the report signature, the VCEK/VLEK extensions against
 * the report (TCB, hwID, product), then the caller's policy. Every check
 * that can run does, so the result names every failure. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "snp.h"
#include "checks.h"

#define POLICY_SMT (1ull << 16)
#define POLICY_MIGRATE_MA (1ull << 18)
#define POLICY_DEBUG (1ull << 19)

typedef struct sctx {
    const ccs_snp_report *rep;
    ccs_snp_collateral *c;
    const ccs_snp_options *opt;
    ccs_snp_result *res;
    snp_cert_ext ext;
    bool ext_ok;
    bool leaf_vlek; /* the key certificate is a VLEK (by its subject CN) */
    ccs_snp_product product;
} sctx;

static void sfail(sctx *s, const char *check, const char *fmt, ...) CCS_PRINTF(3, 4);
static void sfail(sctx *s, const char *check, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ccs_check_vadd(s->res->failed, &s->res->n_failed, CCS_DCAP_MAX_FAILED, check, fmt, ap);
    va_end(ap);
}

/* ---- pinned ARKs ---------------------------------------------------------------- */

static pthread_once_t arks_once = PTHREAD_ONCE_INIT;
static ccs_x509 *arks[4]; /* by product; parsed once, never freed: documented constants */

static void parse_arks(void) {
    for (int p = CCS_SNP_PRODUCT_MILAN; p <= CCS_SNP_PRODUCT_TURIN; p++)
        if (ccs_x509_parse_der(ccs_snp_ark_der((ccs_snp_product)p), &arks[p]) != CCS_OK) arks[p] = NULL;
}

static const ccs_x509 *test_arks[4]; /* ccs__snp_set_test_ark: tests only */

void ccs__snp_set_test_ark(ccs_snp_product p, const ccs_x509 *ark) {
    if (p >= CCS_SNP_PRODUCT_MILAN && p <= CCS_SNP_PRODUCT_TURIN) test_arks[p] = ark;
}

const ccs_x509 *ccs_snp_pinned_ark(ccs_snp_product p) {
    if (p < CCS_SNP_PRODUCT_MILAN || p > CCS_SNP_PRODUCT_TURIN) return NULL;
    if (test_arks[p] != NULL) return test_arks[p];
    pthread_once(&arks_once, parse_arks);
    return arks[p];
}

/* ---- the key certificate: kind and product --------------------------------------- */

static void check_key_kind(sctx *s) {
    char cn[64];
    if (ccs_x509_subject_cn(s->c->key_cert, cn, sizeof cn) != CCS_OK) cn[0] = '\0';
    s->leaf_vlek = strcmp(cn, "SEV-VLEK") == 0;
    const char *want = s->rep->signing_key == CCS_SNP_KEY_VLEK ? "SEV-VLEK" : "SEV-VCEK";
    if (strcmp(cn, want) != 0)
        sfail(s, CCS_CHECK_SNP_SIGNING_KEY, "the report is signed by its %s, but the certificate given is \"%s\"",
              s->rep->signing_key == CCS_SNP_KEY_VLEK ? "VLEK" : "VCEK", cn);
}

/* Product: the report's CPUID (version 3+) decides; for version 2 the key
 * certificate's product name, or else its issuer's name, decides. When both
 * are known they must agree (a Milan VCEK cannot sign a Genoa report). */
static void decide_product(sctx *s) {
    char cn[64];
    ccs_snp_product rp = ccs_snp_report_product(s->rep), cp = CCS_SNP_PRODUCT_UNKNOWN;
    if (s->ext_ok && s->ext.has_product) cp = s->ext.product;
    else if (ccs_x509_issuer_cn(s->c->key_cert, cn, sizeof cn) == CCS_OK) cp = ccs_snp_product_from_cn(cn);
    if (rp && cp && rp != cp) {
        sfail(s, CCS_CHECK_SNP_VCEK_PRODUCT, "the report is from a %s CPU (CPUID %02x/%02x), the certificate is for %s",
              ccs_snp_product_name(rp), s->rep->cpuid_family, s->rep->cpuid_model, ccs_snp_product_name(cp));
        s->product = rp;
        return;
    }
    s->product = rp ? rp : cp;
    if (s->product == CCS_SNP_PRODUCT_UNKNOWN)
        sfail(s, CCS_CHECK_SNP_VCEK_PRODUCT, "cannot tell the product (Milan, Genoa, Turin) of the report or certificate");
}

/* ---- chain ------------------------------------------------------------------------- */

static void window(const ccs_x509_chain *ch, const ccs_x509 *root, ccs_time *lo, ccs_time *hi) {
    ccs_time a, b;
    *lo = INT64_MIN;
    *hi = INT64_MAX;
    for (size_t i = 0; i <= ccs_x509_chain_len(ch); i++) {
        const ccs_x509 *x = i < ccs_x509_chain_len(ch) ? ccs_x509_chain_get(ch, i) : root;
        if (ccs_x509_validity(x, &a, &b) != CCS_OK) continue;
        if (a > *lo) *lo = a;
        if (b < *hi) *hi = b;
    }
}

/* KDS shape: key certificate, ASK (VCEK) or ASVK (VLEK) of the product, and
 * optionally the ARK, which must then be the pinned one byte for byte. */
static ccs_status verify_chain_once(sctx *s, const ccs_x509 *ark) {
    const ccs_snp_collateral *c = s->c;
    char cn[64], want[64];
    CCS_ENSURE(c->n_issuers == 1 || c->n_issuers == 2, CCS_ERR_CERT,
               "cert_chain has %zu certificates, expected the %s and optionally the ARK", c->n_issuers,
               s->leaf_vlek ? "ASVK" : "ASK");
    CCS_ENSURE(c->n_issuers == 1 || ccs_x509_equal(ccs_x509_chain_get(c->chain, 2), ark), CCS_ERR_UNTRUSTED,
               "the chain's ARK is not the pinned ARK-%s", ccs_snp_product_name(s->product));
    CCS_TRY(ccs_x509_subject_cn(ccs_x509_chain_get(c->chain, 1), cn, sizeof cn));
    snprintf(want, sizeof want, "SEV-%s%s", s->leaf_vlek ? "VLEK-" : "", ccs_snp_product_name(s->product));
    CCS_ENSURE(strcmp(cn, want) == 0, CCS_ERR_CERT, "the issuing certificate is \"%s\", expected \"%s\"", cn, want);
    return ccs_x509_verify_chain(c->chain, ark, NULL, 0, s->opt->now);
}

static void check_chain(sctx *s) {
    if (s->product == CCS_SNP_PRODUCT_UNKNOWN) {
        sfail(s, CCS_CHECK_SNP_VCEK_CHAIN, "no pinned ARK for an unknown product");
        return;
    }
    const ccs_x509 *ark = ccs_snp_pinned_ark(s->product);
    if (ark == NULL) {
        sfail(s, CCS_CHECK_SNP_VCEK_CHAIN, "built-in ARK-%s does not parse", ccs_snp_product_name(s->product));
        return;
    }
    snp_chain_memo *m = &s->c->memo[s->product];
    pthread_mutex_lock(&s->c->lock);
    bool cached = m->ok && s->opt->now >= m->lo && s->opt->now <= m->hi;
    if (!cached) {
        ccs_status st = verify_chain_once(s, ark);
        if (st == CCS_OK) {
            m->ok = true;
            window(s->c->chain, ark, &m->lo, &m->hi);
            m->hi -= 1; /* OpenSSL: the notAfter second itself is outside */
        } else {
            sfail(s, CCS_CHECK_SNP_VCEK_CHAIN, "%s chain to ARK-%s: %s", s->leaf_vlek ? "VLEK" : "VCEK",
                  ccs_snp_product_name(s->product), ccs_error_detail());
        }
    }
    pthread_mutex_unlock(&s->c->lock);
}

/* AMD's CRL (KDS /vcek/v1/<product>/crl), when the caller gave one: it
 * must be the pinned ARK's, current, and list neither the ASK/ASVK nor the
 * VCEK/VLEK. Without one the result says revocation was not checked. */
static void check_crl(sctx *s) {
    if (s->c->crl == NULL) return;
    const ccs_x509 *ark = ccs_snp_pinned_ark(s->product);
    if (ark == NULL) {
        sfail(s, CCS_CHECK_SNP_ARK_CRL, "no pinned ARK to verify the CRL with");
        return;
    }
    if (ccs_snp_crl_judge(s->c, ark, s->leaf_vlek, s->opt->now) != CCS_OK) {
        sfail(s, CCS_CHECK_SNP_ARK_CRL, "%s", ccs_error_detail());
        return;
    }
    s->res->crl_checked = true;
}

/* ---- signature ---------------------------------------------------------------------- */

/* R and S are 72-byte little-endian fields holding 48-byte values: the
 * upper 24 bytes must be zero (else the signature is not a P-384 one). */
static void check_signature(sctx *s) {
    const ccs_snp_report *r = s->rep;
    uint8_t rs[96];
    if (s->c->key == NULL || ccs_pubkey_curve(s->c->key) != CCS_CURVE_P384) {
        sfail(s, CCS_CHECK_SNP_REPORT_SIGNATURE, "the certificate's key is not an ECDSA P-384 key");
        return;
    }
    if (!ccs_bytes_is_zero(ccs_bytes_of(r->sig_r.ptr + 48, 24)) || !ccs_bytes_is_zero(ccs_bytes_of(r->sig_s.ptr + 48, 24))) {
        sfail(s, CCS_CHECK_SNP_REPORT_SIGNATURE, "signature R or S is wider than 48 bytes");
        return;
    }
    for (int i = 0; i < 48; i++) {
        rs[47 - i] = r->sig_r.ptr[i];
        rs[95 - i] = r->sig_s.ptr[i];
    }
    if (ccs_ecdsa_verify_raw(s->c->key, r->signed_data, ccs_bytes_of(rs, sizeof rs)) != CCS_OK)
        sfail(s, CCS_CHECK_SNP_REPORT_SIGNATURE, "report signature does not verify with the %s key: %s",
              s->leaf_vlek ? "VLEK" : "VCEK", ccs_error_detail());
}

/* ---- extensions against the report ---------------------------------------------------- */

static void check_tcb(sctx *s) {
    const ccs_snp_tcb *e = &s->ext.tcb, *t = &s->res->reported_tcb;
    bool turin = s->product == CCS_SNP_PRODUCT_TURIN;
    if (turin != s->ext.has_fmc) {
        sfail(s, CCS_CHECK_SNP_VCEK_TCB, "the certificate %s an FMC SPL, but the product is %s",
              s->ext.has_fmc ? "has" : "lacks", ccs_snp_product_name(s->product));
        return;
    }
    if (e->bootloader != t->bootloader || e->tee != t->tee || e->snp != t->snp || e->microcode != t->microcode ||
        (turin && e->fmc != t->fmc))
        sfail(s, CCS_CHECK_SNP_VCEK_TCB,
              "certificate TCB (fmc %u, bl %u, tee %u, snp %u, ucode %u) is not the reported TCB (fmc %u, bl %u, "
              "tee %u, snp %u, ucode %u)",
              e->fmc, e->bootloader, e->tee, e->snp, e->microcode, t->fmc, t->bootloader, t->tee, t->snp,
              t->microcode);
}

/* A VCEK names one chip: its hwID must equal CHIP_ID (first 8 bytes on
 * Turin, whose hwID is 8 bytes). A masked (zero) chip id cannot be matched,
 * so a VCEK-signed report must carry it; a VLEK names no chip. */
static void check_hwid(sctx *s) {
    const ccs_snp_report *r = s->rep;
    if (s->leaf_vlek || r->signing_key == CCS_SNP_KEY_VLEK) return;
    if (ccs_bytes_is_zero(r->chip_id)) {
        sfail(s, CCS_CHECK_SNP_VCEK_HWID, "the chip id is masked (zero), so the VCEK cannot be matched to the chip");
        return;
    }
    size_t n = s->ext.hwid_len;
    if (n == 0) {
        sfail(s, CCS_CHECK_SNP_VCEK_HWID, "the VCEK has no hwID extension");
    } else if (n == 8 && s->product != CCS_SNP_PRODUCT_TURIN) {
        sfail(s, CCS_CHECK_SNP_VCEK_HWID, "an 8-byte hwID is for Turin, the product is %s",
              ccs_snp_product_name(s->product));
    } else if (memcmp(s->ext.hwid, r->chip_id.ptr, n) != 0) {
        sfail(s, CCS_CHECK_SNP_VCEK_HWID, "the VCEK's hwID is not the report's chip id (a VCEK of another chip)");
    }
}

/* ---- claims and policy ------------------------------------------------------------------ */

#define COPY(dst, view) memcpy((dst), (view).ptr, sizeof(dst))

static void copy_claims(sctx *s) {
    const ccs_snp_report *r = s->rep;
    ccs_snp_result *o = s->res;
    o->report_version = r->version;
    o->signing_key = r->signing_key;
    o->policy = r->policy;
    o->platform_info = r->platform_info;
    o->vmpl = r->vmpl;
    o->guest_svn = r->guest_svn;
    o->debug = (r->policy & POLICY_DEBUG) != 0;
    COPY(o->measurement, r->measurement);
    COPY(o->host_data, r->host_data);
    COPY(o->report_data, r->report_data);
    COPY(o->family_id, r->family_id);
    COPY(o->image_id, r->image_id);
    COPY(o->chip_id, r->chip_id);
    COPY(o->id_key_digest, r->id_key_digest);
    COPY(o->author_key_digest, r->author_key_digest);
    COPY(o->report_id, r->report_id);
}

static void decode_tcbs(sctx *s) {
    ccs_snp_result *o = s->res;
    o->product = s->product;
    o->reported_tcb = ccs_snp_tcb_decode(s->rep->reported_tcb, s->product);
    o->current_tcb = ccs_snp_tcb_decode(s->rep->current_tcb, s->product);
    o->committed_tcb = ccs_snp_tcb_decode(s->rep->committed_tcb, s->product);
    o->launch_tcb = ccs_snp_tcb_decode(s->rep->launch_tcb, s->product);
}

static void check_policy(sctx *s) {
    const ccs_snp_options *o = s->opt;
    const ccs_snp_result *r = s->res;
    if ((r->policy & POLICY_DEBUG) && !o->allow_debug)
        sfail(s, CCS_CHECK_SNP_POLICY_DEBUG, "the guest policy allows debugging (bit 19)");
    if ((r->policy & POLICY_MIGRATE_MA) && !o->allow_migration_agent)
        sfail(s, CCS_CHECK_SNP_POLICY_MIGRATION, "the guest policy allows a migration agent (bit 18)");
    if ((r->policy & POLICY_SMT) && o->refuse_smt)
        sfail(s, CCS_CHECK_SNP_POLICY_SMT, "the guest policy allows SMT (bit 16)");
    if (r->vmpl > o->max_vmpl)
        sfail(s, CCS_CHECK_SNP_VMPL, "the report was requested at VMPL %u (at most %u accepted)", r->vmpl, o->max_vmpl);
    if (!ccs_report_data_matches(r->report_data, o->report_data))
        sfail(s, CCS_CHECK_REPORT_DATA, "report data does not match the expected value");
    const ccs_snp_tcb *m = o->min_tcb, *t = &r->reported_tcb;
    if (m && (t->bootloader < m->bootloader || t->tee < m->tee || t->snp < m->snp || t->microcode < m->microcode ||
              (s->product == CCS_SNP_PRODUCT_TURIN && t->fmc < m->fmc)))
        sfail(s, CCS_CHECK_SNP_MIN_TCB,
              "reported TCB (fmc %u, bl %u, tee %u, snp %u, ucode %u) is below the minimum (fmc %u, bl %u, tee %u, "
              "snp %u, ucode %u)",
              t->fmc, t->bootloader, t->tee, t->snp, t->microcode, m->fmc, m->bootloader, m->tee, m->snp, m->microcode);
}

/* ---- entry point ---------------------------------------------------------------------------- */

ccs_status ccs_snp_verify(ccs_bytes report, ccs_snp_collateral *coll, const ccs_snp_options *opt,
                          ccs_snp_result *out) {
    ccs_snp_report rep;
    sctx s;
    CCS_ENSURE(coll != NULL && opt != NULL && out != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    memset(out, 0, sizeof *out);
    memset(&s, 0, sizeof s);
    s.rep = &rep;
    s.c = coll;
    s.opt = opt;
    s.res = out;
    if (ccs_snp_report_parse(report, &rep) != CCS_OK) {
        sfail(&s, CCS_CHECK_SNP_REPORT_FORMAT, "%s", ccs_error_detail());
        return ccs_error_set(CCS_ERR_VERIFY, CCS_HERE, "report does not parse");
    }
    copy_claims(&s);
    check_key_kind(&s);
    s.ext_ok = ccs_snp_cert_ext_parse(coll->key_cert, &s.ext) == CCS_OK;
    if (!s.ext_ok) sfail(&s, CCS_CHECK_SNP_VCEK_TCB, "certificate extensions: %s", ccs_error_detail());
    decide_product(&s);
    decode_tcbs(&s);
    check_chain(&s);
    check_crl(&s);
    check_signature(&s);
    if (s.ext_ok && s.product) {
        check_tcb(&s);
        check_hwid(&s);
    }
    check_policy(&s);
    out->pass = out->n_failed == 0;
    if (!out->pass)
        return ccs_error_set(CCS_ERR_VERIFY, CCS_HERE, "%s: %s", out->failed[0].name, out->failed[0].message);
    return CCS_OK;
}
