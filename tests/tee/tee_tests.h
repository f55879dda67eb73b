/* Groups of tests in test_tee; each returns the number of failures. */
#ifndef CCS_TEE_TESTS_H
#define CCS_TEE_TESTS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

int ccs_test_collectors(void);
int ccs_test_snp_collector(void); /* snp_test.c */
int ccs_test_tpm(void); /* tpm_test.c: swtpm */
int ccs_test_sim(void);  /* sim_test.c */
int ccs_test_seal(void); /* seal_test.c */
int ccs_test_csv_collector(void); /* csv_test.c */

#include "ccs/core.h"

/* tee_util.c: read a file (fails the test if unreadable), mkdir -p, and
 * write dir/name. */
ccs_buf tee_read(const char *path);
void tee_mkdirs(const char *path);
void tee_put(const char *dir, const char *name, ccs_bytes data);

/* A configfs-tsm entry served as the kernel serves it: inblob and outblob
 * are FIFOs read and written by a thread; each request's write of inblob
 * moves "generation" (from before to after[0], then after[1], ...: one more
 * than the last unless another writer is being played), and outblob then
 * returns the report. tee_tsm_join ends the thread (also when fewer requests
 * came) and returns the last inblob received (empty: none), with the number
 * of requests served. */
typedef struct tee_tsm tee_tsm;
tee_tsm *tee_tsm_serve(const char *entry, unsigned long before, const unsigned long *after, size_t rounds,
                       ccs_bytes outblob);
tee_tsm *tee_tsm_start(const char *entry, unsigned long before, unsigned long after, ccs_bytes outblob);
ccs_buf tee_tsm_join(tee_tsm *t, size_t *served);
/* The report entry a request under root uses ("ccs-<PID namespace>-<pid>",
 * computed here and checked against ccs_tsm_entry_name). */
void tee_tsm_entry(const char *root, char *entry, size_t cap);

#endif
