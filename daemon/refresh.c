/*
 * A refresh run (SPEC 4.1): one transaction on the work connection that
 * takes the run lock, fixes as_of, records the run, builds the scope,
 * computes the new rows into a temp table, and writes only the differences.
 * The SQL is in sql/queries/refresh_*.sql; this file only sequences it.
 *
 * A failed run's transaction is rolled back whole, so the table is
 * untouched; its failure is then recorded in a transaction of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "daemon.h"
#include "log.h"
#include "msgids.h"
#include "refresh.h"
#include "runlog.h"
#include "sched.h"
#include "sqlfiles.h"
#include "txn.h"
#include "util.h"

static void phase(struct run *r, const char *name)
{
	daemon_job_phase(r->d, "%s", name);
	sched_progress(r, name);
}


static long long cmd_tuples(PGresult *res)
{
	return strtoll(PQcmdTuples(res), NULL, 10);
}

static void add_work(struct run *r, struct txn *t);

static void on_started(struct txn *t, PGresult *res, void *arg)
{
	struct run *r = arg;
	char id[32], scope[64];
	const char *fields[5] = { id, NULL, NULL, NULL, NULL };
	char mode[48], trig[48], org[64];

	r->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(id, sizeof(id), "ANALYTICS_RUN_ID=%lld", r->id);
	snprintf(mode, sizeof(mode), "ANALYTICS_MODE=%s", run_mode_name(r->req.mode));
	snprintf(trig, sizeof(trig), "ANALYTICS_TRIGGER=%s", r->req.trigger);
	fields[1] = mode;
	fields[2] = trig;
	if (r->req.mode == RUN_ORG) {
		snprintf(org, sizeof(org), "ANALYTICS_ORG_ID=%s", r->req.org);
		fields[3] = org;
	}
	run_scope(&r->req, scope, sizeof(scope));
	log_event(LOG_INFO, MSGID_RUN_STARTED, fields, "refresh %s (%s) run %lld started by %s",
		  run_mode_name(r->req.mode), scope, r->id, r->req.requested_by);
	phase(r, "scoping");
	add_work(r, t);
}

static void on_scope(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	(void)res;
	phase(arg, "computing");
}

static void on_count(struct txn *t, PGresult *res, void *arg)
{
	struct run *r = arg;

	(void)t;
	r->n_new = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	phase(r, "applying");
}

static void on_delete(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	((struct run *)arg)->deleted = cmd_tuples(res);
}

static void on_update(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	((struct run *)arg)->updated = cmd_tuples(res);
}

/* The counts are known only now: record them in the run's transaction. */
static void on_insert(struct txn *t, PGresult *res, void *arg)
{
	struct run *r = arg;
	struct run_counts n;

	r->inserted = cmd_tuples(res);
	r->unchanged = r->n_new - r->inserted - r->updated;
	n = (struct run_counts){ r->inserted, r->updated, r->deleted, r->unchanged };
	phase(r, "recording");
	runlog_add_success(r->d, t, r->id, run_mode_name(r->req.mode),
			   r->req.mode == RUN_ORG ? r->req.org : NULL, &n, r->started_usec);
}

static void log_outcome(struct run *r, const char *outcome, const char *sqlstate,
			const char *msg)
{
	struct runlog_outcome o = {
		.id = r->id, .mode = run_mode_name(r->req.mode), .trigger = r->req.trigger,
		.org = r->req.mode == RUN_ORG ? r->req.org : NULL, .outcome = outcome,
		.sqlstate = sqlstate, .started_usec = r->started_usec,
		.rows_changed = r->inserted + r->updated + r->deleted,
	};
	unsigned long long ms = (util_monotonic_usec() - r->started_usec) / 1000;

	if (msg == NULL)
		runlog_event(LOG_NOTICE, MSGID_RUN_SUCCEEDED, &o,
			     "refresh %s run %lld succeeded in %llu ms: %lld inserted, %lld updated, "
			     "%lld deleted, %lld unchanged", o.mode, r->id, ms,
			     r->inserted, r->updated, r->deleted, r->unchanged);
	else
		runlog_event(LOG_ERR, MSGID_RUN_FAILED, &o, "refresh %s %s after %llu ms: %s",
			     o.mode, outcome, ms, msg);
}

static void failure_recorded(long long id, void *arg)
{
	struct run *r = arg;

	r->id = id;
	sched_run_done(r->d, r, r->refusal.code, r->refusal.msg);
}

/* After the rollback of the run's transaction: record the failure. */
static void record_failure(struct run *r, const struct db_error *err)
{
	char scope[64];
	struct runlog_entry e = {
		.kind = "refresh", .mode = run_mode_name(r->req.mode), .scope = scope,
		.trigger = r->req.trigger, .requested_by = r->req.requested_by,
		.org = r->req.mode == RUN_ORG ? r->req.org : NULL,
		.started_at = r->started_at, .started_usec = r->started_usec,
	};

	run_scope(&r->req, scope, sizeof(scope));
	/* The reply to waiters travels in r->refusal from here on. Our own
	 * stop aborts the run too (its work connection is closed). */
	r->refusal.code = r->d->stopping ? PROTO_ERR_SHUTTING_DOWN : db_error_code(err);
	snprintf(r->refusal.msg, sizeof(r->refusal.msg), "refresh %s failed: %s%s%s%s",
		 run_mode_name(r->req.mode), err->message, err->sqlstate[0] ? " (SQLSTATE " : "",
		 err->sqlstate, err->sqlstate[0] ? ")" : "");
	log_outcome(r, r->d->stopping ? "cancelled" : "failed", err->sqlstate, err->message);
	runlog_failed(r->d, &e, err, failure_recorded, r);
}

static void on_done(const struct db_error *err, void *arg)
{
	struct run *r = arg;

	if (r->refusal.msg[0] != '\0') {
		log_msg(LOG_NOTICE, "refresh %s not run: %s", run_mode_name(r->req.mode),
			r->refusal.msg);
		sched_run_done(r->d, r, r->refusal.code, r->refusal.msg);
		return;
	}
	if (err != NULL) {
		record_failure(r, err);
		return;
	}
	log_outcome(r, "succeeded", NULL, NULL);
	sched_run_done(r->d, r, PROTO_ERR_NONE, NULL);
}

/* The run's as_of when a test pins it (run_as_of.sql), else NULL: now(). */
static const char *pinned_as_of(void)
{
	const char *as_of = getenv("ANALYTICSD_TEST_AS_OF");

	return as_of != NULL && *as_of != '\0' ? as_of : NULL;
}

void refresh_start(struct daemon *d, struct run *r)
{
	const char *why;
	int code;
	char scope[64], pid[16];
	struct txn *t;

	run_scope(&r->req, scope, sizeof(scope));
	if (daemon_job_start(d, NULL, "refresh", run_mode_name(r->req.mode), &why, &code) == NULL) {
		sched_run_done(d, r, (enum proto_err)code, why);
		return;
	}
	r->started_at = time(NULL);
	r->started_usec = util_monotonic_usec();
	t = txn_begin(d->db_work, on_done, r);
	if (t == NULL) {
		sched_run_done(d, r, PROTO_ERR_DB_UNAVAILABLE, "the database is not connected");
		return;
	}
	phase(r, "waiting for the run lock");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	const char *settings[1] = { d->cfg->refresh.work_mem };
	const char *asof[1] = { pinned_as_of() };
	const char *start[7] = { "refresh", run_mode_name(r->req.mode), scope, r->req.trigger,
				 r->req.requested_by, d->host, pid };

	r->pause_rule = (struct pause_rule){ .what = "refresh", .trigger = r->req.trigger,
					     .force = r->req.force, .refusal = &r->refusal };
	runlock_add(t, &r->refusal);
	runlock_add_pause_check(t, &r->pause_rule);
	txn_add(t, sql_run_settings, 1, settings, false, NULL, NULL);
	txn_add(t, sql_run_as_of, 1, asof, false, NULL, NULL);
	txn_add(t, sql_run_start, 7, start, false, on_started, r);
}

/* The run's work, once its id (which the undo log is keyed by) is known. */
static void add_work(struct run *r, struct txn *t)
{
	const char *sleep_s = getenv("ANALYTICSD_TEST_SLEEP_S");
	char days[16], id[24];
	const char *run_id[1] = { id };

	snprintf(days, sizeof(days), "%d", r->req.days);
	snprintf(id, sizeof(id), "%lld", r->id);
	switch (r->req.mode) {
	case RUN_FULL:
		txn_add(t, sql_refresh_scope_full, 0, NULL, false, NULL, NULL);
		break;
	case RUN_RECENT: {
		const char *p[2] = { days, pinned_as_of() };
		txn_add(t, sql_refresh_scope_recent, 2, p, false, NULL, NULL);
		break;
	}
	case RUN_ORG: {
		const char *p[1] = { r->req.org };
		txn_add(t, sql_refresh_scope_org, 1, p, false, NULL, NULL);
		break;
	}
	}
	txn_add(t, sql_refresh_analyze_scope, 0, NULL, false, on_scope, r);
	if (sleep_s != NULL && *sleep_s) {
		const char *p[1] = { sleep_s };
		txn_add(t, sql_test_sleep, 1, p, false, NULL, NULL);
	}
	txn_add(t, sql_refresh_compute, 0, NULL, false, NULL, NULL);
	txn_add(t, sql_refresh_count_new, 0, NULL, false, on_count, r);
	txn_add(t, sql_refresh_delete, 1, run_id, false, on_delete, r);
	txn_add(t, sql_refresh_update, 1, run_id, false, on_update, r);
	txn_add(t, sql_refresh_insert, 1, run_id, false, on_insert, r);
}
