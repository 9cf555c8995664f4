/* SPDX-License-Identifier: ISC */
/*
 * metrics: the figures a monitoring system alerts on (analyticsctl(8)), as JSON;
 * analyticsctl renders them in the Prometheus text format. From memory: the
 * daemon, its connections and jobs. From the database, on the control
 * connection: the schema, the runs by kind, mode and status with each kind
 * and mode's last run, and (with change capture) the pause, the queue and
 * the rows due. Read-only.
 */
#include <stdlib.h>

#include "cmd.h"
#include "daemon.h"
#include "follow.h"
#include "job.h"
#include "request.h"
#include "schema.h"
#include "sqlfiles.h"
#include "wire.h"

/* The queue and the clock arrive with migration 8, the run totals with 12 (before it the
 * metrics have no run figures: analyticsd_schema_pending_migrations says why). */
#define SCHEMA_HAS_RUN_TOTALS 12
#define SCHEMA_HAS_CAPTURE 8

struct metrics_req {
	struct daemon *d;
	struct request *rq;
	json_t *result;
	bool capture;
};

static void finish(struct metrics_req *r)
{
	request_reply_ok(r->rq, r->result);
	request_unref(r->rq);
	free(r);
}

/*
 * The queries give Unix seconds (what Prometheus wants); replies give times
 * in RFC 3339 and durations in integer milliseconds, so the members are
 * renamed and converted here (analyticsctl converts them back).
 */
static void seconds_to_time(json_t *o, const char *from, const char *to)
{
	json_t *v = json_object_get(o, from);

	if (v == NULL)
		return;
	json_object_set_new(o, to, json_is_number(v) ? wire_epoch(json_number_value(v))
			    : json_null());
	json_object_del(o, from);
}

static void seconds_to_ms(json_t *o, const char *from, const char *to)
{
	json_t *v = json_object_get(o, from);

	if (v == NULL)
		return;
	/* A clock stepped back can make a duration negative: none, then. */
	json_object_set_new(o, to, !json_is_number(v) ? json_null() : json_number_value(v) <= 0
			    ? json_integer(0) : wire_ms((uint64_t)(json_number_value(v) * 1e6 + 0.5)));
	json_object_del(o, from);
}

static json_t *rows_json(PGresult *res)
{
	json_t *a = json_array();

	for (int i = 0; i < PQntuples(res); i++) {
		json_t *row = wire_row(wire_result_row(res, i));

		seconds_to_time(row, "last_finished", "last_finished_at");
		seconds_to_ms(row, "duration_s", "duration_ms");
		json_array_append_new(a, row);
	}
	return a;
}

static void on_state(PGresult *res, const struct db_error *err, void *arg)
{
	struct metrics_req *r = arg;

	json_t *state;

	if (err == NULL && PQntuples(res) == 1 && (state = wire_result_row(res, 0)) != NULL) {
		seconds_to_time(state, "paused_since", "paused_at");
		seconds_to_time(state, "caught_up", "caught_up_at");
		seconds_to_time(state, "capture_changed", "capture_changed_at");
		seconds_to_ms(state, "queue_oldest_age", "queue_oldest_age_ms");
		json_object_set_new(r->result, "state", state);
	}
	finish(r);
}

static void on_runs(PGresult *res, const struct db_error *err, void *arg)
{
	struct metrics_req *r = arg;

	if (err == NULL)
		json_object_set_new(r->result, "runs", rows_json(res));
	if (err != NULL || !r->capture ||
	    db_send(r->d->db_ctl, sql_metrics_state, 0, NULL, false, on_state, r) != 0)
		finish(r);
}

static void on_probe(const struct schema_info *si, const struct db_error *err, void *arg)
{
	struct metrics_req *r = arg;

	if (err != NULL) {
		finish(r);
		return;
	}
	json_object_set_new(r->result, "schema", json_pack("{s:i, s:i}", "version", si->current,
							   "pending", si->n_pending));
	r->capture = schema_is_applied(si, SCHEMA_HAS_CAPTURE);
	if (!schema_is_applied(si, SCHEMA_HAS_RUN_TOTALS) ||
	    db_send(r->d->db_ctl, sql_metrics_runs, 0, NULL, false, on_runs, r) != 0)
		finish(r);
}

void cmd_metrics(struct daemon *d, struct request *rq, const struct cmd_args *args)
{
	json_t *jobs = jobs_status_json(d->jobs), *follow;
	struct metrics_req *r;

	(void)args;
	follow = d->follow ? follow_status_json(d->follow) : NULL;
	json_t *result = json_pack("{s:s, s:o, s:b, s:b, s:I, s:I}", "version", ANALYTICSD_VERSION,
		"started_at", wire_time(d->started_at),
		"database_up", db_get_state(d->db_ctl) == DB_READY,
		"job_running", !json_is_null(json_object_get(jobs, "current")),
		"jobs_queued", (json_int_t)json_array_size(json_object_get(jobs, "queued")),
		"follow_interval_ms", (json_int_t)json_integer_value(json_object_get(follow, "interval_ms")));

	json_decref(jobs);
	json_decref(follow);
	if (result == NULL) {
		request_reply_error(rq, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	if (db_get_state(d->db_ctl) != DB_READY || (r = calloc(1, sizeof(*r))) == NULL) {
		request_reply_ok(rq, result);
		return;
	}
	r->d = d;
	r->rq = rq;
	r->result = result;
	request_ref(rq);
	if (schema_probe(d->db_ctl, on_probe, r) != 0) {
		request_unref(rq);
		free(r);
		request_reply_ok(rq, result);
	}
}
