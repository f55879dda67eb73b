/* `ccs kbs serve|admin ...`: run the key broker service, and the operator's
 * admin commands (key pair, bearer token, set resources, policies and
 * reference values over the admin API). docs/kbs.md. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ccs/kbs.h"
#include "ccs/kbs_protocol.h"
#include "cli.h"

static const char kbs_usage[] =
    "usage: ccs kbs <verb> [options]\n"
    "\n"
    "verbs:\n"
    "  serve     run the key broker service (HTTP or HTTPS)\n"
    "  admin     operator commands: keygen, token, set-resource, set-policy, get-policy, set-refval\n"
    "\n"
    "Run `ccs kbs <verb> --help` for its options.\n";

static const char serve_usage[] =
    "usage: ccs kbs serve [--config FILE] [--listen HOST:PORT] [--store FILE] [--admin-key FILE]\n"
    "                     [--insecure-trust-sim DIR] [--log-level error|warn|info|debug]\n"
    "\n"
    "Serves the RCAR protocol (/kbs/v0/auth, /attest, /resource) and the admin API until SIGTERM or\n"
    "SIGINT. Without --config the embedded defaults apply: 127.0.0.1:8080, the store and token key\n"
    "under $STATE_DIRECTORY or ~/.local/share/ccs/kbs, no admin API, no sim evidence. Options\n"
    "override the config file. --insecure-trust-sim accepts sim evidence (development only).\n"
    "Prints \"listening on http(s)://HOST:PORT\" on stdout once the socket is bound.\n";

static const char admin_usage[] =
    "usage: ccs kbs admin <command> [options]\n"
    "\n"
    "  keygen -o KEY [--pub PUB]         new P-256 admin key pair (KEY mode 0600; PUB defaults to KEY.pub)\n"
    "  token --key KEY [--lifetime S]    print an admin bearer token (default lifetime 600 s)\n"
    "  set-resource REPO/TYPE/TAG FILE   upload a resource (FILE - reads stdin)\n"
    "  set-policy attestation|resource FILE\n"
    "  get-policy attestation|resource\n"
    "  set-refval TEE NAME VALUE...      set a reference-value set (e.g. sgx mrenclave <hex>)\n"
    "\n"
    "The set/get commands take --kbs URL (e.g. http://127.0.0.1:8080) and --token TOKEN (or\n"
    "$CCS_KBS_ADMIN_TOKEN), and --cacert FILE to trust a private CA for HTTPS. Plain http://\n"
    "is refused unless the host is loopback (--insecure-plain-http: allow it anyway).\n";

static ccs_kbs_server *g_server;

static void on_signal(int sig) {
    (void)sig;
    ccs_kbs_server_stop(g_server);
}

static int serve(int argc, char **argv) {
    ccs_kbs_config cfg;
    memset(&cfg, 0, sizeof cfg);
    const char *config = NULL;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) config = argv[i + 1];
    ccs_status st = config ? ccs_kbs_config_load(config, &cfg) : ccs_kbs_config_defaults(&cfg);
    if (st != CCS_OK) {
        fprintf(stderr, "ccs kbs serve: %s%s%s\n", config ? config : "", config ? ": " : "", ccs_error_detail());
        return CLI_USAGE;
    }
    int rc = CLI_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char **m = !strcmp(a, "--listen") ? &cfg.listen : !strcmp(a, "--store") ? &cfg.store
                   : !strcmp(a, "--admin-key") ? &cfg.admin_key
                   : !strcmp(a, "--insecure-trust-sim") ? &cfg.insecure_trust_sim_dir : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(serve_usage, stdout);
            rc = CLI_OK;
            goto out;
        } else if (!strcmp(a, "--config") && v) {
            i++;
        } else if (!strcmp(a, "--log-level") && v) {
            static const char *const names[] = {"error", "warn", "info", "debug"};
            int lv = -1;
            for (int j = 0; j < 4; j++)
                if (!strcmp(v, names[j])) lv = j;
            if (lv < 0) goto usage;
            cfg.log_level = (ccs_kbs_log_level)lv;
            i++;
        } else if (m != NULL && v) {
            if (ccs_kbs_config_set(m, v) != CCS_OK) goto out;
            i++;
        } else {
            goto usage;
        }
    }
    ccs_kbs_server *s = NULL;
    if (ccs_kbs_server_new(&cfg, &s) != CCS_OK) {
        fprintf(stderr, "ccs kbs serve: %s\n", ccs_error_detail());
        goto out;
    }
    g_server = s;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    const char *colon = strrchr(cfg.listen, ':');
    printf("listening on %s://%.*s:%u\n", cfg.tls_cert ? "https" : "http", (int)(colon - cfg.listen), cfg.listen,
           (unsigned)ccs_kbs_server_port(s));
    fflush(stdout);
    st = ccs_kbs_server_run(s);
    if (st != CCS_OK) fprintf(stderr, "ccs kbs serve: %s\n", ccs_error_detail());
    g_server = NULL;
    ccs_kbs_server_free(s);
    rc = st == CCS_OK ? CLI_OK : CLI_REFUSED;
    goto out;
usage:
    fprintf(stderr, "ccs kbs serve: bad option or missing value\n\n%s", serve_usage);
out:
    ccs_kbs_config_clear(&cfg);
    return rc;
}

/* ---- admin over HTTP ---- */

typedef struct admin_opts {
    const char *kbs, *token, *cacert, *key, *out, *pub;
    bool insecure_plain_http; /* http:// to a host that is not loopback */
    long lifetime;
    int npos;
    const char *pos[64];
} admin_opts;

static size_t collect(char *p, size_t size, size_t n, void *arg) {
    ccs_buf *b = arg;
    return ccs_buf_append(b, p, size * n) == CCS_OK && b->len < (1u << 20) ? size * n : 0;
}

/* https://, or http:// to a loopback host (127/8, [::1], localhost): the
 * bearer token and the resources go in clear otherwise. */
static bool url_ok(const char *url, bool insecure_plain_http) {
    if (strncmp(url, "https://", 8) == 0) return true;
    if (strncmp(url, "http://", 7) != 0) return false;
    if (insecure_plain_http) return true;
    CURLU *u = curl_url();
    char *host = NULL;
    bool ok = u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
    if (ok) ok = ccs_host_is_loopback(host, strlen(host));
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

/* Sends one admin request; prints the KBS's error detail on failure. */
static int admin_call(const admin_opts *o, const char *method, const char *path, ccs_bytes body, bool print) {
    if (o->kbs == NULL || o->token == NULL) {
        fprintf(stderr, "ccs kbs admin: --kbs URL and --token (or $CCS_KBS_ADMIN_TOKEN) are required\n");
        return CLI_USAGE;
    }
    if (!url_ok(o->kbs, o->insecure_plain_http)) {
        fprintf(stderr, "ccs kbs admin: --kbs %s: use https://, or http:// to a loopback address (the token and "
                        "resources would travel in clear; --insecure-plain-http overrides)\n", o->kbs);
        return CLI_USAGE;
    }
    char url[2048], auth[8192];
    snprintf(url, sizeof url, "%s%s", o->kbs, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->token);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Content-Type: application/octet-stream");
    ccs_buf resp = {0};
    long code = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body.ptr);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
    }
    if (o->cacert) curl_easy_setopt(c, CURLOPT_CAINFO, o->cacert);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    ccs_wipe(auth, sizeof auth);
    int rc = CLI_OK;
    if (cc != CURLE_OK) {
        fprintf(stderr, "ccs kbs admin: %s: %s\n", url, curl_easy_strerror(cc));
        rc = CLI_USAGE;
    } else if (code != 200) {
        json_t *e = json_loadb((const char *)resp.ptr, resp.len, 0, NULL);
        const char *d = json_string_value(json_object_get(e, "detail"));
        fprintf(stderr, "ccs kbs admin: %s %s: HTTP %ld: %s\n", method, path, code, d ? d : "(no detail)");
        json_decref(e);
        rc = CLI_REFUSED;
    } else if (print && resp.len > 0) {
        fwrite(resp.ptr, 1, resp.len, stdout);
        putchar('\n');
    }
    ccs_buf_free(&resp);
    return rc;
}

static int read_input(const char *path, ccs_buf *out) {
    ccs_status st = ccs_file_read(strcmp(path, "-") == 0 ? "/dev/stdin" : path, CCS_KBS_MAX_RESOURCE, out);
    if (st != CCS_OK) fprintf(stderr, "ccs kbs admin: %s: %s\n", path, ccs_error_detail());
    return st == CCS_OK ? CLI_OK : CLI_USAGE;
}

static int admin_run(const char *cmd, admin_opts *o) {
    ccs_buf b = {0};
    int rc = CLI_USAGE;
    char path[1024];
    if (!strcmp(cmd, "keygen") && o->out) {
        char pub[4096];
        snprintf(pub, sizeof pub, "%s%s", o->pub ? o->pub : o->out, o->pub ? "" : ".pub");
        if (ccs_kbs_admin_keygen(o->out, pub) != CCS_OK) {
            fprintf(stderr, "ccs kbs admin keygen: %s\n", ccs_error_detail());
            return CLI_USAGE;
        }
        printf("private key: %s\npublic key (the KBS \"admin_key\"): %s\n", o->out, pub);
        return CLI_OK;
    }
    if (!strcmp(cmd, "token") && o->key) {
        if (ccs_kbs_admin_token_mint(o->key, ccs_time_now(), o->lifetime, &b) != CCS_OK) {
            fprintf(stderr, "ccs kbs admin token: %s\n", ccs_error_detail());
            return CLI_USAGE;
        }
        printf("%s\n", (const char *)b.ptr);
        ccs_buf_free(&b);
        return CLI_OK;
    }
    bool pol = o->npos >= 1 && (!strcmp(o->pos[0], "attestation") || !strcmp(o->pos[0], "resource"));
    const char *pol_path = pol && !strcmp(o->pos[0], "attestation") ? CCS_KBS_PATH_ATTESTATION_POLICY
                                                                    : CCS_KBS_PATH_RESOURCE_POLICY;
    if (!strcmp(cmd, "set-resource") && o->npos == 2) {
        snprintf(path, sizeof path, "%s%s", CCS_KBS_PATH_RESOURCE, o->pos[0]);
        rc = read_input(o->pos[1], &b);
        if (rc == CLI_OK) rc = admin_call(o, "POST", path, ccs_buf_view(&b), false);
    } else if (!strcmp(cmd, "set-policy") && pol && o->npos == 2) {
        rc = read_input(o->pos[1], &b);
        if (rc == CLI_OK) rc = admin_call(o, "POST", pol_path, ccs_buf_view(&b), false);
    } else if (!strcmp(cmd, "get-policy") && pol && o->npos == 1) {
        rc = admin_call(o, "GET", pol_path, ccs_bytes_of(NULL, 0), true);
    } else if (!strcmp(cmd, "set-refval") && o->npos >= 3) {
        json_t *vals = json_array();
        for (int i = 2; i < o->npos; i++) json_array_append_new(vals, json_string(o->pos[i]));
        json_t *body = json_pack("{s:s,s:s,s:o}", "tee", o->pos[0], "name", o->pos[1], "values", vals);
        char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        if (text != NULL) rc = admin_call(o, "POST", CCS_KBS_PATH_REFERENCE_VALUE, ccs_bytes_str(text), false);
        free(text);
        json_decref(body);
    } else {
        fprintf(stderr, "ccs kbs admin: bad or incomplete command \"%s\"\n\n%s", cmd, admin_usage);
        return CLI_USAGE;
    }
    ccs_buf_free(&b);
    return rc;
}

static int admin(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(admin_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    admin_opts o;
    memset(&o, 0, sizeof o);
    o.lifetime = 600;
    o.token = getenv("CCS_KBS_ADMIN_TOKEN");
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **m = !strcmp(a, "--kbs") ? &o.kbs : !strcmp(a, "--token") ? &o.token
                         : !strcmp(a, "--cacert") ? &o.cacert : !strcmp(a, "--key") ? &o.key
                         : (!strcmp(a, "-o") || !strcmp(a, "--out")) ? &o.out : !strcmp(a, "--pub") ? &o.pub : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(admin_usage, stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--insecure-plain-http")) {
            o.insecure_plain_http = true;
        } else if (!strcmp(a, "--lifetime") && v) {
            char *end = NULL;
            o.lifetime = strtol(v, &end, 10);
            if (*end || o.lifetime <= 0 || o.lifetime > 86400 * 30) {
                fprintf(stderr, "ccs kbs admin: --lifetime: expected seconds, 1..2592000\n");
                return CLI_USAGE;
            }
            i++;
        } else if (m != NULL && v) {
            *m = v;
            i++;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "ccs kbs admin: bad option \"%s\"\n\n%s", a, admin_usage);
            return CLI_USAGE;
        } else if (o.npos < 64) {
            o.pos[o.npos++] = a;
        }
    }
    return admin_run(argv[1], &o);
}

int ccs_cli_kbs(int argc, char **argv) {
    if (argc < 2) {
        fputs(kbs_usage, stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(kbs_usage, stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "serve")) return serve(argc - 1, argv + 1);
    if (!strcmp(argv[1], "admin")) return admin(argc - 1, argv + 1);
    fprintf(stderr, "ccs kbs: unknown verb \"%s\"\n\n%s", argv[1], kbs_usage);
    return CLI_USAGE;
}
