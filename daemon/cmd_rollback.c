/* SPDX-License-Identifier: ISC */
/* rollback [to], pause [reason], resume (SPEC 4.3). */
#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "job.h"
#include "log.h"
#include "msgids.h"
#include "rollback.h"
#include "sqlfiles.h"

void cmd_rollback(struct daemon *d, struct client *c, const struct cmd_args *args)
{
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
		client_reply_ok(r->c, result_row_json(res, 0));
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
