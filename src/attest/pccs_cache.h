/*
 * pccs_cache.h - private: the raw collateral pieces of one PCCS fetch, and
 * the SQLite cache that stores them (pccs_cache.c). Used by pccs.c only.
 */
#ifndef CCS_PCCS_CACHE_H
#define CCS_PCCS_CACHE_H

#include "ccs/attest.h"

/* The nine pieces of ccs_collateral_raw, in the order of its fields. */
enum {
    CCS_PCCS_TCB_INFO,
    CCS_PCCS_TCB_INFO_SIGNATURE,
    CCS_PCCS_TCB_INFO_CHAIN,
    CCS_PCCS_QE_IDENTITY,
    CCS_PCCS_QE_IDENTITY_SIGNATURE,
    CCS_PCCS_QE_IDENTITY_CHAIN,
    CCS_PCCS_PCK_CRL,
    CCS_PCCS_PCK_CRL_CHAIN,
    CCS_PCCS_ROOT_CA_CRL,
    CCS_PCCS_NPARTS
};

/* Owned copies of the pieces; zero-initialise, free with ccs_pccs_parts_free. */
typedef struct ccs_pccs_parts {
    ccs_buf part[CCS_PCCS_NPARTS];
} ccs_pccs_parts;

void ccs_pccs_parts_free(ccs_pccs_parts *p);
/* Views of the pieces as a ccs_collateral_raw (valid while p is). */
void ccs_pccs_parts_view(const ccs_pccs_parts *p, ccs_collateral_raw *raw);

/* The cache key: TEE ("sgx"/"tdx"), FMSPC (upper-case hex), PCK CA. */
typedef struct ccs_pccs_key {
    const char *tee;
    const char *fmspc;
    const char *pck_ca;
} ccs_pccs_key;

typedef struct ccs_pccs_cache ccs_pccs_cache;

/* Opens (creating if needed) the cache file and its schema. Errors:
 * CCS_ERR_IO (cannot open, not a database), CCS_ERR_UNSUPPORTED (schema
 * version newer than this build). */
CCS_MUST_USE ccs_status ccs_pccs_cache_open(const char *path, ccs_pccs_cache **out);
void ccs_pccs_cache_close(ccs_pccs_cache *c);
/* Reads the entry for k into out (which must be empty) and its expiry.
 * *found is false (and out untouched) when there is none. */
CCS_MUST_USE ccs_status ccs_pccs_cache_get(ccs_pccs_cache *c, const ccs_pccs_key *k, ccs_pccs_parts *out,
                                           ccs_time *expiry, bool *found);
/* Replaces the entry for k, in one transaction. */
CCS_MUST_USE ccs_status ccs_pccs_cache_put(ccs_pccs_cache *c, const ccs_pccs_key *k, const ccs_pccs_parts *parts,
                                           ccs_time expiry, ccs_time fetched);

#endif
