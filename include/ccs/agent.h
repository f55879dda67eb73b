/*
 * ccs/agent.h - the in-TEE side of the KBS protocol: a KBS client that runs
 * the RCAR flow (specs/kbs-image-ratls.md 1.1) with the local TEE backend,
 * the attestation-agent calls (GetEvidence, GetToken) and the confidential
 * data hub's GetResource (1.4), and a loopback REST endpoint with the shapes
 * of the CoCo api-server-rest. Protocol constants: ccs/kbs_protocol.h.
 *
 * Secrets: resources, tokens and the ephemeral private key are never logged
 * nor put in error details; the buffers that carried them are wiped.
 * An agent is not thread-safe: use one per thread (the REST endpoint serves
 * one request at a time).
 */
#ifndef CCS_AGENT_H
#define CCS_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "ccs/core.h"
#include "ccs/tee.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ccs_agent_config {
    /* The KBS base URL, "http[s]://host[:port]" (a trailing "/" and a
     * "/kbs/v0" suffix are accepted). Required for resources and tokens. */
    const char *kbs_url;
    ccs_tee_config tee;      /* the backend that produces the evidence */
    const char *cacert;      /* PEM CA file for https; NULL: the system store */
    bool insecure_skip_tls_verify; /* INSECURE: no certificate or host check */
    long connect_timeout_ms; /* 0: 10 s */
    long timeout_ms;         /* whole request; 0: 60 s */
    /* init-data sent with every attestation (RCAR 0.4.0 "init-data"; the KBS
     * binds its digest to the TEE's launch field, docs/kbs.md "Init-data"):
     * the plaintext document (UTF-8, at most CCS_AGENT_INIT_DATA_MAX bytes;
     * empty: none) and its format, "json" or "toml" (NULL: "toml"). On the
     * sim platforms with no tee.sim_config_id, the agent "launches" with
     * config id = SHA-384(init_data), as a host would (docs/tee.md). */
    ccs_bytes init_data;
    const char *init_data_format;
} ccs_agent_config;

#define CCS_AGENT_INIT_DATA_MAX (64u << 10)

typedef struct ccs_agent ccs_agent;

/* Copies the configuration and opens the TEE backend (CCS_ERR_UNSUPPORTED
 * when the platform is not available here). */
CCS_MUST_USE ccs_status ccs_agent_new(const ccs_agent_config *cfg, ccs_agent **out);
void ccs_agent_free(ccs_agent *a); /* NULL ok */

/* The kbs-types tee name this agent attests as: the platform's name
 * ("sim-sgx", "sim-tdx", "sgx", "tdx", "snp", "csv", "tpm"). */
const char *ccs_agent_tee(const ccs_agent *a);

/* A resource URI "kbs:///<repo>/<type>/<tag>" (host and port, if any, are
 * ignored as by the CoCo CDH: the KBS is the configured one), or the bare
 * "<repo>/<type>/<tag>". Each component is [A-Za-z0-9._-]{1,128}, not "."
 * and without "..". CCS_ERR_FORMAT otherwise. path gets "repo/type/tag". */
#define CCS_AGENT_PATH_MAX 400
CCS_MUST_USE ccs_status ccs_agent_resource_uri_parse(const char *uri, char path[static CCS_AGENT_PATH_MAX]);

/* GetResource: the whole RCAR flow (auth, attest with fresh evidence over a
 * fresh key, resource, JWE decryption). The plaintext is appended to out
 * (wipe it with ccs_buf_free). A refusal by the KBS is CCS_ERR_POLICY
 * (401/403), CCS_ERR_NOT_FOUND (404), CCS_ERR_UNSUPPORTED (protocol
 * version) or CCS_ERR_FORMAT (400), with the KBS's "detail" (bounded and
 * sanitized) in ccs_error_detail(); transport failures and 5xx are
 * CCS_ERR_NETWORK. No retries. */
CCS_MUST_USE ccs_status ccs_agent_get_resource(ccs_agent *a, const char *uri, ccs_buf *out);

/* GetToken("kbs"): attests and appends {"token":"<EAR JWT>","tee_keypair":
 * <private JWK>} to out (the CoCo REST shape; the key pair is the one the
 * token binds, so its holder can fetch and decrypt resources with the
 * token). Secret: wipe out with ccs_buf_free. */
CCS_MUST_USE ccs_status ccs_agent_get_token(ccs_agent *a, ccs_buf *out);

/* GetEvidence: evidence over the caller's report data (at most 64 bytes,
 * zero-padded), as the primary_evidence JSON of ccs/kbs_protocol.h (e.g.
 * {"quote":"<base64>"}), appended to out. */
CCS_MUST_USE ccs_status ccs_agent_get_evidence(ccs_agent *a, ccs_bytes report_data, ccs_buf *out);

/* ---- the local REST endpoint (CoCo api-server-rest shapes) ----
 *   GET /cdh/resource/<repo>/<type>/<tag>        raw bytes
 *   GET /aa/evidence?runtime_data=..[&encoding=base64]   evidence JSON
 *   GET /aa/token?token_type=kbs                  {"token","tee_keypair"}
 *   GET /info                                     {"version","tee","kbs","endpoints"}
 * Bound to loopback only; requests whose Host is not a loopback name are
 * refused (DNS rebinding). One request at a time. At most
 * CCS_AGENT_MAX_CONNECTIONS connections are open at once (one more is shut
 * down as soon as it is accepted), and a connection that has not sent a
 * whole request within CCS_AGENT_REQUEST_DEADLINE_S seconds of its start or
 * of its previous answer is shut down, so no local client can hold the
 * endpoint's descriptors. The caller ignores SIGPIPE (as `ccs agent serve`
 * does): a client may close its socket early. */
typedef struct ccs_agent_server ccs_agent_server;

#define CCS_AGENT_DEFAULT_LISTEN "127.0.0.1:8006"
#define CCS_AGENT_MAX_CONNECTIONS 64
#define CCS_AGENT_REQUEST_DEADLINE_S 30

/* Checks that listen is "HOST:PORT" with HOST 127.x.y.z, [::1] or
 * localhost, and PORT 0..65535. CCS_ERR_INVALID_ARG otherwise (a
 * non-loopback address is refused with that message). */
CCS_MUST_USE ccs_status ccs_agent_listen_check(const char *listen);

/* Binds listen (port 0: any free port) for agent a (borrowed; it must
 * outlive the server). */
CCS_MUST_USE ccs_status ccs_agent_server_new(ccs_agent *a, const char *listen, ccs_agent_server **out);
uint16_t ccs_agent_server_port(const ccs_agent_server *s);
/* Serves until ccs_agent_server_stop. */
CCS_MUST_USE ccs_status ccs_agent_server_run(ccs_agent_server *s);
/* Makes run return; callable from another thread or a signal handler. */
void ccs_agent_server_stop(ccs_agent_server *s);
void ccs_agent_server_free(ccs_agent_server *s); /* NULL ok */

#ifdef __cplusplus
}
#endif
#endif
