/* PEM input: certificates and certificate chains. Blocks are located by
 * hand with memmem, so that text, blank lines and NUL bytes between blocks
 * (Intel quotes' certification data ends with a NUL) cannot confuse the
 * line-oriented PEM reader; each block is then decoded by PEM_read_bio and
 * its DER parsed strictly (no trailing bytes). */
#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "crypto_internal.h"

static const char BEGIN_CERT[] = "-----BEGIN CERTIFICATE-----";
static const char END_CERT[] = "-----END CERTIFICATE-----";

/* Finds the next certificate block in in[*off..]; *block gets the block
 * (BEGIN line to END marker). Returns CCS_ERR_NOT_FOUND when there is none. */
static ccs_status next_block(ccs_bytes in, size_t *off, ccs_bytes *block) {
    const uint8_t *start = memmem(in.ptr + *off, in.len - *off, BEGIN_CERT, sizeof BEGIN_CERT - 1);
    if (start == NULL) return CCS_ERR_NOT_FOUND;
    size_t from = (size_t)(start - in.ptr) + sizeof BEGIN_CERT - 1;
    const uint8_t *end = memmem(in.ptr + from, in.len - from, END_CERT, sizeof END_CERT - 1);
    CCS_ENSURE(end != NULL, CCS_ERR_FORMAT, "pem: BEGIN CERTIFICATE without END");
    size_t stop = (size_t)(end - in.ptr) + sizeof END_CERT - 1;
    *block = ccs_bytes_of(start, stop - (size_t)(start - in.ptr));
    *off = stop;
    return CCS_OK;
}

/* Decodes one PEM block (which must be a plain, unencrypted CERTIFICATE). */
static ccs_status decode_block(ccs_bytes block, ccs_x509 **out) {
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len = 0;
    CCS_ENSURE(block.len <= INT_MAX, CCS_ERR_OVERFLOW, "pem: block too large");
    BIO *bio = BIO_new_mem_buf(block.ptr, (int)block.len);
    if (bio == NULL) CCS_OSSL_BAIL(CCS_ERR_NOMEM, "pem: BIO_new_mem_buf failed");
    int ok = PEM_read_bio(bio, &name, &header, &data, &len);
    BIO_free(bio);
    if (ok != 1) CCS_OSSL_BAIL(CCS_ERR_FORMAT, "pem: malformed certificate block");
    ccs_status st = CCS_OK;
    if (strcmp(name, "CERTIFICATE") != 0 || header[0] != '\0')
        st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "pem: unexpected block type or headers");
    else
        st = ccs_x509_parse_der(ccs_bytes_of(data, (size_t)len), out);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    return st;
}

ccs_status ccs_x509_parse_pem(ccs_bytes pem, ccs_x509 **out) {
    ccs_bytes block;
    size_t off = 0;
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "x509: NULL output");
    *out = NULL;
    CCS_ENSURE(pem.ptr != NULL || pem.len == 0, CCS_ERR_INVALID_ARG, "x509: NULL input");
    if (pem.len == 0) CCS_BAIL(CCS_ERR_FORMAT, "pem: no certificate");
    ccs_status st = next_block(pem, &off, &block);
    if (st == CCS_ERR_NOT_FOUND) CCS_BAIL(CCS_ERR_FORMAT, "pem: no certificate");
    CCS_TRY(st);
    return decode_block(block, out);
}

ccs_status ccs_x509_chain_parse_pem(ccs_bytes pem, ccs_x509_chain **out) {
    ccs_bytes block;
    size_t off = 0;
    ccs_status st;
    CCS_ENSURE(out != NULL, CCS_ERR_INVALID_ARG, "x509: NULL output");
    *out = NULL;
    CCS_ENSURE(pem.ptr != NULL || pem.len == 0, CCS_ERR_INVALID_ARG, "x509: NULL input");
    ccs_x509_chain *ch = OPENSSL_zalloc(sizeof *ch);
    CCS_ENSURE(ch != NULL, CCS_ERR_NOMEM, "x509: allocation failed");
    while (pem.len > 0 && (st = next_block(pem, &off, &block)) != CCS_ERR_NOT_FOUND) {
        if (st == CCS_OK && ch->n == CCS_X509_CHAIN_MAX)
            st = ccs_error_set(CCS_ERR_FORMAT, CCS_HERE, "pem: more than %d certificates", CCS_X509_CHAIN_MAX);
        if (st == CCS_OK) st = decode_block(block, &ch->certs[ch->n]);
        if (st != CCS_OK) {
            ccs_x509_chain_free(ch);
            return st;
        }
        ch->n++;
    }
    if (ch->n == 0) {
        ccs_x509_chain_free(ch);
        CCS_BAIL(CCS_ERR_FORMAT, "pem: no certificate");
    }
    *out = ch;
    return CCS_OK;
}

void ccs_x509_chain_free(ccs_x509_chain *ch) {
    if (ch == NULL) return;
    for (size_t i = 0; i < ch->n; i++) ccs_x509_free(ch->certs[i]);
    OPENSSL_free(ch);
}

size_t ccs_x509_chain_len(const ccs_x509_chain *ch) { return ch != NULL ? ch->n : 0; }

const ccs_x509 *ccs_x509_chain_get(const ccs_x509_chain *ch, size_t i) {
    return ch != NULL && i < ch->n ? ch->certs[i] : NULL;
}
