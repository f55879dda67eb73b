/* Hygon CSV guest: attestation reports through /dev/csv-guest (Linux
 * drivers/virt/coco/csv-guest, csv-guest.h): ioctl CSV_CMD_GET_REPORT with
 * struct csv_report_req { u8 *report_data; int len; }. The user buffer
 * (4096 bytes) holds user_data[64] || mnonce[16] || SM3(user_data || mnonce)
 * on input and the report on output (csv-rs CsvGuest::get_report). A fresh
 * random mnonce keys the HMAC that the firmware puts over the signer block;
 * the report is checked here before it is handed out. CSV offers no sealing
 * key and no runtime measurement registers in v1 reports. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backend.h"
#include "ccs/crypto.h"

#define CSV_DEVICE "/dev/csv-guest"

struct csv_report_req {
    uint8_t *report_data;
    int len;
};
#define CSV_CMD_GET_REPORT _IOWR('D', 1, struct csv_report_req)

#define HMAC_OFF 336
#define HMAC_END 2516

typedef struct csv_state {
    char dev[4096];
} csv_state;

void ccs_csv_build_request(const uint8_t user_data[64], const uint8_t mnonce[16],
                           uint8_t buf[static CCS_CSV_REPORT_BUF_LEN]) {
    memset(buf, 0, CCS_CSV_REPORT_BUF_LEN);
    memcpy(buf, user_data, 64);
    memcpy(buf + 64, mnonce, 16);
    ccs_sm3(ccs_bytes_of(buf, 80), buf + 80);
}

ccs_status ccs_csv_check_report(ccs_bytes report, const uint8_t user_data[64], const uint8_t mnonce[16]) {
    ccs_csv_report *r = malloc(sizeof *r);
    uint8_t mac[CCS_SM3_LEN];
    CCS_ENSURE(r != NULL, CCS_ERR_NOMEM, "out of memory");
    ccs_status st = ccs_csv_report_parse(report, r);
    if (st != CCS_OK) {
        st = ccs_error_set(st, CCS_HERE, "csv: the report from %s does not parse: %s", CSV_DEVICE, ccs_error_detail());
    } else if (r->form != CCS_CSV_FORM_RAW) {
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "csv: %s returned something other than a report", CSV_DEVICE);
    } else if (!ccs_ct_eq(ccs_bytes_of(r->mnonce, 16), ccs_bytes_of(mnonce, 16))) {
        st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "csv: the report carries another mnonce than requested");
    } else if (memcmp(r->report_data, user_data, 64) != 0) {
        st = ccs_error_set(CCS_ERR_MISMATCH, CCS_HERE, "csv: the report carries other report data than requested");
    } else if ((st = ccs_hmac_sm3(ccs_bytes_of(mnonce, 16), ccs_bytes_of(r->raw + HMAC_OFF, HMAC_END - HMAC_OFF),
                                  mac)) == CCS_OK &&
               !ccs_ct_eq(ccs_bytes_of(mac, sizeof mac), ccs_bytes_of(r->mac, 32))) {
        st = ccs_error_set(CCS_ERR_SIGNATURE, CCS_HERE, "csv: the report's HMAC does not verify with our mnonce");
    }
    ccs_wipe(r, sizeof *r);
    free(r);
    return st;
}

static bool csv_available(const ccs_tee_config *cfg) {
    char p[4096];
    return ccs_tee_path(cfg, CSV_DEVICE, p, sizeof p) == CCS_OK && access(p, F_OK) == 0;
}

static ccs_status csv_open(const ccs_tee_config *cfg, void **state) {
    CCS_ENSURE(csv_available(cfg), CCS_ERR_UNSUPPORTED, "CSV is not available on this machine (no %s)", CSV_DEVICE);
    csv_state *s = calloc(1, sizeof *s);
    CCS_ENSURE(s != NULL, CCS_ERR_NOMEM, "out of memory");
    ccs_status st = ccs_tee_path(cfg, CSV_DEVICE, s->dev, sizeof s->dev);
    if (st != CCS_OK) {
        free(s);
        return st;
    }
    *state = s;
    return CCS_OK;
}

static void csv_close(void *state) { free(state); }

static ccs_status get_report(csv_state *s, const uint8_t user_data[64], const uint8_t mnonce[16], uint8_t *buf) {
    ccs_csv_build_request(user_data, mnonce, buf);
    int fd = open(s->dev, O_RDWR | O_CLOEXEC);
    CCS_ENSURE(fd >= 0, CCS_ERR_IO, "csv: cannot open %s: %s", s->dev, strerror(errno));
    struct csv_report_req req = {.report_data = buf, .len = CCS_CSV_REPORT_BUF_LEN};
    int rc = ioctl(fd, CSV_CMD_GET_REPORT, &req);
    int err = errno;
    close(fd);
    CCS_ENSURE(rc == 0, CCS_ERR_IO, "csv: CSV_CMD_GET_REPORT on %s failed: %s", s->dev, strerror(err));
    return ccs_csv_check_report(ccs_bytes_of(buf, CCS_CSV_REPORT_BUF_LEN), user_data, mnonce);
}

static ccs_status csv_evidence(void *state, const uint8_t report_data[64], ccs_buf *out) {
    uint8_t mnonce[16];
    uint8_t *buf = malloc(CCS_CSV_REPORT_BUF_LEN);
    CCS_ENSURE(buf != NULL, CCS_ERR_NOMEM, "out of memory");
    ccs_status st = ccs_random(mnonce, sizeof mnonce);
    if (st == CCS_OK) st = get_report(state, report_data, mnonce, buf);
    /* The evidence is the v1 report itself; the rest of the page is padding. */
    if (st == CCS_OK) st = ccs_buf_set(out, ccs_bytes_of(buf, CCS_CSV_REPORT_LEN));
    free(buf);
    return st;
}

static void put_hex(json_t *o, const char *k, const uint8_t *p, size_t n) {
    ccs_buf h = {0};
    if (ccs_hex_append(&h, ccs_bytes_of(p, n)) == CCS_OK) json_object_set_new(o, k, json_stringn((const char *)h.ptr, h.len));
    ccs_buf_free(&h);
}

static ccs_status csv_measurements(void *state, char **json) {
    uint8_t zero[64] = {0};
    ccs_buf ev = {0};
    ccs_csv_report *r = malloc(sizeof *r);
    CCS_ENSURE(r != NULL, CCS_ERR_NOMEM, "out of memory");
    ccs_status st = csv_evidence(state, zero, &ev);
    if (st == CCS_OK) st = ccs_csv_report_parse(ccs_buf_view(&ev), r);
    if (st == CCS_OK) {
        char pol[11];
        json_t *o = json_object();
        put_hex(o, "measurement", r->measure, 32);
        snprintf(pol, sizeof pol, "0x%08x", r->policy);
        json_object_set_new(o, "policy", json_string(pol));
        put_hex(o, "vm_id", r->vm_id, 16);
        put_hex(o, "vm_version", r->vm_version, 16);
        json_object_set_new(o, "chip_id", json_string(r->chip_id));
        *json = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (*json == NULL) st = ccs_error_set(CCS_ERR_NOMEM, CCS_HERE, "out of memory");
    }
    free(r);
    ccs_buf_free(&ev);
    return st;
}

const backend_ops ccs_backend_csv = {
    .platform = CCS_PLATFORM_CSV,
    .available = csv_available,
    .open = csv_open,
    .close = csv_close,
    .evidence = csv_evidence,
    .seal_key = NULL,
    .measurements = csv_measurements,
    .extend = NULL,
};
