/* AMD KDS on the command line: `ccs attest verify --tee snp --kds URL
 * [--kds-cache FILE] [--product NAME]` fetches the VCEK (by the report's
 * chip id and reported_tcb), the ASK/ARK chain and the ARK's CRL; `ccs
 * attest fetch-snp` writes them as a --collateral directory. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccs/attest.h"
#include "cli_snp.h"

#define MAX_REPORT (1u << 20)

static struct {
    const char *url, *cache, *product;
} kds;

void ccs_cli_snp_kds_set(const char *url, const char *cache, const char *product) {
    if (url) kds.url = url;
    if (cache) kds.cache = cache;
    if (product) kds.product = product;
}

bool ccs_cli_snp_kds_enabled(void) { return kds.url != NULL; }

static int product_of(const char *name, ccs_snp_product *out, const char *cmd) {
    *out = CCS_SNP_PRODUCT_UNKNOWN;
    if (name == NULL) return CLI_OK;
    *out = ccs_snp_product_parse(name);
    if (*out != CCS_SNP_PRODUCT_UNKNOWN) return CLI_OK;
    fprintf(stderr, "ccs attest %s: --product must be Milan, Genoa or Turin: %s\n", cmd, name);
    return CLI_USAGE;
}

int ccs_cli_snp_kds_collateral(const verify_args *a, ccs_bytes report, ccs_snp_collateral **out) {
    ccs_snp_kds *k = NULL;
    ccs_snp_product hint;
    *out = NULL;
    if (product_of(kds.product, &hint, "verify") != CLI_OK) return CLI_USAGE;
    ccs_status st = ccs_snp_kds_new(kds.url, kds.cache, &k);
    if (st == CCS_OK) {
        ccs_snp_kds_insecure_skip_tls_verify(k, a->insecure_tls);
        st = ccs_snp_kds_get_collateral(k, report, hint, (ccs_bytes){0}, a->opt.now, out);
    }
    ccs_snp_kds_free(k);
    if (st == CCS_OK) return CLI_OK;
    fprintf(stderr, "ccs attest verify: cannot get SEV-SNP collateral from KDS: %s\n", ccs_error_detail());
    return CLI_USAGE;
}

/* ---- ccs attest fetch-snp ----------------------------------------------------------- */

static const char fetch_usage[] =
    "usage: ccs attest fetch-snp REPORT [--kds URL] [--kds-cache FILE] [--product NAME]\n"
    "                            [--at RFC3339] [--insecure-skip-tls-verify] -o DIR\n"
    "\n"
    "Fetches from AMD KDS what `ccs attest verify --tee snp --collateral DIR` needs for\n"
    "the raw SEV-SNP report REPORT, and writes it to DIR (created if missing):\n"
    "  vcek.der        the VCEK for the report's chip id and reported_tcb\n"
    "                  (not for a VLEK report: KDS does not serve VLEKs; add vlek.der)\n"
    "  cert_chain.pem  ASK (ASVK for a VLEK report), then ARK\n"
    "  crl.der         the ARK's CRL (only when KDS serves one)\n"
    "\n"
    "  --kds URL        KDS base URL (default " CCS_SNP_KDS_DEFAULT_URL ")\n"
    "  --kds-cache FILE SQLite cache of KDS answers (read here; filled by verify --kds)\n"
    "  --product NAME   Milan, Genoa or Turin, for version 2 reports (no CPUID)\n"
    "  --at TIME        judge the CRL's window as of this time (default: now)\n"
    "  -o, --output DIR where to write the files\n"
    "\n"
    "Exit status: 0 written, 2 bad usage, unreadable report or a KDS failure.\n";

static int fetch_error(const char *msg, const char *arg) {
    fprintf(stderr, "ccs attest fetch-snp: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    return CLI_USAGE;
}

static ccs_status write_file(const char *dir, const char *name, ccs_bytes data) {
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    CCS_ENSURE(n > 0 && (size_t)n < sizeof path, CCS_ERR_INVALID_ARG, "path too long");
    return ccs_file_write(path, data);
}

static int do_fetch(const char *report_path, const char *url, const char *cache, ccs_snp_product hint, ccs_time now,
                    bool insecure, const char *dir) {
    ccs_buf rep = {0};
    ccs_snp_kds *k = NULL;
    ccs_snp_kds_files f = {0};
    if (ccs_file_read(report_path, MAX_REPORT, &rep) != CCS_OK) return fetch_error("cannot read the report", ccs_error_detail());
    ccs_status st = ccs_snp_kds_new(url, cache, &k);
    if (st == CCS_OK) {
        ccs_snp_kds_insecure_skip_tls_verify(k, insecure);
        st = ccs_snp_kds_fetch(k, ccs_buf_view(&rep), hint, now, &f);
    }
    ccs_snp_kds_free(k);
    ccs_buf_free(&rep);
    if (st != CCS_OK) return fetch_error(ccs_error_detail(), NULL);
    if (mkdir(dir, 0755) != 0 && access(dir, W_OK) != 0) st = ccs_error_set(CCS_ERR_IO, CCS_HERE, "cannot create %s", dir);
    if (st == CCS_OK && !f.vlek) st = write_file(dir, "vcek.der", ccs_buf_view(&f.key_cert));
    if (st == CCS_OK) st = write_file(dir, "cert_chain.pem", ccs_buf_view(&f.cert_chain));
    if (st == CCS_OK && f.crl.len > 0) st = write_file(dir, "crl.der", ccs_buf_view(&f.crl));
    if (st == CCS_OK) {
        printf("%s: %s%s, cert_chain.pem%s (%s)\n", dir, f.vlek ? "" : "vcek.der", f.vlek ? "(VLEK report: add vlek.der)" : "",
               f.crl.len ? ", crl.der" : ", no CRL served", ccs_snp_product_name(f.product));
    }
    ccs_snp_kds_files_free(&f);
    if (st != CCS_OK) return fetch_error(ccs_error_detail(), NULL);
    return CLI_OK;
}

int ccs_cli_attest_fetch_snp(int argc, char **argv) {
    enum { O_KDS = 256, O_CACHE, O_PRODUCT, O_AT, O_INSECURE, O_HELP };
    static const struct option opts[] = {
        {"kds", required_argument, 0, O_KDS},         {"kds-cache", required_argument, 0, O_CACHE},
        {"product", required_argument, 0, O_PRODUCT}, {"at", required_argument, 0, O_AT},
        {"insecure-skip-tls-verify", no_argument, 0, O_INSECURE},
        {"output", required_argument, 0, 'o'},        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0},
    };
    const char *url = NULL, *cache = NULL, *product = NULL, *dir = NULL;
    ccs_time now = ccs_time_now();
    bool insecure = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case O_KDS: url = optarg; break;
        case O_CACHE: cache = optarg; break;
        case O_PRODUCT: product = optarg; break;
        case O_AT:
            if (ccs_time_parse(optarg, &now) != CCS_OK) return fetch_error("bad --at time", optarg);
            break;
        case O_INSECURE: insecure = true; break;
        case 'o': dir = optarg; break;
        case 'h':
        case O_HELP: fputs(fetch_usage, stdout); return CLI_OK;
        default: return fetch_error("unknown or incomplete option", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) return fetch_error("give exactly one REPORT file (see --help)", NULL);
    if (dir == NULL) return fetch_error("-o DIR is required", NULL);
    ccs_snp_product hint;
    if (product_of(product, &hint, "fetch-snp") != CLI_OK) return CLI_USAGE;
    return do_fetch(argv[optind], url, cache, hint, now, insecure, dir);
}
