/* image_pull_secure.h - the confidential steps of `ccs image pull`
 * (image_pull_secure.c): signature policy, decryption, unpacking. */
#ifndef CCS_IMAGE_PULL_SECURE_H
#define CCS_IMAGE_PULL_SECURE_H

#include "ccs/agent.h"
#include "ccs/image_registry.h"

#define PULL_KEYS_MAX 16

typedef struct pull_secure_opts {
    const char *policy;   /* containers-policy.json; NULL: signatures not checked */
    const char *sigstore; /* lookaside directory for simple signatures */
    const char *unpack;   /* root file system to unpack into, or NULL */
    const ccs_bytes *keys;
    size_t nkeys;
    ccs_agent_config agent; /* kbs_url set: layer keys from the KBS */
} pull_secure_opts;

/* Pull src through a scratch layout into dest (oci:DIR[:TAG]); prints the
 * outcome; returns a CLI exit status. */
int ccs_cli_image_pull_secure(ccs_registry *r, const char *src, const char *dest, const pull_secure_opts *o);

#endif
