/* TPM 2.0 AK enrollment, the verifier's side (docs/attest.md "TPM 2.0 AK
 * enrollment"): challenge = EK certificate chain + AK checks + a credential
 * for the AK's Name under the EK; enroll = the activated secret compared in
 * constant time, then an AK certificate. The protocol is TCG's "credential
 * activation" (TPM 2.0 Part 1, 24; TCG Infrastructure WG, TPM Keys for
 * Platform Identity, section 5): only the TPM holding the EK's private key
 * can decrypt the credential, and it does so only for an object with that
 * Name loaded beside it, so a correct answer proves the AK lives in that TPM. */
#include <jansson.h>
#include <string.h>

#include "tpm_enroll.h"

#define MAX_CA 16

static ccs_status parse_cert(ccs_bytes in, ccs_x509 **out) {
    static const char pem[] = "-----BEGIN";
    if (in.len >= sizeof pem - 1 && memmem(in.ptr, in.len, pem, sizeof pem - 1) != NULL)
        return ccs_x509_parse_pem(in, out);
    return ccs_x509_parse_der(in, out);
}

/* The EK certificate, then every certificate of the bundle, as one PEM
 * chain; each bundle certificate is tried as the trust anchor (the others
 * are intermediates), as a CA file is used by TLS clients. */
static ccs_status check_ek_chain(const ccs_x509 *ek, const ccs_tpm_challenge_options *opt) {
    CCS_ENSURE(opt->ek_ca != NULL && ccs_x509_chain_len(opt->ek_ca) > 0, CCS_ERR_INVALID_ARG,
               "tpm: an EK CA bundle is required");
    size_t n = ccs_x509_chain_len(opt->ek_ca);
    CCS_ENSURE(n <= MAX_CA, CCS_ERR_INVALID_ARG, "tpm: EK CA bundle of %zu certificates (at most %d)", n, MAX_CA);
    ccs_buf pem = {0};
    ccs_x509_chain *chain = NULL;
    ccs_status st = ccs_x509_to_pem(ek, &pem);
    for (size_t i = 0; i < n && st == CCS_OK; i++) st = ccs_x509_to_pem(ccs_x509_chain_get(opt->ek_ca, i), &pem);
    if (st == CCS_OK) st = ccs_x509_chain_parse_pem(ccs_buf_view(&pem), &chain);
    ccs_buf_free(&pem);
    if (st != CCS_OK) return st;
    ccs_status worst = CCS_ERR_UNTRUSTED;
    char why[512] = "";
    for (size_t i = 0; i < n; i++) {
        st = ccs_x509_verify_chain(chain, ccs_x509_chain_get(opt->ek_ca, i), NULL, 0, opt->now);
        if (st == CCS_OK) break;
        /* Report the most telling failure: an expired or badly signed
         * certificate rather than "no issuer" from the other anchors. */
        if (why[0] == '\0' || (st != CCS_ERR_UNTRUSTED && worst == CCS_ERR_UNTRUSTED)) {
            worst = st;
            snprintf(why, sizeof why, "%s", ccs_error_detail());
        }
    }
    ccs_x509_chain_free(chain);
    if (st == CCS_OK) return CCS_OK;
    CCS_BAIL(worst, "EK certificate does not chain to the given CA (%s)", why);
}

ccs_status ccs_tpm_challenge(ccs_bytes ek_cert, ccs_bytes ak_public, const ccs_tpm_challenge_options *opt,
                             ccs_tpm_credential *cred, ccs_tpm_challenge_state *state) {
    CCS_ENSURE(opt != NULL && cred != NULL && state != NULL && ek_cert.ptr != NULL, CCS_ERR_INVALID_ARG,
               "invalid argument");
    memset(state, 0, sizeof *state);
    memset(cred, 0, sizeof *cred);
    ccs_x509 *ek = NULL;
    ccs_tpm_public ekp, ak;
    ccs_status st = parse_cert(ek_cert, &ek);
    if (st != CCS_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", ccs_error_detail());
        CCS_BAIL(st, "tpm: the EK certificate does not parse: %s", why);
    }
    st = check_ek_chain(ek, opt);
    if (st == CCS_OK) st = ccs_tpm_ek_from_cert(ek, &ekp);
    ccs_x509_free(ek);
    if (st == CCS_OK) st = ccs_tpm_public_parse(ak_public, &ak);
    if (st == CCS_OK) st = ccs_tpm_ak_check(&ak);
    if (st == CCS_OK) st = ccs_random(state->secret, sizeof state->secret);
    if (st == CCS_OK)
        st = ccs_tpm_make_credential(&ekp, ccs_bytes_of(ak.name, ak.name_len),
                                     ccs_bytes_of(state->secret, sizeof state->secret), cred);
    if (st == CCS_OK) {
        memcpy(state->ak_name, ak.name, ak.name_len);
        state->ak_name_len = ak.name_len;
    } else {
        ccs_wipe(state, sizeof *state);
    }
    return st;
}

ccs_status ccs_tpm_challenge_state_json(const ccs_tpm_challenge_state *s, ccs_buf *out) {
    CCS_ENSURE(s != NULL && out != NULL && s->ak_name_len <= sizeof s->ak_name, CCS_ERR_INVALID_ARG,
               "invalid argument");
    char secret[65], name[2 * CCS_TPM_MAX_NAME + 1];
    CCS_TRY(ccs_hex_encode(ccs_bytes_of(s->secret, sizeof s->secret), secret, sizeof secret));
    CCS_TRY(ccs_hex_encode(ccs_bytes_of(s->ak_name, s->ak_name_len), name, sizeof name));
    json_t *o = json_pack("{s:i, s:s, s:s}", "version", 1, "secret", secret, "ak_name", name);
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    ccs_wipe(secret, sizeof secret);
    CCS_ENSURE(text != NULL, CCS_ERR_NOMEM, "out of memory");
    ccs_status st = ccs_buf_set(out, ccs_bytes_str(text));
    if (st == CCS_OK) st = ccs_buf_append(out, "\n", 1);
    ccs_wipe(text, strlen(text));
    free(text);
    return st;
}

ccs_status ccs_tpm_challenge_state_parse(ccs_bytes text, ccs_tpm_challenge_state *out) {
    CCS_ENSURE(out != NULL && text.ptr != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    memset(out, 0, sizeof *out);
    json_error_t err;
    json_t *o = json_loadb((const char *)text.ptr, text.len, JSON_REJECT_DUPLICATES, &err);
    CCS_ENSURE(o != NULL, CCS_ERR_FORMAT, "tpm: challenge state is not JSON (%s)", err.text);
    json_int_t version = 0;
    const char *secret = NULL, *name = NULL;
    ccs_buf nb = {0};
    ccs_status st = CCS_OK;
    if (json_unpack(o, "{s:I, s:s, s:s !}", "version", &version, "secret", &secret, "ak_name", &name) != 0 ||
        version != 1)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "tpm: challenge state needs version 1, secret, ak_name");
    if (st == CCS_OK && ccs_hex_decode_fixed(secret, strlen(secret), out->secret, sizeof out->secret) != CCS_OK)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "tpm: challenge state: secret is not 32 bytes of hex");
    if (st == CCS_OK && (ccs_hex_decode(name, strlen(name), &nb) != CCS_OK || nb.len < 3 ||
                         nb.len != 2 + ccs_tpm_name_hash_len((uint16_t)(nb.ptr[0] << 8 | nb.ptr[1]))))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "tpm: challenge state: ak_name is not a TPM Name");
    if (st == CCS_OK) {
        memcpy(out->ak_name, nb.ptr, nb.len);
        out->ak_name_len = nb.len;
    } else {
        ccs_wipe(out, sizeof *out);
    }
    ccs_buf_free(&nb);
    json_decref(o);
    return st;
}

ccs_status ccs_tpm_enroll(const ccs_tpm_challenge_state *state, ccs_bytes response, ccs_bytes ak_public,
                          const ccs_tpm_enroll_options *opt, ccs_buf *cert_pem) {
    CCS_ENSURE(state != NULL && opt != NULL && cert_pem != NULL && (response.ptr != NULL || response.len == 0),
               CCS_ERR_INVALID_ARG, "invalid argument");
    ccs_tpm_public ak;
    CCS_TRY(ccs_tpm_public_parse(ak_public, &ak));
    CCS_TRY(ccs_tpm_ak_check(&ak));
    CCS_ENSURE(ccs_ct_eq(ccs_bytes_of(ak.name, ak.name_len), ccs_bytes_of(state->ak_name, state->ak_name_len)),
               CCS_ERR_MISMATCH, "AK Name does not match the one the challenge was made for");
    CCS_ENSURE(ccs_ct_eq(response, ccs_bytes_of(state->secret, sizeof state->secret)), CCS_ERR_MISMATCH,
               "the response is not the challenge's secret (credential not activated by that TPM)");
    return ccs_tpm__ak_cert_issue(&ak, opt, cert_pem);
}
