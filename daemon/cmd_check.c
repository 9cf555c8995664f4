/* SPDX-License-Identifier: ISC */
/*
 * check: sanity checks of the analytics (analyticsctl(8)). The schema check is
 * done here (it needs the embedded migrations); the rest are queries in
 * sql/queries/check_*.sql, each run when the schema has its tables. The
 * exactness check recomputes a sample of rows with the refresh's own
 * compute (compute.c and refresh_compute.sql: one definition of each
 * metric), in one transaction whose temp tables end with it. Read-only, on
 * a connection of its own (check), one check at a time: its transaction owns
 * that connection while it runs, and a check waiting on a lock delays no
 * pause, resume, capture switch or job. Checks asked for meanwhile wait in
 * line, each answered in turn.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "compute.h"
#include "daemon.h"
#include "loyalty.h"
#include "request.h"
#include "schema.h"
#include "sqlfiles.h"

/* The queries, in order, with the migration that brings their tables:
 * customer_analytics (3), customers and loyalty (5), the queue and the clock (8), the
 * capture switch (11). */
enum { Q_ANALYTICS, Q_LOYALTY, Q_STATE, Q_CAPTURE, Q_EXACTNESS, Q_N };
static const struct {
	const char *name;
	int schema;
} queries[Q_N] = {
	[Q_ANALYTICS] = { "analytics", 3 },
	[Q_LOYALTY] = { "loyalty", 5 },
	[Q_STATE] = { "state", 8 },
	[Q_CAPTURE] = { "capture", 11 },
	[Q_EXACTNESS] = { "exactness", 8 },
};

struct check_req {
	struct check_req *behind;       /* the next check in line */
	struct daemon *d;
	struct request *rq;
	json_t *checks;
	bool runs[Q_N];                 /* the schema has what the query reads */
	int next;                       /* the next query to run */
	const char *running;            /* the query under way */
	char *pilot;
	struct compute *compute;        /* the exactness check's */
};

static void add_check(json_t *checks, const char *name, const char *status, const char *detail,
		      json_t *keys)
{
	json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:o}", "name", name, "status",
						status, "detail", detail,
						"keys", keys ? keys : json_array()));
}

/* The checks asked for, the running one first (this module's own state). */
static struct check_req *line;

static void start(struct check_req *r);

static void release(struct check_req *r)
{
	line = r->behind;
	request_unref(r->rq);
	free(r->pilot);
	compute_free(r->compute);
	free(r);
	if (line != NULL)
		start(line);
}

static void finish(struct check_req *r)
{
	int n[3] = { 0, 0, 0 };
	static const char *const names[3] = { "pass", "warn", "fail" };
	json_t *chk;
	size_t i;

	json_array_foreach(r->checks, i, chk) {
		const char *st = json_string_value(json_object_get(chk, "status"));
		for (int k = 0; k < 3; k++)
			if (st != NULL && strcmp(st, names[k]) == 0)
				n[k]++;
	}
	request_reply_ok(r->rq, json_pack("{s:o, s:{s:i, s:i, s:i}}", "checks", r->checks,
					"summary", "pass", n[0], "warn", n[1], "fail", n[2]));
	release(r);
}

static void run_next(struct check_req *r);

/* A query's rows of checks (name, status, detail, keys), or why it failed. */
static void add_checks(struct check_req *r, PGresult *res, const struct db_error *err)
{
	if (err != NULL) {
		char detail[700];
		db_error_format(err, "the checks could not run", detail, sizeof(detail));
		add_check(r->checks, r->running, "fail", detail, NULL);
	}
	for (int i = 0; err == NULL && i < PQntuples(res); i++) {
		json_t *keys = json_loads(PQgetvalue(res, i, 3), 0, NULL);
		add_check(r->checks, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			  PQgetvalue(res, i, 2), json_is_array(keys) ? keys : NULL);
		if (!json_is_array(keys))
			json_decref(keys);
	}
}

/* Then the next query, or the answer. */
static void on_checks(PGresult *res, const struct db_error *err, void *arg)
{
	add_checks(arg, res, err);
	run_next(arg);
}

static void on_compared(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	add_checks(arg, res, NULL);
}

static void on_exactness_done(const struct db_error *err, void *arg)
{
	if (err != NULL)
		add_checks(arg, NULL, err);
	run_next(arg);
}

/*
 * The exactness check (check_exactness_setup.sql says how): the sample's
 * scope, then the refresh's compute of it, then the comparison. Returns -1
 * when the connection is not ready.
 */
static int start_exactness(struct check_req *r)
{
	struct txn *t = txn_begin(r->d->db_check, on_exactness_done, r);
	static const struct txn_stmt scope[] = {
		{ sql_check_exactness_setup, NULL }, { sql_refresh_queue_whole, NULL },
		{ sql_refresh_queue_keys, NULL },
		{ sql_check_exactness_scope, NULL }, { sql_refresh_analyze_scope, NULL },
		{ NULL, NULL },
	};

	if (t == NULL)
		return -1;
	for (const struct txn_stmt *s = scope; s->sql != NULL; s++)
		txn_add(t, s->sql, 0, NULL, true, NULL, NULL);
	compute_add(t, r->d->base, false, &r->compute);
	txn_add(t, sql_refresh_compute, 0, NULL, true, NULL, NULL);
	txn_add(t, sql_check_exactness_compare, 0, NULL, true, on_compared, r);
	return 0;
}

/* The next query the schema allows, or the answer. */
static void run_next(struct check_req *r)
{
	const char *p[1] = { r->pilot };
	char max_age[16];
	const char *p_age[1] = { max_age };
	int q, rc;

	while (r->next < Q_N && !r->runs[r->next])
		r->next++;
	if (r->next == Q_N) {
		finish(r);
		return;
	}
	q = r->next++;
	r->running = queries[q].name;
	switch (q) {
	case Q_ANALYTICS:
		rc = db_send(r->d->db_check, sql_check_analytics, 0, NULL, false, on_checks, r);
		break;
	case Q_LOYALTY:
		rc = db_send(r->d->db_check, sql_check_loyalty, 1, p, false, on_checks, r);
		break;
	case Q_STATE:
		snprintf(max_age, sizeof(max_age), "%d", r->d->cfg->check.max_age_s);
		rc = db_send(r->d->db_check, sql_check_state, 1, p_age, false, on_checks, r);
		break;
	case Q_CAPTURE:
		rc = db_send(r->d->db_check, sql_check_capture, 0, NULL, false, on_checks, r);
		break;
	default:
		rc = start_exactness(r);
		break;
	}
	if (rc != 0) {
		add_check(r->checks, r->running, "fail", "the checks could not run: the database "
			  "connection is gone", NULL);
		finish(r);
	}
}

static void on_probe(const struct schema_info *si, const struct db_error *err, void *arg)
{
	struct check_req *r = arg;
	char detail[700];
	bool ok;

	if (err != NULL) {
		snprintf(detail, sizeof(detail), "cannot read schema_migrations: %s", err->message);
		add_check(r->checks, "schema", "fail", detail, NULL);
		finish(r);
		return;
	}
	ok = si->n_pending == 0 && si->problem[0] == '\0';
	if (si->problem[0] != '\0')
		snprintf(detail, sizeof(detail), "%s", si->problem);
	else
		snprintf(detail, sizeof(detail), "schema version %d of %d%s%s", si->current,
			 si->latest, si->n_functions_pending ? ", a function script changed" : "",
			 si->n_pending ? ": run analyticsctl migrate" : "");
	add_check(r->checks, "schema", ok ? "pass" : "fail", detail, NULL);
	for (int q = 0; q < Q_N; q++)
		r->runs[q] = schema_is_applied(si, queries[q].schema);
	run_next(r);
}

static void start(struct check_req *r)
{
	if (r->d->stopping) {
		json_decref(r->checks);
		request_reply_error(r->rq, PROTO_ERR_SHUTTING_DOWN, "analyticsd is shutting down");
		release(r);
	} else if (schema_probe(r->d->db_check, on_probe, r) != 0) {
		json_decref(r->checks);
		request_reply_db_unavailable(r->rq, r->d->db_check);
		release(r);
	}
}

void cmd_check(struct daemon *d, struct request *rq, const struct cmd_args *args)
{
	struct check_req *r, **tail = &line;

	(void)args;
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->checks = json_array()) == NULL ||
	    (r->pilot = loyalty_pilot_array(d->cfg)) == NULL) {
		if (r != NULL)
			json_decref(r->checks);
		free(r);
		request_reply_error(rq, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	r->d = d;
	r->rq = rq;
	request_ref(rq);
	while (*tail != NULL)
		tail = &(*tail)->behind;
	*tail = r;
	if (line == r)
		start(r);
}
