/* snp_kds.h - private: the SQLite cache of AMD KDS bodies (snp_kds_cache.c),
 * used by snp_kds.c only. */
#ifndef CCS_SNP_KDS_H
#define CCS_SNP_KDS_H

#include "ccs/attest.h"

/* What a row holds; with product, hwid and tcb (empty when not part of the
 * key) it names one KDS resource. */
typedef struct snp_kds_key {
    const char *kind;    /* "vcek", "vcek_chain", "vlek_chain", "crl" */
    const char *product; /* "Milan", "Genoa", "Turin" */
    const char *hwid;    /* lower-case hex; "" for chains and CRLs */
    const char *tcb;     /* the query string of a VCEK; "" otherwise */
} snp_kds_key;

typedef struct snp_kds_cache snp_kds_cache;

CCS_MUST_USE ccs_status ccs_snp_kds_cache_open(const char *path, snp_kds_cache **out);
void ccs_snp_kds_cache_close(snp_kds_cache *c);
/* The body and expiry of k; *found false when there is none. An empty body
 * records "KDS answered 404" (CRLs only). */
CCS_MUST_USE ccs_status ccs_snp_kds_cache_get(snp_kds_cache *c, const snp_kds_key *k, ccs_buf *body,
                                              ccs_time *expiry, bool *found);
/* Replaces the rows of n keys in one transaction. */
CCS_MUST_USE ccs_status ccs_snp_kds_cache_put(snp_kds_cache *c, const snp_kds_key *keys, const ccs_bytes *bodies,
                                              const ccs_time *expiries, size_t n, ccs_time fetched);

#endif
