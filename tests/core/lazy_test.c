/* libcurl and GPGME opened on first call (src/core/lazy_curl.c,
 * lazy_gpgme.c): every forwarded function, and each kind of variadic
 * argument curl_easy_setopt and curl_easy_getinfo pass on (long, pointer,
 * function pointer, curl_off_t), checked through what libcurl does with it
 * on a file:// transfer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <gpgme.h>

#include "ccs/core.h"

static size_t collect(char *p, size_t size, size_t n, void *ud) {
    return ccs_buf_append(ud, p, size * n) == CCS_OK ? size * n : 0;
}

static void test_lazy_curl(void **state) {
    (void)state;
    const char *path = CCS_TEST_TMP "/lazy-curl.txt";
    const char *text = "forwarded through the lazy libcurl\n";
    assert_int_equal(ccs_file_write(path, ccs_bytes_str(text)), CCS_OK);
    assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
    CURL *h = curl_easy_init();
    assert_non_null(h);
    char url[600];
    snprintf(url, sizeof url, "file://%s", path);
    ccs_buf got = {0};
    /* pointer, function pointer, long */
    assert_int_equal(curl_easy_setopt(h, CURLOPT_URL, url), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEDATA, &got), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L), CURLE_OK);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    assert_int_equal(got.len, strlen(text));
    assert_memory_equal(got.ptr, text, got.len);
    curl_off_t size = -1;
    assert_int_equal(curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &size), CURLE_OK);
    assert_int_equal(size, (curl_off_t)strlen(text));
    /* a curl_off_t: the transfer resumes at that offset */
    assert_int_equal(curl_easy_setopt(h, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)10), CURLE_OK);
    got.len = 0;
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    assert_int_equal(got.len, strlen(text) - 10);
    assert_memory_equal(got.ptr, text + 10, got.len);
    assert_string_equal(curl_easy_strerror(CURLE_FILESIZE_EXCEEDED), "Maximum file size exceeded");
    /* A long the option refuses (CURLOPT_MAXREDIRS takes -1 and up). */
    assert_int_equal(curl_easy_setopt(h, CURLOPT_MAXREDIRS, -2L), CURLE_BAD_FUNCTION_ARGUMENT);
    struct curl_header *hd = NULL;
    assert_int_equal(curl_easy_header(h, "Content-Type", 0, CURLH_HEADER, -1, &hd), CURLHE_NOHEADERS);
    char *esc = curl_easy_escape(h, "a b/c", 0);
    assert_string_equal(esc, "a%20b%2Fc");
    int n = 0;
    char *unesc = curl_easy_unescape(h, esc, 0, &n);
    assert_string_equal(unesc, "a b/c");
    assert_int_equal(n, 5);
    curl_free(unesc);
    curl_free(esc);
    curl_easy_reset(h);
    curl_easy_cleanup(h);
    CURLU *u = curl_url();
    assert_non_null(u);
    assert_int_equal(curl_url_set(u, CURLUPART_URL, "https://example.org:8443/a?b=1", 0), CURLUE_OK);
    char *host = NULL, *port = NULL;
    assert_int_equal(curl_url_get(u, CURLUPART_HOST, &host, 0), CURLUE_OK);
    assert_int_equal(curl_url_get(u, CURLUPART_PORT, &port, 0), CURLUE_OK);
    assert_string_equal(host, "example.org");
    assert_string_equal(port, "8443");
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    struct curl_slist *l = curl_slist_append(NULL, "A: 1");
    l = curl_slist_append(l, "B: 2");
    assert_non_null(l);
    assert_string_equal(l->next->data, "B: 2");
    curl_slist_free_all(l);
    curl_global_cleanup();
    ccs_buf_free(&got);
}

static void test_lazy_gpgme(void **state) {
    (void)state;
    assert_non_null(gpgme_check_version(NULL));
    gpgme_ctx_t ctx = NULL;
    assert_int_equal(gpgme_new(&ctx), 0);
    assert_int_equal(gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP), 0);
    gpgme_set_armor(ctx, 1);
    gpgme_data_t d = NULL;
    assert_int_equal(gpgme_data_new_from_mem(&d, "abc", 3, 1), 0);
    size_t len = 0;
    char *mem = gpgme_data_release_and_get_mem(d, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(mem, "abc", 3);
    gpgme_free(mem);
    assert_int_equal(gpgme_data_new(&d), 0);
    gpgme_data_release(d);
    gpgme_release(ctx);
    assert_string_equal(gpgme_strerror(gpgme_err_make(GPG_ERR_SOURCE_GPGME, GPG_ERR_NO_DATA)), "No data");
}

int ccs_test_lazy(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_lazy_curl), cmocka_unit_test(test_lazy_gpgme)};
    return cmocka_run_group_tests_name("core_lazy", tests, NULL, NULL);
}
