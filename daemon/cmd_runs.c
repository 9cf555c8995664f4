/* SPDX-License-Identifier: ISC */
/* runs [limit] [status] [kind] [mode] [since]: recent runs from analytics_refresh_runs,
 * newest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "daemon.h"
#include "request.h"
#include "sqlfiles.h"
#include "wire.h"

static void on_runs(PGresult *res, const struct db_error *err, void *arg)
{
	struct request *rq = arg;
	json_t *runs;

	if (err != NULL && strncmp(err->sqlstate, "22", 2) == 0) {
		/* Data exception: the one value PostgreSQL parses here is since's time. */
		request_reply_error(rq, PROTO_ERR_BAD_REQUEST, "since: %s", err->message);
		request_unref(rq);
		return;
	}
	if (err != NULL) {
		request_reply_db_error(rq, "cannot read analytics_refresh_runs", err);
		request_unref(rq);
		return;
	}
	runs = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *row = wire_row(wire_result_row(res, i));

		cmd_redact_for_reader(rq, row);
		json_array_append_new(runs, row);
	}
	request_reply_ok(rq, json_pack("{s:o}", "runs", runs));
	request_unref(rq);
}

void cmd_runs(struct daemon *d, struct request *rq, const struct cmd_args *args)
{
	char limit[24];
	const char *p[5] = { limit, cmd_arg_str(args, "status", NULL), cmd_arg_str(args, "kind", NULL),
			     cmd_arg_str(args, "mode", NULL), cmd_arg_str(args, "since", NULL) };

	snprintf(limit, sizeof(limit), "%lld", cmd_arg_int(args, "limit", 20));
	request_ref(rq);
	if (db_send(d->db_ctl, sql_runs_recent, 5, p, false, on_runs, rq) != 0) {
		request_unref(rq);
		request_reply_db_unavailable(rq, d->db_ctl);
	}
}
