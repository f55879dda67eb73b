/* libFuzzer target: a layer unpacked into a scratch root (the tar reader,
 * the gzip/zstd streams, whiteouts, links; include/ccs/image_unpack.h).
 * Input: the layer blob; its compression is taken from its magic bytes
 * (gzip, zstd, else plain tar). Limits are small. Invariants: no crash,
 * leak or UB, and nothing written outside the root: the root is
 * BASE/x/r, and after each run BASE holds x alone and x holds r alone. */
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccs/image_unpack.h"
#include "unpack_fs.h"

static char g_base[64];

/* True when dir holds exactly the one entry `only`. */
static int holds_only(const char *dir, const char *only) {
    DIR *d = opendir(dir);
    if (d == NULL) return 0;
    int ok = 1;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 && strcmp(de->d_name, only) != 0) ok = 0;
    closedir(d);
    return ok;
}

static void cleanup(void) {
    char x[96];
    snprintf(x, sizeof x, "%s/x", g_base);
    rmdir(x);
    rmdir(g_base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (g_base[0] == 0) {
        snprintf(g_base, sizeof g_base, "/tmp/fuzz_tar.XXXXXX");
        if (mkdtemp(g_base) == NULL) abort();
        atexit(cleanup);
    }
    char x[96], root[128];
    snprintf(x, sizeof x, "%s/x", g_base);
    snprintf(root, sizeof root, "%s/r", x);
    if ((mkdir(x, 0755) != 0 && access(x, F_OK) != 0) || mkdir(root, 0755) != 0) abort();
    const char *mt = "application/vnd.oci.image.layer.v1.tar";
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) mt = "application/vnd.oci.image.layer.v1.tar+gzip";
    if (size >= 4 && memcmp(data, "\x28\xb5\x2f\xfd", 4) == 0) mt = "application/vnd.oci.image.layer.v1.tar+zstd";
    ccs_unpack_options o = {.max_file_size = 64 << 10, .max_total_size = 1 << 20, .max_entries = 256};
    ccs_unpack_result res = {0};
    if (ccs_unpack_layer(ccs_bytes_of(data, size), mt, root, &o, &res) != CCS_OK) ccs_error_clear();
    if (!holds_only(g_base, "x") || !holds_only(x, "r")) {
        fprintf(stderr, "fuzz_tar: something was written outside the root\n");
        abort();
    }
    int xfd = open(x, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (xfd < 0 || ccs__unpack_remove(xfd, "r") != CCS_OK) abort();
    close(xfd);
    return 0;
}
