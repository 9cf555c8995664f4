/* SPDX-License-Identifier: ISC */
/*
 * status: what the daemon is and does now (analyticsctl(8)). Everything but the
 * schema, the last runs, the pause and the capture switch comes from memory;
 * those are read on status's own connection, which no job and no other
 * reader ever holds, so status answers at once even during a run or a slow
 * check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "daemon.h"
#include "follow.h"
#include "job.h"
#include "listener.h"
#include "log.h"
#include "queuestat.h"
#include "request.h"
#include "schema.h"
#include "sqlfiles.h"
#include "util.h"
#include "wire.h"

static json_t *db_json(const struct db_conn *db)
{
	return json_pack("{s:s, s:o, s:o}", "state", db_state_name(db_get_state(db)),
			 "since", wire_time(db_state_since(db)),
			 "error", wire_string(db_get_state(db) == DB_READY ? NULL : db_last_error(db)));
}

static json_t *base_status(struct daemon *d)
{
	json_t *queue;
	json_t *o = json_pack("{s:s, s:i, s:i, s:s, s:o, s:o, s:s, s:o, s:o, s:n}",
			 "version", ANALYTICSD_VERSION, "protocol", PROTO_VERSION,
			 "pid", (int)getpid(), "host", d->host, "started_at", wire_time(d->started_at),
			 "uptime_ms", wire_ms(util_monotonic_usec() - d->started_usec),
			 "socket", listener_describe(d->listener),
			 "database", db_json(d->db_ctl), "work_connection", db_json(d->db_work),
			 "schema");

	if (o != NULL)
		json_object_update_new(o, jobs_status_json(d->jobs));  /* job, current, queued */
	if (o != NULL && d->follow != NULL)
		json_object_set_new(o, "follow", follow_status_json(d->follow));
	if (o != NULL && (queue = queuestat_json(d->queuestat)) != NULL)
		json_object_set_new(o, "queue", queue);
	return o;
}

/* How long status waits for its database part before answering without it. */
#define STATUS_DB_WAIT_MS 1000

/*
 * The database part is read on a connection of status's own (db_status), so
 * that no reader on the control connection (a check waiting on a lock, a
 * failure being recorded) can delay it; and it is bounded in time: past
 * STATUS_DB_WAIT_MS the reply goes without it, saying so. The request lives
 * until both the reply is sent and its query chain has ended.
 */
struct status_req {
	struct daemon *d;
	struct request *rq;
	json_t *result;
	struct event *ev_timeout;
	bool replied, chain_done;
	int part;                       /* on_part: the statements' results so far */
	PGresult *applied;              /* on_part: schema_migrations, kept for the repeatables */
	bool batchable;                 /* step by step: every table the batch reads is there */
};

/*
 * The one-round-trip read (see on_part): on once status has found the
 * bookkeeping tables and prepared its statement for the last runs on its
 * connection; off after a failure, and for good after BATCH_MAX_FAILURES in
 * a row (a pooler that does not keep a session's prepared statements).
 */
#define BATCH_STMT "analyticsd_status_last_runs"
#define BATCH_MAX_FAILURES 3
static bool batched;
static int batch_failures;

static void release(struct status_req *r)
{
	if (!r->replied || !r->chain_done)
		return;
	event_free(r->ev_timeout);
	json_decref(r->result);
	PQclear(r->applied);
	request_unref(r->rq);
	free(r);
}

static void reply(struct status_req *r)
{
	if (r->replied)
		return;
	r->replied = true;
	evtimer_del(r->ev_timeout);
	request_reply_ok(r->rq, json_incref(r->result));
}

/* The query chain ended (fully or not): answer if not yet, and let go. */
static void finish(struct status_req *r)
{
	reply(r);
	r->chain_done = true;
	release(r);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct status_req *r = arg;

	(void)fd;
	(void)what;
	json_object_set_new(r->result, "database_note", json_sprintf(
		"the database part did not answer within %d ms; it is left out", STATUS_DB_WAIT_MS));
	reply(r);
	release(r);
}

/* The parts, each from its query's result. */
static void put_paused(struct status_req *r, PGresult *res)
{
	if (PQntuples(res) == 1 && !r->replied)
		json_object_set_new(r->result, "paused", wire_row(wire_result_row(res, 0)));
}

static void put_capture(struct status_req *r, PGresult *res)
{
	if (PQntuples(res) == 1 && !r->replied)
		json_object_set_new(r->result, "capture", wire_row(wire_result_row(res, 0)));
}

static void put_last_runs(struct status_req *r, PGresult *res)
{
	json_t *last = json_object();

	for (int i = 0; i < PQntuples(res); i++) {
		json_t *row = wire_row(wire_result_row(res, i));

		cmd_redact_for_reader(r->rq, row);
		json_object_set_new(last, PQgetvalue(res, i, PQfnumber(res, "mode")), row);
	}
	if (!r->replied)
		json_object_set_new(r->result, "last_runs", last);
	else
		json_decref(last);
}

/* The bookkeeping tables arrive with migration 2. */
#define SCHEMA_HAS_RUNS 2

/*
 * Step by step, as on a database that may have no bookkeeping tables yet:
 * the schema (two queries, schema.c), then the last runs and the pause if
 * the tables are there.
 */
static void on_capture(PGresult *res, const struct db_error *err, void *arg)
{
	struct status_req *r = arg;

	if (err == NULL)
		put_capture(r, res);
	finish(r);
}

static void on_paused(PGresult *res, const struct db_error *err, void *arg)
{
	struct status_req *r = arg;

	if (err == NULL)
		put_paused(r, res);
	if (err != NULL || r->replied ||
	    db_send(r->d->db_status, sql_capture_get, 0, NULL, false, on_capture, r) != 0)
		finish(r);
}

/* Already there (a step-by-step read after a failed batch) is as good. */
static void on_prepared(PGresult *res, const struct db_error *err, void *arg)
{
	(void)res;
	(void)arg;
	batched = err == NULL || strcmp(err->sqlstate, "42P05") == 0;
}

static void on_last_runs(PGresult *res, const struct db_error *err, void *arg)
{
	struct status_req *r = arg;
	struct daemon *d = r->d;
	char *sql;

	if (err == NULL)
		put_last_runs(r, res);
	if (err != NULL || r->replied ||
	    db_send(d->db_status, sql_control_get, 0, NULL, false, on_paused, r) != 0) {
		finish(r);
		return;
	}
	/* The tables are there: the next status reads its parts in one round trip.
	 * Planning the last runs' query takes longer than running it: prepare it. */
	if (batched || batch_failures >= BATCH_MAX_FAILURES || !r->batchable ||
	    asprintf(&sql, "PREPARE " BATCH_STMT " AS\n%s", sql_runs_last_per_mode) < 0)
		return;
	db_send(d->db_status, sql, 0, NULL, true, on_prepared, NULL);
	free(sql);
}

static void on_probe(const struct schema_info *si, const struct db_error *err, void *arg)
{
	struct status_req *r = arg;

	if (err != NULL) {
		if (!r->replied)
			json_object_set_new(r->result, "schema_error", json_string(err->message));
		finish(r);
		return;
	}
	if (!r->replied)
		json_object_set_new(r->result, "schema", schema_info_json(si, false));
	/* Until this analyticsd's migrate has run, the batch's schema_repeatables is missing. */
	r->batchable = si->repeatables_ledger;
	if (r->replied || !schema_is_applied(si, SCHEMA_HAS_RUNS) ||
	    db_send(r->d->db_status, sql_runs_last_per_mode, 0, NULL, false, on_last_runs, r) != 0)
		finish(r);
}

/*
 * In one round trip, once the tables are known to be there: the same five
 * files' statements sent as one simple query, the last runs' as prepared on
 * this connection. Separate round trips and the planning of the last runs' query
 * were most of status's time, idle or during a refresh (docs/BENCHMARKS.md,
 * "status during a refresh"). If a statement fails (the tables went with
 * migrate down, the connection is a new session after a reconnect), this
 * request and the next go step by step, which prepares the statement again.
 */
enum { PART_SCHEMA, PART_REPEATABLES, PART_LAST_RUNS, PART_PAUSED, PART_CAPTURE, N_PARTS };

static void on_part(PGresult *res, const struct db_error *err, void *arg)
{
	struct status_req *r = arg;
	struct schema_info *si;

	if (res != NULL) {
		switch (r->part++) {
		case PART_SCHEMA:
			PQclear(r->applied);
			db_keep_result(r->d->db_status);
			r->applied = res;
			break;
		case PART_REPEATABLES:
			if (r->replied || (si = calloc(1, sizeof(*si))) == NULL)
				break;
			schema_compare(si, r->applied, res);
			json_object_set_new(r->result, "schema", schema_info_json(si, false));
			free(si);
			break;
		case PART_LAST_RUNS:
			put_last_runs(r, res);
			break;
		case PART_PAUSED:
			put_paused(r, res);
			break;
		case PART_CAPTURE:
			put_capture(r, res);
			break;
		}
		return;
	}
	if (err == NULL && r->part == N_PARTS) {
		batch_failures = 0;
		finish(r);
		return;
	}
	batched = false;
	if (++batch_failures == BATCH_MAX_FAILURES)
		log_msg(LOG_NOTICE, "status: reading its database part in one round trip failed "
			"%d times in a row (last: %s); it reads step by step from now on",
			BATCH_MAX_FAILURES, err != NULL ? err->message : "a statement returned nothing");
	json_object_del(r->result, "schema");
	json_object_del(r->result, "last_runs");
	json_object_del(r->result, "paused");
	json_object_del(r->result, "capture");
	if (r->replied || schema_probe(r->d->db_status, on_probe, r) != 0)
		finish(r);
}

static int read_database_part(struct status_req *r)
{
	const struct db_opts o = { .simple = true, .each = true };
	char *sql;
	int rc;

	if (!batched)
		return schema_probe(r->d->db_status, on_probe, r);
	/* Empty statements between them are no statements: the separators are safe. */
	if (asprintf(&sql, "%s\n;\n%s\n;\nEXECUTE " BATCH_STMT "\n;\n%s\n;\n%s\n;",
		     sql_schema_applied, sql_schema_repeatables, sql_control_get, sql_capture_get) < 0)
		return -1;
	rc = db_send_opts(r->d->db_status, sql, 0, NULL, &o, on_part, r);
	free(sql);
	return rc;
}

void cmd_status(struct daemon *d, struct request *rq, const struct cmd_args *args)
{
	struct timeval tv = { 0, STATUS_DB_WAIT_MS * 1000 };
	struct status_req *r;
	json_t *result;

	(void)args;
	result = base_status(d);
	if (result == NULL) {
		request_reply_error(rq, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	if (d->db_status == NULL || db_get_state(d->db_status) != DB_READY ||
	    (r = calloc(1, sizeof(*r))) == NULL) {
		request_reply_ok(rq, result);
		return;
	}
	r->d = d;
	r->rq = rq;
	r->result = result;
	r->ev_timeout = evtimer_new(d->base, on_timeout, r);
	if (r->ev_timeout == NULL || evtimer_add(r->ev_timeout, &tv) != 0 ||
	    read_database_part(r) != 0) {
		if (r->ev_timeout != NULL)
			event_free(r->ev_timeout);
		free(r);
		request_reply_ok(rq, result);
		return;
	}
	request_ref(rq);
}
