/*
 * rollback [--to RUN_ID] (SPEC 4.3): undo the latest successful refresh or
 * loyalty rebuild not yet undone, or every later one down to RUN_ID, newest
 * first, in one transaction, from the undo logs the runs wrote (a refresh's
 * in analytics_undo_log, a rebuild's in loyalty_undo_log; each step is a
 * no-op for the other kind). A rollback is itself
 * a recorded run, and it pauses the analytics (timer refreshes are refused
 * until `resume`), because whatever made the refresh bad is likely still
 * there. A rollback has no undo log of its own and cannot be rolled back:
 * to move forward again, resume and refresh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "log.h"
#include "msgids.h"
#include "rollback.h"
#include "runlock.h"
#include "runlog.h"
#include "sqlfiles.h"
#include "txn.h"
#include "util.h"

#define ROLLBACK_MAX_RUNS 10000

struct rollback {
	struct daemon *d;
	struct client *c;
	long long to;                   /* 0: just the latest */
	char scope[48];
	char who[96];
	long long id;                   /* this rollback's run id */
	long long undone[ROLLBACK_MAX_RUNS];
	int n_undone;
	long long deleted, restored, inserted;
	time_t started_at;
	uint64_t started_usec;
	struct refusal refusal;
};

static void refuse(struct rollback *rb, struct txn *t, enum proto_err code, const char *msg)
{
	refusal_set(&rb->refusal, t, code, msg);
}

static void on_target(struct txn *t, PGresult *res, void *arg)
{
	struct rollback *rb = arg;
	char msg[128];

	if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
		snprintf(msg, sizeof(msg), "there is no run %lld", rb->to);
		refuse(rb, t, PROTO_ERR_FAILED, msg);
	}
}

static void on_counts(struct txn *t, PGresult *res, void *arg)
{
	struct rollback *rb = arg;

	(void)t;
	rb->deleted += strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	rb->restored += strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	rb->inserted += strtoll(PQgetvalue(res, 0, 2), NULL, 10);
}

static void add_finish(struct rollback *rb, struct txn *t)
{
	char id[24], ins[24], upd[24], del[24], ms[24], reason[128];
	const char *done[5] = { id, ins, upd, del, "0" };
	const char *pause[2] = { rb->who, reason };

	snprintf(id, sizeof(id), "%lld", rb->id);
	snprintf(ins, sizeof(ins), "%lld", rb->inserted);
	snprintf(upd, sizeof(upd), "%lld", rb->restored);
	snprintf(del, sizeof(del), "%lld", rb->deleted);
	if (rb->n_undone == 1)
		snprintf(reason, sizeof(reason), "rollback %lld undid run %lld", rb->id, rb->undone[0]);
	else
		snprintf(reason, sizeof(reason), "rollback %lld undid runs %lld..%lld", rb->id,
			 rb->undone[rb->n_undone - 1], rb->undone[0]);
	txn_add(t, sql_run_succeeded, 5, done, false, NULL, NULL);
	txn_add(t, sql_control_pause, 2, pause, false, NULL, NULL);
	if (rb->d->cfg->log.application_logs) {
		const char *a[11] = { "success", id, "rollback", NULL, ins, upd, del, "0", ms, "", "" };
		snprintf(ms, sizeof(ms), "%llu",
			 (unsigned long long)((util_monotonic_usec() - rb->started_usec) / 1000));
		txn_add(t, sql_applog_run, 11, a, false, NULL, NULL);
	}
}

/* The last step of the undo loop: all counts are in, record the rollback. */
static void on_undone(struct txn *t, PGresult *res, void *arg)
{
	(void)res;
	add_finish(arg, t);
}

static void on_started(struct txn *t, PGresult *res, void *arg)
{
	struct rollback *rb = arg;
	char rid[24], me[24];
	const char *p[1] = { rid }, *mark[2] = { rid, me };

	rb->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(me, sizeof(me), "%lld", rb->id);
	for (int i = 0; i < rb->n_undone; i++) {     /* newest first */
		snprintf(rid, sizeof(rid), "%lld", rb->undone[i]);
		txn_add(t, sql_rollback_counts, 1, p, false, on_counts, rb);
		txn_add(t, sql_rollback_remove, 1, p, false, NULL, NULL);
		txn_add(t, sql_rollback_restore, 1, p, false, NULL, NULL);
		txn_add(t, sql_rollback_loyalty_remove, 1, p, false, NULL, NULL);
		txn_add(t, sql_rollback_loyalty_restore, 1, p, false, NULL, NULL);
		/* The counts are complete after the last run's steps: record then. */
		txn_add(t, sql_rollback_mark, 2, mark, false,
			i == rb->n_undone - 1 ? on_undone : NULL, rb);
	}
	daemon_job_phase(rb->d, "undoing %d run%s", rb->n_undone, rb->n_undone == 1 ? "" : "s");
}

static void on_plan(struct txn *t, PGresult *res, void *arg)
{
	struct rollback *rb = arg;
	char msg[512], pid[16];
	int n = PQntuples(res);

	if (n == 0) {
		refuse(rb, t, PROTO_ERR_FAILED, rb->to
		       ? "no successful refresh or loyalty rebuild after that run is left to undo"
		       : "no successful refresh or loyalty rebuild is left to undo");
		return;
	}
	if (n > ROLLBACK_MAX_RUNS) {
		snprintf(msg, sizeof(msg), "%d runs to undo; at most %d at once", n, ROLLBACK_MAX_RUNS);
		refuse(rb, t, PROTO_ERR_FAILED, msg);
		return;
	}
	for (int i = 0; i < n; i++) {
		rb->undone[i] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		if (strcmp(PQgetvalue(res, i, 1), "t") != 0) {
			snprintf(msg, sizeof(msg), "the undo log of run %lld (%s, started %s) was pruned "
				 "(refresh.keep_runs = %d keeps the newest runs' logs only): it cannot "
				 "be rolled back", rb->undone[i], PQgetvalue(res, i, 3),
				 PQgetvalue(res, i, 2), rb->d->cfg->refresh.keep_runs);
			refuse(rb, t, PROTO_ERR_FAILED, msg);
			return;
		}
	}
	rb->n_undone = n;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	const char *start[7] = { "rollback", "rollback", rb->scope, "manual", rb->who,
				 rb->d->host, pid };
	const char *asof[1] = { NULL };
	txn_add(t, sql_run_as_of, 1, asof, false, NULL, NULL);
	txn_add(t, sql_run_start, 7, start, false, on_started, rb);
}

/* The job slot is freed before the answer (which may start the client's
 * next request); the rollback itself lives until the answer is sent. */
static void finish(struct rollback *rb)
{
	client_unref(rb->c);
	free(rb);
}

static void log_outcome(struct rollback *rb, const char *outcome, const char *sqlstate,
			const char *msg)
{
	struct runlog_outcome o = {
		.id = rb->id, .mode = "rollback", .trigger = "manual", .outcome = outcome,
		.sqlstate = sqlstate, .started_usec = rb->started_usec,
		.rows_changed = rb->deleted + rb->restored + rb->inserted,
	};
	unsigned long long ms = (util_monotonic_usec() - rb->started_usec) / 1000;

	if (msg == NULL)
		runlog_event(LOG_NOTICE, MSGID_ROLLED_BACK, &o,
			     "rollback run %lld undid %d run%s (%lld..%lld) in %llu ms; analytics paused",
			     rb->id, rb->n_undone, rb->n_undone == 1 ? "" : "s",
			     rb->undone[rb->n_undone - 1], rb->undone[0], ms);
	else
		runlog_event(LOG_ERR, MSGID_RUN_FAILED, &o, "rollback failed: %s", msg);
}

static void failure_recorded(long long id, void *arg)
{
	struct rollback *rb = arg;

	(void)id;
	daemon_job_end(rb->d);
	client_reply_error(rb->c, rb->refusal.code, "%s", rb->refusal.msg);
	finish(rb);
}

static void on_done(const struct db_error *err, void *arg)
{
	struct rollback *rb = arg;
	json_t *undone;

	if (rb->refusal.msg[0] != '\0') {
		log_msg(LOG_NOTICE, "rollback refused: %s", rb->refusal.msg);
		daemon_job_end(rb->d);
		client_reply_error(rb->c, rb->refusal.code, "%s", rb->refusal.msg);
		finish(rb);
		return;
	}
	if (err != NULL) {
		struct runlog_entry e = { .kind = "rollback", .mode = "rollback", .scope = rb->scope,
					  .trigger = "manual", .requested_by = rb->who,
					  .started_at = rb->started_at,
					  .started_usec = rb->started_usec };
		/* Our own stop aborts the run too (its work connection is closed). */
		rb->refusal.code = rb->d->stopping ? PROTO_ERR_SHUTTING_DOWN : db_error_code(err);
		snprintf(rb->refusal.msg, sizeof(rb->refusal.msg), "rollback failed: %s (SQLSTATE %s)",
			 err->message, err->sqlstate);
		log_outcome(rb, "failed", err->sqlstate, err->message);
		runlog_failed(rb->d, &e, err, failure_recorded, rb);
		return;
	}
	log_outcome(rb, "succeeded", NULL, NULL);
	log_event(LOG_NOTICE, MSGID_PAUSED, NULL, "analytics paused by rollback %lld", rb->id);
	daemon_job_end(rb->d);
	undone = json_array();
	for (int i = 0; i < rb->n_undone; i++)
		json_array_append_new(undone, json_integer(rb->undone[i]));
	client_reply_ok(rb->c, json_pack("{s:I, s:s, s:o, s:{s:I, s:I, s:I}, s:b, s:I}",
		"run_id", (json_int_t)rb->id, "status", "succeeded", "undone", undone,
		"rows", "deleted", (json_int_t)rb->deleted, "restored", (json_int_t)rb->restored,
		"reinserted", (json_int_t)rb->inserted, "paused", 1,
		"duration_ms", (json_int_t)((util_monotonic_usec() - rb->started_usec) / 1000)));
	finish(rb);
}

void rollback_start(struct daemon *d, struct client *c, long long to)
{
	struct rollback *rb;
	const char *why;
	int code;
	struct txn *t;
	char target[24];
	const char *p[1] = { target };

	if (d->run_current != NULL || d->run_queue != NULL) {
		client_reply_error(c, PROTO_ERR_BUSY, "a refresh is %s on this daemon; roll back "
				   "when it is done", d->run_current ? "running" : "queued");
		return;
	}
	if (daemon_job_start(d, c, "rollback", to ? "to" : "latest", &why, &code) == NULL) {
		client_reply_error(c, (enum proto_err)code, "%s", why);
		return;
	}
	rb = calloc(1, sizeof(*rb));
	if (rb == NULL) {
		daemon_job_end(d);
		client_reply_error(c, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	rb->d = d;
	rb->c = c;
	rb->to = to;
	rb->started_at = time(NULL);
	rb->started_usec = util_monotonic_usec();
	snprintf(rb->who, sizeof(rb->who), "%s", client_who(c));
	if (to)
		snprintf(rb->scope, sizeof(rb->scope), "to=%lld", to);
	else
		snprintf(rb->scope, sizeof(rb->scope), "latest");
	snprintf(target, sizeof(target), "%lld", to);
	client_ref(c);
	t = txn_begin(d->db_work, on_done, rb);
	if (t == NULL) {
		daemon_job_end(d);
		client_reply_error(c, PROTO_ERR_DB_UNAVAILABLE, "the database is not connected");
		finish(rb);
		return;
	}
	runlock_add(t, &rb->refusal);
	if (to) {
		txn_add(t, sql_rollback_target_exists, 1, p, false, on_target, rb);
		txn_add(t, sql_rollback_plan, 1, p, false, on_plan, rb);
	} else {
		const char *none[1] = { NULL };
		txn_add(t, sql_rollback_plan, 1, none, false, on_plan, rb);
	}
}
