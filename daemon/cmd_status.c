/*
 * status: what the daemon is and does now (SPEC 4.2). Everything but the
 * schema comes from memory; the schema is read on the control connection,
 * which no job ever holds, so status answers at once even during a run.
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

static json_t *db_json(const struct db_conn *db)
{
	char since[32];

	util_iso8601(db_state_since(db), since, sizeof(since));
	return json_pack("{s:s, s:s, s:s*}", "state", db_state_name(db_get_state(db)),
			 "since", since,
			 "error", db_get_state(db) == DB_READY ? NULL : db_last_error(db));
}

static json_t *base_status(struct daemon *d)
{
	char started[32];

	util_iso8601(d->started_at, started, sizeof(started));
	json_t *o = json_pack("{s:s, s:i, s:i, s:s, s:s, s:I, s:s, s:o, s:o, s:n}",
			 "version", ANALYTICSD_VERSION, "protocol", PROTO_VERSION,
			 "pid", (int)getpid(), "host", d->host, "started_at", started,
			 "uptime_s", (json_int_t)((util_monotonic_usec() - d->started_usec) / 1000000u),
			 "socket", listener_describe(d->listener),
			 "database", db_json(d->db_ctl), "work_connection", db_json(d->db_work),
			 "schema");

	if (o != NULL)
		json_object_update_new(o, jobs_status_json(d->jobs));  /* job, current, queued */
	if (o != NULL && d->follow != NULL)
		json_object_set_new(o, "follow", follow_status_json(d->follow));
	return o;
}

struct status_req {
	struct daemon *d;
	struct client *c;
	json_t *result;
};

static void finish(struct status_req *r)
{
	client_reply_ok(r->c, r->result);
	client_unref(r->c);
	free(r);
}

static void on_paused(PGresult *res, const struct db_error *err, void *arg)
{
	struct status_req *r = arg;

	if (err == NULL && PQntuples(res) == 1)
		json_object_set_new(r->result, "paused", result_row_json(res, 0));
	finish(r);
}

static void on_last_runs(PGresult *res, const struct db_error *err, void *arg)
{
	struct status_req *r = arg;
	json_t *last = json_object();

	for (int i = 0; err == NULL && i < PQntuples(res); i++)
		json_object_set_new(last, PQgetvalue(res, i, PQfnumber(res, "mode")),
				    result_row_json(res, i));
	json_object_set_new(r->result, "last_runs", last);
	if (err != NULL ||
	    db_send(r->d->db_ctl, sql_control_get, 0, NULL, false, on_paused, r) != 0)
		finish(r);
}

/* The bookkeeping tables arrive with migration 2. */
#define SCHEMA_HAS_RUNS 2

static void on_probe(const struct schema_info *si, const struct db_error *err, void *arg)
{
	struct status_req *r = arg;

	if (err != NULL) {
		json_object_set_new(r->result, "schema_error", json_string(err->message));
		finish(r);
		return;
	}
	json_object_set_new(r->result, "schema", schema_info_json(si, false));
	if (!schema_is_applied(si, SCHEMA_HAS_RUNS) ||
	    db_send(r->d->db_ctl, sql_runs_last_per_mode, 0, NULL, false, on_last_runs, r) != 0)
		finish(r);
}

void cmd_status(struct daemon *d, struct client *c, const struct cmd_args *args)
{
	struct status_req *r;
	json_t *result;

	(void)args;
	result = base_status(d);
	if (result == NULL) {
		client_reply_error(c, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	if (db_get_state(d->db_ctl) != DB_READY || (r = malloc(sizeof(*r))) == NULL) {
		client_reply_ok(c, result);
		return;
	}
	r->d = d;
	r->c = c;
	r->result = result;
	client_ref(c);
	if (schema_probe(d->db_ctl, on_probe, r) != 0) {
		client_unref(c);
		free(r);
		client_reply_ok(c, result);
	}
}
