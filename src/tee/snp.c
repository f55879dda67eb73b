/* AMD SEV-SNP guest: attestation reports through configfs-tsm (provider
 * "sev_guest": outblob = the report, auxblob = the host's certificate table)
 * or, on kernels without it, the /dev/sev-guest SNP_GET_REPORT ioctl (Linux
 * include/uapi/linux/sev-guest.h; the response is the firmware's
 * MSG_REPORT_RSP, SEV-SNP ABI #56860 "MSG_REPORT_RSP Message Structure").
 * No sealing key (SNP_GET_DERIVED_KEY is not used). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tsm.h"

#define SNP_DEVICE "/dev/sev-guest"
#define RESP_HEADER_LEN 32 /* status, report_size, 24 reserved */

/* The uapi structures, spelled out so the build needs no kernel headers. */
struct snp_report_req {
    uint8_t user_data[64];
    uint32_t vmpl;
    uint8_t rsvd[28];
};
struct snp_report_resp {
    uint8_t data[4000];
};
struct snp_guest_request_ioctl {
    uint8_t msg_version; /* 1 */
    uint64_t req_data, resp_data;
    uint64_t exitinfo2; /* firmware error (low 32 bits), VMM error (high) */
};
#define SNP_GET_REPORT _IOWR('S', 0x0, struct snp_guest_request_ioctl)
/* The extended request: the report plus the host's certificate table
 * (certs_len a multiple of the page size; on SNP_GUEST_VMM_ERR_INVALID_LEN
 * the kernel writes the size needed into certs_len). */
struct snp_ext_report_req {
    struct snp_report_req data;
    uint64_t certs_address;
    uint32_t certs_len;
};
#define SNP_GET_EXT_REPORT _IOWR('S', 0x2, struct snp_guest_request_ioctl)
#define SNP_VMM_ERR_INVALID_LEN 1u
#define SNP_CERTS_START (4u * 4096u)
#define SNP_CERTS_MAX (16u * 4096u) /* SEV_FW_BLOB_MAX_SIZE */

typedef struct snp_state {
    ccs_tee_config cfg;
} snp_state;

static bool device_present(const ccs_tee_config *cfg) {
    char p[512];
    struct stat st;
    return ccs_tee_path(cfg, SNP_DEVICE, p, sizeof p) == CCS_OK && stat(p, &st) == 0;
}

static bool snp_available(const ccs_tee_config *cfg) { return device_present(cfg); }

static ccs_status snp_open(const ccs_tee_config *cfg, void **state) {
    CCS_ENSURE(snp_available(cfg), CCS_ERR_UNSUPPORTED, "SEV-SNP is not available on this machine (no %s)",
               SNP_DEVICE);
    snp_state *s = calloc(1, sizeof *s);
    CCS_ENSURE(s != NULL, CCS_ERR_NOMEM, "out of memory");
    s->cfg = *cfg;
    *state = s;
    return CCS_OK;
}

static void snp_close(void *state) { free(state); }

/* What the kernel returned must be a report that parses and carries our
 * report data. */
ccs_status ccs_snp_check_report(ccs_bytes report, const uint8_t report_data[64]) {
    ccs_snp_report r;
    ccs_status st = ccs_snp_report_parse(report, &r);
    CCS_ENSURE(st == CCS_OK, st, "snp: the report from the guest driver does not parse: %s", ccs_error_detail());
    CCS_ENSURE(memcmp(r.report_data.ptr, report_data, 64) == 0, CCS_ERR_MISMATCH,
               "snp: the report carries other report data than requested");
    return CCS_OK;
}

/* MSG_REPORT_RSP: u32 status (0 = success), u32 report_size, 24 reserved
 * bytes, then the report; the rest of the 4000-byte buffer is padding. */
ccs_status ccs_snp_parse_report_resp(ccs_bytes resp, const uint8_t report_data[64], ccs_buf *report) {
    ccs_reader r;
    uint32_t status, size;
    ccs_bytes body;
    ccs_reader_init(&r, resp);
    CCS_TRY(ccs_reader_u32le(&r, &status));
    CCS_TRY(ccs_reader_u32le(&r, &size));
    CCS_TRY(ccs_reader_skip(&r, RESP_HEADER_LEN - 8));
    CCS_ENSURE(status == 0, CCS_ERR_IO, "snp: the firmware refused the report request (status 0x%x)", status);
    CCS_ENSURE(size == CCS_SNP_REPORT_LEN, CCS_ERR_FORMAT, "snp: report_size %u, expected 0x4A0", size);
    CCS_TRY(ccs_reader_bytes(&r, size, &body));
    CCS_TRY(ccs_snp_check_report(body, report_data));
    return ccs_buf_set(report, body);
}

static ccs_status ioctl_report(const snp_state *s, const uint8_t report_data[64], ccs_buf *out) {
    char p[512];
    struct snp_report_req req;
    struct snp_report_resp resp;
    struct snp_guest_request_ioctl io;
    CCS_TRY(ccs_tee_path(&s->cfg, SNP_DEVICE, p, sizeof p));
    memset(&req, 0, sizeof req);
    memset(&resp, 0, sizeof resp);
    memset(&io, 0, sizeof io);
    memcpy(req.user_data, report_data, 64);
    req.vmpl = 0; /* the kernel runs at VMPL 0 unless under an SVSM; it refuses others */
    io.msg_version = 1;
    io.req_data = (uint64_t)(uintptr_t)&req;
    io.resp_data = (uint64_t)(uintptr_t)&resp;
    int fd = open(p, O_RDWR | O_CLOEXEC);
    CCS_ENSURE(fd >= 0, CCS_ERR_UNSUPPORTED, "SEV-SNP is not available on this machine (%s: %s)", p, strerror(errno));
    int rc = ioctl(fd, SNP_GET_REPORT, &io);
    int err = errno;
    close(fd);
    CCS_ENSURE(rc == 0, CCS_ERR_IO, "snp: SNP_GET_REPORT failed: %s (firmware error 0x%x, VMM error 0x%x)",
               strerror(err), (unsigned)(io.exitinfo2 & 0xffffffffu), (unsigned)(io.exitinfo2 >> 32));
    return ccs_snp_parse_report_resp(ccs_bytes_of(resp.data, sizeof resp.data), report_data, out);
}

/* SNP_GET_EXT_REPORT: the report and the host's certificate table (aux;
 * left empty when the host has none). CCS_ERR_UNSUPPORTED when the kernel
 * or the host does not offer the extended request (the caller falls back). */
static ccs_status ioctl_ext_report(const snp_state *s, const uint8_t report_data[64], ccs_buf *out, ccs_buf *aux) {
    char p[512];
    struct snp_ext_report_req req;
    struct snp_report_resp resp;
    struct snp_guest_request_ioctl io;
    uint32_t len = SNP_CERTS_START;
    CCS_TRY(ccs_tee_path(&s->cfg, SNP_DEVICE, p, sizeof p));
    int fd = open(p, O_RDWR | O_CLOEXEC);
    CCS_ENSURE(fd >= 0, CCS_ERR_UNSUPPORTED, "SEV-SNP is not available on this machine (%s: %s)", p, strerror(errno));
    ccs_status st = CCS_ERR_UNSUPPORTED;
    for (int attempt = 0; attempt < 2; attempt++) {
        uint8_t *certs = aligned_alloc(4096, len);
        if (certs == NULL) {
            st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
            break;
        }
        memset(certs, 0, len);
        memset(&req, 0, sizeof req);
        memset(&resp, 0, sizeof resp);
        memset(&io, 0, sizeof io);
        memcpy(req.data.user_data, report_data, 64);
        req.certs_address = (uint64_t)(uintptr_t)certs;
        req.certs_len = len;
        io.msg_version = 1;
        io.req_data = (uint64_t)(uintptr_t)&req;
        io.resp_data = (uint64_t)(uintptr_t)&resp;
        int rc = ioctl(fd, SNP_GET_EXT_REPORT, &io);
        uint32_t need = req.certs_len;
        if (rc != 0 && (io.exitinfo2 >> 32) == SNP_VMM_ERR_INVALID_LEN && attempt == 0 && need > len &&
            need <= SNP_CERTS_MAX && need % 4096 == 0) {
            free(certs);
            len = need;
            continue;
        }
        if (rc != 0) {
            free(certs);
            st = ccs_error_set(CCS_ERR_UNSUPPORTED, CCS_HERE, "snp: SNP_GET_EXT_REPORT failed: %s", strerror(errno));
            break;
        }
        st = ccs_snp_parse_report_resp(ccs_bytes_of(resp.data, sizeof resp.data), report_data, out);
        /* An all-zero first entry: the host has no certificates. */
        static const uint8_t zero[24] = {0};
        if (st == CCS_OK && memcmp(certs, zero, sizeof zero) != 0) st = ccs_buf_set(aux, ccs_bytes_of(certs, len));
        free(certs);
        break;
    }
    close(fd);
    return st;
}

static ccs_status snp_evidence_aux(void *state, const uint8_t report_data[64], ccs_buf *out, ccs_buf *aux) {
    snp_state *s = state;
    if (ccs_tsm_available(&s->cfg, SNP_DEVICE)) {
        ccs_buf blob = {0};
        ccs_status st = ccs_tsm_report(&s->cfg, "sev_guest", report_data, &blob, aux);
        if (st == CCS_OK) st = ccs_snp_check_report(ccs_buf_view(&blob), report_data);
        if (st == CCS_OK) st = ccs_buf_set(out, ccs_buf_view(&blob));
        ccs_buf_free(&blob);
        if (st != CCS_ERR_UNSUPPORTED) return st;
    }
    if (aux != NULL) {
        aux->len = 0;
        ccs_status st = ioctl_ext_report(s, report_data, out, aux);
        if (st != CCS_ERR_UNSUPPORTED) return st;
    }
    return ioctl_report(s, report_data, out);
}

static ccs_status snp_evidence(void *state, const uint8_t report_data[64], ccs_buf *out) {
    return snp_evidence_aux(state, report_data, out, NULL);
}

static void put_hex(json_t *o, const char *k, ccs_bytes b) {
    ccs_buf h = {0};
    if (ccs_hex_append(&h, b) == CCS_OK) json_object_set_new(o, k, json_stringn((const char *)h.ptr, h.len));
    ccs_buf_free(&h);
}

static ccs_status snp_measurements(void *state, char **json) {
    uint8_t zero[64] = {0};
    ccs_buf rep = {0};
    ccs_snp_report r;
    ccs_status st = snp_evidence(state, zero, &rep);
    if (st == CCS_OK) st = ccs_snp_report_parse(ccs_buf_view(&rep), &r);
    if (st == CCS_OK) {
        json_t *o = json_object();
        put_hex(o, "measurement", r.measurement);
        put_hex(o, "host_data", r.host_data);
        put_hex(o, "id_key_digest", r.id_key_digest);
        json_object_set_new(o, "policy", json_integer((json_int_t)r.policy));
        json_object_set_new(o, "vmpl", json_integer(r.vmpl));
        *json = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (*json == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    }
    ccs_buf_free(&rep);
    return st;
}

const backend_ops ccs_backend_snp = {
    .platform = CCS_PLATFORM_SNP,
    .available = snp_available,
    .open = snp_open,
    .close = snp_close,
    .evidence = snp_evidence,
    .evidence_aux = snp_evidence_aux,
    .seal_key = NULL,
    .measurements = snp_measurements,
};
