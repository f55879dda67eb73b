/*
 * sig_internal.h - private to src/image: the parsed policy.json shared by
 * policy.c (parsing) and policy_eval.c (scope choice and appraisal), and
 * the gpgme verification of simple signatures (sig_simple.c).
 */
#ifndef CCS_IMAGE_SIG_INTERNAL_H
#define CCS_IMAGE_SIG_INTERNAL_H

#include "ccs/image_sign.h"

typedef enum ccs__req_type {
    CCS__REQ_ACCEPT = 1, /* insecureAcceptAnything */
    CCS__REQ_REJECT,
    CCS__REQ_SIGNED_BY,       /* GPG simple signing */
    CCS__REQ_SIGSTORE_SIGNED, /* cosign-style, public key */
} ccs__req_type;

typedef enum ccs__ident_type {
    CCS__ID_MATCH_REPO_DIGEST_OR_EXACT = 0, /* the default */
    CCS__ID_MATCH_EXACT,
    CCS__ID_MATCH_REPOSITORY,
    CCS__ID_EXACT_REFERENCE,  /* a: dockerReference */
    CCS__ID_EXACT_REPOSITORY, /* a: dockerRepository */
    CCS__ID_REMAP,            /* a: prefix, b: signedPrefix */
} ccs__ident_type;

typedef struct ccs__req {
    ccs__req_type type;
    ccs__ident_type ident;
    char *a, *b;
    ccs_buf *gpg_keys; /* signedBy: key material, one entry per file/keyData */
    size_t ngpg;
    ccs_pubkey **pub; /* sigstoreSigned: public keys */
    size_t npub;
    bool keys_unread; /* parsed with CCS_IMAGE_POLICY_NO_KEY_FILES */
} ccs__req;

typedef struct ccs__scope {
    char *scope; /* "" for a transport's default scope */
    ccs__req *reqs;
    size_t n;
} ccs__scope;

struct ccs_image_policy {
    ccs__scope deflt;
    ccs__scope *docker; /* transports.docker */
    size_t ndocker;
};

/* Verifies an OpenPGP signed message with only the keys given (imported
 * into a fresh, private GNUPGHOME under $TMPDIR, removed afterwards).
 * payload gets the signed content; signer the signing key's fingerprint.
 * CCS_ERR_SIGNATURE: not a valid signature by one of those keys;
 * CCS_ERR_KEY: the keys do not import. */
CCS_MUST_USE ccs_status ccs__image_gpg_verify(const ccs_buf *keys, size_t nkeys, ccs_bytes sig, ccs_buf *payload,
                                              char signer[128]);
/* Imports keys into a throw-away keyring: CCS_ERR_KEY when one holds no key. */
CCS_MUST_USE ccs_status ccs__image_gpg_check_keys(const ccs_buf *keys, size_t nkeys);

/* A cosign signature (DER ECDSA, SHA-256) over payload by one of keys;
 * which gets its index. CCS_ERR_SIGNATURE when none verifies it. */
CCS_MUST_USE ccs_status ccs__image_cosign_verify(ccs_pubkey *const *keys, size_t nkeys, ccs_bytes payload,
                                                 ccs_bytes sig_der, size_t *which);

#endif
