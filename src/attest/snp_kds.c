/*
 * AMD KDS client: the SEV-SNP collateral provider that does network I/O
 * (DESIGN.md "Layers"; beside the verifier, chosen by the caller). Paths per
 * the VCEK Certificate and KDS Interface Specification (#57230):
 *
 *   {base}/vcek/v1/{product}/{hwid}?blSPL=B&teeSPL=T&snpSPL=S&ucodeSPL=U
 *       Turin: ?fmcSPL=F&blSPL=B&..., hwid = the first 8 bytes of CHIP_ID
 *   {base}/vcek/v1/{product}/cert_chain    PEM ASK, ARK
 *   {base}/vlek/v1/{product}/cert_chain    PEM ASVK, ARK
 *   {base}/vcek/v1/{product}/crl           DER, signed by the ARK
 *
 * The SPL values are the report's reported_tcb, decoded with the product's
 * layout: the VCEK that signed a report is the one for the TCB the report
 * says it was signed at, not current_tcb (go-sev-guest #72). Each body is
 * checked before use (size, form, that it is what was asked for); the set
 * is stored in the cache (snp_kds_cache.c) only after it verified the report.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "snp.h"
#include "snp_kds.h"

/* ccs_error_detail() copied out: formatting it into a new error in place
 * would read the buffer being written. */
static const char *why(char buf[static 256]) {
    snprintf(buf, 256, "%s", ccs_error_detail());
    return buf;
}

#define KDS_MAX_CERT (64 * 1024)  /* a VCEK is ~1.3 KiB, a chain ~4 KiB */
#define KDS_MAX_CRL (1024 * 1024) /* AMD's CRLs are a few KiB */
#define KDS_CONNECT_TIMEOUT_S 10L
#define KDS_TOTAL_TIMEOUT_S 30L
#define KDS_ATTEMPTS 3            /* transient failures only: connect, timeout, 429, 5xx */
#define KDS_NO_CRL_TTL 3600       /* how long a 404 for a CRL is remembered */

struct ccs_snp_kds {
    char *base;
    CURL *curl;
    snp_kds_cache *cache;
    bool insecure_skip_tls_verify;
};

/* ---- object --------------------------------------------------------------------- */

static ccs_status check_base_url(const char *url) {
    CURLU *u = curl_url();
    CCS_ENSURE(u != NULL, CCS_ERR_NOMEM, "out of memory");
    char *scheme = NULL, *host = NULL;
    bool ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
    bool web = ok && (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    CCS_ENSURE(ok, CCS_ERR_INVALID_ARG, "KDS base URL is not a valid URL");
    CCS_ENSURE(web, CCS_ERR_INVALID_ARG, "KDS base URL must be http:// or https://");
    CCS_ENSURE(strpbrk(url, "?#") == NULL, CCS_ERR_INVALID_ARG, "KDS base URL must not have a query");
    return CCS_OK;
}

ccs_status ccs_snp_kds_new(const char *base_url, const char *cache_path, ccs_snp_kds **out) {
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "KDS: NULL argument");
    *out = NULL;
    if (base_url == NULL) base_url = CCS_SNP_KDS_DEFAULT_URL;
    CCS_TRY(check_base_url(base_url));
    CCS_ENSURE(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK, CCS_ERR_NETWORK, "KDS: libcurl init failed");
    ccs_snp_kds *k = calloc(1, sizeof *k);
    ccs_status st = k ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (st == CCS_OK) {
        size_t n = strlen(base_url);
        while (n > 0 && base_url[n - 1] == '/') n--;
        k->base = strndup(base_url, n);
        if (k->base == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    }
    if (st == CCS_OK && (k->curl = curl_easy_init()) == NULL)
        st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "KDS: cannot create a curl handle");
    if (st == CCS_OK && cache_path != NULL) st = ccs_snp_kds_cache_open(cache_path, &k->cache);
    if (st != CCS_OK) {
        if (k == NULL) curl_global_cleanup();
        ccs_snp_kds_free(k);
        return st;
    }
    *out = k;
    return CCS_OK;
}

void ccs_snp_kds_free(ccs_snp_kds *k) {
    if (k == NULL) return;
    ccs_snp_kds_cache_close(k->cache);
    curl_easy_cleanup(k->curl);
    free(k->base);
    free(k);
    curl_global_cleanup();
}

void ccs_snp_kds_insecure_skip_tls_verify(ccs_snp_kds *k, bool skip) {
    if (k != NULL) k->insecure_skip_tls_verify = skip;
}

void ccs_snp_kds_files_free(ccs_snp_kds_files *f) {
    if (f == NULL) return;
    ccs_buf_free(&f->key_cert);
    ccs_buf_free(&f->cert_chain);
    ccs_buf_free(&f->crl);
}

ccs_snp_product ccs_snp_product_parse(const char *name) {
    for (int p = CCS_SNP_PRODUCT_MILAN; p <= CCS_SNP_PRODUCT_TURIN; p++)
        if (name != NULL && strcasecmp(name, ccs_snp_product_name((ccs_snp_product)p)) == 0) return (ccs_snp_product)p;
    return CCS_SNP_PRODUCT_UNKNOWN;
}

/* ---- HTTP ------------------------------------------------------------------------- */

typedef struct body_sink {
    ccs_buf *body;
    size_t max;
    bool too_large, nomem;
} body_sink;

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
    body_sink *s = userdata;
    size_t n = size * nmemb; /* size is 1 */
    if (n > s->max - s->body->len) {
        s->too_large = true;
        return 0;
    }
    if (ccs_buf_append(s->body, data, n) != CCS_OK) {
        s->nomem = true;
        return 0;
    }
    return n;
}

static ccs_status set_options(ccs_snp_kds *k, const char *url, body_sink *sink) {
    CURL *c = k->curl;
    long verify = k->insecure_skip_tls_verify ? 0L : 1L;
    curl_easy_reset(c);
    bool ok = curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, KDS_CONNECT_TIMEOUT_S) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_TIMEOUT, KDS_TOTAL_TIMEOUT_S) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sink->max) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, verify) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_USERAGENT, "ccs-kds/1") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEDATA, sink) == CURLE_OK;
    CCS_ENSURE(ok, CCS_ERR_NETWORK, "KDS: cannot set curl options");
    return CCS_OK;
}

static bool transient(CURLcode rc, long status) {
    if (rc == CURLE_OK) return status == 429 || (status >= 500 && status <= 599);
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_RECV_ERROR ||
           rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE;
}

/* One GET of {base}{path}; *status is the HTTP status (0 if none came). */
static ccs_status get_once(ccs_snp_kds *k, const char *path, size_t max, ccs_buf *body, long *status,
                           CURLcode *rc) {
    ccs_buf url = {0};
    body_sink sink = {body, max, false, false};
    body->len = 0;
    *status = 0;
    ccs_status st = ccs_buf_append_str(&url, k->base);
    if (st == CCS_OK) st = ccs_buf_append_str(&url, path);
    if (st == CCS_OK) st = set_options(k, (const char *)url.ptr, &sink);
    *rc = st == CCS_OK ? curl_easy_perform(k->curl) : CURLE_OK;
    ccs_buf_free(&url);
    CCS_TRY(st);
    CCS_ENSURE(!sink.nomem, CCS_ERR_NOMEM, "out of memory");
    CCS_ENSURE(!sink.too_large && *rc != CURLE_FILESIZE_EXCEEDED, CCS_ERR_FORMAT,
               "KDS GET %s: response larger than %zu bytes", path, max);
    if (*rc == CURLE_OK) curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, status);
    return CCS_OK;
}

/* GET with retries for transient failures only; messages name the path,
 * never the base URL (it could carry credentials). 200 and 404 return
 * CCS_OK with *status set; the caller decides what a 404 means. */
static ccs_status http_get(ccs_snp_kds *k, const char *path, size_t max, ccs_buf *body, long *status) {
    CURLcode rc = CURLE_OK;
    for (int i = 0; i < KDS_ATTEMPTS; i++) {
        if (i > 0) nanosleep(&(struct timespec){0, 100000000L * i}, NULL);
        CCS_TRY(get_once(k, path, max, body, status, &rc));
        if (!transient(rc, *status)) break;
    }
    CCS_ENSURE(rc == CURLE_OK, CCS_ERR_NETWORK, "KDS GET %s: %s", path, curl_easy_strerror(rc));
    CCS_ENSURE(*status == 200 || *status == 404, CCS_ERR_NETWORK, "KDS GET %s: HTTP status %ld", path, *status);
    return CCS_OK;
}

/* ---- what was asked for --------------------------------------------------------- */

typedef struct kds_req {
    ccs_snp_report rep;
    ccs_snp_product product;
    const char *pname;
    bool vlek;
    char hwid[129];  /* lower-case hex of CHIP_ID (Turin: 8 bytes) */
    char tcb[96];    /* the VCEK query string */
    ccs_snp_tcb t;
    size_t hwid_len;
    bool cached[3];  /* key, chain, crl came from the cache */
    ccs_time crl_expiry;
} kds_req;

enum { P_KEY, P_CHAIN, P_CRL };

static ccs_status make_req(ccs_bytes report, ccs_snp_product hint, kds_req *q) {
    memset(q, 0, sizeof *q);
    CCS_TRY(ccs_snp_report_parse(report, &q->rep));
    ccs_snp_product rp = ccs_snp_report_product(&q->rep);
    CCS_ENSURE(!(rp && hint && rp != hint), CCS_ERR_MISMATCH, "KDS: the report is from a %s CPU, not %s",
               ccs_snp_product_name(rp), ccs_snp_product_name(hint));
    q->product = rp ? rp : hint;
    CCS_ENSURE(q->product != CCS_SNP_PRODUCT_UNKNOWN, CCS_ERR_INVALID_ARG,
               "KDS: the report (version %u) does not name its product; give it (Milan, Genoa or Turin)",
               q->rep.version);
    q->pname = ccs_snp_product_name(q->product);
    q->vlek = q->rep.signing_key == CCS_SNP_KEY_VLEK;
    q->t = ccs_snp_tcb_decode(q->rep.reported_tcb, q->product);
    if (q->product == CCS_SNP_PRODUCT_TURIN)
        snprintf(q->tcb, sizeof q->tcb, "fmcSPL=%u&blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u", q->t.fmc,
                 q->t.bootloader, q->t.tee, q->t.snp, q->t.microcode);
    else
        snprintf(q->tcb, sizeof q->tcb, "blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u", q->t.bootloader, q->t.tee,
                 q->t.snp, q->t.microcode);
    if (q->vlek) return CCS_OK;
    CCS_ENSURE(!ccs_bytes_is_zero(q->rep.chip_id), CCS_ERR_INVALID_ARG,
               "KDS: the report's chip id is masked (zero), so its VCEK cannot be asked for");
    q->hwid_len = q->product == CCS_SNP_PRODUCT_TURIN ? 8 : 64;
    return ccs_hex_encode(ccs_bytes_of(q->rep.chip_id.ptr, q->hwid_len), q->hwid, sizeof q->hwid);
}

static snp_kds_key key_of(const kds_req *q, int piece) {
    snp_kds_key k = {"", q->pname, "", ""};
    if (piece == P_KEY) {
        k.kind = "vcek";
        k.hwid = q->hwid;
        k.tcb = q->tcb;
    } else {
        k.kind = piece == P_CRL ? "crl" : q->vlek ? "vlek_chain" : "vcek_chain";
    }
    return k;
}

/* ---- checks of the bodies ------------------------------------------------------- */

static ccs_status check_vcek(const kds_req *q, ccs_bytes der) {
    char wb[256];
    ccs_x509 *c = NULL;
    snp_cert_ext e;
    char cn[32];
    CCS_ENSURE(der.len > 0 && der.ptr[0] == 0x30, CCS_ERR_FORMAT, "KDS: the VCEK response is not a DER certificate");
    ccs_status st = ccs_x509_parse_der(der, &c);
    CCS_ENSURE(st == CCS_OK, CCS_ERR_FORMAT, "KDS: the VCEK response is not a DER certificate: %s", why(wb));
    st = ccs_x509_subject_cn(c, cn, sizeof cn);
    if (st == CCS_OK && strcmp(cn, "SEV-VCEK") != 0) st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "subject is \"%s\"", cn);
    if (st == CCS_OK) st = ccs_snp_cert_ext_parse(c, &e);
    ccs_x509_free(c);
    CCS_ENSURE(st == CCS_OK, CCS_ERR_FORMAT, "KDS: the response is not a VCEK: %s", why(wb));
    bool tcb_ok = e.tcb.bootloader == q->t.bootloader && e.tcb.tee == q->t.tee && e.tcb.snp == q->t.snp &&
                  e.tcb.microcode == q->t.microcode && (q->product != CCS_SNP_PRODUCT_TURIN || e.tcb.fmc == q->t.fmc);
    CCS_ENSURE(tcb_ok, CCS_ERR_FORMAT, "KDS: the VCEK served is for another TCB than the one asked for (%s)", q->tcb);
    CCS_ENSURE(e.hwid_len == q->hwid_len && memcmp(e.hwid, q->rep.chip_id.ptr, q->hwid_len) == 0, CCS_ERR_FORMAT,
               "KDS: the VCEK served is for another chip");
    return CCS_OK;
}

static ccs_status check_chain(const kds_req *q, ccs_bytes pem) {
    char wb[256];
    ccs_x509_chain *ch = NULL;
    char cn[64], want[64];
    ccs_status st = ccs_x509_chain_parse_pem(pem, &ch);
    CCS_ENSURE(st == CCS_OK, CCS_ERR_FORMAT, "KDS: the cert_chain response is not PEM certificates: %s",
               why(wb));
    const ccs_x509 *ark = ccs_snp_pinned_ark(q->product);
    snprintf(want, sizeof want, "SEV-%s%s", q->vlek ? "VLEK-" : "", q->pname);
    if (ccs_x509_chain_len(ch) != 2)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "KDS: cert_chain has %zu certificates, expected 2",
                           ccs_x509_chain_len(ch));
    else if (ark == NULL || !ccs_x509_equal(ccs_x509_chain_get(ch, 1), ark))
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "KDS: cert_chain does not end at the pinned ARK-%s", q->pname);
    else if (ccs_x509_subject_cn(ccs_x509_chain_get(ch, 0), cn, sizeof cn) != CCS_OK || strcmp(cn, want) != 0)
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "KDS: cert_chain does not start with %s", want);
    ccs_x509_chain_free(ch);
    return st;
}

/* A CRL is used only while current; *expiry is its nextUpdate. */
static ccs_status check_crl(const kds_req *q, ccs_bytes der, ccs_time now, ccs_time *expiry) {
    char wb[256];
    ccs_crl *crl = NULL;
    ccs_time lo;
    CCS_ENSURE(der.len > 0 && der.ptr[0] == 0x30, CCS_ERR_FORMAT, "KDS: the CRL response is not a DER CRL");
    ccs_status st = ccs_crl_parse(der, &crl);
    CCS_ENSURE(st == CCS_OK, CCS_ERR_FORMAT, "KDS: the CRL response is not a DER CRL: %s", why(wb));
    const ccs_x509 *ark = ccs_snp_pinned_ark(q->product);
    st = ark ? ccs_crl_verify(crl, ark) : CCS_ERR_NOT_FOUND;
    if (st != CCS_OK) st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE, "KDS: the CRL is not signed by ARK-%s", q->pname);
    if (st == CCS_OK) st = ccs_crl_window(crl, &lo, expiry);
    if (st == CCS_OK && (now < lo || now >= *expiry))
        st = ccs_error_set(CCS_ERR_EXPIRED, CCS_HERE, "KDS: the CRL served for %s is not current", q->pname);
    ccs_crl_free(crl);
    return st;
}

/* ---- pieces --------------------------------------------------------------------- */

static void path_of(const kds_req *q, int piece, char *out, size_t cap) {
    if (piece == P_KEY)
        snprintf(out, cap, "/vcek/v1/%s/%s?%s", q->pname, q->hwid, q->tcb);
    else if (piece == P_CHAIN)
        snprintf(out, cap, "/%s/v1/%s/cert_chain", q->vlek ? "vlek" : "vcek", q->pname);
    else
        snprintf(out, cap, "/vcek/v1/%s/crl", q->pname);
}

static ccs_status check_piece(kds_req *q, int piece, ccs_bytes body, ccs_time now) {
    if (piece == P_KEY) return check_vcek(q, body);
    if (piece == P_CHAIN) return check_chain(q, body);
    if (body.len == 0) { /* remembered 404: no CRL */
        q->crl_expiry = now + KDS_NO_CRL_TTL;
        return CCS_OK;
    }
    return check_crl(q, body, now, &q->crl_expiry);
}

/* From the cache when a usable entry is there (a cached CRL until its
 * nextUpdate; an entry that no longer checks out is a miss), else fetched. */
static ccs_status get_piece(ccs_snp_kds *k, kds_req *q, int piece, ccs_time now, ccs_buf *out) {
    char path[256];
    if (k->cache != NULL) {
        snp_kds_key key = key_of(q, piece);
        ccs_time expiry = 0;
        bool found = false;
        CCS_TRY(ccs_snp_kds_cache_get(k->cache, &key, out, &expiry, &found));
        if (found && (piece != P_CRL || now < expiry) && check_piece(q, piece, ccs_buf_view(out), now) == CCS_OK) {
            q->cached[piece] = true;
            return CCS_OK;
        }
        out->len = 0;
    }
    path_of(q, piece, path, sizeof path);
    long status = 0;
    CCS_TRY(http_get(k, path, piece == P_CRL ? KDS_MAX_CRL : KDS_MAX_CERT, out, &status));
    if (status == 404) {
        out->len = 0;
        CCS_ENSURE(piece == P_CRL, CCS_ERR_NOT_FOUND, "%s (GET %s: HTTP 404)",
                   piece == P_KEY ? "KDS has no VCEK for this chip/TCB" : "KDS has no certificate chain for this product",
                   path);
    } else {
        CCS_ENSURE(out->len > 0, CCS_ERR_FORMAT, "KDS GET %s: empty response", path);
    }
    return check_piece(q, piece, ccs_buf_view(out), now);
}

static ccs_status fetch(ccs_snp_kds *k, ccs_bytes report, ccs_snp_product hint, ccs_time now, kds_req *q,
                        ccs_snp_kds_files *out) {
    CCS_ENSURE(k != NULL && out != NULL, CCS_ERR_INVALID_ARG, "KDS: NULL argument");
    memset(out, 0, sizeof *out);
    CCS_TRY(make_req(report, hint, q));
    out->product = q->product;
    out->vlek = q->vlek;
    ccs_status st = q->vlek ? CCS_OK : get_piece(k, q, P_KEY, now, &out->key_cert);
    if (st == CCS_OK) st = get_piece(k, q, P_CHAIN, now, &out->cert_chain);
    if (st == CCS_OK) st = get_piece(k, q, P_CRL, now, &out->crl);
    out->key_from_cache = q->cached[P_KEY];
    out->crl_from_cache = q->cached[P_CRL];
    if (st != CCS_OK) ccs_snp_kds_files_free(out);
    return st;
}

ccs_status ccs_snp_kds_fetch(ccs_snp_kds *k, ccs_bytes report, ccs_snp_product product_hint, ccs_time now,
                             ccs_snp_kds_files *out) {
    kds_req q;
    return fetch(k, report, product_hint, now, &q, out);
}

/* ---- collateral ----------------------------------------------------------------- */

/* Stores the fetched (not cached) pieces of a set that verified. */
static ccs_status store(ccs_snp_kds *k, const kds_req *q, const ccs_snp_kds_files *f, ccs_time now) {
    snp_kds_key keys[3];
    ccs_bytes bodies[3];
    ccs_time exp[3];
    size_t n = 0;
    const ccs_buf *bufs[3] = {&f->key_cert, &f->cert_chain, &f->crl};
    for (int p = P_KEY; p <= P_CRL; p++) {
        if (q->cached[p] || (p == P_KEY && q->vlek)) continue;
        keys[n] = key_of(q, p);
        bodies[n] = ccs_buf_view(bufs[p]);
        exp[n] = p == P_CRL ? q->crl_expiry : INT64_MAX;
        n++;
    }
    return n ? ccs_snp_kds_cache_put(k->cache, keys, bodies, exp, n, now) : CCS_OK;
}

ccs_status ccs_snp_kds_get_collateral(ccs_snp_kds *k, ccs_bytes report, ccs_snp_product product_hint,
                                      ccs_bytes vlek_der, ccs_time now, ccs_snp_collateral **out) {
    kds_req q;
    ccs_snp_kds_files f;
    ccs_snp_collateral *c = NULL;
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "KDS: NULL argument");
    *out = NULL;
    CCS_TRY(fetch(k, report, product_hint, now, &q, &f));
    ccs_status st = CCS_OK;
    if (q.vlek && vlek_der.len == 0)
        st = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "KDS does not serve VLEKs: the VLEK must come with the report");
    if (st == CCS_OK)
        st = ccs_snp_collateral_load(q.vlek ? vlek_der : ccs_buf_view(&f.key_cert), ccs_buf_view(&f.cert_chain), &c);
    if (st == CCS_OK && f.crl.len > 0) st = ccs_snp_collateral_set_crl(c, ccs_buf_view(&f.crl));
    if (st == CCS_OK && k->cache != NULL) {
        /* The guest policy is the caller's business; the set itself must verify. */
        ccs_snp_options opt = {.now = now, .allow_debug = true, .allow_migration_agent = true, .max_vmpl = 3};
        ccs_snp_result *res = calloc(1, sizeof *res);
        if (res == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
        else if (ccs_snp_verify(report, c, &opt, res) == CCS_OK) st = store(k, &q, &f, now);
        free(res);
    }
    ccs_snp_kds_files_free(&f);
    if (st != CCS_OK) {
        ccs_snp_collateral_free(c);
        return st;
    }
    *out = c;
    return CCS_OK;
}
