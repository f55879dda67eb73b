/*
 * jose_internal.h - private to the KBS token and encryption files (jcs.c,
 * jose_*.c, token*.c): small helpers over libjose and jansson.
 */
#ifndef CCS_KBS_JOSE_INTERNAL_H
#define CCS_KBS_JOSE_INTERNAL_H

#include "kbs_internal.h"

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

/* The private JWK of a token key (borrowed). */
const json_t *ccs__kbs_token_key_jwk(const ccs_kbs_token_key *k);
/* Wipes the private members of a JWK in place (before json_decref). */
void ccs__kbs_wipe_jwk(json_t *jwk);

#endif
