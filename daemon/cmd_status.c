/* SPDX-License-Identifier: ISC */
/*
 * status: what the daemon is and does now (SPEC 4.2). Everything but the
 * schema, the last runs and the pause comes from memory; those are read on
 * status's own connection, which no job and no other reader ever holds, so
 * status answers at once even during a run or a slow check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "follow.h"
#include "listener.h"
#include "schema.h"
#include "job.h"
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
	struct client *c;
	json_t *result;
	struct event *ev_timeout;
	bool replied, chain_done;
};

static void release(struct status_req *r)
{
	if (!r->replied || !r->chain_done)
		return;
	event_free(r->ev_timeout);
	json_decref(r->result);
	client_unref(r->c);
	free(r);
}

static void reply(struct status_req *r)
{
	if (r->replied)
		return;
	r->replied = true;
	evtimer_del(r->ev_timeout);
	client_reply_ok(r->c, json_incref(r->result));
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

static void on_paused(PGresult *res, const struct db_error *err, void *arg)
{
	struct status_req *r = arg;

	if (err == NULL && PQntuples(res) == 1 && !r->replied)
		json_object_set_new(r->result, "paused", wire_row(result_row_json(res, 0)));
	finish(r);
}

static void on_last_runs(PGresult *res, const struct db_error *err, void *arg)
{
	struct status_req *r = arg;
	json_t *last = json_object();

	for (int i = 0; err == NULL && i < PQntuples(res); i++)
		json_object_set_new(last, PQgetvalue(res, i, PQfnumber(res, "mode")),
				    wire_row(result_row_json(res, i)));
	if (!r->replied)
		json_object_set_new(r->result, "last_runs", last);
	else
		json_decref(last);
	if (err != NULL || r->replied ||
	    db_send(r->d->db_status, sql_control_get, 0, NULL, false, on_paused, r) != 0)
		finish(r);
}

/* The bookkeeping tables arrive with migration 2. */
#define SCHEMA_HAS_RUNS 2

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
	if (r->replied || !schema_is_applied(si, SCHEMA_HAS_RUNS) ||
	    db_send(r->d->db_status, sql_runs_last_per_mode, 0, NULL, false, on_last_runs, r) != 0)
		finish(r);
}

void cmd_status(struct daemon *d, struct client *c, const struct cmd_args *args)
{
	struct timeval tv = { 0, STATUS_DB_WAIT_MS * 1000 };
	struct status_req *r;
	json_t *result;

	(void)args;
	result = base_status(d);
	if (result == NULL) {
		client_reply_error(c, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	if (d->db_status == NULL || db_get_state(d->db_status) != DB_READY ||
	    (r = calloc(1, sizeof(*r))) == NULL) {
		client_reply_ok(c, result);
		return;
	}
	r->d = d;
	r->c = c;
	r->result = result;
	r->ev_timeout = evtimer_new(d->base, on_timeout, r);
	if (r->ev_timeout == NULL || evtimer_add(r->ev_timeout, &tv) != 0 ||
	    schema_probe(d->db_status, on_probe, r) != 0) {
		if (r->ev_timeout != NULL)
			event_free(r->ev_timeout);
		free(r);
		client_reply_ok(c, result);
		return;
	}
	client_ref(c);
}
