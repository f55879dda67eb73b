/* The RCAR protocol endpoints (ccs/kbs_protocol.h, specs/kbs-image-ratls.md
 * 1.1): /auth hands out a challenge in the session cookie (stored nowhere:
 * challenge.c), /attest verifies evidence bound to the challenge's nonce and
 * the tee-pubkey, stores the session and issues an EAR token, /resource
 * releases a resource as a JWE to the token's tee-pubkey when the resource
 * policy allows. Malformed requests are refused (400/413) before anything is
 * stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_internal.h"

#define EAR_POLICY_ID "default"

static ccs_time now_of(kbs_req *r) {
    (void)r;
    return ccs_time_now();
}

/* ---- POST /kbs/v0/auth ---- */

void kbs_rcar_auth(kbs_req *r) {
    ccs_kbs_server *s = r->srv;
    json_t *body = kbs_body_json(r);
    if (body == NULL) return;
    const char *version = json_string_value(json_object_get(body, "version"));
    const char *tee = json_string_value(json_object_get(body, "tee"));
    const json_t *extra = json_object_get(body, "extra-params");
    kbs_evidence_kind kind;
    if (version == NULL || strcmp(version, CCS_KBS_PROTOCOL_VERSION) != 0) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_PROTOCOL_VERSION, "protocol version %s%.32s%s is not supported (expected %s)",
                        version ? "\"" : "", version ? version : "(missing)", version ? "\"" : "",
                        CCS_KBS_PROTOCOL_VERSION);
    } else if (tee == NULL) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "tee: expected a string");
    } else if (extra != NULL && !json_is_object(extra) && !json_is_string(extra)) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "extra-params: expected an object");
    } else if (strlen(tee) > CCS_KBS_TEE_NAME_MAX || kbs_evidence_kind_of(tee, &kind) != CCS_OK) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "%s", ccs_error_detail());
    } else if (kind == KBS_EV_SIM && s->cfg.insecure_trust_sim_dir == NULL) {
        kbs_reply_error(r, 401, CCS_KBS_ERR_ATTESTATION,
                        "tee %s: sim evidence is not accepted by this KBS (insecure_trust_sim_dir is not set)", tee);
    } else {
        /* Nothing is stored: the cookie carries the challenge (challenge.c). */
        ccs_kbs_session se;
        char value[CCS_KBS_COOKIE_MAX + 1];
        memset(&se, 0, sizeof se);
        if (ccs_kbs_challenge_issue(ccs_kbs_store_challenge_key(s->store), tee, now_of(r), s->cfg.session_timeout_s,
                                    &se, value) != CCS_OK) {
            kbs_log(s, CCS_KBS_LOG_ERROR, "auth: cannot make a challenge: %s", ccs_error_detail());
            kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "cannot create a session");
        } else {
            char cookie[CCS_KBS_COOKIE_MAX + 128];
            snprintf(cookie, sizeof cookie, "%s=%s; Path=/kbs/v0; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
                     CCS_KBS_COOKIE, value, (long long)s->cfg.session_timeout_s, s->tls ? "; Secure" : "");
            kbs_add_header(r, "Set-Cookie", cookie);
            kbs_reply_nonce(r, se.nonce);
        }
        ccs_kbs_session_clear(&se);
    }
    json_decref(body);
}

/* ---- POST /kbs/v0/attest ---- */

/* The request's cookie value (value holds KBS_COOKIE_BUF bytes); replies
 * 401 and returns false if there is none. */
#define KBS_COOKIE_BUF (CCS_KBS_COOKIE_MAX + 2)
static bool cookie_of(kbs_req *r, char *value) {
    if (!kbs_cookie(r, CCS_KBS_COOKIE, value, KBS_COOKIE_BUF)) {
        kbs_reply_error(r, 401, CCS_KBS_ERR_UNAUTHENTICATED, "no valid %s cookie: POST %s first", CCS_KBS_COOKIE,
                        CCS_KBS_PATH_AUTH);
        return false;
    }
    return true;
}

/* The challenge of the cookie value; replies 401 and returns false if it is
 * malformed, not ours or expired. */
static bool challenge_of(kbs_req *r, const char *value, ccs_kbs_session *ch) {
    ccs_status st = ccs_kbs_challenge_open(ccs_kbs_store_challenge_key(r->srv->store), value, now_of(r), ch);
    if (st == CCS_OK) return true;
    if (st == CCS_ERR_EXPIRED)
        kbs_reply_error(r, 401, CCS_KBS_ERR_UNAUTHENTICATED, "the session has expired: POST %s again", CCS_KBS_PATH_AUTH);
    else
        kbs_reply_error(r, 401, CCS_KBS_ERR_UNAUTHENTICATED, "unknown session: POST %s first", CCS_KBS_PATH_AUTH);
    return false;
}

/* The stored session of a cookie value (a challenge whose nonce was used);
 * replies 401 and returns false otherwise. */
static bool session_of(kbs_req *r, const char *value, ccs_kbs_session *se) {
    ccs_kbs_session ch;
    memset(&ch, 0, sizeof ch);
    if (!challenge_of(r, value, &ch)) return false;
    ccs_status st = ccs_kbs_session_get(r->srv->store, ch.id, now_of(r), se);
    ccs_kbs_session_clear(&ch);
    if (st == CCS_OK) return true;
    if (st == CCS_ERR_EXPIRED)
        kbs_reply_error(r, 401, CCS_KBS_ERR_UNAUTHENTICATED, "the session has expired: POST %s again", CCS_KBS_PATH_AUTH);
    else if (st == CCS_ERR_NOT_FOUND)
        kbs_reply_error(r, 401, CCS_KBS_ERR_UNAUTHENTICATED, "the session is not attested: POST %s first",
                        CCS_KBS_PATH_ATTEST);
    else
        kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "cannot read the session");
    return false;
}

typedef struct attest_in {
    const char *nonce;
    const json_t *tee_pubkey;
    ccs_kbs_tee_pubkey *tee_key; /* tee_pubkey checked and opened (for the JWEs of the session) */
    kbs_evidence ev;
    kbs_init_data init;
} attest_in;

/* "init-data": {"format": "json"|"toml", "body": "<plaintext>"} (specs 1.1),
 * or null. The body is bounded (413 above KBS_INIT_DATA_MAX) and, for json,
 * parsed strictly (an object, duplicate keys refused): 400 otherwise. Checked
 * before the nonce is consumed, so a bad one changes nothing stored. */
static bool parse_init_data(kbs_req *r, const json_t *init, kbs_init_data *out) {
    memset(out, 0, sizeof *out);
    if (init == NULL || json_is_null(init)) return true;
    const json_t *fmt = json_object_get(init, "format"), *body = json_object_get(init, "body");
    const char *f = json_string_value(fmt), *k;
    const char *bad = NULL;
    json_t *m;
    json_object_foreach((json_t *)init, k, m) {
        if (strcmp(k, "format") != 0 && strcmp(k, "body") != 0) bad = "init-data: unknown member (expected format, body)";
    }
    if (bad == NULL && (f == NULL || (strcmp(f, "json") != 0 && strcmp(f, "toml") != 0)))
        bad = "init-data.format: expected \"json\" or \"toml\"";
    else if (bad == NULL && !json_is_string(body))
        bad = "init-data.body: expected a string";
    if (bad != NULL) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "%s", bad);
        return false;
    }
    size_t n = json_string_length(body);
    if (n > KBS_INIT_DATA_MAX) {
        kbs_reply_error(r, 413, CCS_KBS_ERR_PAYLOAD_TOO_LARGE, "init-data.body: %zu bytes (at most %u)", n,
                        KBS_INIT_DATA_MAX);
        return false;
    }
    if (n == 0 || strlen(json_string_value(body)) != n) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "init-data.body: empty or holds a NUL character");
        return false;
    }
    out->present = true;
    out->json = strcmp(f, "json") == 0;
    out->body = ccs_bytes_of(json_string_value(body), n);
    if (out->json && ccs_kbs_json_object_parse(out->body, &out->doc) != CCS_OK) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "init-data.body: %s", ccs_error_detail());
        return false;
    }
    return true;
}

/* The shape of the attestation request; 400 with the member's name. */
static bool parse_attest(kbs_req *r, const json_t *body, const char *tee, attest_in *in) {
    const json_t *rd = json_object_get(body, "runtime-data"), *te = json_object_get(body, "tee-evidence");
    const json_t *init = json_object_get(body, "init-data");
    const char *bad = NULL;
    if (!json_is_object(rd)) bad = "runtime-data: expected an object";
    else if ((in->nonce = json_string_value(json_object_get(rd, "nonce"))) == NULL)
        bad = "runtime-data.nonce: expected a string";
    else if (!json_is_object(in->tee_pubkey = json_object_get(rd, "tee-pubkey")))
        bad = "runtime-data.tee-pubkey: expected a JWK object";
    else if (!json_is_object(te)) bad = "tee-evidence: expected an object";
    else if (json_object_get(te, "additional_evidence") != NULL &&
             !json_is_string(json_object_get(te, "additional_evidence")))
        bad = "tee-evidence.additional_evidence: expected a string";
    else if (init != NULL && !json_is_object(init) && !json_is_null(init)) bad = "init-data: expected an object";
    if (bad != NULL) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "%s", bad);
        return false;
    }
    if (!parse_init_data(r, init, &in->init)) return false;
    if (ccs_kbs_tee_pubkey_open(in->tee_pubkey, &in->tee_key) != CCS_OK) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "runtime-data.tee-pubkey: %s", ccs_error_detail());
        return false;
    }
    if (kbs_evidence_decode(tee, json_object_get(te, "primary_evidence"), &in->ev) != CCS_OK) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "%s", ccs_error_detail());
        return false;
    }
    return true;
}

void kbs_reply_nonce_refused(kbs_req *r, ccs_status st) {
    if (st == CCS_ERR_MISMATCH)
        kbs_reply_error(r, 401, CCS_KBS_ERR_ATTESTATION, "runtime-data.nonce is not the nonce of this session");
    else if (st == CCS_KBS_NONCE_REUSED)
        kbs_reply_error(r, 401, CCS_KBS_ERR_ATTESTATION, "the session's nonce was already used: POST %s again",
                        CCS_KBS_PATH_AUTH);
    else if (st == CCS_ERR_EXPIRED)
        kbs_reply_error(r, 401, CCS_KBS_ERR_UNAUTHENTICATED, "the session has expired: POST %s again",
                        CCS_KBS_PATH_AUTH);
    else
        kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "cannot update the session");
}

/* Refuses a nonce other than the challenge's (nothing is written). Whether
 * it was used already is known at the write that uses it: the token's
 * (issue) or burn()'s when no token is issued; both insert the session's
 * row, which exists at most once, so a race between requests with one
 * challenge gives one token at most. */
static bool nonce_matches(kbs_req *r, const ccs_kbs_session *ch, const char *nonce) {
    if (ccs_ct_eq(ccs_bytes_str(nonce), ccs_bytes_str(ch->nonce))) return true;
    kbs_reply_nonce_refused(r, CCS_ERR_MISMATCH);
    return false;
}

/* An attestation that got past nonce_matches and issued no token (evidence,
 * init-data or policy refused, or an internal error) still uses up the
 * nonce: it is a one-time challenge whatever the outcome. */
static void burn(kbs_req *r, const ccs_kbs_session *ch) {
    ccs_status st = ccs_kbs_session_burn(r->srv->store, ch, now_of(r));
    if (st != CCS_OK && st != CCS_KBS_NONCE_REUSED && st != CCS_ERR_EXPIRED)
        kbs_log(r->srv, CCS_KBS_LOG_ERROR, "attest: cannot use up the nonce of a refused attestation: %s",
                ccs_error_detail());
}

/* Appraises a passing verifier result; replies 401 unless allowed. */
static bool appraise(kbs_req *r, const kbs_verified *v, const kbs_init_binding *ib, ccs_kbs_appraisal *ap) {
    ccs_kbs_server *s = r->srv;
    const ccs_kbs_attestation_policy *pol = NULL;
    ccs_status st = kbs_attestation_policy(r->w, &pol);
    if (st == CCS_ERR_NOT_FOUND) {
        kbs_reply_error(r, 401, CCS_KBS_ERR_ATTESTATION, "no attestation policy is set: every TEE is refused");
        return false;
    }
    if (st == CCS_OK)
        st = ccs_kbs_attestation_policy_evaluate_doc(pol, v->result, v->policy_tee, ccs_kbs_store_refval_lookup,
                                                 s->store, ap);
    if (st == CCS_OK)
        st = ccs_kbs_attestation_policy_check_init_data(pol, v->policy_tee, ib->field_hex[0] ? ib->field_hex : NULL, ib->bound,
                                                        ccs_kbs_store_refval_lookup, s->store, ap);
    if (st != CCS_OK) {
        kbs_log(s, CCS_KBS_LOG_ERROR, "attest: appraisal failed: %s", ccs_error_detail());
        kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "the attestation policy could not be evaluated");
        return false;
    }
    if (ap->allow) return true;
    char reasons[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < ap->reasons.n && used + 1 < sizeof reasons; i++) {
        int w = snprintf(reasons + used, sizeof reasons - used, "%s%s", i ? "; " : "", ap->reasons.v[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
    kbs_log(s, CCS_KBS_LOG_WARN, "attest: %s refused by the attestation policy: %s", v->policy_tee, reasons);
    kbs_reply_error(r, 401, CCS_KBS_ERR_ATTESTATION, "the attestation policy refused the evidence: %s", reasons);
    return false;
}

/* Issues the EAR and queues it for the loop's group commit, which stores
 * the session attested (the nonce used, one row) and replies
 * (server_batch.c). True when the nonce is settled or will be: queued;
 * false (the caller burns the nonce) when no token could be issued. */
static bool issue(kbs_req *r, const char *cookie, const ccs_kbs_session *se, attest_in *in,
                  const kbs_verified *v, const kbs_init_binding *ib, const ccs_kbs_appraisal *ap) {
    ccs_kbs_server *s = r->srv;
    const json_t *result = v->result;
    json_t *tv = ccs_kbs_tvector_json(&ap->tv);
    const json_t *claims = json_object_get(result, "claims");
    ccs_buf token = {0};
    json_t *signed_claims = NULL;
    ccs_kbs_ear ear = {.status = ap->status, .trust_vector = tv, .policy_id = EAR_POLICY_ID,
                       .tee = v->policy_tee, .tee_claims = claims, .nonce = in->nonce,
                       .tee_pubkey = in->tee_pubkey, .init_data_claims = ib->claims, .iat = now_of(r), .lifetime_s = s->cfg.token_lifetime_s};
    ccs_status st = tv ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (st == CCS_OK) st = ccs_kbs_ear_issue_claims(r->w->token_key, &ear, &token, &signed_claims);
    /* The token carries the claims and the tee-pubkey: the session keeps it alone. */
    bool queued = st == CCS_OK && kbs_batch_attested(r, cookie, se, &token, signed_claims, &in->tee_key,
                                                      v->policy_tee, v->hash_alg, ap->status);
    if (!queued) {
        kbs_log(s, CCS_KBS_LOG_ERROR, "attest: cannot issue the token: %s",
                st != CCS_OK ? ccs_error_detail() : "out of memory");
        kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "cannot issue the attestation token");
    }
    ccs_buf_free(&token);
    json_decref(signed_claims);
    json_decref(tv);
    return queued;
}

void kbs_rcar_attest(kbs_req *r) {
    ccs_kbs_server *s = r->srv;
    ccs_kbs_session se;
    memset(&se, 0, sizeof se);
    char cookie[KBS_COOKIE_BUF];
    if (!cookie_of(r, cookie) || !challenge_of(r, cookie, &se)) return;
    attest_in in;
    memset(&in, 0, sizeof in);
    kbs_verified v;
    memset(&v, 0, sizeof v);
    ccs_kbs_appraisal ap;
    memset(&ap, 0, sizeof ap);
    kbs_init_binding ib;
    memset(&ib, 0, sizeof ib);
    json_t *body = kbs_body_json(r);
    if (body != NULL && parse_attest(r, body, se.tee, &in) && nonce_matches(r, &se, in.nonce)) {
        bool settled = false;
        ccs_status st = kbs_evidence_verify(&s->cfg, &in.ev, in.nonce, in.tee_pubkey, now_of(r), &v);
        if (st != CCS_OK) {
            kbs_log(s, CCS_KBS_LOG_WARN, "attest: %s evidence cannot be verified: %s", se.tee, ccs_error_detail());
            kbs_reply_error(r, 401, CCS_KBS_ERR_ATTESTATION, "%s evidence cannot be verified: %s", se.tee,
                            ccs_error_detail());
        } else if (!v.pass) {
            kbs_log(s, CCS_KBS_LOG_WARN, "attest: %s evidence failed verification: %s", se.tee, v.reasons);
            kbs_reply_error(r, 401, CCS_KBS_ERR_ATTESTATION, "evidence verification failed: %s", v.reasons);
        } else if ((st = kbs_init_data_bind(&in.ev, &v, &in.init, &ib)) != CCS_OK) {
            bool refused = st == CCS_ERR_MISMATCH;
            kbs_log(s, refused ? CCS_KBS_LOG_WARN : CCS_KBS_LOG_ERROR, "attest: %s init-data: %s", se.tee,
                    ccs_error_detail());
            if (refused) kbs_reply_error(r, 401, CCS_KBS_ERR_ATTESTATION, "%s", ccs_error_detail());
            else kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "the init-data could not be checked");
        } else if (appraise(r, &v, &ib, &ap)) {
            settled = issue(r, cookie, &se, &in, &v, &ib, &ap);
        }
        if (!settled) burn(r, &se);
    }
    ccs_kbs_tee_pubkey_free(in.tee_key);
    kbs_init_binding_clear(&ib);
    json_decref(in.init.doc);
    ccs_kbs_appraisal_clear(&ap);
    kbs_verified_clear(&v);
    kbs_evidence_clear(&in.ev);
    json_decref(body);
    ccs_kbs_session_clear(&se);
}

/* ---- GET /kbs/v0/resource/<repository>/<type>/<tag> ---- */

/* The name of the TEE claims in a verified EAR (the annotated evidence's
 * member other than runtime_data_claims / init_data_claims). */
static const char *ear_tee(const json_t *claims, const json_t **tee_claims) {
    const json_t *ev = json_object_get(json_object_get(json_object_get(claims, "submods"), "cpu0"),
                                       "ear.veraison.annotated-evidence");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)ev, k, v) {
        if (strcmp(k, "runtime_data_claims") == 0 || strcmp(k, "init_data_claims") == 0) continue;
        *tee_claims = v;
        return k;
    }
    return NULL;
}

/* The verified EAR claims from the bearer token or the session; replies 401
 * and returns NULL otherwise. *tee_key: the opened tee-pubkey of a cached
 * cookie (borrowed: valid until the next put in the loop's cookie cache),
 * else NULL. A token this loop verified or read from a session before
 * comes from its cache (token_cache.c): no parse, no signature check; so
 * does the cookie of a session this loop attested or read before (the same
 * kind of cache keyed by cookies: neither the tag nor the store is looked
 * at again). */
static json_t *requester(kbs_req *r, const ccs_kbs_tee_pubkey **tee_key) {
    json_t *claims = NULL;
    *tee_key = NULL;
    size_t len = 0;
    const char *bearer = kbs_bearer(r, &len);
    kbs_token_cache *cache = &r->w->tokens;
    if (bearer != NULL) {
        if ((claims = kbs_token_cache_get_key(cache, bearer, len, now_of(r), tee_key)) != NULL) return claims;
        if (ccs_kbs_ear_verify(bearer, len, r->w->token_pub, now_of(r), &claims) != CCS_OK) {
            kbs_reply_error(r, 401, CCS_KBS_ERR_TOKEN, "the bearer token is not valid: %s", ccs_error_detail());
            return NULL;
        }
        /* Kept with its tee-pubkey opened, so that the token's next reads
         * wrap to it without importing the JWK again (none: the caller
         * imports it and words the refusal). */
        const json_t *jwk = NULL;
        ccs_kbs_tee_pubkey *key = NULL;
        ccs_time until;
        if (ccs_kbs_ear_tee_pubkey(claims, &jwk) != CCS_OK || ccs_kbs_tee_pubkey_open(jwk, &key) != CCS_OK)
            key = NULL;
        if (kbs_token_until(claims, &until)) *tee_key = kbs_token_cache_put_until(cache, bearer, len, claims, until, key);
        else ccs_kbs_tee_pubkey_free(key);
        return claims;
    }
    char cookie[KBS_COOKIE_BUF];
    if (!cookie_of(r, cookie)) return NULL;
    if ((claims = kbs_token_cache_get_key(&r->w->cookies, cookie, strlen(cookie), now_of(r), tee_key)) != NULL)
        return claims;
    ccs_kbs_session se;
    memset(&se, 0, sizeof se);
    if (!session_of(r, cookie, &se)) return NULL;
    if (se.state != CCS_KBS_SESSION_ATTESTED || se.token == NULL) {
        kbs_reply_error(r, 401, CCS_KBS_ERR_UNAUTHENTICATED, "the session is not attested: POST %s first",
                        CCS_KBS_PATH_ATTEST);
    } else if ((claims = kbs_token_cache_get(cache, se.token, strlen(se.token), now_of(r))) != NULL) {
        /* read by this loop before */
    } else if (ccs_kbs_ear_claims_stored(se.token, now_of(r), &claims) != CCS_OK) {
        kbs_reply_error(r, 401, CCS_KBS_ERR_TOKEN, "the session's token is no longer valid: %s", ccs_error_detail());
        claims = NULL;
    } else {
        kbs_token_cache_put(cache, se.token, strlen(se.token), claims);
    }
    if (claims != NULL) kbs_cookie_cache_put(&r->w->cookies, cookie, se.expires, claims, NULL);
    ccs_kbs_session_clear(&se);
    return claims;
}

/* Replies 403 unless the resource policy lets the token's subject read path. */
static bool allowed(kbs_req *r, const json_t *claims, const char *path) {
    ccs_kbs_server *s = r->srv;
    char *reason = NULL;
    const ccs_kbs_resource_policy *pol = NULL;
    ccs_kbs_subject who = {0};
    bool allow = false;
    ccs_status st = kbs_resource_policy(r->w, &pol);
    if (st == CCS_ERR_NOT_FOUND) {
        kbs_reply_error(r, 403, CCS_KBS_ERR_POLICY_DENY, "no resource policy is set: every resource is refused");
        return false;
    }
    who.tee = ear_tee(claims, &who.claims);
    if (st == CCS_OK) st = ccs_kbs_ear_cpu_status(claims, &who.status);
    if (st == CCS_OK && who.tee != NULL) st = ccs_kbs_resource_policy_allows(pol, path, &who, &allow, &reason);
    if (st != CCS_OK) {
        kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "the resource policy could not be evaluated");
    } else if (!allow) {
        kbs_log(s, CCS_KBS_LOG_WARN, "resource %s denied: %s", path, reason ? reason : "no TEE in the token");
        kbs_reply_error(r, 403, CCS_KBS_ERR_POLICY_DENY, "%s", reason ? reason : "the token names no TEE");
    }
    free(reason);
    return st == CCS_OK && allow;
}

void kbs_rcar_resource(kbs_req *r, const char *rpath) {
    ccs_kbs_server *s = r->srv;
    char repo[CCS_KBS_COMPONENT_MAX + 1], type[CCS_KBS_COMPONENT_MAX + 1], tag[CCS_KBS_COMPONENT_MAX + 1];
    if (ccs_kbs_resource_path_split(rpath, repo, type, tag) != CCS_OK) {
        kbs_reply_error(r, 400, CCS_KBS_ERR_INVALID_REQUEST, "resource path: %s", ccs_error_detail());
        return;
    }
    const ccs_kbs_tee_pubkey *tee_key = NULL;
    json_t *claims = requester(r, &tee_key);
    if (claims == NULL) return;
    const json_t *jwk = NULL;
    ccs_buf value = {0};
    json_t *jwe = NULL;
    if (allowed(r, claims, rpath)) {
        ccs_status st = ccs_kbs_resource_get(s->store, repo, type, tag, &value);
        if (st == CCS_ERR_NOT_FOUND)
            kbs_reply_error(r, 404, CCS_KBS_ERR_NOT_FOUND, "resource %s/%s/%s does not exist", repo, type, tag);
        else if (st != CCS_OK)
            kbs_reply_error(r, 500, CCS_KBS_ERR_INTERNAL, "cannot read the resource");
        else if (tee_key != NULL ? ccs_kbs_jwe_encrypt_to(tee_key, ccs_buf_view(&value), &jwe) != CCS_OK
                                 : (ccs_kbs_ear_tee_pubkey(claims, &jwk) != CCS_OK ||
                                    ccs_kbs_jwe_encrypt(jwk, ccs_buf_view(&value), &jwe) != CCS_OK))
            kbs_reply_error(r, 401, CCS_KBS_ERR_TOKEN, "cannot encrypt to the token's tee-pubkey: %s",
                            ccs_error_detail());
        else
            kbs_reply_jwe(r, jwe);
    }
    ccs_buf_free(&value);
    json_decref(claims);
}
