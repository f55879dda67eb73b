/* The session cookie as the KBS sets it (RFC 6265 section 4.1.1):
 *   set-cookie-string = cookie-pair *( ";" SP cookie-av )
 *   cookie-pair       = cookie-name "=" cookie-value
 * The value is taken up to the first ";" (attributes are not ours to keep:
 * the client sends the cookie back explicitly), surrounding blanks dropped,
 * and must be cookie-octets only: a value the server could not have meant
 * is refused instead of being sent back. One reader for the agent, the tests
 * and the benchmark; fuzz/kbs_set_cookie.c. */
#include <string.h>
#include <strings.h>

#include "ccs/kbsproto.h"

static bool blank(char c) { return c == ' ' || c == '\t'; }

/* %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E */
static bool cookie_octet(unsigned char c) {
    return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

/* The name, then "=": CCS_ERR_NOT_FOUND for another cookie's name. */
static ccs_status parse_name(const char *p, size_t len, size_t *at) {
    static const char name[] = CCS_KBS_COOKIE "=";
    size_t i = *at, n = sizeof name - 1;
    if (len - i < n || memcmp(p + i, name, n) != 0) return ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE,
                                                                         "set-cookie: not " CCS_KBS_COOKIE);
    *at = i + n;
    return CCS_OK;
}

/* The value up to ";" or the line's end, blanks around it dropped. */
static ccs_status parse_value(const char *p, size_t len, size_t at, char *out, size_t cap) {
    size_t end = at;
    while (end < len && p[end] != ';' && p[end] != '\r' && p[end] != '\n') end++;
    while (end > at && blank(p[end - 1])) end--;
    size_t n = end - at;
    CCS_ENSURE(n > 0, CCS_ERR_FORMAT, "set-cookie: empty " CCS_KBS_COOKIE);
    CCS_ENSURE(n < cap, CCS_ERR_FORMAT, "set-cookie: " CCS_KBS_COOKIE " of %zu bytes (at most %zu)", n, cap - 1);
    for (size_t i = at; i < end; i++)
        CCS_ENSURE(cookie_octet((unsigned char)p[i]), CCS_ERR_FORMAT,
                   "set-cookie: " CCS_KBS_COOKIE " has byte 0x%02x, not allowed in a cookie", (unsigned char)p[i]);
    memcpy(out, p + at, n);
    out[n] = '\0';
    return CCS_OK;
}

ccs_status ccs_kbs_set_cookie_value(const char *p, size_t len, char *out, size_t cap) {
    CCS_ENSURE((p != NULL || len == 0) && out != NULL && cap > 1, CCS_ERR_INVALID_ARG, "set-cookie: bad arguments");
    size_t at = 0;
    while (at < len && blank(p[at])) at++;
    CCS_TRY(parse_name(p, len, &at));
    return parse_value(p, len, at, out, cap);
}

ccs_status ccs_kbs_set_cookie_header(const char *line, size_t len, char *out, size_t cap) {
    static const char field[] = "Set-Cookie:";
    CCS_ENSURE(line != NULL || len == 0, CCS_ERR_INVALID_ARG, "set-cookie: bad arguments");
    if (len < sizeof field - 1 || strncasecmp(line, field, sizeof field - 1) != 0)
        return ccs_error_set(CCS_ERR_NOT_FOUND, CCS_HERE, "set-cookie: not a Set-Cookie header");
    return ccs_kbs_set_cookie_value(line + sizeof field - 1, len - (sizeof field - 1), out, cap);
}
