/* SPDX-License-Identifier: ISC */
/* rollback [to] (analyticsctl(8)). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "daemon.h"
#include "job.h"
#include "log.h"
#include "msgids.h"
#include "request.h"
#include "rollback.h"
#include "sqlfiles.h"
#include "wire.h"

/*
 * rollback --dry-run: the runs a rollback asked for now would undo, newest
 * first, each with what undoing it would do, read with the job's own plan and
 * counts (rollback_plan.sql, rollback_counts.sql) on the reading connection.
 * Nothing is changed, nothing is recorded. (A rollback that is queued decides
 * when it starts; the preview is of now.)
 */
struct preview {
	struct daemon *d;
	struct request *rq;
	long long to;
	json_t *runs;
	size_t next;                    /* the run whose counts are read next */
	struct run_counts n;             /* the rollback's, as its run would record them */
};

static void preview_free(struct preview *pv)
{
	request_unref(pv->rq);
	json_decref(pv->runs);
	free(pv);
}

static void preview_counts(struct preview *pv);

static void on_preview_counts(PGresult *res, const struct db_error *err, void *arg)
{
	struct preview *pv = arg;
	json_t *run = json_array_get(pv->runs, pv->next);
	struct run_counts one;

	if (err != NULL) {
		request_reply_db_error(pv->rq, "cannot read the undo log", err);
		preview_free(pv);
		return;
	}
	rollback_counts_read(res, &one);
	json_object_set_new(run, "rows", wire_rows(&one));
	run_counts_add(&pv->n, &one);
	pv->next++;
	preview_counts(pv);
}

static void preview_counts(struct preview *pv)
{
	char id[24];
	const char *p[1] = { id };

	if (pv->next == json_array_size(pv->runs)) {
		request_reply_ok(pv->rq, json_pack("{s:b, s:O, s:o}", "dry_run", 1, "runs", pv->runs,
						 "rows", wire_rows(&pv->n)));
		preview_free(pv);
		return;
	}
	snprintf(id, sizeof(id), "%lld",
		 (long long)json_integer_value(json_object_get(json_array_get(pv->runs, pv->next),
							       "run_id")));
	if (db_send(pv->d->db_ctl, sql_rollback_counts, 1, p, false, on_preview_counts, pv) != 0) {
		request_reply_db_unavailable(pv->rq, pv->d->db_ctl);
		preview_free(pv);
	}
}

static void on_preview_plan(PGresult *res, const struct db_error *err, void *arg)
{
	struct preview *pv = arg;
	char why[512];

	if (err != NULL) {
		request_reply_db_error(pv->rq, "cannot read analytics_refresh_runs", err);
		preview_free(pv);
		return;
	}
	if (rollback_plan_verdict(res, pv->to, pv->d->cfg->refresh.keep_runs, why,
				  sizeof(why)) != 0) {
		request_reply_error(pv->rq, PROTO_ERR_FAILED, "%s", why);
		preview_free(pv);
		return;
	}
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(pv->runs, wire_row(wire_result_row(res, i)));
	preview_counts(pv);
}

static void send_plan(struct preview *pv)
{
	char target[24];
	const char *p[1] = { pv->to ? target : NULL };

	snprintf(target, sizeof(target), "%lld", pv->to);
	if (db_send(pv->d->db_ctl, sql_rollback_plan, 1, p, false, on_preview_plan, pv) != 0) {
		request_reply_db_unavailable(pv->rq, pv->d->db_ctl);
		preview_free(pv);
	}
}

static void on_preview_target(PGresult *res, const struct db_error *err, void *arg)
{
	struct preview *pv = arg;
	char why[256];

	if (err != NULL) {
		request_reply_db_error(pv->rq, "cannot read analytics_refresh_runs", err);
		preview_free(pv);
	} else if (rollback_target_verdict(res, pv->to, why, sizeof(why)) != 0) {
		request_reply_error(pv->rq, PROTO_ERR_FAILED, "%s", why);
		preview_free(pv);
	} else {
		send_plan(pv);
	}
}

static void preview(struct daemon *d, struct request *rq, long long to)
{
	struct preview *pv = calloc(1, sizeof(*pv));
	char target[24];
	const char *p[1] = { target };

	if (pv == NULL || (pv->runs = json_array()) == NULL) {
		free(pv);
		request_reply_error(rq, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	pv->d = d;
	pv->rq = rq;
	pv->to = to;
	request_ref(rq);
	if (to == 0) {
		send_plan(pv);
		return;
	}
	snprintf(target, sizeof(target), "%lld", to);
	if (db_send(d->db_ctl, sql_rollback_target_exists, 1, p, false, on_preview_target,
		    pv) != 0) {
		request_reply_db_unavailable(rq, d->db_ctl);
		preview_free(pv);
	}
}

void cmd_rollback(struct daemon *d, struct request *rq, const struct cmd_args *args)
{
	if (cmd_arg_bool(args, "dry_run", false)) {
		preview(d, rq, cmd_arg_int(args, "to", 0));
		return;
	}
	job_submit(d->jobs, rq, rollback_job(d, cmd_arg_int(args, "to", 0)),
		   cmd_arg_bool(args, "wait", true));
}
