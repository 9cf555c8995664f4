/* SPDX-License-Identifier: ISC */
/*
 * Run records and the journald outcome event. A successful run records its
 * counts in its own transaction (runlog_add_success). A failed run's
 * transaction was rolled back, taking its 'running' record with it, so the
 * failure is written afterwards: analytics_refresh_runs with the SQLSTATE,
 * and the application_logs row, in one statement (sql/queries/run_failed.sql),
 * kept in a bounded backlog while the database is away. A run aborted because
 * the daemon is stopping is recorded as 'cancelled'.
 */
#ifndef AD_RUNLOG_H
#define AD_RUNLOG_H

#include <stdint.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "txn.h"

struct daemon;
struct runlog;

/* application_logs' cron_name for a run, after the seeds' scripts: a loyalty rebuild
 * (mode "rebuild") is the backfill, every other run the refresh. The retention's
 * pruning reads the same two names. */
#define RUNLOG_CRON_REFRESH "refresh-customer-analytics"
#define RUNLOG_CRON_REBUILD "backfill-customers-loyalty"
const char *runlog_cron_name(const char *mode);

/* The module's state: the failures waiting for the database. */
struct runlog *runlog_new(struct daemon *d);

struct runlog_entry {
	const char *kind;               /* refresh, rollback, loyalty_rebuild */
	const char *mode;
	const char *scope;
	const char *trigger;
	const char *requested_by;
	const char *org;                /* or NULL */
	long long id;                   /* the id the run's record had, or 0 */
	int64_t started_wall_usec;      /* when it started (its record's started_at if any) */
	uint64_t started_usec;          /* monotonic, for its duration */
	bool cancelled;                 /* cancelled (the daemon stopping, an operator) */
};

/* A run's outcome in journald, with the fields of analyticsd(8), LOGGING. */
struct runlog_outcome {
	long long id;
	const char *mode;
	const char *trigger;
	const char *org;                /* or NULL */
	const char *outcome;            /* succeeded, failed, cancelled */
	const char *sqlstate;           /* or NULL */
	uint64_t started_usec;
	long long rows_changed;
};

#define runlog_event(prio, message_id, o, ...) \
	runlog_event_at(LOG_SITE, prio, message_id, o, __VA_ARGS__)
void runlog_event_at(struct log_site site, int prio, const char *message_id,
		     const struct runlog_outcome *o, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Calls done(id, arg) once: id of the record (e->id when the run had one: the failure
 * is the run that started, under its own id and start), or 0 if it could not be
 * written now. A failure that found the database away is kept (bounded) and
 * written by runlog_flush_later() once the control connection is back. */
void runlog_failed(struct runlog *rl, const struct runlog_entry *e, const struct db_error *err,
		   void (*done)(long long id, void *arg), void *arg);

/* The rows a run wrote, for its record. */
struct run_counts {
	long long inserted, updated, deleted, unchanged;
};

static inline void run_counts_add(struct run_counts *total, const struct run_counts *n)
{
	total->inserted += n->inserted;
	total->updated += n->updated;
	total->deleted += n->deleted;
	total->unchanged += n->unchanged;
}

/*
 * The last steps of a successful refresh or loyalty rebuild, in its own
 * transaction: the run record's counts and status, pruning the undo logs to
 * refresh.keep_runs, and (log.application_logs) the application_logs row.
 * org may be NULL.
 */
void runlog_add_success(struct runlog *rl, struct txn *t, long long id, const char *mode,
			const char *org, const struct run_counts *n, uint64_t started_usec);

/* The control connection is ready: write the kept failures (deferred). */
void runlog_flush_later(struct runlog *rl);
/* At exit: log what stays unrecorded, free it. */
void runlog_free(struct runlog *rl);

#endif
