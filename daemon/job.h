/* SPDX-License-Identifier: ISC */
/*
 * Jobs: everything a refresh, rollback, loyalty rebuild or migration does
 * around its own SQL, written once (analyticsctl(8): refresh, rollback, loyalty rebuild).
 *
 * This module owns the one job slot on the work connection and the bounded
 * queue behind it; a request that a running or queued job covers joins it.
 * A job runs as one transaction (or, for a kind that asks, a series of
 * them), in stages:
 *
 *   lock    the run lock; the pause rule for kinds it applies to
 *   plan    the kind's steps that decide what to do (may refuse)
 *   record  settings, as_of, the run record (kinds with a run record)
 *   work    the kind's steps, which know the run id
 *   success the run's counts, undo pruning and application_logs row
 *
 * then COMMIT. A refusal (busy, paused, nothing to undo) rolls back and is
 * answered as it is; a failure rolls back and is recorded in a transaction
 * of its own (runlog.c), as 'cancelled' when the daemon is stopping. Every
 * waiter gets the phases, a heartbeat, and one final reply; the journal
 * gets one outcome event.
 *
 * A kind declares its name, its coverage rule, its steps and its counts.
 */
#ifndef AD_JOB_H
#define AD_JOB_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "runlock.h"
#include "runlog.h"
#include "txn.h"

struct request;
struct daemon;
struct job;
struct jobs;
struct waiter;

struct job_kind {
	const char *name;               /* run record kind: refresh, loyalty_rebuild, ... */
	const char *title;              /* in messages: "refresh", "loyalty rebuild" */
	bool recorded;                  /* a run record, journal outcome, failure record */
	bool pausable;                  /* the pause rule applies (analyticsctl(8)) */
	bool freshens;                  /* its success is the analytics' last success */
	const char *msgid_succeeded;    /* the success event's MESSAGE_ID; NULL: run succeeded */
	/* Does running `a` do all that `b` asks? Both are of this kind. NULL: never. */
	bool (*covers)(const struct job *a, const struct job *b);
	/* Steps before the run is recorded (what to do; may refuse). NULL: none. */
	void (*plan)(struct job *j, struct txn *t);
	/* The steps, once the run's id is known. NULL: none. */
	void (*work)(struct job *j, struct txn *t);
	/* The run's totals, once the work's steps have run. NULL: all zero. */
	void (*counts)(const struct job *j, struct run_counts *n);
	/* A dry run's steps (after the lock, instead of everything else): what the job
	 * would do, found without writing, in j->dry; the transaction is rolled back.
	 * NULL: the kind has no dry run. */
	void (*dry_run)(struct job *j, struct txn *t);
	/* How far the work is: units done of total (total 0: unknown), for the progress
	 * events. NULL: no such count. */
	void (*progress)(const struct job *j, long long *done, long long *total);
	/* After a COMMIT: true to run another transaction. NULL: done. */
	bool (*committed)(struct job *j);
	/* Adds the kind's own fields to the success reply. NULL: none. */
	void (*result)(const struct job *j, json_t *reply);
	/* Frees what the kind's state points to (the job frees the state). */
	void (*release)(void *priv);
};

/* One request, then one run. Kinds read and fill what is marked so. */
struct job {
	struct job *next;               /* queue */
	const struct job_kind *kind;
	struct daemon *d;
	void *priv;                     /* the kind's own state */

	/* The request. */
	char mode[16];                  /* full, recent, org, rebuild, latest, to, up, ... */
	char scope[64];                 /* all, days=90, org=<uuid>, to=12 */
	char org[37];                   /* "" unless the job is one organization's */
	char trigger[16];               /* manual, timer */
	bool force;                     /* run while paused (never for timers) */
	char requested_by[96];

	/* The run. */
	char what[96];                  /* "refresh full": how messages name it (kind may set) */
	char as_of[64];                 /* pinned by a test hook as the job starts, else "" */
	char note[192];                 /* kind's words after the success message, or "" */
	long long id;                   /* the run record's id, 0 until known */
	bool failure_recorded;          /* the run failed and its record says so (as run id) */
	struct txn *txn;                /* the transaction under way, or NULL */
	bool dry_run;                   /* find what it would do, write nothing */
	json_t *dry;                    /* what the dry run found (the kind's steps fill it) */
	bool cancel;                    /* analyticsctl cancel: roll back, start no other */
	char cancelled_by[96];
	struct waiter *cancellers;      /* their cancel requests, answered when it ends */
	time_t started_at;
	uint64_t started_usec;          /* monotonic, for durations */
	int64_t started_wall_usec;      /* the record's started_at once known, else the job's */
	char phase[96];
	int stage;
	bool skipped;                   /* job_skip(): nothing to do */
	bool retried;                   /* started again after its connection was found dead */
	uint64_t waiting_since_usec;    /* queued while the work connection is away */
	struct run_counts n;
	struct refusal refusal;
	struct pause_rule pause_rule;
	struct waiter *waiters;
};

/*
 * A request of `kind` (priv is the kind's state, malloc'd; the job owns it
 * from here, and frees it even when this fails). mode and scope
 * describe it; org may be NULL. NULL when out of memory.
 */
struct job *job_new(struct daemon *d, const struct job_kind *kind, void *priv,
		    const char *mode, const char *scope, const char *org);

/*
 * Run j, or join a running or queued job that covers it. With wait, rq hears
 * the progress and the outcome; without, where the request went. Takes j;
 * j NULL (a constructor out of memory) is answered as such.
 */
void job_submit(struct jobs *js, struct request *rq, struct job *j, bool wait);

/* The run's as_of as a test pinned it (ca_run gets the same), or NULL: now(). */
const char *job_as_of(const struct job *j);

/* The job's phase, for status, STATUS= and everyone waiting. */
void job_phase(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * From the plan: there is nothing to do. The job commits what its plan added (if
 * anything), records no run and answers success with status "nothing_to_do" and why.
 */
void job_skip(struct job *j, const char *why);

/* A plan step: refuse the job (bad_request, exit 64) unless its organization exists. */
void job_require_org(struct job *j, struct txn *t);

/* Abort the running job's transaction with our own reason (code for the reply). */
void job_refuse(struct job *j, struct txn *t, enum proto_err code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* What the module's owner hears: a job ended with code (PROTO_ERR_NONE: it succeeded),
 * before its waiters are answered. Phase changes go to daemon_status_changed(). */
struct jobs_hooks {
	void (*on_end)(const struct job *j, enum proto_err code, void *arg);
	void *arg;
};

/* The module: its state, its part of status and STATUS=, and shutdown. hooks may be
 * NULL; it is copied. */
struct jobs *jobs_new(struct daemon *d, const struct jobs_hooks *hooks);
/* SIGTERM: cancel the running job (its failure is recorded as cancelled);
 * false when none runs. Queued jobs are answered by jobs_free. */
bool jobs_cancel(struct jobs *js);
/*
 * analyticsctl cancel: the running job (running) and/or the queued ones (queued),
 * for the request rq, which is answered with what was cancelled: at once for queued
 * jobs and when nothing runs, else once the running job has ended. The running job's
 * transaction fails with 57014 and its statement is cancelled on the server (on the
 * control connection: pg_cancel_backend), so nothing it did is kept; it is recorded
 * as cancelled, and its waiters get the error 'cancelled'. No job starts until the
 * cancel has reached the server.
 */
void jobs_cancel_request(struct jobs *js, struct request *rq, bool running, bool queued);
bool jobs_busy(const struct jobs *js);
/* The work connection is ready again: start what waits for it. */
void jobs_kick(struct jobs *js);
json_t *jobs_status_json(const struct jobs *js);
/* "refresh full: computing", or NULL when idle. */
const char *jobs_describe(const struct jobs *js, char *buf, size_t len);
void jobs_free(struct jobs *js);

#endif
