/* SPDX-License-Identifier: ISC */
/* rollback [--to RUN_ID] as a kind of job (see rollback.c). */
#ifndef AD_ROLLBACK_H
#define AD_ROLLBACK_H

#include <stddef.h>

#include <libpq-fe.h>

#include "runlog.h"

struct daemon;
struct job;

/* Runs one rollback undoes at most (its plan and a dry run refuse more). */
#define ROLLBACK_MAX_RUNS 10000

/* to = 0: the latest successful run; else every later one than run `to`.
 * NULL when out of memory. */
struct job *rollback_job(struct daemon *d, long long to);

/* Whether rollback_target_exists.sql and rollback_plan.sql let a rollback (or its dry
 * run) go on: 0, or -1 with why. */
int rollback_target_verdict(PGresult *res, long long to, char *why, size_t len);
int rollback_plan_verdict(PGresult *res, long long to, int keep_runs, char *why, size_t len);

/* What undoing one run does (rollback_counts.sql), as the rollback's own run counts:
 * its inserts deleted, its updates restored (updated), its deletes re-inserted. */
void rollback_counts_read(PGresult *res, struct run_counts *n);

#endif
