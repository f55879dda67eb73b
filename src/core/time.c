/* RFC 3339 date-time (section 5.6) to and from Unix seconds, UTC. */
#include <time.h>

#include "ccs/core.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no timezone state or timegm() is involved. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

ccs_time ccs_time_from_civil(int64_t year, unsigned month, unsigned day, unsigned hour, unsigned min, unsigned sec) {
    return days_from_civil(year, month, day) * 86400 + (int64_t)hour * 3600 + (int64_t)min * 60 + sec;
}

static bool digits(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

ccs_status ccs_time_parse(const char *s, ccs_time *out) {
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int Y, M, D, h, m, sec;
    CCS_ENSURE(s != NULL, CCS_ERR_INVALID_ARG, "time is NULL");
    bool ok = digits(s, 4, &Y) && s[4] == '-' && digits(s + 5, 2, &M) && s[7] == '-' && digits(s + 8, 2, &D) &&
              (s[10] == 'T' || s[10] == 't' || s[10] == ' ') && digits(s + 11, 2, &h) && s[13] == ':' &&
              digits(s + 14, 2, &m) && s[16] == ':' && digits(s + 17, 2, &sec);
    CCS_ENSURE(ok, CCS_ERR_FORMAT, "not an RFC 3339 date-time (want YYYY-MM-DDThh:mm:ssZ)");
    CCS_ENSURE(M >= 1 && M <= 12 && D >= 1 && h <= 23 && m <= 59 && sec <= 60, CCS_ERR_FORMAT,
               "date-time field out of range");
    CCS_ENSURE(D <= mdays[M - 1] + (M == 2 && leap(Y)), CCS_ERR_FORMAT, "day out of range for month");
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        CCS_ENSURE(*p >= '0' && *p <= '9', CCS_ERR_FORMAT, "empty fraction in date-time");
        while (*p >= '0' && *p <= '9') p++;
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        CCS_ENSURE(digits(p + 1, 2, &oh) && p[3] == ':' && digits(p + 4, 2, &om) && oh <= 23 && om <= 59,
                   CCS_ERR_FORMAT, "bad UTC offset in date-time");
        off = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        CCS_BAIL(CCS_ERR_FORMAT, "date-time lacks a UTC offset (Z)");
    }
    CCS_ENSURE(*p == '\0', CCS_ERR_FORMAT, "trailing characters after date-time");
    if (sec == 60) sec = 59; /* leap second: clamp, Unix time has none */
    *out = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + m * 60 + sec - off;
    return CCS_OK;
}

ccs_status ccs_time_format(ccs_time t, char out[static 21]) {
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    /* civil_from_days (Hinnant) */
    int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    CCS_ENSURE(y >= 0 && y <= 9999, CCS_ERR_INVALID_ARG, "year out of range");
    int v[6] = {(int)y, (int)m, (int)d, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60)};
    static const char fmt[] = "dddd-dd-ddTdd:dd:ddZ";
    int field = 0, width[] = {4, 2, 2, 2, 2, 2};
    for (int i = 0; fmt[i];) {
        if (fmt[i] != 'd') { out[i] = fmt[i]; i++; continue; }
        int x = v[field];
        for (int k = width[field] - 1; k >= 0; k--) { out[i + k] = (char)('0' + x % 10); x /= 10; }
        i += width[field++];
    }
    out[20] = '\0';
    return CCS_OK;
}

ccs_time ccs_time_now(void) { return (ccs_time)time(NULL); }
