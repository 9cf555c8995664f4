/* SPDX-License-Identifier: ISC */
/* rollback [--to RUN_ID] as a kind of job (see rollback.c). */
#ifndef AD_ROLLBACK_H
#define AD_ROLLBACK_H

struct daemon;
struct job;

/* Runs one rollback undoes at most (its plan and a dry run refuse more). */
#define ROLLBACK_MAX_RUNS 10000

/* to = 0: the latest successful run; else every later one than run `to`.
 * NULL when out of memory. */
struct job *rollback_job(struct daemon *d, long long to);

#endif
