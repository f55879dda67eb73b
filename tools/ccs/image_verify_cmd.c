/* `ccs image verify oci:DIR[:TAG] --policy FILE --identity REF [--sigstore DIR]`:
 * containers-policy.json(5) appraisal of an image in an OCI layout, pulled
 * as the docker reference REF, with simple signatures from a lookaside
 * directory and cosign signatures from the layout (docs/image.md
 * "Signatures and policy"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/image_sign.h"
#include "cli.h"

int ccs_cli_image_verify(int argc, char **argv);

static void usage(FILE *f) {
    fprintf(f,
            "usage: ccs image verify oci:DIR[:TAG] --policy POLICY.json --identity HOST/REPO[:TAG|@DIGEST]\n"
            "                        [--sigstore DIR | --registries.d DIR] [--json]\n"
            "Checks the image against a containers-policy.json(5) file as if it were pulled as the docker\n"
            "reference --identity (a missing tag is :latest): the most specific transports.docker scope\n"
            "(repo:tag, repo, namespaces, registry, *.domain wildcards, \"\") or \"default\" gives the\n"
            "requirements, and every one must hold: insecureAcceptAnything, reject, signedBy (GPG simple\n"
            "signing, verified with only the policy's keys), sigstoreSigned (cosign-style, public keys).\n"
            "Signatures: simple signatures from the lookaside directory --sigstore DIR\n"
            "(DIR/<repo path>@sha256=<hex>/signature-N, as skopeo's file:// lookaside writes them) and\n"
            "cosign signatures from the layout's artifact tagged sha256-<hex>.sig. --registries.d DIR: the\n"
            "lookaside is the file:// URL that DIR/NAME.yaml gives for the identity (docker: SCOPE:\n"
            "lookaside:, or default-docker:), as skopeo --registries.d reads it.\n"
            "Exit: 0 accepted, 1 refused (the reason on stderr), 2 usage or unreadable input.\n");
}

int ccs_cli_image_verify(int argc, char **argv) {
    const char *ref = NULL, *policy = NULL, *identity = NULL, *sigstore = NULL, *regd = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--policy") == 0 && i + 1 < argc) {
            policy = argv[++i];
        } else if (strcmp(a, "--identity") == 0 && i + 1 < argc) {
            identity = argv[++i];
        } else if ((strcmp(a, "--sigstore") == 0 || strcmp(a, "--lookaside") == 0) && i + 1 < argc) {
            sigstore = argv[++i];
        } else if (strcmp(a, "--registries.d") == 0 && i + 1 < argc) {
            regd = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (a[0] != '-' && ref == NULL) {
            ref = a;
        } else {
            fprintf(stderr, "ccs image verify: unexpected argument \"%s\"\n", a);
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (ref == NULL || policy == NULL || identity == NULL || (sigstore != NULL && regd != NULL)) {
        fprintf(stderr, "ccs image verify: oci:DIR[:TAG], --policy and --identity are required (and at most one of "
                        "--sigstore and --registries.d)\n");
        usage(stderr);
        return CLI_USAGE;
    }
    char lookaside[4096];
    if (regd != NULL) {
        ccs_status rs = ccs_image_registries_d_lookaside(regd, identity, false, lookaside, sizeof lookaside);
        if (rs == CCS_OK) {
            sigstore = lookaside;
        } else if (rs != CCS_ERR_NOT_FOUND) {
            fprintf(stderr, "ccs image verify: %s\n", ccs_error_detail());
            return CLI_USAGE;
        }
    }
    ccs_image_policy *p = NULL;
    if (ccs_image_policy_load(policy, &p) != CCS_OK) {
        fprintf(stderr, "ccs image verify: %s\n", ccs_error_detail());
        return CLI_USAGE;
    }
    char digest[CCS_IMAGE_DIGEST_LEN + 1] = "";
    ccs_image_verdict v;
    ccs_status st = ccs_image_manifest_digest(ref, digest);
    if (st == CCS_OK) st = ccs_image_verify(ref, p, identity, sigstore, &v);
    ccs_image_policy_free(p);
    int rc = st == CCS_OK ? CLI_OK
             : st == CCS_ERR_POLICY || st == CCS_ERR_MISMATCH || st == CCS_ERR_SIGNATURE ? CLI_REFUSED
                                                                                          : CLI_USAGE;
    if (json) {
        json_t *o = json_pack("{s:s,s:s,s:s,s:b}", "image", ref, "identity", identity, "manifest_digest", digest,
                              "accepted", st == CCS_OK);
        if (o && st == CCS_OK) {
            json_object_set_new(o, "scope", json_string(v.scope));
            if (v.signer[0]) json_object_set_new(o, "signer", json_string(v.signer));
            if (v.signed_identity[0]) json_object_set_new(o, "signed_identity", json_string(v.signed_identity));
        } else if (o) {
            json_object_set_new(o, "reason", json_string(ccs_error_detail()));
        }
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (s) printf("%s\n", s);
        free(s);
        json_decref(o);
    }
    if (st == CCS_OK) {
        if (!json)
            printf("accepted: %s as %s (manifest %s; scope %s%s%s%s%s)\n", ref, identity, digest, v.scope,
                   v.signer[0] ? "; signed by " : "", v.signer, v.signed_identity[0] ? " for " : "", v.signed_identity);
    } else {
        fprintf(stderr, "ccs image verify: %s: %s\n", rc == CLI_REFUSED ? "refused" : "error", ccs_error_detail());
    }
    return rc;
}
