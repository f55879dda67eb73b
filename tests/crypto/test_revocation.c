/* Revocation and path validation on a PKI generated at test time:
 * root -> intermediate -> leaf, with CRLs from the root and the
 * intermediate. */
#include <stdlib.h>
#include <string.h>

#include "test_crypto.h"
#include "test_pki.h"

#define AT ((time_t)TEST_INTEL_ASOF)
#define DAY ((time_t)86400)

typedef struct fixture {
    test_pki p;
    ccs_x509 *root;
    ccs_x509_chain *chain;     /* leaf, intermediate */
    ccs_crl *root_crl;         /* from the root, lists nothing */
    ccs_crl *inter_crl;        /* from the intermediate, lists nothing */
    ccs_crl *inter_crl_revoke; /* from the intermediate, lists the leaf */
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    test_pki_build(&f->p, AT - 30 * DAY, AT + 365 * DAY);
    f->root = test_pki_ccs_cert(f->p.root);
    X509 *certs[] = {f->p.leaf, f->p.inter};
    f->chain = test_pki_ccs_chain(certs, 2);
    X509_CRL *c = test_pki_crl(f->p.root, f->p.root_key, NULL, AT - DAY, AT + 30 * DAY);
    f->root_crl = test_pki_ccs_crl(c);
    X509_CRL_free(c);
    c = test_pki_crl(f->p.inter, f->p.inter_key, NULL, AT - DAY, AT + 30 * DAY);
    f->inter_crl = test_pki_ccs_crl(c);
    X509_CRL_free(c);
    c = test_pki_crl(f->p.inter, f->p.inter_key, f->p.leaf, AT - DAY, AT + 30 * DAY);
    f->inter_crl_revoke = test_pki_ccs_crl(c);
    X509_CRL_free(c);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    ccs_x509_free(f->root);
    ccs_x509_chain_free(f->chain);
    ccs_crl_free(f->root_crl);
    ccs_crl_free(f->inter_crl);
    ccs_crl_free(f->inter_crl_revoke);
    test_pki_free(&f->p);
    free(f);
    return 0;
}

static void test_clean_crls(void **state) {
    fixture *f = *state;
    const ccs_crl *crls[] = {f->inter_crl, f->root_crl};
    assert_int_equal(ccs_x509_verify_chain(f->chain, f->root, NULL, 0, AT), CCS_OK);
    assert_int_equal(ccs_x509_verify_chain(f->chain, f->root, crls, 2, AT), CCS_OK);
    /* The root's own CRL may be absent: the pinned root is not checked. */
    const ccs_crl *rev_first[] = {f->root_crl, f->inter_crl};
    assert_int_equal(ccs_x509_verify_chain(f->chain, f->root, rev_first, 2, AT), CCS_OK);
}

static void test_leaf_revoked(void **state) {
    fixture *f = *state;
    const ccs_crl *crls[] = {f->inter_crl_revoke, f->root_crl};
    assert_int_equal(ccs_x509_verify_chain(f->chain, f->root, crls, 2, AT), CCS_ERR_REVOKED);
    assert_non_null(strstr(ccs_error_detail(), "revoked"));
    assert_non_null(strstr(ccs_error_detail(), "depth 0"));
    /* Without CRL checking the chain itself is fine. */
    assert_int_equal(ccs_x509_verify_chain(f->chain, f->root, NULL, 0, AT), CCS_OK);
    /* The direct CRL helpers agree. */
    const ccs_x509 *leaf = ccs_x509_chain_get(f->chain, 0), *inter = ccs_x509_chain_get(f->chain, 1);
    assert_int_equal(ccs_crl_check(f->inter_crl_revoke, leaf), CCS_ERR_REVOKED);
    assert_int_equal(ccs_crl_check(f->inter_crl, leaf), CCS_OK);
    assert_int_equal(ccs_crl_check(f->inter_crl_revoke, inter), CCS_ERR_MISMATCH);
    assert_int_equal(ccs_crl_verify(f->inter_crl_revoke, inter), CCS_OK);
    assert_int_equal(ccs_crl_verify(f->inter_crl_revoke, f->root), CCS_ERR_MISMATCH);
}

static void test_intermediate_revoked(void **state) {
    fixture *f = *state;
    X509_CRL *c = test_pki_crl(f->p.root, f->p.root_key, f->p.inter, AT - DAY, AT + 30 * DAY);
    ccs_crl *root_revoke = test_pki_ccs_crl(c);
    X509_CRL_free(c);
    const ccs_crl *crls[] = {f->inter_crl, root_revoke};
    assert_int_equal(ccs_x509_verify_chain(f->chain, f->root, crls, 2, AT), CCS_ERR_REVOKED);
    assert_non_null(strstr(ccs_error_detail(), "depth 1"));
    ccs_crl_free(root_revoke);
}

static void test_missing_crl(void **state) {
    fixture *f = *state;
    /* No CRL from the intermediate (covers the leaf). */
    const ccs_crl *root_only[] = {f->root_crl};
    assert_int_equal(ccs_x509_verify_chain(f->chain, f->root, root_only, 1, AT), CCS_ERR_NOT_FOUND);
    /* No CRL from the root (covers the intermediate). */
    const ccs_crl *inter_only[] = {f->inter_crl};
    assert_int_equal(ccs_x509_verify_chain(f->chain, f->root, inter_only, 1, AT), CCS_ERR_NOT_FOUND);
    assert_non_null(strstr(ccs_error_detail(), "depth 1"));
    /* A list with no CRLs at all. */
    assert_int_equal(ccs_x509_verify_chain(f->chain, f->root, root_only, 0, AT), CCS_ERR_NOT_FOUND);
}

static void test_crl_window(void **state) {
    fixture *f = *state;
    X509_CRL *c = test_pki_crl(f->p.inter, f->p.inter_key, NULL, AT - 10 * DAY, AT - DAY);
    ccs_crl *expired = test_pki_ccs_crl(c);
    X509_CRL_free(c);
    c = test_pki_crl(f->p.inter, f->p.inter_key, NULL, AT + DAY, AT + 10 * DAY);
    ccs_crl *future = test_pki_ccs_crl(c);
    X509_CRL_free(c);

    const ccs_crl *crls[] = {expired, f->root_crl};
    assert_int_equal(ccs_x509_verify_chain(f->chain, f->root, crls, 2, AT), CCS_ERR_EXPIRED);
    assert_non_null(strstr(ccs_error_detail(), "CRL has expired"));
    crls[0] = future;
    assert_int_equal(ccs_x509_verify_chain(f->chain, f->root, crls, 2, AT), CCS_ERR_EXPIRED);
    assert_non_null(strstr(ccs_error_detail(), "CRL is not yet valid"));

    ccs_time tu, nu;
    assert_int_equal(ccs_crl_window(expired, &tu, &nu), CCS_OK);
    assert_int_equal(tu, (ccs_time)(AT - 10 * DAY));
    assert_int_equal(nu, (ccs_time)(AT - DAY));
    ccs_crl_free(expired);
    ccs_crl_free(future);
}

static void test_crl_wrong_signer(void **state) {
    fixture *f = *state;
    /* Named after the intermediate but signed with the leaf's key. */
    X509_CRL *c = test_pki_crl(f->p.inter, f->p.leaf_key, NULL, AT - DAY, AT + 30 * DAY);
    ccs_crl *forged = test_pki_ccs_crl(c);
    X509_CRL_free(c);
    const ccs_crl *crls[] = {forged, f->root_crl};
    assert_int_equal(ccs_x509_verify_chain(f->chain, f->root, crls, 2, AT), CCS_ERR_SIGNATURE);
    assert_int_equal(ccs_crl_verify(forged, ccs_x509_chain_get(f->chain, 1)), CCS_ERR_SIGNATURE);
    ccs_crl_free(forged);
}

static void test_paths(void **state) {
    fixture *f = *state;
    /* The root inside the chain is ignored as an anchor but harmless. */
    X509 *with_root[] = {f->p.leaf, f->p.inter, f->p.root};
    ccs_x509_chain *ch = test_pki_ccs_chain(with_root, 3);
    assert_int_equal(ccs_x509_verify_chain(ch, f->root, NULL, 0, AT), CCS_OK);
    ccs_x509_chain_free(ch);

    /* Leaf alone: no path. */
    X509 *leaf_only[] = {f->p.leaf};
    ch = test_pki_ccs_chain(leaf_only, 1);
    assert_int_equal(ccs_x509_verify_chain(ch, f->root, NULL, 0, AT), CCS_ERR_UNTRUSTED);
    ccs_x509_chain_free(ch);

    /* An attacker's self-signed root with the same name as the real one,
     * carried in the chain, must not become an anchor. */
    EVP_PKEY *evil_key = test_pki_key();
    X509 *evil_root = test_pki_cert("Test Root CA", evil_key, NULL, evil_key, true, 1, AT - DAY, AT + DAY);
    X509 *evil_inter = test_pki_cert("Test Intermediate CA", evil_key, evil_root, evil_key, true, 2, AT - DAY,
                                     AT + DAY);
    X509 *evil_leaf = test_pki_cert("Test Leaf", evil_key, evil_inter, evil_key, false, 3, AT - DAY, AT + DAY);
    X509 *evil[] = {evil_leaf, evil_inter, evil_root};
    ch = test_pki_ccs_chain(evil, 3);
    ccs_status st = ccs_x509_verify_chain(ch, f->root, NULL, 0, AT);
    /* The names chain but the key identifiers do not, so OpenSSL never
     * takes the pinned root as the issuer: no path. */
    assert_int_equal(st, CCS_ERR_UNTRUSTED);
    ccs_x509_chain_free(ch);
    /* A self-signed leaf that is not the root. */
    X509 *self[] = {evil_root};
    ch = test_pki_ccs_chain(self, 1);
    assert_int_equal(ccs_x509_verify_chain(ch, f->root, NULL, 0, AT), CCS_ERR_UNTRUSTED);
    ccs_x509_chain_free(ch);
    X509_free(evil_leaf);
    X509_free(evil_inter);
    X509_free(evil_root);
    EVP_PKEY_free(evil_key);

    /* A leaf certificate acting as a CA is refused (basic constraints). */
    X509 *sub = test_pki_cert("Sub Leaf", f->p.leaf_key, f->p.leaf, f->p.leaf_key, false, 4, AT - DAY, AT + DAY);
    X509 *bad_ca[] = {sub, f->p.leaf, f->p.inter};
    ch = test_pki_ccs_chain(bad_ca, 3);
    assert_int_equal(ccs_x509_verify_chain(ch, f->root, NULL, 0, AT), CCS_ERR_CERT);
    ccs_x509_chain_free(ch);
    X509_free(sub);

    /* Validity of the pinned root itself. */
    assert_int_equal(ccs_x509_verify_chain(f->chain, f->root, NULL, 0, AT + 400 * DAY), CCS_ERR_EXPIRED);
    assert_non_null(strstr(ccs_error_detail(), "root"));
}

int test_group_revocation(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_crls),    cmocka_unit_test(test_leaf_revoked),
        cmocka_unit_test(test_intermediate_revoked), cmocka_unit_test(test_missing_crl),
        cmocka_unit_test(test_crl_window),    cmocka_unit_test(test_crl_wrong_signer),
        cmocka_unit_test(test_paths),
    };
    return cmocka_run_group_tests_name("crypto/revocation", tests, setup, teardown);
}
