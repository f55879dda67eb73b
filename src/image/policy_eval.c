/* containers-policy.json(5) evaluation (specs section 2.2): the most
 * specific docker scope's requirements all have to hold; a signature
 * requirement holds when at least one signature of its kind is good, by a
 * key of that requirement, for this manifest digest, and its identity is
 * accepted by signedIdentity. The payload's claims are read only after the
 * signature over its bytes has been verified. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"
#include "sig_internal.h"

static const ccs__scope *find_scope(const ccs_image_policy *p, const char *key) {
    for (size_t i = 0; i < p->ndocker; i++)
        if (strcmp(p->docker[i].scope, key) == 0) return &p->docker[i];
    return NULL;
}

/* The candidates from the most to the least specific (containers/image's
 * docker PolicyConfigurationIdentity + Namespaces), then "". */
static const ccs__scope *choose(const ccs_image_policy *p, const ccs_image_dref *r) {
    char buf[CCS_IMAGE_REF_MAX + 200];
    const ccs__scope *s;
    ccs_image_dref_string(r, buf, sizeof buf);
    if ((s = find_scope(p, buf)) != NULL) return s;
    snprintf(buf, sizeof buf, "%s", r->name);
    for (char *slash; (s = find_scope(p, buf)) == NULL && (slash = strrchr(buf, '/')) != NULL;) *slash = '\0';
    if (s != NULL) return s;
    /* buf is now the host; wildcards on its name (without a port). */
    char *colon = strchr(buf, ':');
    if (colon) *colon = '\0';
    for (char *dot = strchr(buf, '.'); dot != NULL; dot = strchr(dot + 1, '.')) {
        char w[CCS_IMAGE_REF_MAX + 4];
        snprintf(w, sizeof w, "*%s", dot);
        if ((s = find_scope(p, w)) != NULL) return s;
    }
    if ((s = find_scope(p, "")) != NULL) return s;
    return &p->deflt;
}

static ccs_status image_ref(const char *docker_ref, ccs_image_dref *r) {
    ccs_status st = ccs_image_dref_parse(docker_ref, r);
    if (st != CCS_OK) return ccs__image_rethrow(st, "image identity");
    if (!r->tag[0] && !r->digest[0]) snprintf(r->tag, sizeof r->tag, "latest");
    return CCS_OK;
}

ccs_status ccs_image_policy_scope(const ccs_image_policy *p, const char *docker_ref, char *scope, size_t cap) {
    CCS_ENSURE(p != NULL && scope != NULL && cap > 0, CCS_ERR_INVALID_ARG, "image: bad arguments");
    ccs_image_dref r;
    CCS_TRY(image_ref(docker_ref, &r));
    const ccs__scope *s = choose(p, &r);
    snprintf(scope, cap, "%s", s == &p->deflt ? "default" : s->scope);
    return CCS_OK;
}

/* remapIdentity's prefix matches the image's repository name, not the whole
 * reference: equal, or followed by '/' (so "host" matches neither
 * "host:5000/..." nor "hostname/..."), as containers/image does. */
static bool name_matches_prefix(const char *name, const char *prefix) {
    size_t n = strlen(prefix);
    return strncmp(name, prefix, n) == 0 && (name[n] == '\0' || name[n] == '/');
}

static bool name_only(const ccs_image_dref *r) { return !r->tag[0] && !r->digest[0]; }

/* A name-only reference is never exact (containers/image adds no default tag
 * to a signed identity or an exactReference). */
static bool exact(const ccs_image_dref *a, const ccs_image_dref *b) {
    return !name_only(a) && !name_only(b) && strcmp(a->name, b->name) == 0 && strcmp(a->tag, b->tag) == 0 &&
           strcmp(a->digest, b->digest) == 0;
}

static bool repo_digest_or_exact(const ccs_image_dref *img, const ccs_image_dref *sig) {
    if (name_only(sig)) return false;
    if (img->digest[0] && !img->tag[0]) return strcmp(img->name, sig->name) == 0;
    return exact(img, sig);
}

/* signedIdentity: does the signed identity sig_ref fit the image img? */
static bool identity_ok(const ccs__req *q, const ccs_image_dref *img, const char *sig_ref) {
    ccs_image_dref sig, want;
    if (ccs_image_dref_parse(sig_ref, &sig) != CCS_OK) return false;
    switch (q->ident) {
    case CCS__ID_MATCH_EXACT:
        return exact(img, &sig);
    case CCS__ID_MATCH_REPO_DIGEST_OR_EXACT:
        return repo_digest_or_exact(img, &sig);
    case CCS__ID_MATCH_REPOSITORY:
        return strcmp(img->name, sig.name) == 0;
    case CCS__ID_EXACT_REFERENCE:
        return ccs_image_dref_parse(q->a, &want) == CCS_OK && exact(&want, &sig);
    case CCS__ID_EXACT_REPOSITORY:
        return ccs_image_dref_parse(q->a, &want) == CCS_OK && strcmp(want.name, sig.name) == 0;
    case CCS__ID_REMAP: {
        char s[CCS_IMAGE_REF_MAX + 200], r[2 * CCS_IMAGE_REF_MAX + 200];
        if (!name_matches_prefix(img->name, q->a)) return repo_digest_or_exact(img, &sig);
        ccs_image_dref_string(img, s, sizeof s); /* starts with img->name, so with the prefix */
        snprintf(r, sizeof r, "%s%s", q->b, s + strlen(q->a));
        return ccs_image_dref_parse(r, &want) == CCS_OK && repo_digest_or_exact(&want, &sig);
    }
    }
    return false;
}

/* One signature against one requirement: CCS_OK or an error whose detail is the reason. */
static ccs_status check_one(const ccs__req *q, const ccs_image_dref *img, const char *digest, ccs_image_sig_format fmt,
                            ccs_bytes data, ccs_bytes cosig, ccs_image_verdict *v) {
    ccs_buf payload = {0};
    char signer[128] = "";
    ccs_status st;
    ccs_bytes signed_bytes = data;
    if (fmt == CCS_IMAGE_SIG_SIMPLE) {
        st = ccs__image_gpg_verify(q->gpg_keys, q->ngpg, data, &payload, signer);
        signed_bytes = ccs_buf_view(&payload);
    } else {
        size_t which = 0;
        st = ccs__image_cosign_verify(q->pub, q->npub, data, cosig, &which);
        if (st == CCS_OK) snprintf(signer, sizeof signer, "public key %zu of the requirement", which + 1);
    }
    ccs_image_sig_claims cl;
    if (st == CCS_OK) st = ccs_image_sig_payload_parse(signed_bytes, fmt, &cl);
    if (st == CCS_OK && strcmp(cl.manifest_digest, digest) != 0)
        st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "Signature for docker digest %s does not match the image's %s",
                           cl.manifest_digest, digest);
    if (st == CCS_OK && !identity_ok(q, img, cl.docker_reference))
        st = ccs_error_set(CCS_ERR_POLICY, CCS_HERE, "Signature for identity %.300s is not accepted",
                           cl.docker_reference);
    if (st == CCS_OK && v != NULL) {
        snprintf(v->signer, sizeof v->signer, "%s", signer);
        snprintf(v->signed_identity, sizeof v->signed_identity, "%s", cl.docker_reference);
    }
    ccs_buf_free(&payload);
    return st;
}

static ccs_status check_req(const ccs__req *q, const ccs_image_dref *img, const char *img_s, const char *digest,
                            const ccs_image_sigs *sigs, ccs_image_verdict *v) {
    if (q->type == CCS__REQ_ACCEPT) return CCS_OK;
    if (q->type == CCS__REQ_REJECT)
        CCS_BAIL(CCS_ERR_POLICY, "Running image docker://%.300s is rejected by policy.", img_s);
    ccs_image_sig_format fmt = q->type == CCS__REQ_SIGNED_BY ? CCS_IMAGE_SIG_SIMPLE : CCS_IMAGE_SIG_COSIGN;
    const char *kind = fmt == CCS_IMAGE_SIG_SIMPLE ? "signedBy" : "sigstoreSigned";
    CCS_ENSURE(!q->keys_unread, CCS_ERR_POLICY, "%s: the policy's key files were not read", kind);
    size_t total = ccs_image_sigs_count_format(sigs, fmt), tried = 0;
    CCS_ENSURE(total > 0, CCS_ERR_POLICY, "A signature was required, but no signature exists");
    char first[600] = "";
    for (size_t i = 0; i < ccs_image_sigs_count(sigs); i++) {
        ccs_image_sig_format f;
        ccs_bytes data, cosig;
        CCS_TRY(ccs_image_sigs_get(sigs, i, &f, &data, &cosig));
        if (f != fmt) continue;
        tried++;
        if (check_one(q, img, digest, f, data, cosig, v) == CCS_OK) return CCS_OK;
        if (first[0] == '\0') snprintf(first, sizeof first, "%s", ccs_error_detail());
    }
    if (tried == 1) CCS_BAIL(CCS_ERR_POLICY, "%s", first);
    CCS_BAIL(CCS_ERR_POLICY, "none of the %zu signatures is accepted (%s); the first: %s", tried, kind, first);
}

ccs_status ccs_image_policy_check(const ccs_image_policy *p, const char *docker_ref, const char *manifest_digest,
                                  const ccs_image_sigs *sigs, ccs_image_verdict *v) {
    CCS_ENSURE(p != NULL && docker_ref != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    CCS_TRY(ccs__image_digest_check(manifest_digest));
    ccs_image_dref img;
    CCS_TRY(image_ref(docker_ref, &img));
    char img_s[CCS_IMAGE_REF_MAX + 200];
    ccs_image_dref_string(&img, img_s, sizeof img_s);
    const ccs__scope *s = choose(p, &img);
    if (v != NULL) {
        memset(v, 0, sizeof *v);
        snprintf(v->scope, sizeof v->scope, "%s", s == &p->deflt ? "default" : s->scope);
    }
    for (size_t i = 0; i < s->n; i++) {
        if (v) v->requirements++;
        CCS_TRY(check_req(&s->reqs[i], &img, img_s, manifest_digest, sigs, v));
    }
    return CCS_OK;
}

/* The manifest of oci:DIR[:TAG]; without a tag the only manifest that is
 * not a cosign signature artifact (sha256-<hex>.sig). */
static ccs_status manifest_desc(const ccs_oci_layout *l, const char *dir, const char *tag, json_t **desc) {
    if (tag != NULL) return ccs_oci_index_find(l, tag, desc);
    char path[4200];
    snprintf(path, sizeof path, "%s/index.json", dir);
    ccs_buf b = {0};
    json_t *idx = NULL;
    ccs_status st = ccs_file_read(path, CCS_IMAGE_JSON_MAX, &b);
    if (st == CCS_OK) st = ccs__image_json_parse(ccs_buf_view(&b), "index.json", &idx);
    ccs_buf_free(&b);
    CCS_TRY(st);
    const json_t *m = json_object_get(idx, "manifests"), *found = NULL;
    size_t hits = 0;
    for (size_t i = 0; i < json_array_size(m); i++) {
        const json_t *d = json_array_get(m, i);
        const char *name =
            json_string_value(json_object_get(json_object_get(d, "annotations"), "org.opencontainers.image.ref.name"));
        size_t n = name ? strlen(name) : 0;
        if (n == 75 && strncmp(name, "sha256-", 7) == 0 && strcmp(name + 71, ".sig") == 0) continue;
        found = d, hits++;
    }
    if (hits == 1) *desc = json_deep_copy(found);
    json_decref(idx);
    CCS_ENSURE(hits == 1, hits ? CCS_ERR_FORMAT : CCS_ERR_NOT_FOUND, "image: %s has %zu image manifests: name one with :TAG",
               dir, hits);
    CCS_ENSURE(*desc != NULL, CCS_ERR_NOMEM, "image: no memory");
    return CCS_OK;
}

static ccs_status open_ref(const char *oci_ref, ccs_oci_layout **l, char digest[CCS_IMAGE_DIGEST_LEN + 1]) {
    char *dir = NULL, *tag = NULL;
    CCS_TRY(ccs_oci_ref_parse(oci_ref, &dir, &tag));
    json_t *desc = NULL;
    ccs_buf m = {0};
    ccs_status st = ccs_oci_layout_open(dir, false, l);
    if (st == CCS_OK) st = manifest_desc(*l, dir, tag, &desc);
    const char *dg = json_string_value(json_object_get(desc, "digest"));
    const json_t *sz = json_object_get(desc, "size");
    if (st == CCS_OK)
        st = ccs_oci_blob_read(*l, dg, json_is_integer(sz) ? (int64_t)json_integer_value(sz) : -1, CCS_IMAGE_JSON_MAX, &m);
    if (st == CCS_OK) snprintf(digest, CCS_IMAGE_DIGEST_LEN + 1, "%s", dg);
    if (st != CCS_OK) {
        ccs_oci_layout_free(*l);
        *l = NULL;
    }
    ccs_buf_free(&m);
    json_decref(desc);
    free(dir);
    free(tag);
    return st;
}

ccs_status ccs_image_manifest_digest(const char *oci_ref, char digest[CCS_IMAGE_DIGEST_LEN + 1]) {
    ccs_oci_layout *l = NULL;
    CCS_TRY(open_ref(oci_ref, &l, digest));
    ccs_oci_layout_free(l);
    return CCS_OK;
}

ccs_status ccs_image_verify(const char *oci_ref, const ccs_image_policy *p, const char *docker_ref,
                            const char *lookaside_dir, ccs_image_verdict *v) {
    CCS_ENSURE(oci_ref != NULL && p != NULL && docker_ref != NULL, CCS_ERR_INVALID_ARG, "image: bad arguments");
    ccs_oci_layout *l = NULL;
    char digest[CCS_IMAGE_DIGEST_LEN + 1];
    CCS_TRY(open_ref(oci_ref, &l, digest));
    ccs_image_sigs *sigs = NULL;
    ccs_status st = ccs_image_sigs_new(&sigs);
    if (st == CCS_OK && lookaside_dir != NULL) st = ccs_image_lookaside_read(lookaside_dir, docker_ref, digest, sigs);
    if (st == CCS_OK) st = ccs_image_cosign_read(l, digest, sigs);
    if (st == CCS_OK) st = ccs_image_policy_check(p, docker_ref, digest, sigs, v);
    ccs_image_sigs_free(sigs);
    ccs_oci_layout_free(l);
    return st;
}
