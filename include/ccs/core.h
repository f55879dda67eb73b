/*
 * ccs/core.h - status codes and error detail, byte views and buffers, the
 * bounded reader for untrusted bytes, overflow-checked sizes, hex/base64,
 * RFC 3339 time and small JSON helpers.
 *
 * Every fallible function returns ccs_status (CCS_OK == 0). The detail of the
 * last failure on the calling thread is read with ccs_error_detail().
 */
#ifndef CCS_CORE_H
#define CCS_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CCS_MUST_USE __attribute__((warn_unused_result))
#define CCS_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#define CCS_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Status codes. Ranges: core 1..99, crypto 100..199, attest 200..299. The
 * numbers are stable: they are documented in docs/attest.md. */
typedef enum ccs_status {
    CCS_OK = 0,
    CCS_ERR_INVALID_ARG = 1,  /* caller passed a bad argument */
    CCS_ERR_NOMEM = 2,        /* allocation failed */
    CCS_ERR_TRUNCATED = 3,    /* input ended before a field */
    CCS_ERR_TRAILING = 4,     /* unexpected bytes after the end */
    CCS_ERR_OVERFLOW = 5,     /* a size computation would overflow */
    CCS_ERR_FORMAT = 6,       /* malformed input */
    CCS_ERR_UNSUPPORTED = 7,  /* unknown version, type or algorithm */
    CCS_ERR_IO = 8,           /* file or stream could not be read/written */
    CCS_ERR_NOT_FOUND = 9,    /* a required item is missing */
    CCS_ERR_NETWORK = 10,     /* a remote service failed */
    CCS_ERR_INTERNAL = 11,    /* invariant broken; a bug */

    CCS_ERR_CRYPTO = 100,     /* the crypto library failed (not a bad signature) */
    CCS_ERR_SIGNATURE = 101,  /* a signature does not verify */
    CCS_ERR_CERT = 102,       /* a certificate chain does not verify */
    CCS_ERR_REVOKED = 103,    /* a certificate is listed in a CRL */
    CCS_ERR_EXPIRED = 104,    /* outside a validity window (cert, CRL, collateral) */
    CCS_ERR_UNTRUSTED = 105,  /* chain does not end at the pinned root */
    CCS_ERR_KEY = 106,        /* a public key is malformed or off-curve */

    CCS_ERR_MISMATCH = 200,   /* evidence and collateral or expectation disagree */
    CCS_ERR_TCB = 201,        /* no acceptable TCB level */
    CCS_ERR_POLICY = 202,     /* refused by the caller's policy (debug, report data) */
    CCS_ERR_VERIFY = 203,     /* verification failed; the result names the checks */
} ccs_status;

/* Stable lower-case name of a status, e.g. "truncated". Never NULL. */
const char *ccs_status_name(ccs_status st);

/* Per-thread detail of the last failure: a message and, in debug builds,
 * the file:line of the failing check. Valid until the next failure on this
 * thread. Never NULL (empty string when nothing failed). */
const char *ccs_error_detail(void);
ccs_status ccs_error_last(void);
void ccs_error_clear(void);
/* Records a failure and returns st, so checks can `return ccs_error_set(...)`. */
ccs_status ccs_error_set(ccs_status st, const char *file, int line, const char *fmt, ...)
    CCS_PRINTF(4, 5);

#ifdef CCS_DEBUG
#define CCS_HERE __FILE__, __LINE__
#else
#define CCS_HERE NULL, 0
#endif

/* Guard macros: the happy path reads straight down. */
#define CCS_TRY(expr)                                  \
    do {                                               \
        ccs_status ccs_try_st_ = (expr);               \
        if (ccs_try_st_ != CCS_OK) return ccs_try_st_; \
    } while (0)
/* Returns st itself (what ccs_error_set returns), so that the compiler sees
 * a constant failure status on every bail and knows the outputs a failed
 * call left unset are never read. */
#define CCS_BAIL(st, ...)                                         \
    do {                                                          \
        const ccs_status ccs_bail_st_ = (st);                     \
        (void)ccs_error_set(ccs_bail_st_, CCS_HERE, __VA_ARGS__); \
        return ccs_bail_st_;                                      \
    } while (0)
#define CCS_ENSURE(cond, st, ...)                     \
    do {                                              \
        if (!(cond)) CCS_BAIL((st), __VA_ARGS__);     \
    } while (0)

/* ---- bytes ---------------------------------------------------------------- */

/* A borrowed view: the caller keeps the memory alive. */
typedef struct ccs_bytes {
    const uint8_t *ptr;
    size_t len;
} ccs_bytes;

static inline ccs_bytes ccs_bytes_of(const void *p, size_t n) {
    ccs_bytes b = {(const uint8_t *)p, n};
    return b;
}
static inline ccs_bytes ccs_bytes_str(const char *s);
bool ccs_bytes_eq(ccs_bytes a, ccs_bytes b);           /* not constant time */
bool ccs_bytes_is_zero(ccs_bytes a);

/* An owned, growable buffer. Zero-initialise, then use; ccs_buf_free wipes. */
typedef struct ccs_buf {
    uint8_t *ptr;
    size_t len;
    size_t cap;
} ccs_buf;

CCS_MUST_USE ccs_status ccs_buf_reserve(ccs_buf *b, size_t extra);
/* As ccs_buf_reserve, but grows to exactly len + extra + 1 bytes (no
 * doubling): for one large buffer of known size. */
CCS_MUST_USE ccs_status ccs_buf_reserve_exact(ccs_buf *b, size_t extra);
CCS_MUST_USE ccs_status ccs_buf_append(ccs_buf *b, const void *p, size_t n);
CCS_MUST_USE ccs_status ccs_buf_append_str(ccs_buf *b, const char *s);
CCS_MUST_USE ccs_status ccs_buf_set(ccs_buf *b, ccs_bytes src);
static inline ccs_bytes ccs_buf_view(const ccs_buf *b) { return ccs_bytes_of(b->ptr, b->len); }
void ccs_buf_free(ccs_buf *b); /* wipes, frees, leaves b empty; NULL ok */

/* Reads a whole file (at most max bytes) into out. */
CCS_MUST_USE ccs_status ccs_file_read(const char *path, size_t max, ccs_buf *out);
CCS_MUST_USE ccs_status ccs_file_write(const char *path, ccs_bytes data);
/* Writes a secret to path: a new file of mode 0600 (whatever the umask) made
 * beside it (O_EXCL, in path's directory), written, fsynced and renamed over
 * path. So the secret never lands in a file that already existed (another
 * user's, or one left readable), a symlink at path is replaced rather than
 * followed, and a failure leaves path as it was (the temporary removed).
 * Paths under /dev/ and /proc/ (/dev/stdout) and anything that is not a
 * regular file (a FIFO) are opened and written instead, never replaced.
 * CCS_ERR_IO with the reason. */
CCS_MUST_USE ccs_status ccs_file_write_private(const char *path, ccs_bytes data);

/* ---- hosts (host.c) ---------------------------------------------------------- */

/* The first len bytes of host (no port) name loopback: an IPv4 literal in
 * 127.0.0.0/8, ::1 (also as "[::1]"), or "localhost". A name that merely
 * starts like one ("127.example.org") does not. */
bool ccs_host_is_loopback(const char *host, size_t len);

/* ---- sizes ------------------------------------------------------------------ */

CCS_MUST_USE ccs_status ccs_size_add(size_t a, size_t b, size_t *out);
CCS_MUST_USE ccs_status ccs_size_mul(size_t a, size_t b, size_t *out);

/* ---- bounded reader for untrusted bytes ------------------------------------- */

/* Every read checks the remaining length first; on failure the reader does not
 * move and CCS_ERR_TRUNCATED is returned. Views point into the input. */
typedef struct ccs_reader {
    const uint8_t *ptr;
    size_t len;
    size_t off;
} ccs_reader;

void ccs_reader_init(ccs_reader *r, ccs_bytes in);
size_t ccs_reader_remaining(const ccs_reader *r);
CCS_MUST_USE ccs_status ccs_reader_u8(ccs_reader *r, uint8_t *out);
CCS_MUST_USE ccs_status ccs_reader_u16le(ccs_reader *r, uint16_t *out);
CCS_MUST_USE ccs_status ccs_reader_u32le(ccs_reader *r, uint32_t *out);
CCS_MUST_USE ccs_status ccs_reader_u64le(ccs_reader *r, uint64_t *out);
CCS_MUST_USE ccs_status ccs_reader_bytes(ccs_reader *r, size_t n, ccs_bytes *out);
CCS_MUST_USE ccs_status ccs_reader_copy(ccs_reader *r, void *dst, size_t n);
CCS_MUST_USE ccs_status ccs_reader_skip(ccs_reader *r, size_t n);
/* A child reader over the next n bytes; the parent moves past them. */
CCS_MUST_USE ccs_status ccs_reader_sub(ccs_reader *r, size_t n, ccs_reader *child);
/* The rest of the input as a view (reader moves to the end). */
ccs_bytes ccs_reader_rest(ccs_reader *r);
CCS_MUST_USE ccs_status ccs_reader_expect_end(const ccs_reader *r);

/* ---- hex and base64 ------------------------------------------------------- */

/* Lower-case hex. out must hold 2*in.len+1 bytes (NUL-terminated). */
CCS_MUST_USE ccs_status ccs_hex_encode(ccs_bytes in, char *out, size_t cap);
/* Appends lower-case hex of in to a string buffer (NUL kept after len). */
CCS_MUST_USE ccs_status ccs_hex_append(ccs_buf *out, ccs_bytes in);
/* Decodes hex (either case); whitespace is not allowed. Appends to out. */
CCS_MUST_USE ccs_status ccs_hex_decode(const char *hex, size_t len, ccs_buf *out);
/* Decodes exactly n bytes of hex into dst. */
CCS_MUST_USE ccs_status ccs_hex_decode_fixed(const char *hex, size_t len, uint8_t *dst, size_t n);
/* Standard base64 (RFC 4648 section 4), padded. */
CCS_MUST_USE ccs_status ccs_base64_encode(ccs_bytes in, ccs_buf *out);
CCS_MUST_USE ccs_status ccs_base64_decode(const char *in, size_t len, ccs_buf *out);
/* base64url (RFC 4648 section 5) without padding, as JOSE uses it. Decoding
 * is strict: only the URL alphabet, no padding, and canonical final bits. */
CCS_MUST_USE ccs_status ccs_base64url_encode(ccs_bytes in, ccs_buf *out);
CCS_MUST_USE ccs_status ccs_base64url_decode(const char *in, size_t len, ccs_buf *out);

/* ---- time ------------------------------------------------------------------- */

/* Seconds since the Unix epoch, UTC. */
typedef int64_t ccs_time;
/* RFC 3339 date-time: "2025-06-19T11:00:00Z", optional fraction, "Z" or
 * "+hh:mm"/"-hh:mm" offset. */
CCS_MUST_USE ccs_status ccs_time_parse(const char *s, ccs_time *out);
/* Formats as "YYYY-MM-DDThh:mm:ssZ"; out must hold 21 bytes. */
CCS_MUST_USE ccs_status ccs_time_format(ccs_time t, char out[static 21]);
ccs_time ccs_time_now(void);
/* Unix seconds of a proleptic Gregorian UTC date and time (no range checks;
 * month 1-12, day 1-31). Independent of the process time zone. */
ccs_time ccs_time_from_civil(int64_t year, unsigned month, unsigned day, unsigned hour, unsigned min, unsigned sec);

/* ---- JSON (jansson) ------------------------------------------------------- */

/* Finds the value of a member of the top-level object in a JSON document and
 * returns the exact bytes of that value as they appear in the input (what
 * Intel signs). Fails on malformed JSON, duplicate keys, or if key is absent. */
CCS_MUST_USE ccs_status ccs_json_raw_member(ccs_bytes doc, const char *key, ccs_bytes *value);
/* Checks that doc is exactly one JSON value under RFC 8259's grammar (with
 * JSON whitespace around it and nothing else), nested at most 64 deep. The
 * grammar only: the UTF-8 of strings and duplicate member names are not
 * checked. CCS_ERR_FORMAT otherwise. */
CCS_MUST_USE ccs_status ccs_json_check_grammar(ccs_bytes doc);

static inline ccs_bytes ccs_bytes_str(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return ccs_bytes_of(s, n);
}

#ifdef __cplusplus
}
#endif
#endif
