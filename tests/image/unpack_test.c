/* Unpacking layers (include/ccs/image_unpack.h): archives written here
 * header by header, benign and malicious. Every refusal asserts its status
 * and that nothing was written outside the root: path traversal, absolute
 * names, symlink escapes, hard links outside or to nothing, device nodes,
 * huge sizes (octal and base-256), truncation, bad checksums, a gzip bomb,
 * entry counts; then whiteouts and opaque directories across two layers
 * (the final tree exactly), hard links and symlinks inside the root, PAX
 * and GNU long names, last-wins duplicates, zstd. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>
#include <zstd.h>

#include "ccs/image_unpack.h"

#define MT_TAR "application/vnd.oci.image.layer.v1.tar"
#define MT_GZ "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_ZST "application/vnd.oci.image.layer.v1.tar+zstd"

static void want_st(ccs_status got, ccs_status want) {
    if (got != want) fail_msg("status %d, expected %d: %s", (int)got, (int)want, ccs_error_detail());
}

/* ---- writing archives ---- */

static void put(ccs_buf *b, const void *p, size_t n) { assert_int_equal(ccs_buf_append(b, p, n), CCS_OK); }

static void pad(ccs_buf *b) {
    static const uint8_t zero[512];
    if (b->len % 512) put(b, zero, 512 - b->len % 512);
}

static void checksum(uint8_t *h) {
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++) sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

/* A ustar header (name and link up to 100 bytes) and its data. Returns the
 * header's offset, for tampering. */
static size_t entry(ccs_buf *b, char type, const char *name, unsigned mode, const char *link, const void *data,
                    size_t size) {
    uint8_t h[512] = {0};
    memcpy(h, name, strnlen(name, 100));
    snprintf((char *)h + 100, 8, "%07o", mode);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size & 077777777777ull);
    snprintf((char *)h + 136, 12, "%011o", 1700000000u);
    h[156] = (uint8_t)type;
    if (link) memcpy(h + 157, link, strnlen(link, 100));
    memcpy(h + 257, "ustar\0" "00", 8);
    checksum(h);
    size_t off = b->len;
    put(b, h, 512);
    if (size && data) {
        put(b, data, size);
        pad(b);
    }
    return off;
}

static void file(ccs_buf *b, const char *name, const char *content) {
    entry(b, '0', name, 0644, NULL, content, strlen(content));
}

static void end(ccs_buf *b) {
    static const uint8_t zero[1024];
    put(b, zero, sizeof zero);
}

/* A PAX 'x' header with one record key=value. */
static void pax(ccs_buf *b, const char *key, const char *value) {
    char rec[8192];
    size_t body = strlen(key) + strlen(value) + 3, len = body + 1;
    while (snprintf(NULL, 0, "%zu", len) + body != len) len++;
    snprintf(rec, sizeof rec, "%zu %s=%s\n", len, key, value);
    entry(b, 'x', "PaxHeaders/x", 0644, NULL, rec, strlen(rec));
}

/* ---- the scratch root ---- */

static char g_jail[256], g_root[300];

/* A fresh jail/a/b/root: "../../x" would land in jail/a. */
static const char *fresh_root(void) {
    snprintf(g_jail, sizeof g_jail, "%s/unpack-%d", CCS_TEST_TMP, (int)getpid());
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/a/b/root'", g_jail, g_jail);
    assert_int_equal(system(cmd), 0);
    snprintf(g_root, sizeof g_root, "%s/a/b/root", g_jail);
    return g_root;
}

/* What find lists under dir (relative, sorted, "f"/"d"/"l" and the name). */
static char *tree(const char *dir) {
    char cmd[800];
    snprintf(cmd, sizeof cmd, "cd '%s' && find . -mindepth 1 -printf '%%y %%P\\n' | LC_ALL=C sort", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    static char out[8192];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    pclose(p);
    return out;
}

static void nothing_outside(void) {
    char a[300];
    snprintf(a, sizeof a, "%s/a", g_jail);
    for (char *line = strtok(tree(a), "\n"); line; line = strtok(NULL, "\n"))
        if (strcmp(line, "d b") != 0 && strcmp(line, "d b/root") != 0 && strncmp(line + 1, " b/root/", 8) != 0)
            fail_msg("written outside the root: %s", line);
}

static char *slurp(const char *rel) {
    static char buf[4096];
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", g_root, rel);
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static ccs_status unpack(const ccs_buf *b, const char *mt, const ccs_unpack_options *o) {
    return ccs_unpack_layer(ccs_buf_view(b), mt, g_root, o, NULL);
}

/* ---- refusals ---- */

typedef void (*build_fn)(ccs_buf *b);

static void b_dotdot(ccs_buf *b) { file(b, "../../x", "pwned"); }
static void b_dotdot_mid(ccs_buf *b) { file(b, "ok/../../../x", "pwned"); }
static void b_abs(ccs_buf *b) { file(b, "/tmp/ccs-unpack-test-abs", "pwned"); }
static void b_sym_root(ccs_buf *b) {
    entry(b, '2', "a", 0777, "/", NULL, 0);
    file(b, "a/tmp/ccs-unpack-test-sym", "pwned");
}
static void b_sym_up(ccs_buf *b) {
    entry(b, '2', "a", 0777, "../..", NULL, 0);
    file(b, "a/x", "pwned");
}
static void b_sym_dir_then_dir(ccs_buf *b) { /* a directory entry through the symlink */
    entry(b, '2', "a", 0777, "../..", NULL, 0);
    entry(b, '5', "a/d", 0755, NULL, NULL, 0);
}
static void b_hard_abs(ccs_buf *b) { entry(b, '1', "h", 0644, "/etc/passwd", NULL, 0); }
static void b_hard_up(ccs_buf *b) { entry(b, '1', "h", 0644, "../x", NULL, 0); }
static void b_hard_missing(ccs_buf *b) { entry(b, '1', "h", 0644, "nothere", NULL, 0); }
static void b_hard_through_sym(ccs_buf *b) {
    entry(b, '2', "s", 0777, "/etc", NULL, 0);
    entry(b, '1', "h", 0644, "s/passwd", NULL, 0);
}
static void b_hard_dir(ccs_buf *b) {
    entry(b, '5', "d", 0755, NULL, NULL, 0);
    entry(b, '1', "h", 0644, "d", NULL, 0);
}
static void b_chr(ccs_buf *b) { entry(b, '3', "null", 0666, NULL, NULL, 0); }
static void b_blk(ccs_buf *b) { entry(b, '4', "sda", 0660, NULL, NULL, 0); }
static void b_fifo(ccs_buf *b) { entry(b, '6', "fifo", 0644, NULL, NULL, 0); }
static void b_huge_octal(ccs_buf *b) {
    size_t off = entry(b, '0', "big", 0644, NULL, NULL, 0);
    memcpy(b->ptr + off + 124, "77777777777", 12);
    checksum(b->ptr + off);
}
static void b_huge_b256(ccs_buf *b) {
    size_t off = entry(b, '0', "big", 0644, NULL, NULL, 0);
    static const uint8_t f[12] = {0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    memcpy(b->ptr + off + 124, f, 12);
    checksum(b->ptr + off);
}
static void b_negative_b256(ccs_buf *b) {
    size_t off = entry(b, '0', "neg", 0644, NULL, NULL, 0);
    memset(b->ptr + off + 124, 0xff, 12);
    checksum(b->ptr + off);
}
static void b_truncated(ccs_buf *b) {
    file(b, "f", "some content");
    b->len -= 400; /* inside the data's block */
}
static void b_no_end(ccs_buf *b) { file(b, "f", "content"); }
static void b_bad_sum(ccs_buf *b) {
    size_t off = entry(b, '0', "f", 0644, NULL, "x", 1);
    b->ptr[off + 0] ^= 1;
}
static void b_bad_octal(ccs_buf *b) {
    size_t off = entry(b, '0', "f", 0644, NULL, NULL, 0);
    memcpy(b->ptr + off + 100, "0064x\0\0", 8);
    checksum(b->ptr + off);
}
static void b_no_magic(ccs_buf *b) {
    size_t off = entry(b, '0', "f", 0644, NULL, NULL, 0);
    memset(b->ptr + off + 257, 0, 8);
    checksum(b->ptr + off);
}
static void b_sparse(ccs_buf *b) { entry(b, 'S', "sparse", 0644, NULL, NULL, 0); }
static void b_pax_long(ccs_buf *b) {
    char name[5000];
    memset(name, 'p', sizeof name - 1);
    name[sizeof name - 1] = 0;
    pax(b, "path", name);
    file(b, "short", "x");
}
static void b_pax_bad_len(ccs_buf *b) {
    entry(b, 'x', "PaxHeaders/x", 0644, NULL, "99 path=a\n", 10);
    file(b, "short", "x");
}
static void b_gnu_long_over(ccs_buf *b) {
    static char name[5000];
    memset(name, 'g', sizeof name - 1);
    entry(b, 'L', "././@LongLink", 0644, NULL, name, sizeof name);
    file(b, "short", "x");
}
static void b_wh_out(ccs_buf *b) { file(b, "a/../../.wh.x", ""); }
static void b_wh_dotdot(ccs_buf *b) { file(b, "a/.wh...", ""); }
static void b_many(ccs_buf *b) {
    for (int i = 0; i < 20; i++) {
        char n[16];
        snprintf(n, sizeof n, "f%d", i);
        file(b, n, "x");
    }
}
static void b_pax_flood(ccs_buf *b) { /* global headers, never written, still count against the total */
    static char junk[1 << 20];
    memset(junk, 'j', sizeof junk);
    for (int i = 0; i < 5; i++) entry(b, 'g', "global", 0644, NULL, junk, sizeof junk);
}
static void b_zero_middle(ccs_buf *b) {
    static const uint8_t zero[512];
    file(b, "f", "x");
    put(b, zero, 512);
    file(b, "g", "y");
}

static void test_unpack_refusals(void **state) {
    (void)state;
    static const struct {
        const char *name;
        build_fn build;
        bool no_end;
        ccs_status want;
    } cases[] = {
        {"../../x", b_dotdot, false, CCS_ERR_POLICY},
        {"ok/../../../x", b_dotdot_mid, false, CCS_ERR_POLICY},
        {"absolute", b_abs, false, CCS_ERR_POLICY},
        {"a -> / then a/tmp/x", b_sym_root, false, CCS_ERR_POLICY},
        {"a -> ../.. then a/x", b_sym_up, false, CCS_ERR_POLICY},
        {"a -> ../.. then dir a/d", b_sym_dir_then_dir, false, CCS_ERR_POLICY},
        {"hard link to /etc/passwd", b_hard_abs, false, CCS_ERR_POLICY},
        {"hard link to ../x", b_hard_up, false, CCS_ERR_POLICY},
        {"hard link to nothing", b_hard_missing, false, CCS_ERR_NOT_FOUND},
        {"hard link through a symlink", b_hard_through_sym, false, CCS_ERR_POLICY},
        {"hard link to a directory", b_hard_dir, false, CCS_ERR_POLICY},
        {"char device", b_chr, false, CCS_ERR_POLICY},
        {"block device", b_blk, false, CCS_ERR_POLICY},
        {"FIFO", b_fifo, false, CCS_ERR_POLICY},
        {"huge octal size", b_huge_octal, false, CCS_ERR_OVERFLOW},
        {"huge base-256 size", b_huge_b256, false, CCS_ERR_OVERFLOW},
        {"negative base-256 size", b_negative_b256, false, CCS_ERR_FORMAT},
        {"truncated data", b_truncated, true, CCS_ERR_TRUNCATED},
        {"no end-of-archive", b_no_end, true, CCS_ERR_TRUNCATED},
        {"bad checksum", b_bad_sum, false, CCS_ERR_FORMAT},
        {"bad octal", b_bad_octal, false, CCS_ERR_FORMAT},
        {"no ustar magic", b_no_magic, false, CCS_ERR_FORMAT},
        {"sparse entry", b_sparse, false, CCS_ERR_UNSUPPORTED},
        {"PAX path over PATH_MAX", b_pax_long, false, CCS_ERR_POLICY},
        {"PAX record length", b_pax_bad_len, false, CCS_ERR_FORMAT},
        {"GNU long name over PATH_MAX", b_gnu_long_over, false, CCS_ERR_POLICY},
        {"whiteout outside", b_wh_out, false, CCS_ERR_POLICY},
        {"whiteout of ..", b_wh_dotdot, false, CCS_ERR_POLICY},
        {"entry count", b_many, false, CCS_ERR_OVERFLOW},
        {"zero block in the middle", b_zero_middle, true, CCS_ERR_FORMAT},
        {"PAX global headers over the total", b_pax_flood, false, CCS_ERR_OVERFLOW},
    };
    ccs_unpack_options o = {.max_file_size = 1 << 20, .max_total_size = 4 << 20, .max_entries = 10};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fresh_root();
        ccs_buf b = {0};
        cases[i].build(&b);
        if (!cases[i].no_end) end(&b);
        ccs_status st = unpack(&b, MT_TAR, &o);
        if (st != cases[i].want)
            fail_msg("%s: status %d, expected %d: %s", cases[i].name, (int)st, (int)cases[i].want, ccs_error_detail());
        nothing_outside();
        ccs_buf_free(&b);
    }
    assert_int_equal(access("/tmp/ccs-unpack-test-abs", F_OK), -1);
    assert_int_equal(access("/tmp/ccs-unpack-test-sym", F_OK), -1);
}

static void test_unpack_media_types(void **state) {
    (void)state;
    fresh_root();
    ccs_buf b = {0};
    file(&b, "f", "x");
    end(&b);
    want_st(unpack(&b, MT_GZ, NULL), CCS_ERR_FORMAT);  /* not gzip */
    want_st(unpack(&b, MT_ZST, NULL), CCS_ERR_FORMAT); /* not zstd */
    want_st(unpack(&b, MT_TAR "+encrypted", NULL), CCS_ERR_UNSUPPORTED);
    assert_non_null(strstr(ccs_error_detail(), "decrypt the image first"));
    want_st(unpack(&b, "application/json", NULL), CCS_ERR_UNSUPPORTED);
    want_st(unpack(&b, "application/vnd.docker.image.rootfs.diff.tar", NULL), CCS_OK);
    ccs_unpack_compression c;
    want_st(ccs_unpack_compression_of("application/vnd.docker.image.rootfs.diff.tar.gzip", &c), CCS_OK);
    assert_int_equal(c, CCS_UNPACK_GZIP);
    ccs_buf_free(&b);
}

/* ---- compression ---- */

static ccs_buf gzip_of(const ccs_buf *in) {
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
    ccs_buf out = {0};
    assert_int_equal(ccs_buf_reserve(&out, deflateBound(&z, in->len)), CCS_OK);
    z.next_in = in->ptr;
    z.avail_in = (uInt)in->len;
    z.next_out = out.ptr;
    z.avail_out = (uInt)out.cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    out.len = z.total_out;
    deflateEnd(&z);
    return out;
}

static void test_unpack_gzip_bomb(void **state) {
    (void)state;
    ccs_buf b = {0};
    uint8_t *zero = calloc(1, 1 << 20);
    for (int i = 0; i < 40; i++) {
        char n[16];
        snprintf(n, sizeof n, "zero%d", i);
        entry(&b, '0', n, 0644, NULL, zero, 1 << 20);
    }
    end(&b);
    free(zero);
    ccs_buf gz = gzip_of(&b);
    assert_true(gz.len < 200000); /* 40 MiB in well under 200 KB */
    fresh_root();
    ccs_unpack_options o = {.max_file_size = 2 << 20, .max_total_size = 8 << 20};
    want_st(unpack(&gz, MT_GZ, &o), CCS_ERR_OVERFLOW);
    o = (ccs_unpack_options){.max_file_size = 512 << 10};
    fresh_root();
    want_st(unpack(&gz, MT_GZ, &o), CCS_ERR_OVERFLOW);
    o = (ccs_unpack_options){0};
    fresh_root();
    ccs_unpack_result res = {0};
    want_st(ccs_unpack_layer(ccs_buf_view(&gz), MT_GZ, g_root, &o, &res), CCS_OK);
    assert_int_equal(res.bytes, 40u << 20);
    /* a truncated gzip stream */
    gz.len /= 2;
    fresh_root();
    want_st(unpack(&gz, MT_GZ, NULL), CCS_ERR_TRUNCATED);
    ccs_buf_free(&gz);
    ccs_buf_free(&b);
}

/* gzip through igzip: two concatenated members make one archive; a changed
 * CRC-32, a changed deflate stream, garbage after the last member and a
 * stream cut inside its trailer are refused with their reasons. */
static void test_unpack_gzip_members(void **state) {
    (void)state;
    ccs_buf a = {0}, b = {0};
    file(&a, "first", "from the first member");
    file(&b, "second", "from the second member");
    end(&b);
    ccs_buf ga = gzip_of(&a), gb = gzip_of(&b), both = {0};
    assert_int_equal(ccs_buf_append(&both, ga.ptr, ga.len), CCS_OK);
    assert_int_equal(ccs_buf_append(&both, gb.ptr, gb.len), CCS_OK);
    fresh_root();
    want_st(unpack(&both, MT_GZ, NULL), CCS_OK);
    assert_string_equal(slurp("first"), "from the first member");
    assert_string_equal(slurp("second"), "from the second member");
    /* the CRC-32 of the second member (its trailer's first 4 bytes) */
    both.ptr[both.len - 8] ^= 0x01;
    fresh_root();
    want_st(unpack(&both, MT_GZ, NULL), CCS_ERR_FORMAT);
    assert_non_null(strstr(ccs_error_detail(), "incorrect data check"));
    both.ptr[both.len - 8] ^= 0x01;
    /* the deflate stream of the first member */
    both.ptr[12] ^= 0xff;
    fresh_root();
    want_st(unpack(&both, MT_GZ, NULL), CCS_ERR_FORMAT);
    assert_non_null(strstr(ccs_error_detail(), "layer: gzip"));
    both.ptr[12] ^= 0xff;
    /* garbage after the last member */
    assert_int_equal(ccs_buf_append(&both, "junk", 4), CCS_OK);
    fresh_root();
    want_st(unpack(&both, MT_GZ, NULL), CCS_ERR_FORMAT);
    assert_non_null(strstr(ccs_error_detail(), "trailing bytes after the gzip stream"));
    /* cut inside the trailer */
    both.len -= 4 + 3;
    fresh_root();
    want_st(unpack(&both, MT_GZ, NULL), CCS_ERR_TRUNCATED);
    ccs_buf_free(&a), ccs_buf_free(&b), ccs_buf_free(&ga), ccs_buf_free(&gb), ccs_buf_free(&both);
    /* After the end-of-archive marker: a writer's padding is read and
     * dropped; more than 1 MiB (here 2 MiB of zeros, compressed to a few KB)
     * is refused, plain or gzip. */
    ccs_buf t = {0};
    file(&t, "f", "x");
    end(&t);
    uint8_t *zero = calloc(1, 2 << 20);
    assert_non_null(zero);
    assert_int_equal(ccs_buf_append(&t, zero, 10240), CCS_OK);
    ccs_buf gt = gzip_of(&t);
    fresh_root();
    want_st(unpack(&gt, MT_GZ, NULL), CCS_OK);
    assert_int_equal(ccs_buf_append(&t, zero, 2 << 20), CCS_OK);
    ccs_buf_free(&gt);
    gt = gzip_of(&t);
    for (int gz = 0; gz < 2; gz++) {
        fresh_root();
        want_st(unpack(gz ? &gt : &t, gz ? MT_GZ : MT_TAR, NULL), CCS_ERR_FORMAT);
        assert_non_null(strstr(ccs_error_detail(), "after the end-of-archive marker"));
    }
    free(zero);
    ccs_buf_free(&t), ccs_buf_free(&gt);
}

static void test_unpack_zstd(void **state) {
    (void)state;
    ccs_buf b = {0}, z = {0};
    file(&b, "hello", "hello zstd");
    end(&b);
    assert_int_equal(ccs_buf_reserve(&z, ZSTD_compressBound(b.len)), CCS_OK);
    size_t n = ZSTD_compress(z.ptr, z.cap, b.ptr, b.len, 3);
    assert_false(ZSTD_isError(n));
    z.len = n;
    fresh_root();
    want_st(unpack(&z, MT_ZST, NULL), CCS_OK);
    assert_string_equal(slurp("hello"), "hello zstd");
    z.len -= 4;
    fresh_root();
    want_st(unpack(&z, MT_ZST, NULL), CCS_ERR_TRUNCATED);
    ccs_buf_free(&b);
    ccs_buf_free(&z);
}

/* ---- what is accepted ---- */

static void test_unpack_whiteouts(void **state) {
    (void)state;
    fresh_root();
    ccs_buf l1 = {0}, l2 = {0};
    entry(&l1, '5', "a/", 0755, NULL, NULL, 0);
    file(&l1, "a/keep", "keep");
    file(&l1, "a/gone", "gone");
    entry(&l1, '5', "a/sub/", 0755, NULL, NULL, 0);
    file(&l1, "a/sub/x", "x");
    entry(&l1, '5', "o/", 0755, NULL, NULL, 0);
    file(&l1, "o/old", "old");
    entry(&l1, '5', "o/d/", 0755, NULL, NULL, 0);
    file(&l1, "o/d/old", "old");
    file(&l1, "o-x", "a sibling that sorts between o and o/");
    file(&l1, "top", "top");
    end(&l1);
    file(&l2, "o/new", "new");
    file(&l2, "a/.wh.gone", "");
    file(&l2, "a/.wh.sub", "");
    file(&l2, "o/.wh..wh..opq", "");
    file(&l2, "o/d/new", "new"); /* o/d itself not in this layer: its lower contents still go */
    file(&l2, "./.wh.top", "");
    file(&l2, ".wh.never-there", "");
    end(&l2);
    want_st(unpack(&l1, MT_TAR, NULL), CCS_OK);
    want_st(unpack(&l2, MT_TAR, NULL), CCS_OK);
    assert_string_equal(tree(g_root), "d a\n"
                                      "d o\n"
                                      "d o/d\n"
                                      "f a/keep\n"
                                      "f o-x\n"
                                      "f o/d/new\n"
                                      "f o/new\n");
    ccs_buf_free(&l1);
    ccs_buf_free(&l2);
}

static void test_unpack_links_inside(void **state) {
    (void)state;
    fresh_root();
    ccs_buf b = {0};
    entry(&b, '5', "d", 0750, NULL, NULL, 0);
    entry(&b, '0', "d/f", 04755, NULL, "data", 4);
    entry(&b, '1', "d/hard", 0644, "d/f", NULL, 0);
    entry(&b, '1', "./hard2", 0644, "./d/../d/f", NULL, 0);
    entry(&b, '2', "rel", 0777, "d/f", NULL, 0);
    entry(&b, '2', "abs", 0777, "/etc/passwd", NULL, 0); /* created as given */
    entry(&b, '1', "hard-to-sym", 0777, "abs", NULL, 0); /* a link to the symlink itself */
    /* last wins: a file over a symlink (not followed), a directory over a file */
    entry(&b, '2', "x", 0777, "/tmp/ccs-unpack-test-victim", NULL, 0);
    file(&b, "x", "replaced");
    file(&b, "y", "a file");
    entry(&b, '5', "y", 0700, NULL, NULL, 0);
    file(&b, "y/z", "z");
    file(&b, "dup", "one");
    file(&b, "dup", "two");
    end(&b);
    want_st(unpack(&b, MT_TAR, NULL), CCS_OK);
    assert_string_equal(slurp("d/hard"), "data");
    struct stat a, h, h2, s;
    char p[1200];
    snprintf(p, sizeof p, "%s/d/f", g_root);
    assert_int_equal(lstat(p, &a), 0);
    assert_int_equal(a.st_mode & 07777, 0755); /* setuid dropped */
    snprintf(p, sizeof p, "%s/d/hard", g_root);
    assert_int_equal(lstat(p, &h), 0);
    snprintf(p, sizeof p, "%s/hard2", g_root);
    assert_int_equal(lstat(p, &h2), 0);
    assert_int_equal(a.st_ino, h.st_ino);
    assert_int_equal(a.st_ino, h2.st_ino);
    assert_int_equal(a.st_mtime, 1700000000);
    snprintf(p, sizeof p, "%s/d", g_root);
    assert_int_equal(lstat(p, &s), 0);
    assert_int_equal(s.st_mode & 07777, 0750);
    char t[256];
    snprintf(p, sizeof p, "%s/abs", g_root);
    ssize_t n = readlink(p, t, sizeof t - 1);
    assert_true(n > 0);
    t[n] = 0;
    assert_string_equal(t, "/etc/passwd");
    snprintf(p, sizeof p, "%s/hard-to-sym", g_root);
    assert_int_equal(lstat(p, &s), 0);
    assert_true(S_ISLNK(s.st_mode));
    assert_string_equal(slurp("x"), "replaced");
    assert_int_equal(access("/tmp/ccs-unpack-test-victim", F_OK), -1);
    assert_string_equal(slurp("y/z"), "z");
    assert_string_equal(slurp("dup"), "two");
    ccs_buf_free(&b);

    /* setuid kept when allowed */
    fresh_root();
    b = (ccs_buf){0};
    entry(&b, '0', "suid", 04755, NULL, "x", 1);
    end(&b);
    ccs_unpack_options o = {.allow_setid = true};
    want_st(unpack(&b, MT_TAR, &o), CCS_OK);
    snprintf(p, sizeof p, "%s/suid", g_root);
    assert_int_equal(lstat(p, &s), 0);
    assert_int_equal(s.st_mode & 07777, 04755);
    ccs_buf_free(&b);
}

static void test_unpack_long_names(void **state) {
    (void)state;
    fresh_root();
    char dir[120], name[400], link[300];
    memset(dir, 'd', 110);
    dir[110] = 0;
    snprintf(name, sizeof name, "%s/%s/pax-file", dir, dir);
    ccs_buf b = {0};
    pax(&b, "path", name);
    file(&b, "ignored-short-name", "pax content");
    snprintf(name, sizeof name, "%s/gnu-%s", dir, dir);
    entry(&b, 'L', "././@LongLink", 0644, NULL, name, strlen(name) + 1);
    file(&b, "ignored2", "gnu content");
    snprintf(link, sizeof link, "%s/%s/pax-file", dir, dir);
    entry(&b, 'K', "././@LongLink", 0644, NULL, link, strlen(link) + 1);
    entry(&b, '2', "sym", 0777, "ignored", NULL, 0);
    pax(&b, "linkpath", link);
    entry(&b, '1', "hard", 0644, "ignored", NULL, 0);
    entry(&b, 'g', "global", 0644, NULL, "17 comment=hello\n", 17); /* ignored */
    end(&b);
    want_st(unpack(&b, MT_TAR, NULL), CCS_OK);
    snprintf(name, sizeof name, "%s/%s/pax-file", dir, dir);
    assert_string_equal(slurp(name), "pax content");
    snprintf(name, sizeof name, "%s/gnu-%s", dir, dir);
    assert_string_equal(slurp(name), "gnu content");
    assert_string_equal(slurp("sym"), "pax content");
    assert_string_equal(slurp("hard"), "pax content");
    ccs_buf_free(&b);
}

static void test_unpack_devices_insecure(void **state) {
    (void)state;
    fresh_root();
    ccs_buf b = {0};
    entry(&b, '6', "fifo", 0640, NULL, NULL, 0);
    end(&b);
    ccs_unpack_options o = {.insecure_allow_devices = true};
    want_st(unpack(&b, MT_TAR, &o), CCS_OK);
    struct stat s;
    char p[1200];
    snprintf(p, sizeof p, "%s/fifo", g_root);
    assert_int_equal(lstat(p, &s), 0);
    assert_true(S_ISFIFO(s.st_mode));
    ccs_buf_free(&b);
}

static void test_unpack_owners(void **state) {
    (void)state;
    fresh_root();
    ccs_buf b = {0};
    size_t off = entry(&b, '0', "owned", 0640, NULL, "x", 1);
    memcpy(b.ptr + off + 108, "0002322\0", 8); /* uid 1234 */
    memcpy(b.ptr + off + 116, "0013056\0", 8); /* gid 5678 */
    checksum(b.ptr + off);
    end(&b);
    ccs_unpack_options o = {.set_owners = true};
    want_st(unpack(&b, MT_TAR, &o), CCS_OK);
    struct stat s;
    char p[1200];
    snprintf(p, sizeof p, "%s/owned", g_root);
    assert_int_equal(lstat(p, &s), 0);
    if (geteuid() == 0) { /* owners are set only by root */
        assert_int_equal(s.st_uid, 1234);
        assert_int_equal(s.st_gid, 5678);
    } else {
        assert_int_equal(s.st_uid, geteuid());
    }
    fresh_root();
    want_st(unpack(&b, MT_TAR, NULL), CCS_OK); /* not asked: the caller's */
    assert_int_equal(lstat(p, &s), 0);
    assert_int_equal(s.st_uid, geteuid());
    ccs_buf_free(&b);
}

int test_group_image_unpack(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unpack_refusals),    cmocka_unit_test(test_unpack_media_types),
        cmocka_unit_test(test_unpack_gzip_bomb),   cmocka_unit_test(test_unpack_zstd),
        cmocka_unit_test(test_unpack_gzip_members),
        cmocka_unit_test(test_unpack_whiteouts),   cmocka_unit_test(test_unpack_links_inside),
        cmocka_unit_test(test_unpack_long_names),  cmocka_unit_test(test_unpack_devices_insecure),
        cmocka_unit_test(test_unpack_owners),
    };
    return cmocka_run_group_tests_name("image_unpack", tests, NULL, NULL);
}
