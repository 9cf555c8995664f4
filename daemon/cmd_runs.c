/* SPDX-License-Identifier: ISC */
/* runs [limit] [status] [kind] [mode] [since]: recent runs from analytics_refresh_runs,
 * newest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "sqlfiles.h"
#include "wire.h"

/* A result row as a JSON object, typed by column: numbers stay numbers. */
json_t *result_row_json(PGresult *res, int row)
{
	json_t *o = json_object();

	for (int col = 0; o != NULL && col < PQnfields(res); col++) {
		const char *name = PQfname(res, col);
		const char *v = PQgetvalue(res, row, col);
		json_t *j;

		if (PQgetisnull(res, row, col))
			j = json_null();
		else if (PQftype(res, col) == 20 || PQftype(res, col) == 23) /* int8, int4 */
			j = json_integer(strtoll(v, NULL, 10));
		else if (PQftype(res, col) == 16)                            /* bool */
			j = json_boolean(v[0] == 't');
		else if (PQftype(res, col) == 701 || PQftype(res, col) == 1700) /* float8, numeric */
			j = json_real(strtod(v, NULL));
		else
			j = json_string(v);
		json_object_set_new(o, name, j);
	}
	return o;
}

static void on_runs(PGresult *res, const struct db_error *err, void *arg)
{
	struct client *c = arg;
	json_t *runs;

	if (err != NULL && strncmp(err->sqlstate, "22", 2) == 0) {
		/* Data exception: the one value PostgreSQL parses here is since's time. */
		client_reply_error(c, PROTO_ERR_BAD_REQUEST, "since: %s", err->message);
		client_unref(c);
		return;
	}
	if (err != NULL) {
		reply_db_error(c, "cannot read analytics_refresh_runs", err);
		client_unref(c);
		return;
	}
	runs = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *row = wire_row(result_row_json(res, i));

		redact_for_reader(c, row);
		json_array_append_new(runs, row);
	}
	client_reply_ok(c, json_pack("{s:o}", "runs", runs));
	client_unref(c);
}

void cmd_runs(struct daemon *d, struct client *c, const struct cmd_args *args)
{
	char limit[24];
	const char *p[5] = { limit, cmd_arg_str(args, "status", NULL), cmd_arg_str(args, "kind", NULL),
			     cmd_arg_str(args, "mode", NULL), cmd_arg_str(args, "since", NULL) };

	snprintf(limit, sizeof(limit), "%lld", cmd_arg_int(args, "limit", 20));
	client_ref(c);
	if (db_send(d->db_ctl, sql_runs_recent, 5, p, false, on_runs, c) != 0) {
		client_unref(c);
		reply_db_unavailable(c, d->db_ctl);
	}
}
