/* Fuzz target: the KBS token and JWE parsers (src/kbs/token.c, jose_jwe.c,
 * jose_util.c, jcs.c). The first byte picks the parser:
 *   0  compact JWT through ccs_kbs_ear_verify and ccs_kbs_admin_token_verify
 *   1  JWE JSON through ccs_kbs_jwe_decrypt with an EC P-256 key
 *   2  JWE JSON through ccs_kbs_jwe_decrypt with an RSA key
 *   3  JSON through ccs_kbs_jcs, and as a tee-pubkey through the key checks
 * Keys are made once; nothing here should ever verify or decrypt. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jose/jose.h>

#include "kbs_internal.h"

static json_t *ec_key, *rsa_key, *trusted;

static void init(void) {
    if (ec_key != NULL) return;
    ec_key = json_pack("{s:s,s:s}", "kty", "EC", "crv", "P-256");
    rsa_key = json_pack("{s:s,s:i}", "kty", "RSA", "bits", 2048);
    trusted = json_pack("{s:s,s:s}", "kty", "EC", "crv", "P-256");
    if (!jose_jwk_gen(NULL, ec_key) || !jose_jwk_gen(NULL, rsa_key) || !jose_jwk_gen(NULL, trusted) ||
        !jose_jwk_pub(NULL, trusted))
        abort();
    json_object_del(rsa_key, "bits");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    init();
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    json_t *v = NULL;
    ccs_buf out = {0};
    switch (data[0] & 3) {
    case 0:
        if (ccs_kbs_ear_verify(text, len, trusted, 1750330800, &v) == CCS_OK) __builtin_trap();
        if (ccs_kbs_admin_token_verify(text, len, trusted, NULL, 1750330800) == CCS_OK) __builtin_trap();
        break;
    case 1:
    case 2:
        v = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
        if (v != NULL && ccs_kbs_jwe_decrypt(v, (data[0] & 3) == 1 ? ec_key : rsa_key, &out) == CCS_OK)
            __builtin_trap();
        break;
    case 3:
        v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (v != NULL) {
            if (ccs_kbs_jcs(v, &out) != CCS_OK && out.len != 0) __builtin_trap(); /* nothing left on failure */
            if (ccs_kbs_jwk_check_public(v) == CCS_OK) {
                json_t *jwe = NULL;
                if (ccs_kbs_jwe_encrypt(v, ccs_bytes_str("x"), &jwe) == CCS_OK) json_decref(jwe);
            }
        }
        break;
    }
    json_decref(v);
    ccs_buf_free(&out);
    return 0;
}
