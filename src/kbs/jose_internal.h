/*
 * jose_internal.h - private to the KBS token and encryption files (jcs.c,
 * jose_*.c, token*.c): small helpers over libjose and jansson.
 */
#ifndef CCS_KBS_JOSE_INTERNAL_H
#define CCS_KBS_JOSE_INTERNAL_H

#include "kbs_internal.h"

/* b64 members, JWK checks, rethrow and JWK wiping: the protocol library's
 * helpers (src/kbsproto). */
#include "../kbsproto/kbsproto_internal.h"

/* The private JWK of a token key (borrowed). */
const json_t *ccs__kbs_token_key_jwk(const ccs_kbs_token_key *k);
/* The signing key and the encoded protected header (borrowed). */
const ccs_privkey *ccs__kbs_token_key_signer(const ccs_kbs_token_key *k);
ccs_bytes ccs__kbs_token_key_header(const ccs_kbs_token_key *k, bool with_jwk);

#endif
