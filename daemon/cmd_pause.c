/* SPDX-License-Identifier: ISC */
/* pause [reason], resume (analyticsctl(8)): the row of analytics_control, and pause.c. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "daemon.h"
#include "pause.h"
#include "request.h"
#include "sqlfiles.h"
#include "wire.h"

struct control_req {
	struct daemon *d;
	struct request *rq;
	bool pause;
	char reason[512];
};

static void on_control(PGresult *res, const struct db_error *err, void *arg)
{
	struct control_req *r = arg;

	if (err != NULL) {
		request_reply_db_error(r->rq, r->pause ? "pause failed" : "resume failed", err);
	} else if (PQntuples(res) != 1) {
		request_reply_error(r->rq, PROTO_ERR_FAILED, "analytics_control has no row: "
				   "is the schema migrated?");
	} else {
		pause_changed(r->d, r->pause, request_who(r->rq), r->pause ? r->reason : NULL);
		request_reply_ok(r->rq, wire_row(wire_result_row(res, 0)));
	}
	request_unref(r->rq);
	free(r);
}

static void control(struct daemon *d, struct request *rq, const char *reason, bool pause)
{
	const char *p[2] = { request_who(rq), reason };
	struct control_req *r = malloc(sizeof(*r));

	if (r == NULL) {
		request_reply_error(rq, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	r->d = d;
	r->rq = rq;
	r->pause = pause;
	snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
	request_ref(rq);
	if (db_send(d->db_ctl, pause ? sql_control_pause : sql_control_resume, pause ? 2 : 1, p,
		    false, on_control, r) != 0) {
		request_unref(rq);
		free(r);
		request_reply_db_unavailable(rq, d->db_ctl);
	}
}

void cmd_pause(struct daemon *d, struct request *rq, const struct cmd_args *args)
{
	control(d, rq, cmd_arg_str(args, "reason", "paused by an operator"), true);
}

void cmd_resume(struct daemon *d, struct request *rq, const struct cmd_args *args)
{
	(void)args;
	control(d, rq, NULL, false);
}
