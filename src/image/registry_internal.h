/*
 * registry_internal.h - private to src/image/registry*.c: the client's
 * state and one HTTP exchange with auth, retries and size limits.
 */
#ifndef CCS_REGISTRY_INTERNAL_H
#define CCS_REGISTRY_INTERNAL_H

#include <curl/curl.h>

#include "ccs/image_registry.h"
#include "image_internal.h"

#define REG_TOKENS_MAX 16
#define REG_ERRBODY_MAX 2048

typedef struct reg_token {
    char *scope, *token;
} reg_token;

struct ccs_registry {
    ccs_registry_opts o;
    char *user, *pass;     /* explicit or from the auth file (for creds_host) */
    char *creds_host;      /* the host the auth file entry was looked up for */
    bool basic;            /* the registry asked for basic auth */
    reg_token tokens[REG_TOKENS_MAX];
    size_t ntokens;
    CURL *curl;            /* reused: keeps connections alive */
};

typedef struct reg_req {
    const char *method;        /* GET, HEAD, POST, PUT */
    const char *url;           /* absolute, or a path under https://HOST */
    const char *scope;         /* "repository:REPO:pull[,push]" */
    const char *accept, *content_type;
    ccs_bytes body;            /* sent with POST/PUT */
    bool follow;               /* follow redirects (blob GETs) */
    bool no_challenge;         /* a 401 is final (the token endpoint itself) */
    ccs_buf *out;              /* 2xx body into memory, at most out_max */
    size_t out_max;
    int fd;                    /* or into this file (fd > 0), at most fd_max */
    uint64_t fd_max;
    const char *progress_digest;
    uint64_t progress_total;
} reg_req;

typedef struct reg_resp {
    long code;
    char content_type[128];
    char digest[CCS_IMAGE_DIGEST_LEN + 1]; /* Docker-Content-Digest, "" when absent */
    char location[2048];
    char www_auth[4096];
    long retry_after;
    uint64_t received;
    char errbody[REG_ERRBODY_MAX + 1]; /* the start of a non-2xx body */
} reg_resp;

/* One exchange with the registry of ref: auth (a cached bearer token for
 * q->scope, or basic), one more try after a 401 challenge, retries with
 * backoff on transport errors, 429 and 5xx. CCS_OK with resp->code set for
 * any other final status; the caller maps it (ccs__registry_fail). */
CCS_MUST_USE ccs_status ccs__registry_do(ccs_registry *r, const ccs_image_ref *ref, const reg_req *q, reg_resp *resp);
/* The status for an unexpected HTTP code: 404 CCS_ERR_NOT_FOUND, 401/403
 * CCS_ERR_POLICY, others CCS_ERR_NETWORK; the message names what and the
 * registry's own error code. */
ccs_status ccs__registry_fail(const reg_resp *resp, const char *what);
/* "https://HOST" or "http://HOST" (insecure_plain_http, loopback only). */
CCS_MUST_USE ccs_status ccs__registry_base(const ccs_registry *r, const ccs_image_ref *ref, char *out, size_t cap);

/* registry_auth.c: credentials for a host (options, then the auth file) and
 * bearer tokens from a challenge's realm, cached per scope. */
CCS_MUST_USE ccs_status ccs__registry_creds(ccs_registry *r, const char *host);
const char *ccs__registry_token_for(const ccs_registry *r, const char *scope);
CCS_MUST_USE ccs_status ccs__registry_token_fetch(ccs_registry *r, const ccs_registry_challenge *c, const char *scope);
void ccs__registry_auth_free(ccs_registry *r);

#endif
