/*
 * kbsproto_internal.h - helpers private to the protocol library
 * (src/kbsproto) and the KBS token files (src/kbs/token*.c, through
 * jose_internal.h): small pieces over libjose and jansson.
 */
#ifndef CCS_KBSPROTO_INTERNAL_H
#define CCS_KBSPROTO_INTERNAL_H

#include "ccs/kbsproto.h"

/* Decodes the strict base64url string member `name` of obj, whose decoded
 * length must lie in min..max, appending to out. CCS_ERR_FORMAT names the
 * member when it is missing, not a string, not base64url or the wrong size. */
ccs_status ccs__kbs_b64_member(const json_t *obj, const char *name, size_t min, size_t max, ccs_buf *out);
/* Coordinate length of a JWK curve name (32, 48, 66), 0 when unknown. */
size_t ccs__kbs_ec_field_len(const char *crv);
/* True when a JWK has any private member (d, p, q, dp, dq, qi, oth, k). */
bool ccs__kbs_jwk_has_private(const json_t *jwk);
/* Re-records the current error detail with a prefix: "prefix: detail". */
ccs_status ccs__kbs_rethrow(ccs_status st, const char *prefix);
/* Wipes the private members of a JWK in place (= ccs_kbs_jwk_wipe). */
void ccs__kbs_wipe_jwk(json_t *jwk);

/* ccs_kbs_jwk_check_public, keeping the point it decoded: *ec is the key of
 * a P-256/P-384 JWK (caller frees), NULL for RSA and P-521. With ec NULL it
 * only checks, and a point this thread found on its curve last time is not
 * decoded into a key again. */
ccs_status ccs__kbs_jwk_public(const json_t *jwk, ccs_pubkey **ec);

/* ECDH-ES+A256KW on P-256/P-384 (jose_ecdh.c). wrap: the CEK k to the
 * checked public key peer of the JWK's curve crv, setting protected.epk and
 * encrypted_key of jwe. unwrap (CCS_ERR_UNSUPPORTED for other curves): the oct CEK (caller
 * wipes and decrefs) from the JWE, its decoded protected header and the
 * private JWK; CCS_ERR_SIGNATURE when it does not unwrap. */
ccs_status ccs__kbs_ecdh_wrap(const ccs_pubkey *peer, const char *crv, const uint8_t k[static 32], json_t *jwe);
ccs_status ccs__kbs_ecdh_unwrap(const json_t *jwe, const json_t *hdr, const json_t *priv, json_t **cek);

#endif
