/* Private to src/core: opening a shared library on first use for the lazy
 * shims (lazy_curl.c, lazy_gpgme.c). */
#ifndef CCS_CORE_LAZY_H
#define CCS_CORE_LAZY_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ccs_lazy_sym {
    const char *name;
    void **slot; /* where the function's address goes */
} ccs_lazy_sym;

/* dlopen(soname) and resolve every symbol into its slot. False, with the
 * reason in why, when the library cannot be opened or lacks one (it is then
 * left open: nothing else holds it). */
bool ccs_lazy_open(const char *soname, const ccs_lazy_sym *syms, size_t n, char *why, size_t why_cap);

#endif
