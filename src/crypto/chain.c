/* Certificate path validation against a pinned root (RFC 5280 section 6)
 * with OpenSSL's X509_verify_cert, optionally with CRLs for every
 * certificate below the root. */
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "crypto_internal.h"

static ccs_status map_verify_error(int err) {
    switch (err) {
    case X509_V_ERR_CERT_REVOKED: return CCS_ERR_REVOKED;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID: return CCS_ERR_EXPIRED;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return CCS_ERR_UNTRUSTED;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE: return CCS_ERR_SIGNATURE;
    case X509_V_ERR_UNABLE_TO_GET_CRL: return CCS_ERR_NOT_FOUND;
    default: return CCS_ERR_CERT;
    }
}

/* With X509_V_FLAG_CRL_CHECK_ALL OpenSSL also asks for a CRL covering the
 * trust anchor itself. A pinned root is trusted by configuration, not by
 * revocation status (RFC 5280 section 6.1: the trust anchor is an input to,
 * not part of, the path), so only that one complaint is waived: a root CRL
 * that is present and lists the root still revokes it. */
static int verify_cb(int ok, X509_STORE_CTX *ctx) {
    if (ok) return ok;
    if (X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL) {
        STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
        int depth = X509_STORE_CTX_get_error_depth(ctx);
        const X509 *anchor = X509_STORE_CTX_get_ex_data(ctx, 0);
        if (chain != NULL && depth == sk_X509_num(chain) - 1 &&
            X509_cmp(sk_X509_value(chain, depth), anchor) == 0)
            return 1;
    }
    return ok;
}

static ccs_status check_root_window(const ccs_x509 *root, ccs_time at) {
    ccs_time nb, na;
    CCS_TRY(ccs_x509_validity(root, &nb, &na));
    CCS_ENSURE(at >= nb, CCS_ERR_EXPIRED, "x509: pinned root is not yet valid at %lld", (long long)at);
    /* Same boundary as X509_cmp_time for the other certificates: the
     * notAfter second itself counts as expired. */
    CCS_ENSURE(at < na, CCS_ERR_EXPIRED, "x509: pinned root has expired at %lld", (long long)at);
    return CCS_OK;
}

/* Builds the untrusted intermediates: chain[1..] minus copies of the root
 * and any other self-signed certificate (which must never act as an anchor
 * and is useless as an intermediate). */
static ccs_status untrusted_stack(const ccs_x509_chain *chain, const ccs_x509 *root, STACK_OF(X509) **out) {
    STACK_OF(X509) *sk = sk_X509_new_null();
    CCS_ENSURE(sk != NULL, CCS_ERR_NOMEM, "x509: allocation failed");
    for (size_t i = 1; i < chain->n; i++) {
        const ccs_x509 *c = chain->certs[i];
        if (ccs_x509_equal(c, root) || X509_self_signed(c->x, 0) == 1) continue;
        if (!sk_X509_push(sk, c->x)) {
            sk_X509_free(sk);
            CCS_BAIL(CCS_ERR_NOMEM, "x509: allocation failed");
        }
    }
    ERR_clear_error();
    *out = sk;
    return CCS_OK;
}

ccs_status ccs_x509_verify_chain(const ccs_x509_chain *chain, const ccs_x509 *root,
                                 const ccs_crl *const *crls, size_t ncrls, ccs_time at) {
    CCS_ENSURE(chain != NULL && chain->n > 0 && root != NULL, CCS_ERR_INVALID_ARG,
               "x509: empty chain or NULL root");
    CCS_ENSURE(crls != NULL || ncrls == 0, CCS_ERR_INVALID_ARG, "x509: NULL CRL list");
    CCS_ENSURE(ncrls <= 64, CCS_ERR_INVALID_ARG, "x509: too many CRLs (%zu)", ncrls);
    for (size_t i = 0; i < ncrls; i++) CCS_ENSURE(crls[i] != NULL, CCS_ERR_INVALID_ARG, "x509: CRL %zu is NULL", i);
    CCS_TRY(check_root_window(root, at));

    ccs_status st = CCS_ERR_NOMEM;
    STACK_OF(X509) *untrusted = NULL;
    STACK_OF(X509_CRL) *crl_sk = NULL;
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (store == NULL || ctx == NULL || X509_STORE_add_cert(store, root->x) != 1) goto fail_ossl;
    st = untrusted_stack(chain, root, &untrusted);
    if (st != CCS_OK) goto out;
    st = CCS_ERR_NOMEM;
    if (X509_STORE_CTX_init(ctx, store, chain->certs[0]->x, untrusted) != 1) goto fail_ossl;

    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(param, (time_t)at);
    if (crls != NULL) {
        crl_sk = sk_X509_CRL_new_null();
        if (crl_sk == NULL) goto fail_ossl;
        for (size_t i = 0; i < ncrls; i++) {
            if (!sk_X509_CRL_push(crl_sk, crls[i]->crl)) goto fail_ossl;
        }
        X509_STORE_CTX_set0_crls(ctx, crl_sk);
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
        X509_STORE_CTX_set_ex_data(ctx, 0, root->x);
        X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
    }

    int rc = X509_verify_cert(ctx);
    if (rc == 1) {
        st = CCS_OK;
        goto out;
    }
    int err = X509_STORE_CTX_get_error(ctx);
    if (err == X509_V_OK) goto fail_ossl_crypto;
    st = ccs_error_set(map_verify_error(err), CCS_HERE, "x509: chain verification failed at depth %d: %s (%d)",
                       X509_STORE_CTX_get_error_depth(ctx), X509_verify_cert_error_string(err), err);
    ERR_clear_error();
    goto out;

fail_ossl_crypto:
    st = CCS_ERR_CRYPTO;
fail_ossl:
    st = ccs__ossl_fail(st, CCS_HERE, "x509: chain verification could not run");
out:
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_free(untrusted);
    sk_X509_CRL_free(crl_sk);
    return st;
}
