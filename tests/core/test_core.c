/* core: reader, sizes, buffers, hex/base64, RFC 3339 time, JSON raw member. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "ccs/core.h"

static void test_reader(void **state) {
    (void)state;
    static const uint8_t in[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b};
    ccs_reader r, c;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    ccs_bytes b;
    ccs_reader_init(&r, ccs_bytes_of(in, sizeof in));
    assert_int_equal(ccs_reader_u8(&r, &u8), CCS_OK);
    assert_int_equal(u8, 1);
    assert_int_equal(ccs_reader_u16le(&r, &u16), CCS_OK);
    assert_int_equal(u16, 0x0302);
    assert_int_equal(ccs_reader_u32le(&r, &u32), CCS_OK);
    assert_int_equal(u32, 0x07060504);
    assert_int_equal(ccs_reader_remaining(&r), 4);
    /* A failed read does not move the reader. */
    assert_int_equal(ccs_reader_u64le(&r, &u64), CCS_ERR_TRUNCATED);
    assert_int_equal(ccs_reader_remaining(&r), 4);
    assert_int_equal(ccs_reader_sub(&r, 3, &c), CCS_OK);
    assert_int_equal(ccs_reader_bytes(&c, 3, &b), CCS_OK);
    assert_memory_equal(b.ptr, "\x08\x09\x0a", 3);
    assert_int_equal(ccs_reader_expect_end(&c), CCS_OK);
    assert_int_equal(ccs_reader_expect_end(&r), CCS_ERR_TRAILING);
    assert_int_equal(ccs_reader_skip(&r, 2), CCS_ERR_TRUNCATED);
    assert_int_equal(ccs_reader_skip(&r, SIZE_MAX), CCS_ERR_TRUNCATED);
    assert_int_equal(ccs_reader_bytes(&r, 1, &b), CCS_OK);
    assert_int_equal(ccs_reader_expect_end(&r), CCS_OK);
    ccs_reader_init(&r, ccs_bytes_of(in, 8));
    assert_int_equal(ccs_reader_u64le(&r, &u64), CCS_OK);
    assert_true(u64 == 0x0807060504030201ull);
    ccs_reader_init(&r, ccs_bytes_of(NULL, 0));
    assert_int_equal(ccs_reader_bytes(&r, 0, &b), CCS_OK);
    assert_int_equal(ccs_reader_u8(&r, &u8), CCS_ERR_TRUNCATED);
}

static void test_sizes(void **state) {
    (void)state;
    size_t out;
    assert_int_equal(ccs_size_add(SIZE_MAX, 1, &out), CCS_ERR_OVERFLOW);
    assert_int_equal(ccs_size_mul(SIZE_MAX / 2 + 1, 2, &out), CCS_ERR_OVERFLOW);
    assert_int_equal(ccs_size_add(2, 3, &out), CCS_OK);
    assert_int_equal(out, 5);
    assert_int_equal(ccs_size_mul(4, 5, &out), CCS_OK);
    assert_int_equal(out, 20);
}

static void test_buf(void **state) {
    (void)state;
    ccs_buf b = {0};
    for (int i = 0; i < 1000; i++) assert_int_equal(ccs_buf_append(&b, "ab", 2), CCS_OK);
    assert_int_equal(b.len, 2000);
    assert_int_equal(b.ptr[b.len], 0);
    assert_int_equal(ccs_buf_set(&b, ccs_bytes_str("xyz")), CCS_OK);
    assert_string_equal((char *)b.ptr, "xyz");
    ccs_buf_free(&b);
    assert_null(b.ptr);
    ccs_buf_free(NULL);
    assert_int_equal(ccs_buf_reserve(&b, SIZE_MAX), CCS_ERR_OVERFLOW);
}

static void test_hex(void **state) {
    (void)state;
    char out[9];
    ccs_buf b = {0};
    uint8_t fixed[2];
    assert_int_equal(ccs_hex_encode(ccs_bytes_of("\x00\xab\xcd\xff", 4), out, sizeof out), CCS_OK);
    assert_string_equal(out, "00abcdff");
    assert_int_equal(ccs_hex_encode(ccs_bytes_of("\x00\xab\xcd\xff", 4), out, 8), CCS_ERR_INVALID_ARG);
    assert_int_equal(ccs_hex_decode("00ABcdFF", 8, &b), CCS_OK);
    assert_memory_equal(b.ptr, "\x00\xab\xcd\xff", 4);
    assert_int_equal(ccs_hex_decode("abc", 3, &b), CCS_ERR_FORMAT);
    assert_int_equal(ccs_hex_decode("zz", 2, &b), CCS_ERR_FORMAT);
    /* a bad digit after good ones: the buffer as it was (4 bytes, NUL after) */
    assert_int_equal(ccs_hex_decode("0102zz", 6, &b), CCS_ERR_FORMAT);
    assert_int_equal(b.len, 4);
    assert_int_equal(b.ptr[4], 0);
    assert_int_equal(ccs_hex_decode_fixed("0a0b", 4, fixed, 2), CCS_OK);
    assert_int_equal(ccs_hex_decode_fixed("0a0b0c", 6, fixed, 2), CCS_ERR_FORMAT);
    assert_int_equal(ccs_hex_decode_fixed("0a g", 4, fixed, 2), CCS_ERR_FORMAT);
    ccs_buf_free(&b);
}

static void test_base64(void **state) {
    (void)state;
    /* RFC 4648 section 10 test vectors. */
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        ccs_buf e = {0}, d = {0};
        assert_int_equal(ccs_base64_encode(ccs_bytes_str(plain[i]), &e), CCS_OK);
        assert_memory_equal(e.ptr ? (char *)e.ptr : "", enc[i], strlen(enc[i]));
        assert_int_equal(e.len, strlen(enc[i]));
        assert_int_equal(ccs_base64_decode(enc[i], strlen(enc[i]), &d), CCS_OK);
        assert_int_equal(d.len, strlen(plain[i]));
        if (d.len) assert_memory_equal(d.ptr, plain[i], d.len);
        ccs_buf_free(&e);
        ccs_buf_free(&d);
    }
    ccs_buf d = {0};
    assert_int_equal(ccs_base64_decode("Zm9", 3, &d), CCS_ERR_FORMAT);
    assert_int_equal(ccs_base64_decode("Zm=v", 4, &d), CCS_ERR_FORMAT);
    assert_int_equal(ccs_base64_decode("Zh==", 4, &d), CCS_ERR_FORMAT); /* non-canonical */
    assert_int_equal(ccs_base64_decode("Zm9v!A==", 8, &d), CCS_ERR_FORMAT);
    assert_int_equal(ccs_base64_decode("Zg==Zg==", 8, &d), CCS_ERR_FORMAT);
    ccs_buf_free(&d);
    /* Long inputs (the bulk loop): every length of 0..300 bytes round-trips,
     * appended after existing content; a bad character or a '=' at any place
     * before the last quantum is named by its offset and nothing is kept. */
    uint8_t raw[300];
    for (size_t i = 0; i < sizeof raw; i++) raw[i] = (uint8_t)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof raw; n++) {
        ccs_buf e = {0}, out = {0};
        assert_int_equal(ccs_base64_encode(ccs_bytes_of(raw, n), &e), CCS_OK);
        assert_int_equal(ccs_buf_append(&out, "xy", 2), CCS_OK);
        assert_int_equal(ccs_base64_decode((const char *)e.ptr, e.len, &out), CCS_OK);
        assert_int_equal(out.len, n + 2);
        assert_memory_equal(out.ptr + 2, raw, n);
        ccs_buf_free(&out);
        ccs_buf_free(&e);
    }
    ccs_buf e = {0};
    assert_int_equal(ccs_base64_encode(ccs_bytes_of(raw, 200), &e), CCS_OK);
    for (size_t at = 0; at + 4 < e.len; at += 13) {
        static const char bad[] = {'!', '=', '-', '\0'};
        char saved = (char)e.ptr[at], want[64];
        for (int b = 0; b < 4; b++) {
            e.ptr[at] = (uint8_t)bad[b];
            ccs_buf out = {0};
            assert_int_equal(ccs_buf_append(&out, "xy", 2), CCS_OK);
            assert_int_equal(ccs_base64_decode((const char *)e.ptr, e.len, &out), CCS_ERR_FORMAT);
            snprintf(want, sizeof want, "invalid base64 at offset %zu", at);
            assert_non_null(strstr(ccs_error_detail(), want));
            assert_int_equal(out.len, 2);
            ccs_buf_free(&out);
        }
        e.ptr[at] = (uint8_t)saved;
    }
    ccs_buf_free(&e);
}

static void test_base64url(void **state) {
    (void)state;
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xfb\xff"};
    static const char *const enc[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy", "-_8"};
    for (int i = 0; i < 8; i++) {
        ccs_buf e = {0}, d = {0};
        assert_int_equal(ccs_base64url_encode(ccs_bytes_str(plain[i]), &e), CCS_OK);
        assert_int_equal(e.len, strlen(enc[i]));
        if (e.len) assert_memory_equal(e.ptr, enc[i], e.len);
        assert_int_equal(ccs_base64url_decode(enc[i], strlen(enc[i]), &d), CCS_OK);
        assert_int_equal(d.len, strlen(plain[i]));
        if (d.len) assert_memory_equal(d.ptr, plain[i], d.len);
        ccs_buf_free(&e);
        ccs_buf_free(&d);
    }
    ccs_buf d = {0};
    assert_int_equal(ccs_base64url_decode("Zg==", 4, &d), CCS_ERR_FORMAT); /* padding */
    assert_int_equal(ccs_base64url_decode("Zh", 2, &d), CCS_ERR_FORMAT);   /* non-canonical */
    assert_int_equal(ccs_base64url_decode("Zm+v", 4, &d), CCS_ERR_FORMAT); /* standard alphabet */
    assert_int_equal(ccs_base64url_decode("Zm9vY", 5, &d), CCS_ERR_FORMAT); /* impossible length */
    assert_int_equal(ccs_base64url_decode(NULL, 0, &d), CCS_OK);
    assert_int_equal(d.len, 0);
    ccs_buf_free(&d);
}

static void test_time(void **state) {
    (void)state;
    ccs_time t;
    char out[21];
    assert_int_equal(ccs_time_parse("2025-06-19T11:00:00Z", &t), CCS_OK);
    assert_int_equal(t, 1750330800);
    assert_int_equal(ccs_time_parse("1970-01-01T00:00:00Z", &t), CCS_OK);
    assert_int_equal(t, 0);
    assert_int_equal(ccs_time_parse("2024-02-29T23:59:59.123Z", &t), CCS_OK);
    assert_int_equal(t, 1709251199);
    assert_int_equal(ccs_time_parse("2025-06-19T13:00:00+02:00", &t), CCS_OK);
    assert_int_equal(t, 1750330800);
    assert_int_equal(ccs_time_parse("2025-06-19T11:00:00", &t), CCS_ERR_FORMAT);
    assert_int_equal(ccs_time_parse("2023-02-29T00:00:00Z", &t), CCS_ERR_FORMAT);
    assert_int_equal(ccs_time_parse("2025-13-01T00:00:00Z", &t), CCS_ERR_FORMAT);
    assert_int_equal(ccs_time_parse("2025-06-19T24:00:00Z", &t), CCS_ERR_FORMAT);
    assert_int_equal(ccs_time_parse("2025-06-19T11:00:00Zx", &t), CCS_ERR_FORMAT);
    assert_int_equal(ccs_time_parse("2025-06-19", &t), CCS_ERR_FORMAT);
    assert_int_equal(ccs_time_parse("", &t), CCS_ERR_FORMAT);
    assert_int_equal(ccs_time_format(1750330800, out), CCS_OK);
    assert_string_equal(out, "2025-06-19T11:00:00Z");
    assert_int_equal(ccs_time_format(-1, out), CCS_OK);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    for (ccs_time x = 0; x < 5000000000; x += 86399 * 37) {
        assert_int_equal(ccs_time_format(x, out), CCS_OK);
        assert_int_equal(ccs_time_parse(out, &t), CCS_OK);
        assert_int_equal(t, x);
    }
}

static void test_json_raw_member(void **state) {
    (void)state;
    ccs_bytes v;
    const char *doc = " {\"a\" : [1, {\"b\":\"x\\\"}\"}], \"tcbInfo\":{\"k\": -1.5e3, \"n\":null},\"s\":\"ab\"}\n";
    assert_int_equal(ccs_json_raw_member(ccs_bytes_str(doc), "tcbInfo", &v), CCS_OK);
    assert_int_equal(v.len, strlen("{\"k\": -1.5e3, \"n\":null}"));
    assert_memory_equal(v.ptr, "{\"k\": -1.5e3, \"n\":null}", v.len);
    assert_int_equal(ccs_json_raw_member(ccs_bytes_str(doc), "s", &v), CCS_OK);
    assert_memory_equal(v.ptr, "\"ab\"", 4);
    assert_int_equal(ccs_json_raw_member(ccs_bytes_str(doc), "zz", &v), CCS_ERR_NOT_FOUND);
    assert_int_equal(ccs_json_raw_member(ccs_bytes_str("{\"a\":1,\"a\":2}"), "a", &v), CCS_ERR_FORMAT);
    assert_int_equal(ccs_json_raw_member(ccs_bytes_str("[1]"), "a", &v), CCS_ERR_FORMAT);
    assert_int_equal(ccs_json_raw_member(ccs_bytes_str("{\"a\":01}"), "a", &v), CCS_ERR_FORMAT);
    assert_int_equal(ccs_json_raw_member(ccs_bytes_str("{\"a\":tru}"), "a", &v), CCS_ERR_FORMAT);
    assert_int_equal(ccs_json_raw_member(ccs_bytes_str("{\"a\":1,}"), "a", &v), CCS_ERR_FORMAT);
    assert_int_equal(ccs_json_raw_member(ccs_bytes_str("{\"a\":1} x"), "a", &v), CCS_ERR_FORMAT);
    assert_int_equal(ccs_json_raw_member(ccs_bytes_str("{\"a\":\"\\q\"}"), "a", &v), CCS_ERR_FORMAT);
    /* Nesting is bounded. */
    char deep[300];
    memset(deep, '[', sizeof deep);
    memcpy(deep, "{\"a\":", 5);
    assert_int_equal(ccs_json_raw_member(ccs_bytes_of(deep, sizeof deep), "a", &v), CCS_ERR_FORMAT);
    /* Every truncation of a valid document fails. */
    size_t n = strlen(doc) - 1;
    for (size_t i = 0; i < n - 1; i++)
        assert_int_not_equal(ccs_json_raw_member(ccs_bytes_of(doc, i), "s", &v), CCS_OK);
}

static void test_json_check_grammar(void **state) {
    (void)state;
    static const char *const good[] = {
        "{}", " [1, -0, 2.5e-3, 1E+2, true, false, null, \"\\u00e9\\n\"]\n", "\"x\"", "0", "{\"a\":{\"b\":[{}]}}",
    };
    static const char *const bad[] = {
        "", " ", "{", "{\"a\":1,}", "{\"a\":01}", "{\"a\":+1}", "{\"a\":1.}", "{\"a\":tru}", "{} x", "{}{}",
        "{\"a\":\"\\q\"}", "{\"a\":\"\x01\"}", "{\"a\":\"\\u12\"}", "\xef\xbb\xbf{}", "{'a':1}", "[1 2]",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(ccs_json_check_grammar(ccs_bytes_str(good[i])), CCS_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ccs_json_check_grammar(ccs_bytes_str(bad[i])), CCS_ERR_FORMAT);
    assert_int_equal(ccs_json_check_grammar(ccs_bytes_of("{}\0", 3)), CCS_ERR_FORMAT); /* no trailing NUL */
    /* 64 levels pass, 65 do not. */
    char deep[130];
    memset(deep, '[', 65);
    memset(deep + 65, ']', 65);
    assert_int_equal(ccs_json_check_grammar(ccs_bytes_of(deep + 1, 128)), CCS_OK);
    assert_int_equal(ccs_json_check_grammar(ccs_bytes_of(deep, 130)), CCS_ERR_FORMAT);
    /* Long strings are scanned eight bytes at a time: a closing quote, an
     * escape, a control character and UTF-8 at every offset across those
     * steps, in strings of every length around them. */
    char doc[80];
    for (size_t n = 0; n < 40; n++) {
        for (size_t at = 0; at <= n; at++) {
            size_t len = 0;
            doc[len++] = '[';
            doc[len++] = '"';
            for (size_t i = 0; i < n; i++) doc[len++] = (char)('A' + (i % 26));
            doc[len++] = '"';
            doc[len++] = ']';
            assert_int_equal(ccs_json_check_grammar(ccs_bytes_of(doc, len)), CCS_OK);
            if (at == n) continue;
            char keep = doc[2 + at];
            doc[2 + at] = '"'; /* the string ends early: what follows is not JSON */
            assert_int_equal(ccs_json_check_grammar(ccs_bytes_of(doc, len)), CCS_ERR_FORMAT);
            doc[2 + at] = 0x1f;
            assert_int_equal(ccs_json_check_grammar(ccs_bytes_of(doc, len)), CCS_ERR_FORMAT);
            doc[2 + at] = '\\'; /* escapes the next byte: a letter is no escape, a quote is swallowed */
            assert_int_equal(ccs_json_check_grammar(ccs_bytes_of(doc, len)), CCS_ERR_FORMAT);
            doc[2 + at] = (char)0xc3; /* UTF-8 is not checked here, only the grammar */
            assert_int_equal(ccs_json_check_grammar(ccs_bytes_of(doc, len)), CCS_OK);
            doc[2 + at] = keep;
        }
    }
    /* An escaped quote and backslash inside a long string. */
    const char *esc = "[\"ABCDEFGHIJ\\\"KLMNOPQRSTUV\\\\WXYZabcdefghij\\u00e9klmnop\"]";
    assert_int_equal(ccs_json_check_grammar(ccs_bytes_str(esc)), CCS_OK);
}

static void test_errors(void **state) {
    (void)state;
    ccs_error_clear();
    assert_string_equal(ccs_error_detail(), "");
    assert_int_equal(ccs_error_set(CCS_ERR_FORMAT, NULL, 0, "bad %s", "thing"), CCS_ERR_FORMAT);
    assert_string_equal(ccs_error_detail(), "bad thing");
    assert_int_equal(ccs_error_last(), CCS_ERR_FORMAT);
    /* Wrapping the current detail in a new one is safe. */
    assert_int_equal(ccs_error_set(CCS_ERR_KEY, NULL, 0, "outer: %s", ccs_error_detail()), CCS_ERR_KEY);
    assert_string_equal(ccs_error_detail(), "outer: bad thing");
    assert_string_equal(ccs_status_name(CCS_ERR_TRUNCATED), "truncated");
    assert_string_equal(ccs_status_name(CCS_ERR_REVOKED), "revoked");
    assert_string_equal(ccs_status_name((ccs_status)9999), "unknown");
}

/* ccs_file_write_private: the secret lands in a new 0600 file whatever
 * was at the path (a 0644 file keeps neither its inode nor its mode; a
 * symlink is replaced, its target untouched), and a failure leaves nothing. */
static void test_host_is_loopback(void **state) {
    (void)state;
    static const struct {
        const char *h;
        bool loop;
    } t[] = {{"127.0.0.1", true}, {"127.255.0.9", true}, {"::1", true}, {"[::1]", true}, {"localhost", true},
             {"127.example.org", false}, {"128.0.0.1", false}, {"::2", false}, {"[::1", false}, {"localhost.", false},
             {"", false}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (ccs_host_is_loopback(t[i].h, strlen(t[i].h)) != t[i].loop) fail_msg("%s", t[i].h);
    assert_true(ccs_host_is_loopback("127.0.0.1:80", 9)); /* the first len bytes only */
}

static void test_file_write_private(void **state) {
    (void)state;
    char dir[] = "/tmp/ccs-core-private-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], victim[256], cmd[300];
    snprintf(path, sizeof path, "%s/secret", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    mode_t old = umask(0);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    umask(old);
    assert_true(fd >= 0);
    close(fd);
    struct stat before, after;
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(ccs_file_write_private(path, ccs_bytes_str("s3cret")), CCS_OK);
    assert_int_equal(lstat(path, &after), 0);
    assert_true(S_ISREG(after.st_mode));
    assert_int_equal(after.st_mode & 0777, 0600);
    assert_true(after.st_ino != before.st_ino);
    ccs_buf b = {0};
    assert_int_equal(ccs_file_read(path, 100, &b), CCS_OK);
    assert_string_equal((const char *)b.ptr, "s3cret");
    /* a symlink at the path: replaced, its target keeps its contents */
    assert_int_equal(ccs_file_write(victim, ccs_bytes_str("victim's")), CCS_OK);
    unlink(path);
    assert_int_equal(symlink(victim, path), 0);
    assert_int_equal(ccs_file_write_private(path, ccs_bytes_str("s3cret")), CCS_OK);
    assert_int_equal(lstat(path, &after), 0);
    assert_true(S_ISREG(after.st_mode));
    assert_int_equal(ccs_file_read(victim, 100, &b), CCS_OK);
    assert_string_equal((const char *)b.ptr, "victim's");
    /* a FIFO (as /dev/stdout may be a pipe) is written to, not replaced */
    char fifo[256];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK);
    assert_true(rd >= 0);
    assert_int_equal(ccs_file_write_private(fifo, ccs_bytes_str("piped")), CCS_OK);
    char got[16] = {0};
    assert_int_equal(read(rd, got, sizeof got - 1), 5);
    assert_string_equal(got, "piped");
    close(rd);
    assert_int_equal(lstat(fifo, &after), 0);
    assert_true(S_ISFIFO(after.st_mode));
    unlink(fifo);
    /* /dev paths are written through, never replaced (/dev/stdout, /dev/null) */
    assert_int_equal(ccs_file_write_private("/dev/null", ccs_bytes_str("gone")), CCS_OK);
    assert_int_equal(lstat("/dev/null", &after), 0);
    assert_true(S_ISCHR(after.st_mode));
    /* no such directory: an error, nothing left behind */
    snprintf(cmd, sizeof cmd, "%s/none/secret", dir);
    assert_int_equal(ccs_file_write_private(cmd, ccs_bytes_str("x")), CCS_ERR_IO);
    assert_non_null(strstr(ccs_error_detail(), "cannot create a file beside"));
    ccs_buf_free(&b);
    snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -c . | grep -qx 2 && rm -rf '%s'", dir, dir);
    assert_int_equal(system(cmd), 0); /* secret and victim only: no temporary left */
}

/* ccs_file_read: exact sizes, the max bound, an empty file, and a file
 * whose size stat does not tell (/proc), read through the growth path. */
static void test_file_read(void **state) {
    (void)state;
    char path[] = "/tmp/ccs-core-file-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    uint8_t data[20000];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(write(fd, data, sizeof data), (ssize_t)sizeof data);
    close(fd);
    ccs_buf b = {0};
    assert_int_equal(ccs_file_read(path, sizeof data, &b), CCS_OK);
    assert_int_equal(b.len, sizeof data);
    assert_memory_equal(b.ptr, data, sizeof data);
    assert_int_equal(b.ptr[b.len], 0);
    assert_int_equal(ccs_file_read(path, 1 << 20, &b), CCS_OK); /* reuses b */
    assert_int_equal(b.len, sizeof data);
    assert_memory_equal(b.ptr, data, sizeof data);
    assert_int_equal(ccs_file_read(path, sizeof data - 1, &b), CCS_ERR_IO);
    assert_non_null(strstr(ccs_error_detail(), "is larger than 19999 bytes"));
    ccs_buf_free(&b);
    assert_int_equal(truncate(path, 0), 0);
    assert_int_equal(ccs_file_read(path, 10, &b), CCS_OK);
    assert_int_equal(b.len, 0);
    assert_non_null(b.ptr);
    assert_int_equal(b.ptr[0], 0);
    ccs_buf_free(&b);
    unlink(path);
    assert_int_equal(ccs_file_read("/proc/self/status", 1 << 20, &b), CCS_OK);
    assert_true(b.len > 100);
    assert_non_null(strstr((const char *)b.ptr, "Name:"));
    assert_int_equal(b.ptr[b.len], 0);
    assert_int_equal(ccs_file_read("/proc/self/status", 10, &b), CCS_ERR_IO);
    ccs_buf_free(&b);
    assert_int_equal(ccs_file_read("/nonexistent/ccs-file", 10, &b), CCS_ERR_IO);
}

int ccs_test_lazy(void); /* lazy_test.c */

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader), cmocka_unit_test(test_sizes),  cmocka_unit_test(test_buf),
        cmocka_unit_test(test_hex),    cmocka_unit_test(test_base64), cmocka_unit_test(test_base64url),
        cmocka_unit_test(test_time), cmocka_unit_test(test_file_read), cmocka_unit_test(test_file_write_private), cmocka_unit_test(test_host_is_loopback),
        cmocka_unit_test(test_json_raw_member), cmocka_unit_test(test_json_check_grammar), cmocka_unit_test(test_errors),
    };
    int failed = cmocka_run_group_tests_name("core", tests, NULL, NULL);
    return failed + ccs_test_lazy();
}
