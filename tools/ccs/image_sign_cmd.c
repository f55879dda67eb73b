/* `ccs image sign oci:DIR[:TAG] --identity REF (--gpg-key FPR [--gnupghome DIR] --sigstore DIR | --cosign-key KEY.pem)`:
 * simple signing (an OpenPGP signed "atomic container signature" written
 * to a lookaside directory, as skopeo --sign-by does) or a cosign-style
 * signature (ECDSA P-256 over a "cosign container image signature"
 * payload, attached to the layout as the artifact tagged sha256-<hex>.sig). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/image_sign.h"
#include "cli.h"

int ccs_cli_image_sign(int argc, char **argv);

static void usage(FILE *f) {
    fprintf(f,
            "usage: ccs image sign oci:DIR[:TAG] --identity HOST/REPO[:TAG]\n"
            "           (--gpg-key FPR [--gnupghome DIR] (--sigstore DIR | --registries.d DIR) | --cosign-key KEY.pem)\n"
            "           [--payload-out FILE] [--signature-out FILE]\n"
            "Signs the image's manifest digest for the docker reference --identity.\n"
            "  --gpg-key: simple signing with that secret key of GNUPGHOME (--gnupghome, or gpg's\n"
            "    default; the key must not need a passphrase); the signature is stored as the next\n"
            "    DIR/<repo path>@sha256=<hex>/signature-N of the lookaside directory --sigstore (or the\n"
            "    file:// lookaside-staging, else lookaside, that --registries.d DIR gives for --identity).\n"
            "  --cosign-key: a PEM EC P-256 private key; the payload names the repository (the tag is\n"
            "    dropped, as cosign does) and the signature is added to the layout's artifact tagged\n"
            "    sha256-<hex>.sig (annotation dev.cosignproject.cosign/signature).\n"
            "--payload-out / --signature-out also write the signed payload and the signature (simple:\n"
            "the OpenPGP message; cosign: base64 of the DER signature).\n"
            "Exit: 0 signed, 1 signing failed, 2 usage or unreadable input.\n");
}

/* The repository part of a reference, as written (no tag or digest). */
static void repo_of(const char *ref, char *out, size_t cap) {
    snprintf(out, cap, "%s", ref);
    char *at = strchr(out, '@');
    if (at) *at = '\0';
    char *slash = strrchr(out, '/'), *colon = strrchr(out, ':');
    if (colon && (slash == NULL || colon > slash)) *colon = '\0';
}

static ccs_status sign_cosign(const char *ref, const char *keyfile, const char *identity, const char *digest,
                              ccs_buf *payload, ccs_buf *sig) {
    char repo[CCS_IMAGE_REF_MAX], *dir = NULL, *tag = NULL;
    repo_of(identity, repo, sizeof repo);
    ccs_privkey *k = NULL;
    ccs_oci_layout *l = NULL;
    ccs_status st = ccs_privkey_load(keyfile, &k);
    if (st == CCS_OK) st = ccs_image_sig_payload_build(CCS_IMAGE_SIG_COSIGN, repo, digest, 0, payload);
    if (st == CCS_OK) st = ccs_image_sign_cosign(k, ccs_buf_view(payload), sig);
    if (st == CCS_OK) st = ccs_oci_ref_parse(ref, &dir, &tag);
    if (st == CCS_OK) st = ccs_oci_layout_open(dir, false, &l);
    if (st == CCS_OK) st = ccs_image_cosign_attach(l, digest, ccs_buf_view(payload), ccs_buf_view(sig));
    ccs_oci_layout_free(l);
    ccs_privkey_free(k);
    free(dir);
    free(tag);
    return st;
}

int ccs_cli_image_sign(int argc, char **argv) {
    const char *ref = NULL, *identity = NULL, *fpr = NULL, *home = NULL, *sigstore = NULL, *cosign = NULL;
    const char *payload_out = NULL, *sig_out = NULL, *regd = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--identity") == 0 && more) identity = argv[++i];
        else if (strcmp(a, "--gpg-key") == 0 && more) fpr = argv[++i];
        else if (strcmp(a, "--gnupghome") == 0 && more) home = argv[++i];
        else if ((strcmp(a, "--sigstore") == 0 || strcmp(a, "--lookaside") == 0) && more) sigstore = argv[++i];
        else if (strcmp(a, "--registries.d") == 0 && more) regd = argv[++i];
        else if (strcmp(a, "--cosign-key") == 0 && more) cosign = argv[++i];
        else if (strcmp(a, "--payload-out") == 0 && more) payload_out = argv[++i];
        else if (strcmp(a, "--signature-out") == 0 && more) sig_out = argv[++i];
        else if (a[0] != '-' && ref == NULL) ref = a;
        else {
            fprintf(stderr, "ccs image sign: unexpected argument \"%s\"\n", a);
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (ref == NULL || identity == NULL || (fpr == NULL) == (cosign == NULL) ||
        (fpr != NULL && (sigstore == NULL) == (regd == NULL)) ||
        (cosign != NULL && (home != NULL || sigstore != NULL || regd != NULL))) {
        fprintf(stderr, "ccs image sign: oci:DIR[:TAG], --identity and either --gpg-key with --sigstore or "
                        "--registries.d, or --cosign-key, are required\n");
        usage(stderr);
        return CLI_USAGE;
    }
    char lookaside[4096];
    if (regd != NULL) {
        ccs_status rs = ccs_image_registries_d_lookaside(regd, identity, true, lookaside, sizeof lookaside);
        if (rs == CCS_ERR_NOT_FOUND) rs = ccs_image_registries_d_lookaside(regd, identity, false, lookaside, sizeof lookaside);
        if (rs != CCS_OK) {
            fprintf(stderr, "ccs image sign: %s\n", ccs_error_detail());
            return CLI_USAGE;
        }
        sigstore = lookaside;
    }
    ccs_image_dref d;
    char digest[CCS_IMAGE_DIGEST_LEN + 1];
    if (ccs_image_dref_parse(identity, &d) != CCS_OK || ccs_image_manifest_digest(ref, digest) != CCS_OK) {
        fprintf(stderr, "ccs image sign: %s\n", ccs_error_detail());
        return CLI_USAGE;
    }
    ccs_buf payload = {0}, sig = {0}, b64 = {0};
    unsigned index = 0;
    ccs_status st;
    if (fpr != NULL) {
        st = ccs_image_sig_payload_build(CCS_IMAGE_SIG_SIMPLE, identity, digest, ccs_time_now(), &payload);
        if (st == CCS_OK) st = ccs_image_sign_simple(home, fpr, ccs_buf_view(&payload), &sig);
        if (st == CCS_OK) st = ccs_image_lookaside_write(sigstore, identity, digest, ccs_buf_view(&sig), &index);
    } else {
        st = sign_cosign(ref, cosign, identity, digest, &payload, &sig);
        if (st == CCS_OK) st = ccs_base64_encode(ccs_buf_view(&sig), &b64);
    }
    if (st == CCS_OK && payload_out) st = ccs_file_write(payload_out, ccs_buf_view(&payload));
    if (st == CCS_OK && sig_out) st = ccs_file_write(sig_out, fpr ? ccs_buf_view(&sig) : ccs_buf_view(&b64));
    int rc = CLI_OK;
    if (st != CCS_OK) {
        fprintf(stderr, "ccs image sign: %s\n", ccs_error_detail());
        rc = st == CCS_ERR_IO || st == CCS_ERR_NOT_FOUND || st == CCS_ERR_FORMAT ? CLI_USAGE : CLI_REFUSED;
    } else if (fpr) {
        printf("signed %s (manifest %s) as %s with GPG key %s: signature-%u in %s\n", ref, digest, identity, fpr, index,
               sigstore);
    } else {
        printf("signed %s (manifest %s) as %.*s with %s: tag sha256-%s.sig\n", ref, digest,
               (int)strcspn(identity, "@"), identity, cosign, digest + 7);
    }
    ccs_buf_free(&payload);
    ccs_buf_free(&sig);
    ccs_buf_free(&b64);
    return rc;
}
