/* privkey_internal.h - private to src/crypto: the EVP_PKEY behind a
 * ccs_privkey (privkey.c), for the certificate and CRL builders. */
#ifndef CCS_PRIVKEY_INTERNAL_H
#define CCS_PRIVKEY_INTERNAL_H

#include "crypto_internal.h"

EVP_PKEY *ccs__privkey_evp(const ccs_privkey *k);
/* Wraps pkey (taken; freed on error) after checking it is P-256 or P-384. */
ccs_status ccs__privkey_wrap(EVP_PKEY *pkey, ccs_privkey **out);

#endif
