/* SPDX-License-Identifier: ISC */
/*
 * The job lifecycle (see job.h): submission, the queue, the stages of a
 * job's transaction, phases and heartbeat, the outcome and the replies.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "job.h"
#include "log.h"
#include "msgids.h"
#include "request.h"
#include "sqlfiles.h"
#include "testhooks.h"
#include "util.h"
#include "wire.h"

/* Distinct queued jobs; more would only repeat work a full refresh does. */
#define JOBS_MAX_QUEUED 8
#define JOBS_MAX_DRY_RUNS 2             /* of them: readers may ask for dry runs */
/* Waiting clients hear from the job at least this often, even inside one
 * long statement, so that their --timeout measures silence, not run time. */
#define JOBS_HEARTBEAT_S 1

enum stage { ST_LOCK, ST_PLAN, ST_RECORD, ST_WORK, ST_SUCCESS, ST_DRY, ST_COMMIT };

struct waiter {
	struct waiter *next;
	struct request *rq;               /* referenced */
	json_t *cancelled;              /* a canceller's: the queued jobs it cancelled */
};

struct jobs {
	struct daemon *d;
	struct job *current;            /* holds the work connection */
	struct job *queue;
	struct event *ev_kick;
	struct event *ev_heartbeat;
	struct event *ev_wait;          /* ends waits for the work connection */
	int cancels_in_flight;          /* pg_cancel_backend sent, not yet answered */
	struct jobs_hooks hooks;
};

static void begin(struct job *j);

static void release(const struct job_kind *kind, void *priv)
{
	if (priv != NULL && kind->release != NULL)
		kind->release(priv);
	free(priv);
}

static void job_free(struct job *j)
{
	struct waiter *w;

	while ((w = j->waiters) != NULL) {
		j->waiters = w->next;
		request_unref(w->rq);
		free(w);
	}
	while ((w = j->cancellers) != NULL) {
		j->cancellers = w->next;
		request_unref(w->rq);
		json_decref(w->cancelled);
		free(w);
	}
	release(j->kind, j->priv);
	json_decref(j->dry);
	free(j);
}

struct job *job_new(struct daemon *d, const struct job_kind *kind, void *priv,
		    const char *mode, const char *scope, const char *org)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		release(kind, priv);
		return NULL;
	}
	j->kind = kind;
	j->d = d;
	j->priv = priv;
	snprintf(j->mode, sizeof(j->mode), "%s", mode);
	snprintf(j->scope, sizeof(j->scope), "%s", scope);
	snprintf(j->org, sizeof(j->org), "%s", org ? org : "");
	snprintf(j->trigger, sizeof(j->trigger), "manual");
	snprintf(j->what, sizeof(j->what), "%s", kind->title);
	return j;
}

const char *job_as_of(const struct job *j)
{
	return j->as_of[0] ? j->as_of : NULL;
}

static const char *org_or_null(const struct job *j)
{
	return j->org[0] ? j->org : NULL;
}

static uint64_t elapsed_usec(const struct job *j)
{
	return j->started_usec ? util_monotonic_usec() - j->started_usec : 0;
}

/* A job that a pause would refuse cannot stand in for one that is forced. */
static bool forced(const struct job *j)
{
	return j->force && strcmp(j->trigger, "timer") != 0;
}

static bool covers(const struct job *a, const struct job *b)
{
	/* A dry run joins a dry run of the same request not yet started, and nothing else. */
	if (a->dry_run || b->dry_run)
		return a->dry_run && b->dry_run && a->kind == b->kind && a->started_at == 0 &&
		       strcmp(a->mode, b->mode) == 0 && strcmp(a->scope, b->scope) == 0;
	if (a->kind != b->kind || a->kind->covers == NULL)
		return false;
	if (a->kind->pausable && forced(b) && !forced(a))
		return false;
	return a->kind->covers(a, b);
}

/* A job as accepted, queued or running (docs/json/common.json, "job"). */
static json_t *job_json(const struct job *j, const char *state)
{
	int waiters = 0;

	for (const struct waiter *w = j->waiters; w != NULL; w = w->next)
		waiters += !request_gone(w->rq);        /* one that went away waits no more */
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:i}", "state", state,
			 "kind", j->kind->name, "mode", j->mode, "scope", wire_scope(j->scope),
			 "trigger", j->trigger, "requested_by", wire_requester(j->requested_by),
			 "run_id", wire_run_id(j->id), "started_at", wire_time(j->started_at),
			 "phase", wire_string(j->started_at ? j->phase : NULL), "waiters", waiters);
}

static int add_waiter(struct job *j, struct request *rq)
{
	struct waiter *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -1;
	request_ref(rq);
	w->rq = rq;
	w->next = j->waiters;
	j->waiters = w;
	return 0;
}

static void kick(struct jobs *js)
{
	/* Deferred to the loop: never start a job from inside the callbacks of
	 * the one that just ended. */
	event_active(js->ev_kick, EV_TIMEOUT, 0);
}

/* Answer a request now: its client if it has one, else the log. */
static void reply_now(struct request *rq, enum proto_err code, const char *msg)
{
	if (rq != NULL)
		request_reply_error(rq, code, "%s", msg);
	else
		log_msg(LOG_DEBUG, "request of the daemon's own not taken: %s", msg);
}

static int dry_runs_queued(const struct jobs *js)
{
	int n = 0;

	for (const struct job *q = js->queue; q != NULL; q = q->next)
		n += q->dry_run;
	return n;
}

void job_submit(struct jobs *js, struct request *rq, struct job *req, bool wait)
{
	struct daemon *d = js->d;
	struct job *j = NULL, **tail = &js->queue;
	const char *state = "joined";
	char msg[256];
	int n = 0;

	if (req == NULL) {
		reply_now(rq, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	snprintf(req->requested_by, sizeof(req->requested_by), "%s",
		 rq != NULL ? request_who(rq) : WIRE_DAEMON_REQUESTER);
	/* A connection that is being re-established is waited for (up to
	 * database.connect_timeout_s, see wait_for_db); one that is not (closed
	 * for good) is not coming back. */
	if (db_get_state(d->db_work) != DB_READY && !db_reconnecting(d->db_work)) {
		snprintf(msg, sizeof(msg), "database is %s: %s",
			 db_state_name(db_get_state(d->db_work)), db_last_error(d->db_work));
		reply_now(rq, PROTO_ERR_DB_UNAVAILABLE, msg);
		job_free(req);
		return;
	}
	req->waiting_since_usec = util_monotonic_usec();
	if (js->current != NULL && covers(js->current, req)) {
		j = js->current;
	} else {
		for (; *tail != NULL; tail = &(*tail)->next, n++) {
			if (covers(*tail, req)) {
				j = *tail;
				state = "queued";
				break;
			}
		}
	}
	if (j != NULL) {
		job_free(req);
	} else if (req->dry_run && dry_runs_queued(js) >= JOBS_MAX_DRY_RUNS) {
		/* Readers may ask for dry runs: they never take the operators' slots. */
		snprintf(msg, sizeof(msg), "%d dry runs are queued already", JOBS_MAX_DRY_RUNS);
		reply_now(rq, PROTO_ERR_BUSY, msg);
		job_free(req);
		return;
	} else if (n >= JOBS_MAX_QUEUED) {
		snprintf(msg, sizeof(msg), "%d jobs are queued already", n);
		reply_now(rq, PROTO_ERR_BUSY, msg);
		job_free(req);
		return;
	} else {
		j = *tail = req;
		state = js->current == NULL && n == 0 ? "running" : "queued";
	}
	/* The daemon's own requests (follow mode) have nobody to tell. */
	if (rq != NULL && !wait)
		request_reply_ok(rq, job_json(j, state));
	else if (rq != NULL && add_waiter(j, rq) != 0)
		request_reply_error(rq, PROTO_ERR_INTERNAL, "out of memory");
	else if (rq != NULL)
		request_event(rq, "accepted", job_json(j, state));
	kick(js);
}

/* The kind's count of the work (customers computed of the scope), once it has one. */
static json_t *work_json(const struct job *j)
{
	long long done = 0, total = 0;

	if (j->kind->progress == NULL || j->stage != ST_WORK)
		return json_null();
	j->kind->progress(j, &done, &total);
	if (total <= 0)
		return json_null();
	return json_pack("{s:I, s:I}", "done", (json_int_t)done, "total", (json_int_t)total);
}

/* The waiters whose requests went away (their connections closed): let them go. */
static void prune_waiters(struct job *j)
{
	for (struct waiter **w = &j->waiters; *w != NULL;) {
		struct waiter *gone = *w;

		if (!request_gone(gone->rq)) {
			w = &gone->next;
			continue;
		}
		*w = gone->next;
		request_unref(gone->rq);
		free(gone);
	}
}

static void progress(struct job *j)
{
	prune_waiters(j);
	for (struct waiter *w = j->waiters; w != NULL; w = w->next)
		request_event(w->rq, "progress", json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o}",
			"kind", j->kind->name, "mode", j->mode, "scope", wire_scope(j->scope),
			"phase", j->phase, "run_id", wire_run_id(j->id),
			"elapsed_ms", wire_ms(elapsed_usec(j)), "work", work_json(j)));
}

void job_phase(struct job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->phase, sizeof(j->phase), fmt, ap);
	va_end(ap);
	daemon_status_changed(j->d);
	progress(j);
}

void job_skip(struct job *j, const char *why)
{
	j->skipped = true;
	snprintf(j->note, sizeof(j->note), "%s", why);
}

static void on_org(struct txn *t, PGresult *res, void *arg)
{
	struct job *j = arg;

	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		job_refuse(j, t, PROTO_ERR_BAD_REQUEST, "there is no organization %s", j->org);
}

void job_require_org(struct job *j, struct txn *t)
{
	const char *p[1] = { j->org };

	txn_add(t, sql_org_exists, 1, p, false, on_org, j);
}

void job_refuse(struct job *j, struct txn *t, enum proto_err code, const char *fmt, ...)
{
	char msg[sizeof(j->refusal.msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	refusal_set(&j->refusal, t, code, msg);
}

static json_t *result_json(const struct job *j)
{
	json_t *o;

	if (j->dry_run)
		return json_pack("{s:s, s:s, s:o, s:s, s:O, s:o}", "kind", j->kind->name, "mode",
				 j->mode, "scope", wire_scope(j->scope), "status", "dry_run",
				 "would", j->dry ? j->dry : json_null(), "duration_ms",
				 wire_ms(elapsed_usec(j)));
	/* run_id is null for a job with no run record: nothing to do, or a migration. */
	o = json_pack("{s:o, s:s, s:s, s:o, s:s, s:s, s:o}", "run_id", wire_run_id(j->id),
		      "kind", j->kind->name, "mode", j->mode, "scope", wire_scope(j->scope),
		      "trigger", j->trigger, "status", j->skipped ? "nothing_to_do" : "succeeded",
		      "duration_ms", wire_ms(elapsed_usec(j)));
	if (o != NULL && j->kind->recorded)
		json_object_set_new(o, "rows", wire_rows(&j->n));
	if (o != NULL && j->skipped)
		json_object_set_new(o, "note", json_string(j->note));
	else if (o != NULL && j->kind->result != NULL)
		j->kind->result(j, o);
	return o;
}

/* Everyone waiting on j gets its outcome. */
static void answer(struct job *j, enum proto_err code, const char *msg)
{
	json_t *result = code == PROTO_ERR_NONE ? result_json(j) : NULL;

	for (struct waiter *w = j->waiters; w != NULL; w = w->next) {
		if (code != PROTO_ERR_NONE && j->failure_recorded)
			request_reply_error_fields(w->rq, code, json_pack("{s:I}", "run_id",
									(json_int_t)j->id), "%s", msg);
		else if (code != PROTO_ERR_NONE)
			request_reply_error(w->rq, code, "%s", msg);
		else if (result != NULL)
			request_reply_ok(w->rq, json_incref(result));
		else
			request_reply_error(w->rq, PROTO_ERR_INTERNAL, "out of memory");
	}
	json_decref(result);
}

/* What cancel answers: the job, and whether it was cancelled or finished first. */
static json_t *cancelled_json(const struct job *j, const char *state, const char *note)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o}", "kind", j->kind->name, "mode", j->mode,
			 "scope", wire_scope(j->scope), "state", state, "run_id", wire_run_id(j->id),
			 "note", note ? json_string(note) : json_null());
}

static void answer_cancellers(struct job *j, const char *note)
{
	for (struct waiter *w = j->cancellers; w != NULL; w = w->next) {
		json_t *list = w->cancelled ? w->cancelled : json_array();

		w->cancelled = NULL;
		json_array_insert_new(list, 0, cancelled_json(j, "running", note));
		request_reply_ok(w->rq, json_pack("{s:o}", "cancelled", list));
	}
}

/* The job is over: free the slot, answer everyone waiting, start the next. */
static void end(struct job *j, enum proto_err code, const char *msg)
{
	struct jobs *js = j->d->jobs;
	struct daemon *d = j->d;

	/* Off the slot before answering, so that nothing asked from here on (a
	 * request answered now may be followed by its client's next, from the
	 * loop) joins this ended job or finds the slot taken. (msg may point
	 * into j: j lives until the end.) */
	if (js->current == j)
		js->current = NULL;
	if (js->hooks.on_end != NULL)
		js->hooks.on_end(j, code, js->hooks.arg);
	answer(j, code, msg);
	answer_cancellers(j, code == PROTO_ERR_NONE ? "it finished first" : NULL);
	job_free(j);
	if (d->stopping)
		event_base_loopexit(d->base, NULL);     /* the cancelled job is recorded */
	else
		kick(js);
}

static void outcome_event(const struct job *j, const char *outcome, const struct db_error *err)
{
	struct runlog_outcome o = {
		.id = j->id, .mode = j->mode, .trigger = j->trigger, .org = org_or_null(j),
		.outcome = outcome, .sqlstate = err ? err->sqlstate : NULL,
		.started_usec = j->started_usec,
		.rows_changed = j->n.inserted + j->n.updated + j->n.deleted,
	};
	unsigned long long ms = elapsed_usec(j) / 1000;

	if (j->skipped || j->dry_run) {
		log_msg(LOG_DEBUG, "%s: %s (%s), %llu ms", j->what, j->dry_run ? "dry run" :
			"nothing to do", j->note, ms);
		return;
	}
	if (!j->kind->recorded) {
		if (err != NULL)
			log_msg(LOG_ERR, "%s %s after %llu ms: %s", j->what, outcome, ms,
				err->message);
		return;
	}
	if (err == NULL)
		runlog_event(LOG_NOTICE, j->kind->msgid_succeeded ? j->kind->msgid_succeeded
			     : MSGID_RUN_SUCCEEDED, &o, "%s run %lld succeeded in %llu ms: %lld "
			     "inserted, %lld updated, %lld deleted, %lld unchanged%s%s", j->what,
			     j->id, ms, j->n.inserted, j->n.updated, j->n.deleted, j->n.unchanged,
			     j->note[0] ? "; " : "", j->note);
	else
		runlog_event(LOG_ERR, MSGID_RUN_FAILED, &o, "%s %s after %llu ms: %s", j->what,
			     outcome, ms, err->message);
}

static void failure_recorded(long long id, void *arg)
{
	struct job *j = arg;

	j->id = id;
	j->failure_recorded = id > 0;
	end(j, j->refusal.code, j->refusal.msg);
}

static void on_txn_done(const struct db_error *err, void *arg)
{
	struct job *j = arg;
	struct daemon *d = j->d;

	j->txn = NULL;
	char what[sizeof(j->what) + 16];

	if (j->refusal.msg[0] != '\0') {
		/* Follow mode asks every minute: a pause need not be logged each time. */
		log_msg(strcmp(j->trigger, "follow") == 0 ? LOG_DEBUG : LOG_NOTICE, "%s not run: %s",
			j->what, j->refusal.msg);
		end(j, j->refusal.code, j->refusal.msg);
		return;
	}
	/* The connection was dead before the job did anything (lost a moment ago,
	 * unnoticed until now): wait for it to come back and start over, once. */
	if (err != NULL && j->stage == ST_LOCK && !j->retried && !d->stopping &&
	    db_error_code(err) == PROTO_ERR_DB_UNAVAILABLE) {
		log_msg(LOG_INFO, "%s: the database connection was gone (%s); starting again once "
			"it is back", j->what, err->message);
		j->retried = true;
		j->waiting_since_usec = util_monotonic_usec();
		d->jobs->current = NULL;
		j->next = d->jobs->queue;
		d->jobs->queue = j;
		job_phase(j, "waiting for the database");
		kick(d->jobs);
		return;
	}
	if (err != NULL && strcmp(err->sqlstate, "42P01") == 0) {
		/* undefined_table: nothing to record a run in, most likely. */
		snprintf(what, sizeof(what), "%s failed", j->what);
		db_error_format(err, what, j->refusal.msg, sizeof(j->refusal.msg));
		snprintf(j->refusal.msg + strlen(j->refusal.msg),
			 sizeof(j->refusal.msg) - strlen(j->refusal.msg),
			 "; is the schema migrated? analyticsctl migrate status");
		log_msg(LOG_ERR, "%s", j->refusal.msg);
		end(j, PROTO_ERR_FAILED, j->refusal.msg);
		return;
	}
	if (err != NULL) {
		struct runlog_entry e = {
			.kind = j->kind->name, .mode = j->mode, .scope = j->scope,
			.trigger = j->trigger, .requested_by = j->requested_by,
			.org = org_or_null(j), .id = j->id,
			.started_wall_usec = j->started_wall_usec,
			.started_usec = j->started_usec,
		};
		/* From here the reply travels in j->refusal. Our own stop aborts
		 * the job too (by closing its connection): that is a shutdown. */
		e.cancelled = d->stopping || j->cancel;
		snprintf(what, sizeof(what), "%s %s", j->what, j->cancel ? "cancelled" : "failed");
		j->refusal.code = d->stopping ? PROTO_ERR_SHUTTING_DOWN
				  : j->cancel ? PROTO_ERR_CANCELLED : db_error_code(err);
		db_error_format(err, what, j->refusal.msg, sizeof(j->refusal.msg));
		outcome_event(j, e.cancelled ? "cancelled" : "failed", err);
		if (j->kind->recorded)
			runlog_failed(d->runlog, &e, err, failure_recorded, j);
		else
			end(j, j->refusal.code, j->refusal.msg);
		return;
	}
	if (j->kind->committed != NULL && j->kind->committed(j) && !d->stopping && !j->cancel) {
		begin(j);
		return;
	}
	outcome_event(j, "succeeded", NULL);
	end(j, PROTO_ERR_NONE, NULL);
}

static void on_started(struct txn *t, PGresult *res, void *arg)
{
	struct job *j = arg;
	char id[32], mode[48], trig[48], org[64];
	const char *fields[5] = { id, mode, trig, NULL, NULL };

	(void)t;
	j->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	j->started_wall_usec = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	snprintf(id, sizeof(id), "ANALYTICS_RUN_ID=%lld", j->id);
	snprintf(mode, sizeof(mode), "ANALYTICS_MODE=%s", j->mode);
	snprintf(trig, sizeof(trig), "ANALYTICS_TRIGGER=%s", j->trigger);
	if (j->org[0]) {
		snprintf(org, sizeof(org), "ANALYTICS_ORG_ID=%s", j->org);
		fields[3] = org;
	}
	log_event(LOG_INFO, MSGID_RUN_STARTED, fields, "%s (%s) run %lld started by %s", j->what,
		  j->scope, j->id, j->requested_by);
}

static void add_record(struct job *j, struct txn *t)
{
	struct daemon *d = j->d;
	char pid[16];
	const char *settings[1] = { d->cfg->refresh.work_mem };
	const char *asof[1] = { job_as_of(j) };
	const char *start[7] = { j->kind->name, j->mode, j->scope, j->trigger, j->requested_by,
				 d->host, pid };

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	txn_add(t, sql_run_settings, 1, settings, false, NULL, NULL);
	txn_add(t, sql_run_as_of, 1, asof, false, NULL, NULL);
	txn_add(t, sql_run_pin_now, 0, NULL, false, NULL, NULL);
	txn_add(t, sql_run_start, 7, start, false, on_started, j);
}

/* The stages of job.h, each added once the previous one's steps have run. */
static bool on_drain(struct txn *t, void *arg)
{
	struct job *j = arg;

	switch (j->stage) {
	case ST_LOCK:
		if (j->dry_run) {
			j->stage = ST_DRY;
			job_phase(j, "finding what it would do");
			j->kind->dry_run(j, t);
			return true;
		}
		j->stage = ST_PLAN;
		if (j->kind->plan != NULL)
			j->kind->plan(j, t);
		return true;
	case ST_PLAN:
		if (j->skipped || !j->kind->recorded) {
			j->stage = ST_COMMIT;
			return false;
		}
		j->stage = ST_RECORD;
		add_record(j, t);
		return true;
	case ST_RECORD:
		j->stage = ST_WORK;
		if (j->kind->work != NULL)
			j->kind->work(j, t);
		return true;
	case ST_WORK:
		j->stage = ST_SUCCESS;
		if (j->kind->counts != NULL)
			j->kind->counts(j, &j->n);
		job_phase(j, "recording");
		runlog_add_success(j->d->runlog, t, j->id, j->mode, org_or_null(j), &j->n,
				   j->started_usec);
		return true;
	case ST_DRY:
		txn_rollback_at_end(t);
		j->stage = ST_COMMIT;
		return false;
	default:
		return false;
	}
}

/* One transaction of the job (most jobs have one). */
static void begin(struct job *j)
{
	struct txn *t = txn_begin(j->d->db_work, on_txn_done, j);

	if (t == NULL) {
		end(j, PROTO_ERR_DB_UNAVAILABLE, "the database is not connected");
		return;
	}
	j->txn = t;
	txn_on_drain(t, on_drain, j);
	j->stage = ST_LOCK;
	j->pause_rule = (struct pause_rule){ .what = j->kind->title, .trigger = j->trigger,
					     .force = j->force, .refusal = &j->refusal };
	job_phase(j, "waiting for the run lock");
	runlock_add(t, &j->refusal);
	if (j->kind->pausable && !j->dry_run)   /* a dry run changes nothing: never held */
		runlock_add_pause_check(t, &j->pause_rule);
}

/*
 * The work connection is away (lost a moment ago, or being re-established):
 * the queued jobs wait for it, each at most database.connect_timeout_s, then
 * fail as unavailable. jobs_kick() starts them when it is back; this timer
 * ends the waits that have lasted too long.
 */
static void wait_for_db(struct jobs *js)
{
	struct daemon *d = js->d;
	uint64_t limit = (uint64_t)d->cfg->database.connect_timeout_s * 1000000u;
	struct timeval tv = { 1, 0 };
	char msg[600];

	for (struct job **p = &js->queue; *p != NULL;) {
		struct job *j = *p;

		if (util_monotonic_usec() - j->waiting_since_usec < limit) {
			p = &j->next;
			continue;
		}
		*p = j->next;
		j->next = NULL;
		snprintf(msg, sizeof(msg), "database is %s: %s", db_state_name(db_get_state(d->db_work)),
			 db_last_error(d->db_work));
		log_msg(LOG_NOTICE, "%s not run: the database did not come back within %d s: %s",
			j->what, d->cfg->database.connect_timeout_s, db_last_error(d->db_work));
		answer(j, PROTO_ERR_DB_UNAVAILABLE, msg);
		job_free(j);
	}
	if (js->queue != NULL && evtimer_add(js->ev_wait, &tv) != 0)
		log_msg(LOG_ERR, "cannot arm the timer of jobs waiting for the database");
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct jobs *js = arg;
	const char *as_of;
	struct job *j;

	(void)fd;
	(void)what;
	if (js->d->stopping || js->current != NULL || js->cancels_in_flight > 0 ||
	    (j = js->queue) == NULL)
		return;
	if (db_get_state(js->d->db_work) != DB_READY) {
		if (!j->retried && strcmp(j->phase, "waiting for the database") != 0) {
			log_msg(LOG_INFO, "%s waits for the database connection (%s)", j->what,
				db_state_name(db_get_state(js->d->db_work)));
			job_phase(j, "waiting for the database");
		}
		wait_for_db(js);
		return;
	}
	js->queue = j->next;
	j->next = NULL;
	js->current = j;
	j->started_at = time(NULL);
	j->started_usec = util_monotonic_usec();
	j->started_wall_usec = util_realtime_usec();
	as_of = testhook_as_of();
	snprintf(j->as_of, sizeof(j->as_of), "%s", as_of ? as_of : "");
	begin(j);
}

static void heartbeat_cb(evutil_socket_t fd, short what, void *arg)
{
	struct jobs *js = arg;

	(void)fd;
	(void)what;
	if (js->current != NULL)
		progress(js->current);
}

struct jobs *jobs_new(struct daemon *d, const struct jobs_hooks *hooks)
{
	struct jobs *js = calloc(1, sizeof(*js));
	struct timeval tv = { JOBS_HEARTBEAT_S, 0 };

	if (js == NULL)
		return NULL;
	js->d = d;
	if (hooks != NULL)
		js->hooks = *hooks;
	js->ev_kick = event_new(d->base, -1, 0, kick_cb, js);
	js->ev_heartbeat = event_new(d->base, -1, EV_PERSIST, heartbeat_cb, js);
	js->ev_wait = evtimer_new(d->base, kick_cb, js);
	if (js->ev_kick == NULL || js->ev_heartbeat == NULL || js->ev_wait == NULL ||
	    event_add(js->ev_heartbeat, &tv) != 0) {
		jobs_free(js);
		return NULL;
	}
	return js;
}

void jobs_kick(struct jobs *js)
{
	if (js != NULL)
		kick(js);
}

bool jobs_busy(const struct jobs *js)
{
	return js->current != NULL;
}

bool jobs_cancel(struct jobs *js)
{
	if (js->current == NULL)
		return false;
	/* Abort the transaction by closing the work connection (the server
	 * rolls it back; nothing here waits); the failure path records the job
	 * as cancelled on the control connection and answers its waiters. */
	log_msg(LOG_NOTICE, "cancelling the running %s", js->current->what);
	db_close(js->d->db_work, "57P01", "cancelled: analyticsd is stopping");
	return true;
}

static void on_cancel_sent(PGresult *res, const struct db_error *err, void *arg)
{
	struct jobs *js = arg;

	(void)res;
	if (err != NULL)
		log_msg(LOG_WARNING, "cancel: pg_cancel_backend failed: %s (SQLSTATE %s); the job "
			"stops at its next statement", err->message, err->sqlstate);
	js->cancels_in_flight--;
	kick(js);
}

static int add_canceller(struct job *j, struct request *rq, json_t *cancelled)
{
	struct waiter *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -1;
	w->rq = rq;
	w->cancelled = cancelled;
	request_ref(rq);
	w->next = j->cancellers;
	j->cancellers = w;
	return 0;
}

void jobs_cancel_request(struct jobs *js, struct request *rq, bool running, bool queued)
{
	struct daemon *d = js->d;
	struct job *j = js->current;
	json_t *done = json_array();
	char pid[16], msg[192];
	const char *p[1] = { pid };

	if (done == NULL) {
		request_reply_error(rq, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	if (queued) {
		while ((j = js->queue) != NULL) {
			js->queue = j->next;
			j->next = NULL;
			snprintf(msg, sizeof(msg), "%s cancelled by %s before it started", j->what,
				 request_who(rq));
			log_msg(LOG_NOTICE, "%s", msg);
			json_array_append_new(done, cancelled_json(j, "queued", NULL));
			answer(j, PROTO_ERR_CANCELLED, msg);
			job_free(j);
		}
		daemon_status_changed(d);
	}
	j = js->current;
	/* A job already being cancelled: this request is answered with it too. */
	if (running && j != NULL && j->cancel && add_canceller(j, rq, done) == 0)
		return;
	if (!running || j == NULL || j->cancel) {
		request_reply_ok(rq, json_pack("{s:o}", "cancelled", done));
		return;
	}
	if (add_canceller(j, rq, done) != 0) {
		json_decref(done);
		request_reply_error(rq, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	j->cancel = true;
	snprintf(j->cancelled_by, sizeof(j->cancelled_by), "%s", request_who(rq));
	log_msg(LOG_NOTICE, "%s: cancelled by %s", j->what, j->cancelled_by);
	if (j->txn != NULL)
		txn_fail(j->txn, "57014", "cancelled by %s", j->cancelled_by);
	/* The statement under way, on the server; nothing else is sent on the work
	 * connection until this has been answered (kick waits), so the cancel cannot
	 * reach the next job's. */
	snprintf(pid, sizeof(pid), "%d", db_backend_pid(d->db_work));
	if (db_get_state(d->db_ctl) == DB_READY &&
	    db_send(d->db_ctl, "SELECT pg_cancel_backend($1::int)", 1, p, false, on_cancel_sent,
		    js) == 0)
		js->cancels_in_flight++;
}

json_t *jobs_status_json(const struct jobs *js)
{
	const struct job *j = js->current;
	json_t *queued = json_array(), *job = json_null();

	for (const struct job *q = js->queue; q != NULL; q = q->next)
		json_array_append_new(queued, job_json(q, "queued"));
	if (j != NULL)
		job = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "kind", j->kind->name,
				"mode", j->mode, "detail", j->mode, "phase", j->phase,
				"run_id", wire_run_id(j->id), "started_at", wire_time(j->started_at),
				"elapsed_ms", wire_ms(elapsed_usec(j)));
	return json_pack("{s:o, s:o, s:o}", "job", job,
			 "current", j ? job_json(j, "running") : json_null(), "queued", queued);
}

const char *jobs_describe(const struct jobs *js, char *buf, size_t len)
{
	if (js == NULL || js->current == NULL)
		return NULL;
	snprintf(buf, len, "%s: %s", js->current->what, js->current->phase);
	return buf;
}

void jobs_free(struct jobs *js)
{
	struct job *j;

	if (js == NULL)
		return;
	while ((j = js->queue) != NULL) {
		js->queue = j->next;
		for (struct waiter *w = j->waiters; w != NULL; w = w->next)
			request_reply_error(w->rq, PROTO_ERR_SHUTTING_DOWN,
					   "analyticsd shut down before this queued %s ran", j->what);
		job_free(j);
	}
	if (js->current != NULL) {
		for (struct waiter *w = js->current->waiters; w != NULL; w = w->next)
			request_reply_error(w->rq, PROTO_ERR_SHUTTING_DOWN, "analyticsd shut down");
		job_free(js->current);
	}
	if (js->ev_kick != NULL)
		event_free(js->ev_kick);
	if (js->ev_heartbeat != NULL)
		event_free(js->ev_heartbeat);
	if (js->ev_wait != NULL)
		event_free(js->ev_wait);
	free(js);
}
