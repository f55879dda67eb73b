/* Whether a DCAP quote's PCK chain reaches the pinned Intel root, checked
 * before its FMSPC may name a PCCS fetch (evidence.c): otherwise any client
 * could have the KBS fetch, and cache, collateral for FMSPCs of its
 * choosing. A platform sends the same chain with every quote, and checking
 * it (the PEM parse, two ECDSA signatures) cost each /attest ~0.2 ms before
 * the collateral cache was even asked; so chains that passed are remembered
 * by the SHA-256 of the quote's certification data, for as long as `now`
 * stays inside every certificate's validity (from the latest notBefore to
 * just before the earliest notAfter). Anything else is checked again: a
 * chain not remembered, or asked about outside that window. Revocation is
 * not judged here: the verification proper does it, with the CRLs the
 * collateral brings. The loops share the table: one mutex, held for a
 * lookup or an insert only. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "ccs/attest.h"
#include "server_internal.h"

#define PCK_SEEN 64 /* platforms remembered; the oldest entry goes first */

typedef struct pck_seen {
    uint8_t digest[CCS_SHA256_LEN];
    ccs_time from, until; /* [from, until) */
    bool used;
} pck_seen;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pck_seen seen[PCK_SEEN];
static size_t next_slot;
static size_t verifications;

static bool remembered(const uint8_t d[CCS_SHA256_LEN], ccs_time now) {
    bool hit = false;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < PCK_SEEN && !hit; i++)
        hit = seen[i].used && memcmp(seen[i].digest, d, CCS_SHA256_LEN) == 0 && now >= seen[i].from &&
              now < seen[i].until;
    pthread_mutex_unlock(&lock);
    return hit;
}

static void remember(const uint8_t d[CCS_SHA256_LEN], ccs_time from, ccs_time until) {
    pthread_mutex_lock(&lock);
    pck_seen *s = &seen[next_slot++ % PCK_SEEN];
    memcpy(s->digest, d, CCS_SHA256_LEN);
    s->from = from, s->until = until, s->used = true;
    pthread_mutex_unlock(&lock);
}

/* Narrows [*from, *until) to c's validity. */
static ccs_status narrow(const ccs_x509 *c, ccs_time *from, ccs_time *until) {
    ccs_time nb, na;
    CCS_TRY(ccs_x509_validity(c, &nb, &na));
    if (nb > *from) *from = nb;
    if (na < *until) *until = na;
    return CCS_OK;
}

/* The check itself, and the window in which its verdict holds. */
static ccs_status verify(ccs_bytes cert_data, ccs_time now, ccs_time *from, ccs_time *until) {
    ccs_x509_chain *ch = NULL;
    ccs_x509 *root = NULL;
    ccs_status st = ccs_x509_chain_parse_pem(cert_data, &ch);
    if (st == CCS_OK) st = ccs_x509_parse_der(ccs_intel_sgx_root_ca_der(), &root);
    if (st == CCS_OK) st = ccs_x509_verify_chain(ch, root, NULL, 0, now);
    *from = INT64_MIN, *until = INT64_MAX;
    for (size_t i = 0; st == CCS_OK && i < ccs_x509_chain_len(ch); i++)
        st = narrow(ccs_x509_chain_get(ch, i), from, until);
    if (st == CCS_OK) st = narrow(root, from, until);
    ccs_x509_chain_free(ch);
    ccs_x509_free(root);
    return st;
}

ccs_status kbs_pck_chain_genuine(ccs_bytes cert_data, ccs_time now) {
    uint8_t d[CCS_SHA256_LEN];
    ccs_sha256(cert_data, d);
    if (remembered(d, now)) return CCS_OK;
    __atomic_add_fetch(&verifications, 1, __ATOMIC_RELAXED);
    ccs_time from, until;
    ccs_status st = verify(cert_data, now, &from, &until);
    if (st != CCS_OK) return ccs_error_set(st, CCS_HERE, "the quote's PCK chain: %s", ccs_error_detail());
    remember(d, from, until);
    return CCS_OK;
}

size_t kbs_pck_chain_verifications(void) { return __atomic_load_n(&verifications, __ATOMIC_RELAXED); }

void kbs_pck_chain_forget(void) {
    pthread_mutex_lock(&lock);
    memset(seen, 0, sizeof seen);
    next_slot = 0;
    pthread_mutex_unlock(&lock);
}
