/* Intel TCB status names (PCS API "tcbStatus"; case-sensitive enums). */
#include <string.h>

#include "ccs/attest.h"

static const char *const names[] = {
    [CCS_TCB_UNKNOWN] = "Unknown",
    [CCS_TCB_UP_TO_DATE] = "UpToDate",
    [CCS_TCB_SW_HARDENING_NEEDED] = "SWHardeningNeeded",
    [CCS_TCB_CONFIGURATION_NEEDED] = "ConfigurationNeeded",
    [CCS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED] = "ConfigurationAndSWHardeningNeeded",
    [CCS_TCB_OUT_OF_DATE] = "OutOfDate",
    [CCS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED] = "OutOfDateConfigurationNeeded",
    [CCS_TCB_REVOKED] = "Revoked",
    [CCS_TCB_NOT_SUPPORTED] = "TCBLevelNotSupported",
};

const char *ccs_tcb_status_name(ccs_tcb_status s) {
    if ((unsigned)s < sizeof names / sizeof names[0]) return names[s];
    return "Unknown";
}

ccs_status ccs_tcb_status_parse(const char *name, ccs_tcb_status *out) {
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (ccs_tcb_status)i;
            return CCS_OK;
        }
    }
    CCS_BAIL(CCS_ERR_FORMAT, "unknown TCB status");
}

ccs_status ccs_tcb_status_parse_list(const char *list, unsigned *mask) {
    char item[64];
    unsigned m = 0;
    const char *p = list;
    CCS_ENSURE(list != NULL && mask != NULL, CCS_ERR_INVALID_ARG, "invalid argument");
    while (*p) {
        size_t n = strcspn(p, ",");
        while (n && p[n - 1] == ' ') n--;
        CCS_ENSURE(n > 0 && n < sizeof item, CCS_ERR_FORMAT, "empty or overlong TCB status in list");
        memcpy(item, p, n);
        item[n] = '\0';
        ccs_tcb_status s = CCS_TCB_UNKNOWN;
        if (ccs_tcb_status_parse(item, &s) != CCS_OK || s == CCS_TCB_UNKNOWN)
            CCS_BAIL(CCS_ERR_FORMAT, "unknown TCB status \"%s\" in list", item);
        m |= CCS_TCB_BIT(s);
        p += strcspn(p, ",");
        if (*p == ',') p++;
        while (*p == ' ') p++;
    }
    CCS_ENSURE(m != 0, CCS_ERR_FORMAT, "empty TCB status list");
    *mask = m;
    return CCS_OK;
}
