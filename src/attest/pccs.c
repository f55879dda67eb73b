/*
 * PCCS / Intel PCS collateral provider (the one attest file that does network
 * I/O; DESIGN.md "Layers"). Fetches with libcurl, per the Intel SGX and TDX
 * PCS API v4 (Provisioning Certification Service for ECDSA Attestation):
 *
 *   {base}/{sgx,tdx}/certification/v4/tcb?fmspc=HEX  header TCB-Info-Issuer-Chain
 *   {base}/{sgx,tdx}/certification/v4/qe/identity    header SGX-Enclave-Identity-Issuer-Chain
 *   {base}/sgx/certification/v4/pckcrl?ca=..&encoding=der  header SGX-PCK-CRL-Issuer-Chain
 *   {base}/sgx/certification/v4/rootcacrl            (PCCS)
 *
 * Issuer chains arrive URL-encoded (PEM) in response headers. The pieces are
 * handed to ccs_collateral_load unchanged and, once they load, stored in the
 * optional SQLite cache (pccs_cache.c) until ccs_collateral_expiry.
 *
 * A ccs_pccs object is not safe for concurrent use from several threads.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "pccs_cache.h"

#define PCCS_MAX_BODY (1024 * 1024)
#define PCCS_CONNECT_TIMEOUT_S 10L
#define PCCS_TOTAL_TIMEOUT_S 30L

struct ccs_pccs {
    char *base; /* base URL without a trailing '/' */
    CURL *curl; /* one handle, so the four requests share a connection */
    ccs_pccs_cache *cache;
    bool insecure_skip_tls_verify;
};

/* Response header names, newest first; curl matches them case-insensitively. */
static const char *const hdr_tcb_chain[] = {"TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain", NULL};
static const char *const hdr_qe_chain[] = {"SGX-Enclave-Identity-Issuer-Chain", "Enclave-Identity-Issuer-Chain",
                                           NULL};
static const char *const hdr_crl_chain[] = {"SGX-PCK-CRL-Issuer-Chain", NULL};

/* ---- object ----------------------------------------------------------------- */

/* Only http:// and https:// with a host; parsed by libcurl's URL API. */
static ccs_status check_base_url(const char *url) {
    CURLU *u = curl_url();
    CCS_ENSURE(u != NULL, CCS_ERR_NOMEM, "out of memory");
    char *scheme = NULL;
    char *host = NULL;
    bool ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
    bool web = ok && (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    CCS_ENSURE(ok, CCS_ERR_INVALID_ARG, "PCCS base URL is not a valid URL");
    CCS_ENSURE(web, CCS_ERR_INVALID_ARG, "PCCS base URL must be http:// or https://");
    CCS_ENSURE(strpbrk(url, "?#") == NULL, CCS_ERR_INVALID_ARG, "PCCS base URL must not have a query");
    return CCS_OK;
}

static ccs_status copy_base(const char *url, char **out) {
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/') n--;
    *out = strndup(url, n);
    CCS_ENSURE(*out != NULL, CCS_ERR_NOMEM, "out of memory");
    return CCS_OK;
}

ccs_status ccs_pccs_new(const char *base_url, const char *cache_path, ccs_pccs **out) {
    CCS_ENSURE(base_url != NULL && out != NULL, CCS_ERR_INVALID_ARG, "PCCS: NULL argument");
    *out = NULL;
    CCS_TRY(check_base_url(base_url));
    /* Thread-safe and reference-counted since curl 7.84. */
    CCS_ENSURE(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK, CCS_ERR_NETWORK, "PCCS: libcurl init failed");
    ccs_pccs *p = calloc(1, sizeof *p);
    ccs_status st = p ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (st == CCS_OK) st = copy_base(base_url, &p->base);
    if (st == CCS_OK && (p->curl = curl_easy_init()) == NULL)
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "PCCS: cannot create a curl handle");
    if (st == CCS_OK && cache_path != NULL) st = ccs_pccs_cache_open(cache_path, &p->cache);
    if (st != CCS_OK) {
        if (p == NULL) curl_global_cleanup();
        ccs_pccs_free(p);
        return st;
    }
    *out = p;
    return CCS_OK;
}

void ccs_pccs_free(ccs_pccs *p) {
    if (p == NULL) return;
    ccs_pccs_cache_close(p->cache);
    curl_easy_cleanup(p->curl);
    free(p->base);
    free(p);
    curl_global_cleanup();
}

void ccs_pccs_insecure_skip_tls_verify(ccs_pccs *p, bool skip) {
    if (p != NULL) p->insecure_skip_tls_verify = skip;
}

/* ---- HTTP ------------------------------------------------------------------- */

typedef struct body_sink {
    ccs_buf *body;
    bool too_large;
    bool nomem;
} body_sink;

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
    body_sink *sink = userdata;
    size_t n = size * nmemb; /* curl guarantees size == 1 */
    if (n > PCCS_MAX_BODY - sink->body->len) {
        sink->too_large = true;
        return 0; /* aborts the transfer */
    }
    if (ccs_buf_append(sink->body, data, n) != CCS_OK) {
        sink->nomem = true;
        return 0;
    }
    return n;
}

static ccs_status set_options(ccs_pccs *p, const char *url, body_sink *sink) {
    CURL *c = p->curl;
    long verify = p->insecure_skip_tls_verify ? 0L : 1L;
    curl_easy_reset(c); /* keeps the connection cache */
    bool ok = curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, PCCS_CONNECT_TIMEOUT_S) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_TIMEOUT, PCCS_TOTAL_TIMEOUT_S) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)PCCS_MAX_BODY) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, verify) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_USERAGENT, "ccs-pccs/1") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEDATA, sink) == CURLE_OK;
    CCS_ENSURE(ok, CCS_ERR_NETWORK, "PCCS: cannot set curl options");
    return CCS_OK;
}

/* GET {base}{path} into body; any status but 200 is an error. Messages name
 * the path only (the base URL could carry credentials). */
static ccs_status http_get(ccs_pccs *p, const char *path, ccs_buf *body) {
    ccs_buf url = {0};
    body_sink sink = {body, false, false};
    ccs_status st = ccs_buf_append_str(&url, p->base);
    if (st == CCS_OK) st = ccs_buf_append_str(&url, path);
    if (st == CCS_OK) st = set_options(p, (const char *)url.ptr, &sink);
    CURLcode rc = st == CCS_OK ? curl_easy_perform(p->curl) : CURLE_OK;
    ccs_buf_free(&url);
    CCS_TRY(st);
    CCS_ENSURE(!sink.nomem, CCS_ERR_NOMEM, "out of memory");
    CCS_ENSURE(!sink.too_large && rc != CURLE_FILESIZE_EXCEEDED, CCS_ERR_NETWORK,
               "PCCS GET %s: response larger than %d bytes", path, PCCS_MAX_BODY);
    CCS_ENSURE(rc == CURLE_OK, CCS_ERR_NETWORK, "PCCS GET %s: %s", path, curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &status);
    CCS_ENSURE(status == 200, CCS_ERR_NETWORK, "PCCS GET %s: HTTP status %ld", path, status);
    return CCS_OK;
}

/* The first of the named headers that the last response has, URL-decoded. */
static ccs_status get_chain_header(ccs_pccs *p, const char *path, const char *const *names, ccs_buf *out) {
    struct curl_header *h = NULL;
    size_t i = 0;
    while (names[i] != NULL && curl_easy_header(p->curl, names[i], 0, CURLH_HEADER, -1, &h) != CURLHE_OK) i++;
    CCS_ENSURE(names[i] != NULL, CCS_ERR_NETWORK, "PCCS GET %s: response has no %s header", path, names[0]);
    int n = 0;
    char *pem = curl_easy_unescape(p->curl, h->value, 0, &n);
    CCS_ENSURE(pem != NULL && n > 0, CCS_ERR_NETWORK, "PCCS GET %s: empty or undecodable %s header", path,
               names[i]);
    ccs_status st = ccs_buf_append(out, pem, (size_t)n);
    curl_free(pem);
    return st;
}

/* One request: body into parts[body_part], chain header into parts[chain_part]. */
static ccs_status fetch_piece(ccs_pccs *p, const char *path, ccs_pccs_parts *parts, int body_part,
                              const char *const *chain_names, int chain_part) {
    CCS_TRY(http_get(p, path, &parts->part[body_part]));
    if (chain_names == NULL) return CCS_OK;
    return get_chain_header(p, path, chain_names, &parts->part[chain_part]);
}

static ccs_status fetch_all(ccs_pccs *p, const ccs_pccs_key *k, ccs_pccs_parts *parts) {
    char path[128];
    snprintf(path, sizeof path, "/%s/certification/v4/tcb?fmspc=%s", k->tee, k->fmspc);
    CCS_TRY(fetch_piece(p, path, parts, CCS_PCCS_TCB_INFO, hdr_tcb_chain, CCS_PCCS_TCB_INFO_CHAIN));
    snprintf(path, sizeof path, "/%s/certification/v4/qe/identity", k->tee);
    CCS_TRY(fetch_piece(p, path, parts, CCS_PCCS_QE_IDENTITY, hdr_qe_chain, CCS_PCCS_QE_IDENTITY_CHAIN));
    /* The PCK CRLs and the Root CA CRL are shared by SGX and TDX. */
    snprintf(path, sizeof path, "/sgx/certification/v4/pckcrl?ca=%s&encoding=der", k->pck_ca);
    CCS_TRY(fetch_piece(p, path, parts, CCS_PCCS_PCK_CRL, hdr_crl_chain, CCS_PCCS_PCK_CRL_CHAIN));
    return fetch_piece(p, "/sgx/certification/v4/rootcacrl", parts, CCS_PCCS_ROOT_CA_CRL, NULL, 0);
}

/* ---- collateral --------------------------------------------------------------- */

/* Loads the pieces and checks that they are for the TEE and FMSPC asked for
 * (a misconfigured or hostile server could answer for another platform). */
static ccs_status load_parts(const ccs_pccs_parts *parts, ccs_tee tee, const uint8_t fmspc[static 6],
                             ccs_collateral **out) {
    ccs_collateral_raw raw = {0};
    ccs_collateral *c = NULL;
    uint8_t got[6] = {0};
    ccs_pccs_parts_view(parts, &raw);
    CCS_TRY(ccs_collateral_load(&raw, &c));
    ccs_status st = ccs_collateral_fmspc(c, got);
    if (st == CCS_OK && (ccs_collateral_tee(c) != tee || memcmp(got, fmspc, 6) != 0))
        st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "PCCS: the TCB Info served is for another TEE or FMSPC");
    if (st != CCS_OK) {
        ccs_collateral_free(c);
        return st;
    }
    *out = c;
    return CCS_OK;
}

/* A cached entry that is still valid at `now` and loads; anything else
 * (absent, expired, unreadable) is a miss, and the fetch replaces it. */
static ccs_status cache_lookup(ccs_pccs *p, const ccs_pccs_key *k, ccs_tee tee, const uint8_t fmspc[static 6],
                               ccs_time now, ccs_collateral **out) {
    ccs_pccs_parts parts = {0};
    ccs_time expiry = 0;
    bool found = false;
    *out = NULL;
    CCS_TRY(ccs_pccs_cache_get(p->cache, k, &parts, &expiry, &found));
    if (found && now < expiry && load_parts(&parts, tee, fmspc, out) != CCS_OK) *out = NULL;
    ccs_pccs_parts_free(&parts);
    return CCS_OK;
}

static ccs_status fetch_and_store(ccs_pccs *p, const ccs_pccs_key *k, ccs_tee tee, const uint8_t fmspc[static 6],
                                  ccs_time now, ccs_collateral **out) {
    ccs_pccs_parts parts = {0};
    ccs_collateral *c = NULL;
    ccs_status st = fetch_all(p, k, &parts);
    if (st == CCS_OK) st = load_parts(&parts, tee, fmspc, &c);
    if (st == CCS_OK && p->cache != NULL) st = ccs_pccs_cache_put(p->cache, k, &parts, ccs_collateral_expiry(c), now);
    ccs_pccs_parts_free(&parts);
    if (st != CCS_OK) {
        ccs_collateral_free(c);
        return st;
    }
    *out = c;
    return CCS_OK;
}

static ccs_status make_key(ccs_tee tee, const uint8_t fmspc[static 6], const char *pck_ca, char hex[static 13],
                           ccs_pccs_key *k) {
    CCS_ENSURE(tee == CCS_TEE_SGX || tee == CCS_TEE_TDX, CCS_ERR_INVALID_ARG, "PCCS: TEE must be SGX or TDX");
    CCS_ENSURE(pck_ca != NULL && (strcmp(pck_ca, "platform") == 0 || strcmp(pck_ca, "processor") == 0),
               CCS_ERR_INVALID_ARG, "PCCS: PCK CA must be \"platform\" or \"processor\"");
    CCS_TRY(ccs_hex_encode(ccs_bytes_of(fmspc, 6), hex, 13));
    for (size_t i = 0; i < 12; i++) hex[i] = (char)toupper((unsigned char)hex[i]); /* PCS wants upper case */
    k->tee = tee == CCS_TEE_SGX ? "sgx" : "tdx";
    k->fmspc = hex;
    k->pck_ca = pck_ca;
    return CCS_OK;
}

ccs_status ccs_pccs_get_collateral(ccs_pccs *p, ccs_tee tee, const uint8_t fmspc[static 6], const char *pck_ca,
                                   ccs_time now, ccs_collateral **out) {
    CCS_ENSURE(p != NULL && fmspc != NULL && out != NULL, CCS_ERR_INVALID_ARG, "PCCS: NULL argument");
    char hex[13];
    ccs_pccs_key k = {0};
    *out = NULL;
    CCS_TRY(make_key(tee, fmspc, pck_ca, hex, &k));
    if (p->cache != NULL) {
        CCS_TRY(cache_lookup(p, &k, tee, fmspc, now, out));
        if (*out != NULL) return CCS_OK;
    }
    return fetch_and_store(p, &k, tee, fmspc, now, out);
}
