#include <stdio.h>
#include <string.h>

#include "attest_tests.h"
#include "testutil.h"

ccs_buf tu_read(const char *rel) {
    char path[1024];
    ccs_buf b = {0};
    if (snprintf(path, sizeof path, "%s/%s", ATT_DIR, rel) >= (int)sizeof path) fail_msg("path too long: %s", rel);
    if (ccs_file_read(path, 1u << 22, &b) != CCS_OK) fail_msg("cannot read %s: %s", path, ccs_error_detail());
    return b;
}

ccs_collateral *tu_collateral_dir(const char *rel) {
    char path[1024];
    ccs_collateral *c = NULL;
    if (snprintf(path, sizeof path, "%s/%s", ATT_DIR, rel) >= (int)sizeof path) fail_msg("path too long: %s", rel);
    if (ccs_collateral_load_path(path, &c) != CCS_OK) fail_msg("collateral %s: %s", path, ccs_error_detail());
    return c;
}

void tu_raw_from_dir(const char *rel, ccs_collateral_raw *raw, ccs_buf bufs[9]) {
    static const char *const names[9] = {"tcb_info.json", "tcb_info_issuer_chain.pem", "qe_identity.json",
                                         "qe_identity_issuer_chain.pem", "pck_crl.der", "pck_crl_issuer_chain.pem",
                                         "root_ca_crl.der", NULL, NULL};
    char path[1024];
    memset(raw, 0, sizeof *raw);
    for (int i = 0; i < 7; i++) {
        snprintf(path, sizeof path, "%s/%s", rel, names[i]);
        bufs[i] = tu_read(path);
    }
    bufs[7] = (ccs_buf){0};
    bufs[8] = (ccs_buf){0};
    raw->tcb_info = ccs_buf_view(&bufs[0]);
    raw->tcb_info_issuer_chain = ccs_buf_view(&bufs[1]);
    raw->qe_identity = ccs_buf_view(&bufs[2]);
    raw->qe_identity_issuer_chain = ccs_buf_view(&bufs[3]);
    raw->pck_crl = ccs_buf_view(&bufs[4]);
    raw->pck_crl_issuer_chain = ccs_buf_view(&bufs[5]);
    raw->root_ca_crl = ccs_buf_view(&bufs[6]);
}

void tu_bufs_free(ccs_buf *bufs, size_t n) {
    for (size_t i = 0; i < n; i++) ccs_buf_free(&bufs[i]);
}

bool tu_failed_exactly(const ccs_dcap_result *r, const char *const *names, size_t n) {
    if (r->n_failed != n) return false;
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < r->n_failed && !found; k++) found = strcmp(r->failed[k].name, names[i]) == 0;
        if (!found) return false;
    }
    return true;
}

void tu_print_failed(const ccs_dcap_result *r) {
    for (size_t i = 0; i < r->n_failed; i++) print_message("  failed: %s: %s\n", r->failed[i].name, r->failed[i].message);
}

void tu_doc_is_text(json_t *doc, const char *js) {
    json_t *parsed = json_loads(js, 0, NULL);
    assert_non_null(doc);
    assert_true(json_equal(doc, parsed));
    json_decref(doc);
    json_decref(parsed);
}
