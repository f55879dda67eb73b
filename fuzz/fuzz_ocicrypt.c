/* libFuzzer target: encrypted layers (ccs_ocicrypt_decrypt_layer: the
 * enc.* annotations, public and private options, the JWE key wrap) and the
 * JWE parser and the private options' parser alone. Input: two bytes of big-endian length L, L bytes of the
 * layer descriptor (JSON), then the layer's ciphertext. Keys: the test keys
 * of tests/data/image (RSA and EC P-256, test only). Invariant: no crash,
 * leak or UB; on failure nothing is released. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ccs/image.h"
#include "image_internal.h"

static const char ec_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1iD15KyjVhLEkHcz\n"
    "dfVyOfsrU7yZV5WDKkhXsZ/0fgGhRANCAAScQ/It+L5p4OLBaiXmMId4Pja6Og58\n"
    "Pi/5TX/Sy8urGgTjyQ2JsSpAenLeXH6sWG5s+O6U061DVzkAmQg4I/ek\n"
    "-----END PRIVATE KEY-----\n";
static const char rsa_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCjnQXPz8RqC4Sl\n"
    "x9HVe1Cfu019fRuZChGG4mQal7xxoCOMQj6NbgOiTi1P8G0hR8qrihEzsjsOEVv1\n"
    "Pz8UZjmMB3ZX+EIlreA1/yzqmEU5vjM/vz7s7XCToKk6adIh/Du/hVwRNDqw/HOn\n"
    "0qaxew/LApO7yw98TbptLmFGdAa8pfl4s/xmfbd0Z/3kYmW3h6KBcn05NnNHYqZ+\n"
    "zReFqRrCcA3gz+QCLX4L5cZXAeeosxFPeA2ezxqtIBg+SYjDU7Zuzj0DK1+T7V/F\n"
    "biIBKY2pOZs0S/I2L5NEkT3Ol0kj61KGrUd14iLU+eQL5jqGV3KpKQQqCKkZ9H5s\n"
    "zNNAf81ZAgMBAAECggEAGspXjRzKXso5CQOW+9u1KsU63eKc9hURzqIxCFuyixvQ\n"
    "26LDPFmjIFyoYG+6vC7VuaX3cB1t5xKiRJ5RFWWHDxiaYQgxHfCtMcTxVWPj6J3D\n"
    "etuKvF/wGvQ9PD00n8T+AZEe2gr71fGDJ0aVGKL7xd72UtM1W2zHgHY448Dpk30J\n"
    "w5itPsqFqPtP548E0RLDfqtRw8EQeu/YCe7UcnGv2EwycHKc0OE2YGOd7uW20KxK\n"
    "3tmp7mgoWCnm5YOmo2JoatkI+BSzQRFLxvxyX/v5lSFtPvVLDV8vcEkFamrvicGo\n"
    "UcNVaZtMAhrV82T/brGeFagDiJlz8ike88Wl/ZNuUwKBgQDmpH1ZsvadCAv/lBuO\n"
    "byIJzd4u06eU/G+k8N5QLBLjYc1qROaaiTqH1BBTyjgB5CwTefIEZ4b3aRKWcUPY\n"
    "GTBZ0Mc+j577hJeIxbMKMPtYsFCo5FDmyjIFlXJMvR57bCCwOsCFkOJckEgmYQgK\n"
    "BIcIT3QogkZp8SwA6X2ONKw86wKBgQC1mfmZtVu2+f3YbwlcFeZ4uHE/cP43pwNE\n"
    "sJgjMzEVvL3JBvyPZNJ0yUxfYrANfoIUh4fGVKh0DLSdd7N1rSuyNqxl7kxPcCwr\n"
    "6SVhszgfEfli1riP9+gclaz6XIyqH+KpsJWgx7snmBwRkAgMa7LbAbJA0ygcE6Qy\n"
    "80tIlFa9ywKBgBsyalWZdNsvh7qrjFRPZoQhcoGzE5/N5JxeitiJWfDWJ5LQbSDr\n"
    "7ar2prY6skAG1+u0BYXfb1rdWQPEd2uUDM+KfvQxm12tVPEb3vDktb7Pi7NeuOt+\n"
    "DEf8R24lHuMO7Qva4bjeTNL9cISWDIyh3Apu1BOyyPrVJYs1/Ug3jdfhAoGANSW2\n"
    "8tEs4kQPkoQMjTKrnLD+E78R51+tiTDVlZepyd7O/EJbL+wl25/+Bfxv4cMgdrmj\n"
    "dtvX4P7G7T7W+p2PqDxv//TZyHXft4ooMous5QrxnYeRxDCdcaAsW6kyUae7QkY3\n"
    "xDIwB8pwjINGl7v9QDMi4+3oUy88YtzpL3iaWjkCgYBw7J5Em9o9Bk08xc5SbF9j\n"
    "kVUPsBadP1xbPflYOMygpyof/EE3HLpt+prmo2RjknB/Cae2OzgYfkSwJqhv/1ij\n"
    "tX3FN97DTuSccGvuj/LFRSgrjJuDEnP5+OYUjE7ifIbpVWk2KhHiOjH/LdzWfu5K\n"
    "fqJP4zKn75rKrP3dRcRupQ==\n"
    "-----END PRIVATE KEY-----\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccs_bytes pems[2] = {ccs_bytes_str(ec_pem), ccs_bytes_str(rsa_pem)};
    ccs_image_keys keys = {.pem = pems, .n = 2};
    ccs_buf pt = {0};
    if (ccs__image_jwe_open(ccs_bytes_of(data, size), &keys, &pt) != CCS_OK && pt.len != 0) abort();
    ccs_buf_free(&pt);
    /* The private options alone (what a key wrap opens: the encryptor's JSON). */
    ccs__ocicrypt_opts po;
    if (ccs__ocicrypt_privopts_parse(ccs_bytes_of(data, size), &po) == CCS_OK &&
        po.digest[0] != '\0' && strlen(po.digest) != CCS_IMAGE_DIGEST_LEN)
        abort();
    if (size < 2) return 0;
    size_t l = ((size_t)data[0] << 8) | data[1];
    if (l > size - 2) return 0;
    json_t *desc = json_loadb((const char *)data + 2, l, JSON_REJECT_DUPLICATES, NULL), *out = NULL;
    if (json_is_object(desc)) {
        ccs_status st = ccs_ocicrypt_decrypt_layer(desc, ccs_bytes_of(data + 2 + l, size - 2 - l), &keys, &pt, &out);
        if (st != CCS_OK && (pt.len != 0 || out != NULL)) abort();
        if (st == CCS_OK && pt.len != size - 2 - l) abort();
    }
    json_decref(out);
    json_decref(desc);
    ccs_buf_free(&pt);
    return 0;
}
