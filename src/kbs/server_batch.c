/* Group commit of attested sessions. An attestation's last step is the
 * session's row (the nonce used, the token kept), and the token may be sent
 * only once that row is durable. Written one by one, each row was its own
 * SQLite transaction: a WAL commit, its page writes and lock calls, per
 * attestation. Instead /attest queues the issued token here, and the loop
 * stores every row queued in one pass over its ready connections with one
 * transaction (ccs_kbs_session_store_rows), then replies to each: the
 * token, or the refusal its row got (a nonce used meanwhile, a session
 * expired). The flush event is activated by the first row queued, so it
 * runs after the connections that were ready with it: no timer, no added
 * wait when the loop is idle. */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "server_internal.h"

/* Rows per transaction: bounds the lock hold and the stack array. */
#define KBS_BATCH_MAX 64

struct kbs_pending {
    struct kbs_pending *next;
    kbs_req r; /* r.req stays valid until replied to (evhttp keeps it) */
    ccs_kbs_session ch;
    char cookie[CCS_KBS_COOKIE_MAX + 2];
    ccs_buf token;
    json_t *claims;
    ccs_kbs_tee_pubkey *tee_key;
    char tee[CCS_KBS_TEE_NAME_MAX + 1];
    char hash_alg[8];
    ccs_kbs_ear_status status;
};

static void pending_free(kbs_pending *p) {
    ccs_buf_free(&p->token); /* wipes: a bearer credential */
    json_decref(p->claims);
    ccs_kbs_tee_pubkey_free(p->tee_key);
    ccs_wipe(p, sizeof *p);
    free(p);
}

/* Replies to one queued attestation once its row's fate is known: st is the
 * row's status, or the transaction's error. */
static void finish(kbs_pending *p, ccs_status st, const char *why) {
    kbs_req *r = &p->r;
    if (st == CCS_OK) {
        /* The resource request that follows, with the cookie, finds the
         * claims here. (The token itself is cached when first presented as
         * a bearer token: most clients never do, and each entry made costs
         * the freeing of a cold one.) */
        kbs_cookie_cache_put(&r->w->cookies, p->cookie, p->ch.expires, p->claims, p->tee_key);
        p->tee_key = NULL; /* the cache's now */
        kbs_log(r->srv, CCS_KBS_LOG_INFO, "attest: %s %s (report data %s)", p->tee,
                ccs_kbs_ear_status_name(p->status), p->hash_alg);
        kbs_reply_token(r, (const char *)p->token.ptr, p->token.len);
    } else if (st == CCS_KBS_NONCE_REUSED || st == CCS_ERR_EXPIRED) {
        kbs_reply_nonce_refused(r, st); /* the nonce was used before (or meanwhile), or the session expired */
    } else {
        kbs_log(r->srv, CCS_KBS_LOG_ERROR, "attest: cannot store the session's token: %s",
                why[0] != '\0' ? why : ccs_status_name(st)); /* a row refused alone: its status */
        kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "cannot issue the attestation token");
    }
    kbs_access_log(r);
    pending_free(p);
}

/* Stores up to KBS_BATCH_MAX queued rows in one transaction and replies. */
static void flush_some(kbs_worker *w) {
    kbs_pending *batch[KBS_BATCH_MAX];
    ccs_kbs_session_row rows[KBS_BATCH_MAX];
    size_t n = 0;
    while (w->pending != NULL && n < KBS_BATCH_MAX) {
        kbs_pending *p = w->pending;
        w->pending = p->next;
        batch[n] = p;
        rows[n] = (ccs_kbs_session_row){.ch = &p->ch, .token = (const char *)p->token.ptr};
        n++;
    }
    if (w->pending == NULL) w->pending_tail = &w->pending;
    ccs_status st = ccs_kbs_session_store_rows(w->srv->store, rows, n, ccs_time_now());
    char why[512] = "";
    if (st != CCS_OK) snprintf(why, sizeof why, "%s", ccs_error_detail());
    for (size_t i = 0; i < n; i++) finish(batch[i], st == CCS_OK ? rows[i].st : st, why);
}

void kbs_batch_flush(kbs_worker *w) {
    while (w->pending != NULL) flush_some(w);
}

static void on_flush(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    kbs_batch_flush(arg);
}

bool kbs_batch_init(kbs_worker *w) {
    w->pending = NULL;
    w->pending_tail = &w->pending;
    w->flush_ev = event_new(w->base, -1, 0, on_flush, w);
    return w->flush_ev != NULL;
}

void kbs_batch_free(kbs_worker *w) {
    kbs_batch_flush(w); /* a loop that stopped with rows queued: store them (the replies are not sent) */
    if (w->flush_ev != NULL) event_free(w->flush_ev);
    w->flush_ev = NULL;
}

bool kbs_batch_attested(kbs_req *r, const char *cookie, const ccs_kbs_session *ch, ccs_buf *token, json_t *claims,
                        ccs_kbs_tee_pubkey **tee_key, const char *tee, const char *hash_alg,
                        ccs_kbs_ear_status status) {
    kbs_worker *w = r->w;
    kbs_pending *p = calloc(1, sizeof *p);
    if (p == NULL || w->flush_ev == NULL || strlen(cookie) >= sizeof p->cookie) {
        free(p);
        return false;
    }
    p->r = *r;
    p->ch = *ch;
    p->ch.token = p->ch.tee_pubkey = p->ch.claims = NULL; /* a challenge has none; the caller clears its own */
    snprintf(p->cookie, sizeof p->cookie, "%s", cookie);
    p->token = *token;
    memset(token, 0, sizeof *token);
    p->claims = json_incref(claims);
    p->tee_key = *tee_key;
    *tee_key = NULL;
    snprintf(p->tee, sizeof p->tee, "%s", tee);
    snprintf(p->hash_alg, sizeof p->hash_alg, "%s", hash_alg);
    p->status = status;
    if (w->pending == NULL) event_active(w->flush_ev, EV_TIMEOUT, 0);
    *w->pending_tail = p;
    w->pending_tail = &p->next;
    r->deferred = true; /* on_request neither replies nor logs: finish() does */
    return true;
}
