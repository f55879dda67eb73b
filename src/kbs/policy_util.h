/*
 * policy_util.h - private to policy*.c: validation helpers that name the
 * JSON path of what is wrong ("tees.sgx.alow_debug: unknown key").
 */
#ifndef CCS_KBS_POLICY_UTIL_H
#define CCS_KBS_POLICY_UTIL_H

#include <jansson.h>

#include "kbs_internal.h"

#define POL_PATH_MAX 256

/* out = base + "." + key (key's unprintable bytes shown as '?'; "" base
 * gives just the key). Truncated, never overflowing. */
void pol_path(char out[static POL_PATH_MAX], const char *base, const char *key);
/* out = base + "[i]". */
void pol_path_index(char out[static POL_PATH_MAX], const char *base, size_t i);

/* CCS_ERR_FORMAT with "<path>: <message>". */
ccs_status pol_fail(const char *path, const char *fmt, ...) CCS_PRINTF(2, 3);

/* Parses policy text (duplicate keys refused) that must be an object with
 * "version": 1. what names it in messages ("attestation policy"). */
CCS_MUST_USE ccs_status pol_load(const char *json, const char *what, json_t **out);

/* Every key of obj must be in allowed (NULL-terminated). */
CCS_MUST_USE ccs_status pol_keys(const json_t *obj, const char *path, const char *const *allowed);

/* A member that must be an object / a non-empty array when present. */
CCS_MUST_USE ccs_status pol_object(const json_t *v, const char *path);
CCS_MUST_USE ccs_status pol_array(const json_t *v, const char *path, size_t max);

/* v must be a string of exactly 2*nbytes hex digits; *out gets a lower-case
 * copy (caller frees). */
CCS_MUST_USE ccs_status pol_hex(const json_t *v, size_t nbytes, const char *path, char **out);

/* A reference-value set name "<tee>.<name>" (see ccs_kbs_refval_set). */
bool pol_ref_valid(const char *ref);

/* Known TEE names, as the KBS and the verifiers spell them. */
extern const char *const pol_tee_names[];
bool pol_tee_known(const char *name);

/* Adds a copy of s to the list. */
CCS_MUST_USE ccs_status pol_list_add(ccs_kbs_strlist *l, const char *s);
/* Adds a formatted reason. */
CCS_MUST_USE ccs_status pol_list_addf(ccs_kbs_strlist *l, const char *fmt, ...) CCS_PRINTF(2, 3);

/* Finds a claim by dotted path ("reported_tcb.snp") in an object. */
const json_t *pol_claim(const json_t *claims, const char *path);

/* ---- the parsed attestation policy (policy.c parses, policy_eval.c
 * evaluates) ---- */

/* Which AR4SI claim a failed minimum-SVN check contraindicates. */
typedef enum pol_slot { POL_SLOT_EXECUTABLES, POL_SLOT_HARDWARE } pol_slot;

/* A claim the policy may constrain: its key in the policy, its (dotted) path
 * in the verifier's claims, and its size in bytes (measurements). */
typedef struct pol_claim_def {
    const char *key;
    const char *claim;
    size_t len;
    pol_slot slot;
} pol_claim_def;

typedef struct pol_tee_schema {
    const char *name;
    bool tcb;   /* has a TCB status: accept_tcb */
    bool debug; /* has a debug mode: allow_debug */
    bool pcrs;  /* TPM PCRs instead of named measurements */
    bool sim;   /* the sim platform: never genuine hardware */
    const pol_claim_def *meas, *svns; /* terminated by a NULL key */
    size_t init_data_len; /* the init-data field's size (mr_config_id 48, config_id 64, host_data 32); 0: none */
} pol_tee_schema;

typedef struct pol_matcher {
    char *key;   /* policy key, for messages ("mrenclave", "sha256:7") */
    const char *claim; /* path in the claims; NULL for a PCR */
    char *ref;   /* reference-value set, or NULL */
    ccs_kbs_strlist values; /* lower-case hex given inline */
} pol_matcher;

typedef struct pol_min {
    const pol_claim_def *def;
    int64_t min;
} pol_min;

typedef struct pol_tee {
    const pol_tee_schema *schema;
    unsigned accept_tcb; /* CCS_TCB_BIT mask */
    bool allow_debug;
    pol_matcher *m;
    size_t nm;
    pol_min *mins;
    size_t nmins;
    bool init_required;        /* "init_data": {"required": true} */
    pol_matcher *init_digests; /* "init_data": {"digests": {...}}; NULL: any bound digest */
} pol_tee;

struct ccs_kbs_attestation_policy {
    pol_tee *tees;
    size_t ntees;
};

#endif
