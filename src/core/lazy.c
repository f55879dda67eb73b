/* Opening a shared library on first use (lazy.h). */
#include <dlfcn.h>
#include <stdio.h>

#include "lazy.h"

bool ccs_lazy_open(const char *soname, const ccs_lazy_sym *syms, size_t n, char *why, size_t why_cap) {
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        snprintf(why, why_cap, "cannot load %s: %s", soname, dlerror());
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if ((*syms[i].slot = dlsym(h, syms[i].name)) == NULL) {
            snprintf(why, why_cap, "%s lacks %s, which CCS needs", soname, syms[i].name);
            return false;
        }
    return true;
}
