/* Per-loop cache of the parsed attestation and resource policies, keyed by
 * their text: every request still reads the text from the store, so an
 * update through the admin API (on any loop) or another process takes effect
 * on the next request; the parse, which is most of the cost, happens only
 * when the text changed. */
#include <stdlib.h>
#include <string.h>

#include "server_internal.h"

void kbs_policy_cache_clear(kbs_policy_cache *c) {
    free(c->att_text);
    free(c->res_text);
    ccs_kbs_attestation_policy_free(c->att);
    ccs_kbs_resource_policy_free(c->res);
    memset(c, 0, sizeof *c);
}

/* The policy text of kind; *same when it equals *cached. */
static ccs_status fetch(kbs_worker *w, ccs_kbs_policy_kind kind, const char *cached, char **text, bool *same) {
    CCS_TRY(ccs_kbs_policy_get(w->srv->store, kind, text));
    *same = cached != NULL && strcmp(cached, *text) == 0;
    return CCS_OK;
}

ccs_status kbs_attestation_policy(kbs_worker *w, const ccs_kbs_attestation_policy **out) {
    kbs_policy_cache *c = &w->policies;
    char *text = NULL;
    bool same = false;
    CCS_TRY(fetch(w, CCS_KBS_POLICY_ATTESTATION, c->att_text, &text, &same));
    if (!same) {
        ccs_kbs_attestation_policy *p = NULL;
        ccs_status st = ccs_kbs_attestation_policy_parse(text, &p);
        if (st != CCS_OK) {
            free(text);
            return st;
        }
        ccs_kbs_attestation_policy_free(c->att);
        free(c->att_text);
        c->att = p;
        c->att_text = text;
        text = NULL;
    }
    free(text);
    *out = c->att;
    return CCS_OK;
}

ccs_status kbs_resource_policy(kbs_worker *w, const ccs_kbs_resource_policy **out) {
    kbs_policy_cache *c = &w->policies;
    char *text = NULL;
    bool same = false;
    CCS_TRY(fetch(w, CCS_KBS_POLICY_RESOURCE, c->res_text, &text, &same));
    if (!same) {
        ccs_kbs_resource_policy *p = NULL;
        ccs_status st = ccs_kbs_resource_policy_parse(text, &p);
        if (st != CCS_OK) {
            free(text);
            return st;
        }
        ccs_kbs_resource_policy_free(c->res);
        free(c->res_text);
        c->res = p;
        c->res_text = text;
        text = NULL;
    }
    free(text);
    *out = c->res;
    return CCS_OK;
}
