/* Collateral content checks and TCB evaluation (shared specs/attestation.md
 * section 1 steps 7-10, section 2 "Checks"; Intel QVL convergence rules). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "verify.h"

/* ---- TCB Info against the quote ----------------------------------------------------- */

void ccs_check_tcb_info_content(vctx *v) {
    const tcb_info *ti = &v->c->tcb;
    size_t before = v->res->n_failed;
    if (ti->tee != v->q->tee)
        ccs_vfail(v, CCS_CHECK_TCB_INFO, "TCB Info is for %s, the quote is %s", ccs_tee_name(ti->tee),
                  ccs_tee_name(v->q->tee));
    if (v->pck_ok && memcmp(ti->fmspc, v->pck.fmspc, 6) != 0)
        ccs_vfail(v, CCS_CHECK_FMSPC, "TCB Info FMSPC %02x%02x%02x%02x%02x%02x differs from the PCK's", ti->fmspc[0],
                  ti->fmspc[1], ti->fmspc[2], ti->fmspc[3], ti->fmspc[4], ti->fmspc[5]);
    if (v->pck_ok && memcmp(ti->pce_id, v->pck.pce_id, 2) != 0)
        ccs_vfail(v, CCS_CHECK_PCE_ID, "TCB Info PCE ID differs from the PCK's");
    if (v->res->n_failed != before) v->tcb_info_ok = false; /* for another platform */
}

/* ---- QE identity -------------------------------------------------------------------- */

static const isv_level *isv_match(const isv_level *levels, size_t n, uint16_t isvsvn) {
    /* Levels are sorted by isvsvn descending; the first one not above wins. */
    for (size_t i = 0; i < n; i++)
        if (levels[i].isvsvn <= isvsvn) return &levels[i];
    return NULL;
}

static bool masked_eq(const uint8_t *a, const uint8_t *mask, const uint8_t *want, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((a[i] & mask[i]) != want[i]) return false;
    return true;
}

static void add_advisories(vctx *v, const adv_list *a) {
    ccs_dcap_result *r = v->res;
    for (size_t i = 0; i < a->n; i++) {
        bool dup = false;
        for (size_t k = 0; k < r->n_advisories && !dup; k++) dup = strcmp(r->advisory_ids[k], a->ids[i]) == 0;
        if (dup || r->n_advisories >= CCS_DCAP_MAX_ADVISORIES) continue;
        memcpy(r->advisory_ids[r->n_advisories++], a->ids[i], sizeof a->ids[i]);
    }
}

static void note_date(vctx *v, ccs_time d) {
    if (v->res->tcb_date == 0 || d < v->res->tcb_date) v->res->tcb_date = d;
}

void ccs_check_qe_identity(vctx *v) {
    const qe_identity *qe = &v->c->qe;
    const ccs_sgx_report *rep = &v->q->qe_report;
    const char *want = v->q->tee == CCS_TEE_TDX ? "TD_QE" : "QE";
    if (strcmp(qe->id, want) != 0) {
        ccs_vfail(v, CCS_CHECK_QE_IDENTITY, "QE Identity is for %s, the quote needs %s", qe->id, want);
        return;
    }
    uint8_t misc[4] = {(uint8_t)rep->misc_select, (uint8_t)(rep->misc_select >> 8),
                       (uint8_t)(rep->misc_select >> 16), (uint8_t)(rep->misc_select >> 24)};
    uint8_t mmask[4] = {(uint8_t)qe->miscselect_mask, (uint8_t)(qe->miscselect_mask >> 8),
                        (uint8_t)(qe->miscselect_mask >> 16), (uint8_t)(qe->miscselect_mask >> 24)};
    uint8_t mwant[4] = {(uint8_t)qe->miscselect, (uint8_t)(qe->miscselect >> 8), (uint8_t)(qe->miscselect >> 16),
                        (uint8_t)(qe->miscselect >> 24)};
    if (memcmp(rep->mr_signer.ptr, qe->mrsigner, 32) != 0)
        ccs_vfail(v, CCS_CHECK_QE_IDENTITY_MATCH, "QE MRSIGNER differs from the QE Identity");
    if (rep->isv_prod_id != qe->isvprodid)
        ccs_vfail(v, CCS_CHECK_QE_IDENTITY_MATCH, "QE ISVPRODID %u differs from the QE Identity's %u",
                  rep->isv_prod_id, qe->isvprodid);
    if (!masked_eq(misc, mmask, mwant, 4))
        ccs_vfail(v, CCS_CHECK_QE_IDENTITY_MATCH, "QE MISCSELECT differs from the QE Identity");
    if (!masked_eq(rep->attributes.ptr, qe->attributes_mask, qe->attributes, 16))
        ccs_vfail(v, CCS_CHECK_QE_IDENTITY_MATCH, "QE ATTRIBUTES differ from the QE Identity");
    if (!v->qe_identity_ok) return; /* no status from an unauthentic identity */
    const isv_level *lv = isv_match(qe->levels, qe->n_levels, rep->isv_svn);
    if (lv == NULL) {
        v->res->qe_tcb_status = CCS_TCB_NOT_SUPPORTED;
        ccs_vfail(v, CCS_CHECK_QE_IDENTITY_MATCH, "QE ISVSVN %u is below every QE TCB level", rep->isv_svn);
        return;
    }
    v->res->qe_tcb_status = lv->status;
    add_advisories(v, &lv->adv);
    note_date(v, lv->date);
}

/* ---- TDX module identity ---------------------------------------------------------- */

/* TDX 1.5+: module version TEE_TCB_SVN[1] selects the identity "TDX_%02X";
 * MRSIGNERSEAM and SEAMATTRIBUTES must match and TEE_TCB_SVN[0] selects its
 * level. TDX 1.0 (version 0): only the top-level tdxModule is compared. */
static void check_tdx_module(vctx *v) {
    const tcb_info *ti = &v->c->tcb;
    const ccs_tdx_report *t = &v->q->tdx;
    uint8_t ver = t->tee_tcb_svn.ptr[1];
    if (ver == 0) {
        if (ti->has_tdx_module && (memcmp(t->mr_signer_seam.ptr, ti->tdx_mrsigner, 48) != 0 ||
                                   !masked_eq(t->seam_attributes.ptr, ti->tdx_attributes_mask, ti->tdx_attributes, 8)))
            ccs_vfail(v, CCS_CHECK_TDX_MODULE, "MRSIGNERSEAM/SEAMATTRIBUTES differ from the TCB Info's tdxModule");
        return;
    }
    char id[16];
    snprintf(id, sizeof id, "TDX_%02X", ver);
    const tdx_module_id *m = NULL;
    for (size_t i = 0; i < ti->n_modules && !m; i++)
        if (strcasecmp(ti->modules[i].id, id) == 0) m = &ti->modules[i];
    if (m == NULL) {
        ccs_vfail(v, CCS_CHECK_TDX_MODULE, "TCB Info has no module identity %s", id);
        return;
    }
    if (memcmp(t->mr_signer_seam.ptr, m->mrsigner, 48) != 0 ||
        !masked_eq(t->seam_attributes.ptr, m->attributes_mask, m->attributes, 8)) {
        ccs_vfail(v, CCS_CHECK_TDX_MODULE, "MRSIGNERSEAM/SEAMATTRIBUTES differ from module identity %s", id);
        return;
    }
    const isv_level *lv = isv_match(m->levels, m->n_levels, t->tee_tcb_svn.ptr[0]);
    if (lv == NULL) {
        v->res->tdx_module_tcb_status = CCS_TCB_NOT_SUPPORTED;
        ccs_vfail(v, CCS_CHECK_TDX_MODULE, "TDX module SVN %u is below every level of %s", t->tee_tcb_svn.ptr[0], id);
        return;
    }
    v->res->tdx_module_tcb_status = lv->status;
    add_advisories(v, &lv->adv);
    note_date(v, lv->date);
}

/* ---- platform TCB level -------------------------------------------------------------- */

static bool level_matches(const vctx *v, const tcb_level *lv) {
    for (int i = 0; i < 16; i++)
        if (v->pck.comp[i] < lv->sgx_comp[i]) return false;
    if (v->pck.pcesvn < lv->pcesvn) return false;
    if (v->q->tee != CCS_TEE_TDX) return true;
    const uint8_t *svn = v->q->tdx.tee_tcb_svn.ptr;
    /* With a module identity, bytes 0-1 were judged by it (TDX 1.5 rules). */
    for (int i = svn[1] > 0 ? 2 : 0; i < 16; i++)
        if (svn[i] < lv->tdx_comp[i]) return false;
    return true;
}

static const tcb_level *platform_level(vctx *v) {
    const tcb_info *ti = &v->c->tcb;
    for (size_t i = 0; i < ti->n_levels; i++) {
        if (!level_matches(v, &ti->levels[i])) continue;
        /* TDX 1.0: the matched level must name this module version. */
        if (v->q->tee == CCS_TEE_TDX && v->q->tdx.tee_tcb_svn.ptr[1] == 0 &&
            ti->levels[i].tdx_comp[1] != v->q->tdx.tee_tcb_svn.ptr[1])
            return NULL;
        return &ti->levels[i];
    }
    return NULL;
}

/* Intel QVL convergence: an OutOfDate or Revoked QE / TDX module makes the
 * whole OutOfDate (keeping the platform's configuration flag) or Revoked. */
static ccs_tcb_status converge(ccs_tcb_status platform, ccs_tcb_status other) {
    if (other == CCS_TCB_REVOKED || platform == CCS_TCB_REVOKED) return CCS_TCB_REVOKED;
    if (other != CCS_TCB_OUT_OF_DATE) return platform;
    if (platform == CCS_TCB_CONFIGURATION_NEEDED || platform == CCS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED ||
        platform == CCS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED)
        return CCS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    return CCS_TCB_OUT_OF_DATE;
}

void ccs_evaluate_tcb(vctx *v) {
    ccs_dcap_result *r = v->res;
    unsigned accept = v->opt->accept_tcb ? v->opt->accept_tcb : CCS_TCB_ACCEPT_DEFAULT;
    /* Only authentic TCB Info for this TEE, FMSPC and PCE ID is evaluated;
     * otherwise the check that failed says why and the status stays Unknown. */
    if (!v->pck_ok || !v->tcb_info_ok) return;
    if (v->q->tee == CCS_TEE_TDX) check_tdx_module(v);
    const tcb_level *lv = platform_level(v);
    if (lv == NULL) {
        r->platform_tcb_status = r->tcb_status = CCS_TCB_NOT_SUPPORTED;
        ccs_vfail(v, CCS_CHECK_TCB_LEVEL, "no TCB level matches the platform (TCB level not supported)");
        return;
    }
    r->platform_tcb_status = lv->status;
    add_advisories(v, &lv->adv);
    note_date(v, lv->date);
    ccs_tcb_status s = lv->status;
    if (r->tdx_module_tcb_status != CCS_TCB_UNKNOWN) s = converge(s, r->tdx_module_tcb_status);
    if (r->qe_tcb_status != CCS_TCB_UNKNOWN) s = converge(s, r->qe_tcb_status);
    if (r->tdx_module_tcb_status == CCS_TCB_NOT_SUPPORTED || r->qe_tcb_status == CCS_TCB_NOT_SUPPORTED)
        s = CCS_TCB_NOT_SUPPORTED;
    r->tcb_status = s;
    if (!(accept & CCS_TCB_BIT(s)))
        ccs_vfail(v, CCS_CHECK_TCB_STATUS, "TCB status %s is not accepted", ccs_tcb_status_name(s));
}
