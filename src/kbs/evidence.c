/* Evidence verification for /kbs/v0/attest: decode primary_evidence
 * (formats in ccs/kbs_protocol.h), run the CCS verifier for the TEE with the
 * report data bound to the runtime data (specs/kbs-image-ratls.md 1.1: the
 * hash of JCS({"nonce","tee-pubkey"}), SHA-384 by default, SHA-256
 * accepted), and return the verifier's JSON result for the attestation
 * policy. The verifiers judge the cryptography; TCB status and debug are
 * left to the policy (docs/kbs.md "Attestation policy"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ccs/attest.h"
#include "ccs/tee.h"
#include "server_internal.h"

#define PEM_MAX (1u << 20)

static const struct {
    const char *tee;
    kbs_evidence_kind kind;
} tee_kinds[] = {
    {"sgx", KBS_EV_DCAP}, {"tdx", KBS_EV_DCAP},     {"sample", KBS_EV_SIM}, {"sim-sgx", KBS_EV_SIM},
    {"sim-tdx", KBS_EV_SIM}, {"snp", KBS_EV_SNP}, {"csv", KBS_EV_CSV},    {"tpm", KBS_EV_TPM},
};

ccs_status kbs_evidence_kind_of(const char *tee, kbs_evidence_kind *out) {
    for (size_t i = 0; tee != NULL && i < sizeof tee_kinds / sizeof tee_kinds[0]; i++)
        if (strcmp(tee, tee_kinds[i].tee) == 0) {
            *out = tee_kinds[i].kind;
            return CCS_OK;
        }
    CCS_BAIL(CCS_ERR_UNSUPPORTED, "tee \"%s\" is not supported (expected one of: sgx, tdx, snp, csv, tpm, sample, "
                                  "sim-sgx, sim-tdx)", tee ? tee : "");
}

void kbs_evidence_clear(kbs_evidence *e) {
    if (e == NULL) return;
    ccs_buf_free(&e->primary);
    ccs_buf_free(&e->vcek);
    memset(e, 0, sizeof *e);
}

void kbs_verified_clear(kbs_verified *v) {
    if (v == NULL) return;
    json_decref(v->result);
    memset(v, 0, sizeof *v);
}

static ccs_status b64_member(const json_t *o, const char *name, bool required, ccs_buf *out) {
    const json_t *v = json_object_get(o, name);
    if (v == NULL && !required) return CCS_OK;
    const char *s = json_string_value(v);
    CCS_ENSURE(s != NULL && s[0] != '\0', CCS_ERR_FORMAT, "tee-evidence.primary_evidence.%s: expected base64", name);
    if (ccs_base64_decode(s, json_string_length(v), out) != CCS_OK)
        CCS_BAIL(CCS_ERR_FORMAT, "tee-evidence.primary_evidence.%s: not valid base64", name);
    return CCS_OK;
}

static ccs_status only_members(const json_t *o, const char *a, const char *b) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        (void)v;
        CCS_ENSURE(strcmp(k, a) == 0 || (b != NULL && strcmp(k, b) == 0), CCS_ERR_FORMAT,
                   "tee-evidence.primary_evidence: unknown member \"%.64s\"", k);
    }
    return CCS_OK;
}

ccs_status kbs_evidence_decode(const char *tee, const json_t *primary, kbs_evidence *out) {
    memset(out, 0, sizeof *out);
    CCS_TRY(kbs_evidence_kind_of(tee, &out->kind));
    snprintf(out->tee, sizeof out->tee, "%s", tee);
    CCS_ENSURE(json_is_object(primary), CCS_ERR_FORMAT, "tee-evidence.primary_evidence: expected an object");
    ccs_status st = CCS_OK;
    switch (out->kind) {
    case KBS_EV_DCAP:
    case KBS_EV_SIM:
        st = only_members(primary, "quote", NULL);
        if (st == CCS_OK) st = b64_member(primary, "quote", true, &out->primary);
        break;
    case KBS_EV_SNP:
        st = only_members(primary, "report", "vcek");
        if (st == CCS_OK) st = b64_member(primary, "report", true, &out->primary);
        if (st == CCS_OK) st = b64_member(primary, "vcek", false, &out->vcek);
        break;
    case KBS_EV_CSV:
        st = only_members(primary, "report", NULL);
        if (st == CCS_OK) st = b64_member(primary, "report", true, &out->primary);
        break;
    case KBS_EV_TPM: {
        char *text = json_dumps(primary, JSON_COMPACT);
        st = text == NULL ? ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory")
                          : ccs_buf_append_str(&out->primary, text);
        free(text);
        break;
    }
    }
    if (st != CCS_OK) kbs_evidence_clear(out);
    return st;
}

/* ---- one verification with one expected report data ---- */

typedef struct attempt {
    bool pass;
    bool only_binding_failed; /* the report data (or TPM nonce) was the only failed check */
    json_t *doc; /* the verifier's result, for the summary, the policy and the EAR */
    char reasons[1024];
} attempt;

/* Keeps a verifier's result (the verifiers' *_result_doc; NULL: out of memory). */
static ccs_status keep(attempt *a, json_t *doc) {
    a->doc = doc;
    return doc != NULL ? CCS_OK : ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
}

/* Lists the failed checks of a verifier's result as "name: message; ...". */
static void summarize(attempt *a, const char *binding_check) {
    const json_t *o = a->doc;
    const json_t *failed = json_object_get(o, "failed_checks");
    size_t n = json_array_size(failed), used = 0, other = 0;
    a->pass = json_is_string(json_object_get(o, "verdict")) &&
              strcmp(json_string_value(json_object_get(o, "verdict")), "pass") == 0;
    a->reasons[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *name = json_string_value(json_object_get(json_array_get(failed, i), "name"));
        const char *msg = json_string_value(json_object_get(json_array_get(failed, i), "message"));
        if (name == NULL) continue;
        if (strcmp(name, binding_check) != 0) other++;
        int w = snprintf(a->reasons + used, sizeof a->reasons - used, "%s%s: %s", used ? "; " : "", name,
                         msg ? msg : "");
        if (w > 0) used = used + (size_t)w < sizeof a->reasons ? used + (size_t)w : sizeof a->reasons - 1;
    }
    a->only_binding_failed = !a->pass && n > 0 && other == 0;
    if (!a->pass && n == 0) snprintf(a->reasons, sizeof a->reasons, "the verifier did not pass the evidence");
}

static void attempt_clear(attempt *a) {
    json_decref(a->doc);
    a->doc = NULL;
}

/* Collateral loaders for the cache (collateral_cache.c). */
typedef struct dcap_src {
    const ccs_kbs_config *cfg;
    const ccs_dcap_quote *q;
    ccs_time now;
} dcap_src;

static ccs_status load_sim(void *ctx, ccs_x509 **root, ccs_collateral **coll) {
    const dcap_src *s = ctx;
    return ccs_sim_trust_load(s->cfg->insecure_trust_sim_dir, s->q->tee, root, coll);
}

static ccs_status load_path(void *ctx, ccs_x509 **root, ccs_collateral **coll) {
    const dcap_src *s = ctx;
    (void)root;
    return ccs_collateral_load_path(s->cfg->dcap_collateral, coll);
}

static ccs_status load_pccs(void *ctx, ccs_x509 **root, ccs_collateral **coll) {
    const dcap_src *s = ctx;
    uint8_t fmspc[6];
    const char *ca = NULL;
    ccs_pccs *p = NULL;
    (void)root;
    ccs_status st = ccs_dcap_quote_pck_info(s->q, fmspc, &ca);
    if (st == CCS_OK) st = ccs_pccs_new(s->cfg->dcap_pccs_url, s->cfg->dcap_pccs_cache, &p);
    if (st == CCS_OK) st = ccs_pccs_get_collateral(p, s->q->tee, fmspc, ca, s->now, coll);
    ccs_pccs_free(p);
    return st;
}

/* The collateral (and, for sim evidence, the sim root) for this quote, from
 * the cache; the caller puts the entry back. */
static ccs_status dcap_collateral(const ccs_kbs_config *cfg, const kbs_evidence *e, const ccs_dcap_quote *q,
                                  ccs_time now, kbs_coll_entry **entry) {
    dcap_src src = {cfg, q, now};
    char key[600], watch[600];
    const char *qtee = ccs_tee_name(q->tee);
    struct stat st;
    if (e->kind == KBS_EV_SIM) {
        CCS_ENSURE(cfg->insecure_trust_sim_dir != NULL, CCS_ERR_NOT_FOUND,
                   "sim evidence is not accepted (no insecure_trust_sim_dir)");
        snprintf(key, sizeof key, "sim:%s:%s", cfg->insecure_trust_sim_dir, qtee);
        snprintf(watch, sizeof watch, "%s/%s/tcb_info.json", cfg->insecure_trust_sim_dir, qtee);
        return kbs_coll_get(key, watch, now, load_sim, &src, entry);
    }
    if (cfg->dcap_collateral != NULL) {
        bool dir = stat(cfg->dcap_collateral, &st) == 0 && S_ISDIR(st.st_mode);
        snprintf(key, sizeof key, "path:%s", cfg->dcap_collateral);
        snprintf(watch, sizeof watch, "%s%s", cfg->dcap_collateral, dir ? "/tcb_info.json" : "");
        return kbs_coll_get(key, watch, now, load_path, &src, entry);
    }
    if (cfg->dcap_pccs_url != NULL) {
        uint8_t fmspc[6];
        const char *ca = NULL;
        char hex[13];
        CCS_TRY(kbs_pck_chain_genuine(q->cert_data, now)); /* before its FMSPC names a fetch */
        CCS_TRY(ccs_dcap_quote_pck_info(q, fmspc, &ca));
        CCS_TRY(ccs_hex_encode(ccs_bytes_of(fmspc, 6), hex, sizeof hex));
        snprintf(key, sizeof key, "pccs:%s:%s:%s:%s", cfg->dcap_pccs_url, qtee, hex, ca);
        return kbs_coll_get(key, NULL, now, load_pccs, &src, entry);
    }
    CCS_BAIL(CCS_ERR_NOT_FOUND, "no DCAP collateral is configured");
}

static ccs_status verify_dcap(const ccs_kbs_config *cfg, const kbs_evidence *e, ccs_bytes rd, ccs_time now,
                              attempt *a, char policy_tee[static CCS_KBS_TEE_NAME_MAX + 1]) {
    ccs_dcap_quote q;
    ccs_dcap_result *res = calloc(1, sizeof *res);
    kbs_coll_entry *entry = NULL;
    ccs_status st = CCS_OK;
    CCS_ENSURE(res != NULL, CCS_ERR_NOMEM, "out of memory");
    if (ccs_dcap_quote_parse(ccs_buf_view(&e->primary), &q) != CCS_OK) {
        /* Judged like every other failed check: quote_format. */
        res->n_failed = 1;
        res->failed[0].name = CCS_CHECK_QUOTE_FORMAT;
        snprintf(res->failed[0].message, sizeof res->failed[0].message, "%s", ccs_error_detail());
        st = keep(a, ccs_dcap_result_doc(res));
        free(res);
        return st;
    }
    const char *qtee = ccs_tee_name(q.tee);
    if (e->kind == KBS_EV_SIM) {
        snprintf(policy_tee, CCS_KBS_TEE_NAME_MAX + 1, "sim-%s", qtee);
        if (strcmp(e->tee, "sample") != 0 && strcmp(e->tee, policy_tee) != 0)
            st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "tee is %s but the quote is %s", e->tee, policy_tee);
    } else {
        snprintf(policy_tee, CCS_KBS_TEE_NAME_MAX + 1, "%s", qtee);
        if (strcmp(e->tee, qtee) != 0)
            st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "tee is %s but the quote is %s", e->tee, qtee);
    }
    if (st == CCS_OK) st = dcap_collateral(cfg, e, &q, now, &entry);
    if (st == CCS_OK) {
        /* Every TCB status but Revoked/NotSupported, and debug, pass the
         * verifier: the attestation policy judges them. */
        ccs_dcap_options opt = {
            .now = now,
            .accept_tcb = CCS_TCB_ACCEPT_DEFAULT | CCS_TCB_BIT(CCS_TCB_OUT_OF_DATE) |
                          CCS_TCB_BIT(CCS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED),
            .allow_debug = true,
            .report_data = rd,
            .insecure_root = kbs_coll_root(entry),
        };
        ccs_status vs = ccs_dcap_verify(ccs_buf_view(&e->primary), kbs_coll_collateral(entry), &opt, res);
        if (vs != CCS_OK && vs != CCS_ERR_VERIFY) st = vs;
        else st = keep(a, ccs_dcap_result_doc(res));
    }
    kbs_coll_put(entry);
    free(res);
    return st;
}

static ccs_status verify_snp(const ccs_kbs_config *cfg, const kbs_evidence *e, ccs_bytes rd, ccs_time now,
                             attempt *a) {
    ccs_snp_collateral *coll = NULL;
    ccs_status st;
    CCS_ENSURE(cfg->snp_vcek_dir != NULL, CCS_ERR_NOT_FOUND, "no SNP collateral (vcek_dir) is configured");
    if (e->vcek.len > 0) {
        /* The guest's VCEK, chained to the pinned ARK through the configured ASK. */
        char path[4096];
        ccs_buf chain = {0};
        snprintf(path, sizeof path, "%s/cert_chain.pem", cfg->snp_vcek_dir);
        st = ccs_file_read(path, PEM_MAX, &chain);
        if (st == CCS_OK) st = ccs_snp_collateral_load(ccs_buf_view(&e->vcek), ccs_buf_view(&chain), &coll);
        ccs_buf_free(&chain);
    } else {
        st = ccs_snp_collateral_load_dir(cfg->snp_vcek_dir, &coll);
    }
    if (st == CCS_OK) {
        ccs_snp_result res;
        ccs_snp_options opt = {.now = now, .allow_debug = true, .report_data = rd};
        ccs_status vs = ccs_snp_verify(ccs_buf_view(&e->primary), coll, &opt, &res);
        st = vs != CCS_OK && vs != CCS_ERR_VERIFY ? vs : keep(a, ccs_snp_result_doc(&res));
    }
    ccs_snp_collateral_free(coll);
    return st;
}

static ccs_status verify_csv(const ccs_kbs_config *cfg, const kbs_evidence *e, ccs_bytes rd, attempt *a) {
    ccs_buf store = {0};
    ccs_csv_certs certs;
    CCS_ENSURE(cfg->csv_hsk_cek_dir != NULL, CCS_ERR_NOT_FOUND, "no CSV collateral (hsk_cek_dir) is configured");
    ccs_status st = ccs_csv_certs_load_dir(cfg->csv_hsk_cek_dir, &store, &certs);
    if (st == CCS_OK) {
        ccs_csv_result res;
        ccs_csv_options opt = {.allow_debug = true, .report_data = rd};
        ccs_status vs = ccs_csv_verify(ccs_buf_view(&e->primary), &certs, &opt, &res);
        st = vs != CCS_OK && vs != CCS_ERR_VERIFY ? vs : keep(a, ccs_csv_result_doc(&res));
    }
    ccs_buf_free(&store);
    return st;
}

static bool file_in(const char *dir, const char *name, char *path, size_t cap) {
    struct stat sb;
    snprintf(path, cap, "%s/%s", dir, name);
    return stat(path, &sb) == 0;
}

static ccs_status verify_tpm(const ccs_kbs_config *cfg, const kbs_evidence *e, ccs_bytes rd, ccs_time now,
                             attempt *a) {
    char path[4096];
    uint8_t nonce[32];
    ccs_buf b = {0};
    ccs_pubkey *ak = NULL;
    ccs_x509_chain *chain = NULL;
    ccs_x509 *root = NULL;
    ccs_status st;
    CCS_ENSURE(cfg->tpm_ak_dir != NULL, CCS_ERR_NOT_FOUND, "no TPM AK trust (ak_dir) is configured");
    CCS_TRY(ccs_tpm_nonce(rd, nonce));
    if (file_in(cfg->tpm_ak_dir, "ak.pem", path, sizeof path)) {
        st = ccs_file_read(path, PEM_MAX, &b);
        if (st == CCS_OK) st = ccs_pubkey_from_pem(ccs_buf_view(&b), &ak);
    } else if (file_in(cfg->tpm_ak_dir, "ak_chain.pem", path, sizeof path)) {
        st = ccs_file_read(path, PEM_MAX, &b);
        if (st == CCS_OK) st = ccs_x509_chain_parse_pem(ccs_buf_view(&b), &chain);
        b.len = 0;
        if (st == CCS_OK && !file_in(cfg->tpm_ak_dir, "ak_root.pem", path, sizeof path))
            st = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "tpm ak_dir: ak_chain.pem needs ak_root.pem");
        if (st == CCS_OK) st = ccs_file_read(path, PEM_MAX, &b);
        if (st == CCS_OK) st = ccs_x509_parse_pem(ccs_buf_view(&b), &root);
    } else {
        st = ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "tpm ak_dir holds neither ak.pem nor ak_chain.pem");
    }
    ccs_tpm_result *res = st == CCS_OK ? calloc(1, sizeof *res) : NULL;
    if (st == CCS_OK && res == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    if (st == CCS_OK) {
        ccs_tpm_options opt = {.nonce = ccs_bytes_of(nonce, sizeof nonce), .ak = ak, .ak_chain = chain,
                               .ak_root = root, .now = now};
        ccs_status vs = ccs_tpm_verify(ccs_buf_view(&e->primary), &opt, res);
        st = vs != CCS_OK && vs != CCS_ERR_VERIFY ? vs : keep(a, ccs_tpm_result_doc(res));
    }
    free(res);
    ccs_buf_free(&b);
    ccs_pubkey_free(ak);
    ccs_x509_chain_free(chain);
    ccs_x509_free(root);
    return st;
}

ccs_status kbs_evidence_verify(const ccs_kbs_config *cfg, const kbs_evidence *e, const char *nonce,
                               const json_t *tee_pubkey, ccs_time now, kbs_verified *out) {
    static const struct {
        ccs_hash_alg alg;
        const char *name;
    } algs[] = {{CCS_HASH_SHA384, "sha384"}, {CCS_HASH_SHA256, "sha256"}};
    memset(out, 0, sizeof *out);
    attempt first = {0};
    ccs_status st = CCS_OK;
    for (size_t i = 0; i < 2; i++) {
        uint8_t digest[64], rd[64] = {0};
        size_t dlen = 0;
        attempt a = {0};
        st = ccs_kbs_runtime_data_hash(nonce, tee_pubkey, algs[i].alg, digest, &dlen);
        if (st != CCS_OK) break;
        memcpy(rd, digest, dlen); /* zero-padded to the 64-byte report-data field */
        ccs_bytes want = ccs_bytes_of(rd, sizeof rd);
        const char *binding = CCS_CHECK_REPORT_DATA;
        switch (e->kind) {
        case KBS_EV_DCAP:
        case KBS_EV_SIM: st = verify_dcap(cfg, e, want, now, &a, out->policy_tee); break;
        case KBS_EV_SNP:
            snprintf(out->policy_tee, sizeof out->policy_tee, "snp");
            st = verify_snp(cfg, e, want, now, &a);
            break;
        case KBS_EV_CSV:
            snprintf(out->policy_tee, sizeof out->policy_tee, "csv");
            st = verify_csv(cfg, e, want, &a);
            break;
        case KBS_EV_TPM:
            snprintf(out->policy_tee, sizeof out->policy_tee, "tpm");
            binding = CCS_TPM_CHECK_NONCE;
            st = verify_tpm(cfg, e, want, now, &a);
            break;
        }
        if (st != CCS_OK) {
            attempt_clear(&a);
            break;
        }
        summarize(&a, binding);
        if (a.pass || i == 1 || !a.only_binding_failed) {
            /* Done: report this attempt, unless SHA-256 also missed the
             * binding; then the SHA-384 (default) attempt is reported. */
            attempt *keep = (!a.pass && i == 1 && first.doc != NULL) ? &first : &a;
            out->pass = keep->pass;
            out->result = keep->doc;
            keep->doc = NULL;
            snprintf(out->reasons, sizeof out->reasons, "%s", keep->reasons);
            snprintf(out->hash_alg, sizeof out->hash_alg, "%s", algs[keep == &first ? 0 : i].name);
            attempt_clear(&a);
            break;
        }
        first = a; /* the report data did not match SHA-384; try SHA-256 */
    }
    attempt_clear(&first);
    return st;
}

/* ---- init-data binding (docs/kbs.md "Init-data") ----
 *
 * The host puts the digest of the workload's init-data into a launch field
 * the TEE measures and reports; the guest sends the init-data in plaintext
 * and the KBS checks that its digest is that field, as the CoCo trustee
 * verifiers do: TDX MRCONFIGID (48 bytes, SHA-384), SNP HOST_DATA (32,
 * SHA-256), SGX CONFIGID (64, the SHA-384 digest zero-padded). */

void kbs_init_binding_clear(kbs_init_binding *b) {
    if (b == NULL) return;
    json_decref(b->claims);
    memset(b, 0, sizeof *b);
}

/* The launch field of verified evidence: *field NULL when the TEE has none. */
static ccs_status config_field(const kbs_evidence *e, const kbs_verified *v, const char **field, uint8_t val[64],
                               size_t *len, ccs_hash_alg *alg) {
    *field = NULL;
    *len = 0;
    if (e->kind == KBS_EV_DCAP || e->kind == KBS_EV_SIM) {
        ccs_dcap_quote q;
        CCS_TRY(ccs_dcap_quote_parse(ccs_buf_view(&e->primary), &q));
        ccs_bytes f = q.tee == CCS_TEE_TDX ? q.tdx.mr_config_id : q.sgx.config_id;
        CCS_ENSURE(f.len == (q.tee == CCS_TEE_TDX ? 48u : 64u), CCS_ERR_FORMAT, "init-data: bad config id field");
        memcpy(val, f.ptr, f.len);
        *len = f.len;
        *field = q.tee == CCS_TEE_TDX ? "mr_config_id" : "config_id";
        *alg = CCS_HASH_SHA384;
    } else if (e->kind == KBS_EV_SNP) {
        const char *hex = json_string_value(json_object_get(json_object_get(v->result, "claims"), "host_data"));
        CCS_ENSURE(hex != NULL, CCS_ERR_FORMAT, "init-data: the SNP result has no host_data");
        CCS_TRY(ccs_hex_decode_fixed(hex, strlen(hex), val, 32));
        *len = 32;
        *field = "host_data";
        *alg = CCS_HASH_SHA256;
    }
    return CCS_OK;
}

static json_t *hex_string(const uint8_t *p, size_t n) {
    char hex[129];
    return ccs_hex_encode(ccs_bytes_of(p, n), hex, sizeof hex) == CCS_OK ? json_string(hex) : NULL;
}

ccs_status kbs_init_data_bind(const kbs_evidence *e, const kbs_verified *v, const kbs_init_data *in,
                              kbs_init_binding *out) {
    CCS_ENSURE(e != NULL && v != NULL && v->pass && in != NULL && out != NULL, CCS_ERR_INVALID_ARG,
               "init-data: bad arguments");
    memset(out, 0, sizeof *out);
    uint8_t field[64] = {0}, digest[64] = {0}, zero[64] = {0};
    size_t len = 0, dlen = 0;
    ccs_hash_alg alg = CCS_HASH_SHA384;
    CCS_TRY(config_field(e, v, &out->field, field, &len, &alg));
    if (out->field == NULL) {
        CCS_ENSURE(!in->present, CCS_ERR_MISMATCH,
                   "init-data cannot be bound: %s evidence has no launch configuration field", v->policy_tee);
        return CCS_OK;
    }
    bool nonzero = !ccs_ct_eq(ccs_bytes_of(field, len), ccs_bytes_of(zero, len));
    /* The policy's digests apply to a non-zero field, sent or not. */
    if (nonzero) CCS_TRY(ccs_hex_encode(ccs_bytes_of(field, len), out->field_hex, sizeof out->field_hex));
    if (!in->present) {
        /* Trustee does not refuse this either; the EAR says so. */
        if (nonzero) {
            out->claims = json_pack("{s:s,s:s,s:o*}", "format", "none", "field", out->field, "value",
                                    hex_string(field, len));
            CCS_ENSURE(out->claims != NULL, CCS_ERR_NOMEM, "out of memory");
        }
        return CCS_OK;
    }
    CCS_ENSURE(nonzero, CCS_ERR_MISMATCH, "init-data was sent but %s is zero (launched without init-data)", out->field);
    CCS_TRY(ccs_digest(alg, in->body, digest, sizeof digest, &dlen));
    CCS_ENSURE(dlen <= len, CCS_ERR_INTERNAL, "init-data: digest longer than %s", out->field);
    /* Zero-padded to the field (SGX CONFIGID), compared in constant time. */
    CCS_ENSURE(ccs_ct_eq(ccs_bytes_of(digest, len), ccs_bytes_of(field, len)), CCS_ERR_MISMATCH,
               "init-data digest does not match %s", out->field);
    out->bound = true;
    if (in->json) {
        out->claims = json_incref(in->doc);
    } else {
        /* No TOML parser in C among our dependencies: the digest stands for the document. */
        out->claims = json_pack("{s:s,s:s,s:o*}", "format", "toml", "algorithm",
                                alg == CCS_HASH_SHA256 ? "sha256" : "sha384", "digest", hex_string(digest, dlen));
        CCS_ENSURE(out->claims != NULL, CCS_ERR_NOMEM, "out of memory");
    }
    return CCS_OK;
}
