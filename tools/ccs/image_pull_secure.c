/* The confidential side of `ccs image pull`: when a signature policy, keys
 * or a KBS are given, the image is pulled into a scratch layout beside the
 * destination, its signatures are checked there (over the manifest as the
 * registry served it, encrypted or not), its layers are decrypted into the
 * destination (keys from files or released by the KBS after attestation),
 * and it is unpacked to a root file system when asked. Nothing is tagged in
 * the destination unless every step passed. */
#include <ftw.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/agent.h"
#include "ccs/image.h"
#include "ccs/image_registry.h"
#include "ccs/image_sign.h"
#include "ccs/image_unpack.h"
#include "cli.h"
#include "image_pull_secure.h"

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* The KEK resolver over the agent (opened on first use). */
typedef struct kbs_ctx {
    const ccs_agent_config *cfg;
    ccs_agent *agent;
} kbs_ctx;

static ccs_status fetch_kek(void *ctx, const char *kid, ccs_buf *kek) {
    kbs_ctx *k = ctx;
    if (k->agent == NULL) CCS_TRY(ccs_agent_new(k->cfg, &k->agent));
    return ccs_agent_get_resource(k->agent, kid, kek);
}

/* DOMAIN/REPO:TAG or DOMAIN/REPO@DIGEST: the identity the policy judges
 * (docker.io for Docker Hub, as policy.json scopes name it). */
static ccs_status docker_ref_of(const char *src, char *out, size_t cap) {
    ccs_image_ref r = {0};
    CCS_TRY(ccs_image_ref_parse(src, &r));
    ccs_status st = ccs_image_ref_identity(&r, out, cap);
    ccs_image_ref_clear(&r);
    return st;
}

/* What the destination's tag was before the pull (NULL: none), so that a
 * pull that fails after ccs_image_copy tagged it can put it back. */
typedef struct dest_state {
    ccs_oci_layout *layout;
    char *tag;
    json_t *before;
    bool root_existed;
} dest_state;

static void dest_remember(dest_state *d, const char *dest, const char *root) {
    char *dir = NULL;
    memset(d, 0, sizeof *d);
    d->root_existed = root == NULL || access(root, F_OK) == 0;
    if (ccs_oci_ref_parse(dest, &dir, &d->tag) != CCS_OK || d->tag == NULL ||
        ccs_oci_layout_open(dir, true, &d->layout) != CCS_OK || ccs_oci_index_find(d->layout, d->tag, &d->before) != CCS_OK)
        ccs_error_clear(); /* no layout or no such tag yet: d->before stays NULL */
    free(dir);
}

/* Puts the tag back as it was, and removes a root directory this pull made. */
static void dest_restore(dest_state *d, const char *root) {
    ccs_status st = CCS_OK;
    if (d->layout != NULL && d->tag != NULL)
        st = d->before ? ccs_oci_index_put(d->layout, d->tag, d->before) : ccs_oci_index_remove(d->layout, d->tag);
    if (st != CCS_OK) fprintf(stderr, "ccs image pull: cannot restore the destination's tag: %s\n", ccs_error_detail());
    if (root != NULL && !d->root_existed) nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void dest_free(dest_state *d) {
    ccs_oci_layout_free(d->layout);
    free(d->tag);
    json_decref(d->before);
}

/* The cosign signature artifact (tag sha256-<hex>.sig), when the registry has one. */
static void pull_cosign(ccs_registry *r, const char *src, const char *scratch_dir, const char *digest) {
    ccs_image_ref ref = {0};
    if (ccs_image_ref_parse(src, &ref) != CCS_OK) return;
    char sig_src[1024], sig_dst[4400];
    int a = snprintf(sig_src, sizeof sig_src, "docker://%s/%s:sha256-%s.sig", ref.host, ref.repo, digest + 7);
    int b = snprintf(sig_dst, sizeof sig_dst, "oci:%s:sha256-%s.sig", scratch_dir, digest + 7);
    ccs_image_ref_clear(&ref);
    if (a < 0 || (size_t)a >= sizeof sig_src || b < 0 || (size_t)b >= sizeof sig_dst) return;
    ccs_registry_pull_result res;
    if (ccs_registry_pull(r, sig_src, sig_dst, &res) != CCS_OK) ccs_error_clear(); /* no artifact: no cosign signature */
}

int ccs_cli_image_pull_secure(ccs_registry *r, const char *src, const char *dest, const pull_secure_opts *o) {
    char dir[4096], scratch[4200], scratch_ref[4300], docker_ref[1024];
    const char *colon = strrchr(dest + 4, ':');
    size_t dlen = colon ? (size_t)(colon - dest - 4) : strlen(dest + 4);
    if (dlen == 0 || dlen >= sizeof dir) {
        fprintf(stderr, "ccs image pull: bad --dest\n");
        return CLI_USAGE;
    }
    memcpy(dir, dest + 4, dlen);
    dir[dlen] = '\0';
    snprintf(scratch, sizeof scratch, "%s.pull-XXXXXX", dir);
    if (mkdtemp(scratch) == NULL) {
        perror("ccs image pull: scratch layout");
        return CLI_REFUSED;
    }
    snprintf(scratch_ref, sizeof scratch_ref, "oci:%s:pulled", scratch);
    ccs_registry_pull_result res;
    ccs_image_policy *pol = NULL;
    kbs_ctx kctx = {&o->agent, NULL};
    ccs_status st = docker_ref_of(src, docker_ref, sizeof docker_ref);
    if (st == CCS_OK) st = ccs_registry_pull(r, src, scratch_ref, &res);
    if (st == CCS_OK && o->policy != NULL) {
        ccs_image_verdict v;
        pull_cosign(r, src, scratch, res.manifest_digest);
        st = ccs_image_policy_load(o->policy, &pol);
        if (st == CCS_OK) st = ccs_image_verify(scratch_ref, pol, docker_ref, o->sigstore, &v);
        if (st == CCS_OK)
            printf("signature: accepted under scope \"%s\"%s%s\n", v.scope, v.signer[0] ? " signed by " : "", v.signer);
    }
    ccs_image_copy_result cr;
    dest_state ds = {0};
    if (st == CCS_OK && o->unpack != NULL) dest_remember(&ds, dest, o->unpack); /* the copy below tags it */
    if (st == CCS_OK) {
        ccs_image_keys keys = {.pem = o->keys, .n = o->nkeys, .kek = o->agent.kbs_url ? fetch_kek : NULL, .kek_ctx = &kctx};
        bool decrypt = o->nkeys > 0 || o->agent.kbs_url != NULL;
        st = ccs_image_copy(scratch_ref, dest, decrypt ? CCS_IMAGE_DECRYPT : CCS_IMAGE_COPY, decrypt ? &keys : NULL, &cr);
    }
    ccs_unpack_result ur = {0};
    if (st == CCS_OK && o->unpack != NULL) {
        st = ccs_unpack_image(dest, o->unpack, NULL, &ur);
        if (st != CCS_OK) {
            char why[1024];
            snprintf(why, sizeof why, "%s", ccs_error_detail());
            dest_restore(&ds, o->unpack);
            st = ccs_error_set(st, CCS_HERE, "%s", why);
        }
    }
    dest_free(&ds);
    if (st == CCS_OK) {
        printf("pulled %s -> %s: manifest %s (as served %s); %zu layer(s), %zu decrypted%s\n", src, dest,
               cr.manifest_digest, res.manifest_digest, cr.layers, cr.transformed,
               o->policy ? "" : "; no signature policy given: signatures not checked");
        if (o->unpack) printf("unpacked to %s: %llu entries, %llu bytes\n", o->unpack, (unsigned long long)ur.entries,
                              (unsigned long long)ur.bytes);
    } else {
        fprintf(stderr, "ccs image pull: %s\n", ccs_error_detail());
    }
    ccs_image_policy_free(pol);
    ccs_agent_free(kctx.agent);
    nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return st == CCS_OK ? CLI_OK : st == CCS_ERR_INVALID_ARG ? CLI_USAGE : CLI_REFUSED;
}
