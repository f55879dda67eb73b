/* configfs-tsm (Linux Documentation/ABI/testing/configfs-tsm): one report
 * request through /sys/kernel/config/tsm/report (private to src/tee). */
#ifndef CCS_TEE_TSM_H
#define CCS_TEE_TSM_H

#include "backend.h"

#define CCS_TSM_DIR "/sys/kernel/config/tsm/report"

/* True when configfs-tsm is mounted and its provider is `provider`
 * ("tdx_guest", "sev_guest"); the provider is only known per report, so
 * this reports whether the report directory exists and the guest device
 * for `device` (e.g. "/dev/tdx_guest") exists. */
bool ccs_tsm_available(const ccs_tee_config *cfg, const char *device);

/* The report entry this process uses under dir: "ccs-<PID namespace
 * inode>-<pid>" ("ccs-<pid>" when /proc does not name the namespace). */
CCS_MUST_USE ccs_status ccs_tsm_entry_name(const char *dir, char *out, size_t cap);

/* Writes the 64-byte inblob, reads back outblob (and auxblob when aux is
 * non-NULL and the provider offers one). Fails if the provider is not
 * `provider`, or if another writer changed the request meanwhile (the
 * generation attribute moved by more than our write) in three requests. */
CCS_MUST_USE ccs_status ccs_tsm_report(const ccs_tee_config *cfg, const char *provider, const uint8_t inblob[64],
                                       ccs_buf *outblob, ccs_buf *aux);

#endif
