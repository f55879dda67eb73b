/* File helpers shared by the tee test groups (replayed kernel interfaces). */
#include <stdio.h>
#include <sys/stat.h>

#include "ccs/core.h"
#include "tee_tests.h"

ccs_buf tee_read(const char *path) {
    ccs_buf b = {0};
    if (ccs_file_read(path, 1u << 20, &b) != CCS_OK) fail_msg("%s: %s", path, ccs_error_detail());
    return b;
}

void tee_mkdirs(const char *path) {
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        mkdir(tmp, 0700);
        *p = '/';
    }
    mkdir(tmp, 0700);
}

void tee_put(const char *dir, const char *name, ccs_bytes data) {
    char p[2200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    assert_int_equal(ccs_file_write(p, data), CCS_OK);
}
