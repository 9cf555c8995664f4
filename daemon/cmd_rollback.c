/* SPDX-License-Identifier: ISC */
/* rollback [to], pause [reason], resume (SPEC 4.3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "job.h"
#include "log.h"
#include "msgids.h"
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
	struct client *c;
	long long to;
	json_t *runs;
	size_t next;                    /* the run whose counts are read next */
	struct run_counts n;             /* the rollback's, as its run would record them */
};

static void preview_free(struct preview *pv)
{
	client_unref(pv->c);
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
		reply_db_error(pv->c, "cannot read the undo log", err);
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
		client_reply_ok(pv->c, json_pack("{s:b, s:O, s:o}", "dry_run", 1, "runs", pv->runs,
						 "rows", wire_rows(&pv->n)));
		preview_free(pv);
		return;
	}
	snprintf(id, sizeof(id), "%lld",
		 (long long)json_integer_value(json_object_get(json_array_get(pv->runs, pv->next),
							       "run_id")));
	if (db_send(pv->d->db_ctl, sql_rollback_counts, 1, p, false, on_preview_counts, pv) != 0) {
		reply_db_unavailable(pv->c, pv->d->db_ctl);
		preview_free(pv);
	}
}

static void on_preview_plan(PGresult *res, const struct db_error *err, void *arg)
{
	struct preview *pv = arg;
	char why[512];

	if (err != NULL) {
		reply_db_error(pv->c, "cannot read analytics_refresh_runs", err);
		preview_free(pv);
		return;
	}
	if (rollback_plan_verdict(res, pv->to, pv->d->cfg->refresh.keep_runs, why,
				  sizeof(why)) != 0) {
		client_reply_error(pv->c, PROTO_ERR_FAILED, "%s", why);
		preview_free(pv);
		return;
	}
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(pv->runs, wire_row(result_row_json(res, i)));
	preview_counts(pv);
}

static void send_plan(struct preview *pv)
{
	char target[24];
	const char *p[1] = { pv->to ? target : NULL };

	snprintf(target, sizeof(target), "%lld", pv->to);
	if (db_send(pv->d->db_ctl, sql_rollback_plan, 1, p, false, on_preview_plan, pv) != 0) {
		reply_db_unavailable(pv->c, pv->d->db_ctl);
		preview_free(pv);
	}
}

static void on_preview_target(PGresult *res, const struct db_error *err, void *arg)
{
	struct preview *pv = arg;
	char why[256];

	if (err != NULL) {
		reply_db_error(pv->c, "cannot read analytics_refresh_runs", err);
		preview_free(pv);
	} else if (rollback_target_verdict(res, pv->to, why, sizeof(why)) != 0) {
		client_reply_error(pv->c, PROTO_ERR_FAILED, "%s", why);
		preview_free(pv);
	} else {
		send_plan(pv);
	}
}

static void preview(struct daemon *d, struct client *c, long long to)
{
	struct preview *pv = calloc(1, sizeof(*pv));
	char target[24];
	const char *p[1] = { target };

	if (pv == NULL || (pv->runs = json_array()) == NULL) {
		free(pv);
		client_reply_error(c, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	pv->d = d;
	pv->c = c;
	pv->to = to;
	client_ref(c);
	if (to == 0) {
		send_plan(pv);
		return;
	}
	snprintf(target, sizeof(target), "%lld", to);
	if (db_send(d->db_ctl, sql_rollback_target_exists, 1, p, false, on_preview_target,
		    pv) != 0) {
		reply_db_unavailable(c, d->db_ctl);
		preview_free(pv);
	}
}

void cmd_rollback(struct daemon *d, struct client *c, const struct cmd_args *args)
{
	if (cmd_arg_bool(args, "dry_run", false)) {
		preview(d, c, cmd_arg_int(args, "to", 0));
		return;
	}
	job_submit(d->jobs, c, rollback_job(d, cmd_arg_int(args, "to", 0)),
		   cmd_arg_bool(args, "wait", true));
}

struct control_req {
	struct daemon *d;
	struct client *c;
	bool pause;
	char reason[512];
};

/* The journal's pause and resume events: who, and why (MESSAGE_ID paused, resumed). */
void log_pause_event(bool pause, const char *who, const char *reason)
{
	char r[600], w[160];
	const char *fields[3] = { r, w, NULL };

	snprintf(r, sizeof(r), "ANALYTICS_REASON=%s", reason ? reason : "");
	snprintf(w, sizeof(w), "ANALYTICS_REQUESTED_BY=%s", who);
	if (pause)
		log_event(LOG_NOTICE, MSGID_PAUSED, fields, "analytics paused by %s: %s", who,
			  reason ? reason : "no reason given");
	else
		log_event(LOG_NOTICE, MSGID_RESUMED, fields + 1, "analytics resumed by %s", who);
}

static void on_control(PGresult *res, const struct db_error *err, void *arg)
{
	struct control_req *r = arg;

	if (err != NULL) {
		reply_db_error(r->c, r->pause ? "pause failed" : "resume failed", err);
	} else if (PQntuples(res) != 1) {
		client_reply_error(r->c, PROTO_ERR_FAILED, "analytics_control has no row: "
				   "is the schema migrated?");
	} else {
		log_pause_event(r->pause, client_who(r->c), r->pause ? r->reason : NULL);
		daemon_set_paused(r->d, r->pause);
		client_reply_ok(r->c, wire_row(result_row_json(res, 0)));
	}
	client_unref(r->c);
	free(r);
}

static void control(struct daemon *d, struct client *c, const char *reason, bool pause)
{
	const char *p[2] = { client_who(c), reason };
	struct control_req *r = malloc(sizeof(*r));

	if (r == NULL) {
		client_reply_error(c, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	r->d = d;
	r->c = c;
	r->pause = pause;
	snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
	client_ref(c);
	if (db_send(d->db_ctl, pause ? sql_control_pause : sql_control_resume, pause ? 2 : 1, p,
		    false, on_control, r) != 0) {
		client_unref(c);
		free(r);
		reply_db_unavailable(c, d->db_ctl);
	}
}

void cmd_pause(struct daemon *d, struct client *c, const struct cmd_args *args)
{
	control(d, c, cmd_arg_str(args, "reason", "paused by an operator"), true);
}

void cmd_resume(struct daemon *d, struct client *c, const struct cmd_args *args)
{
	(void)args;
	control(d, c, NULL, false);
}
