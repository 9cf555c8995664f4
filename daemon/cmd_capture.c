/* SPDX-License-Identifier: ISC */
/*
 * capture on|off|status (docs/CAPTURE.md). The switch is a row of
 * analytics_control that the capture functions read (migration 11). on and
 * off are one statement each (capture_set.sql), which waits for the writes
 * that found capture off and, turning it on, queues every customer; status
 * reads the switch and the same capture checks as `check`. All on the
 * control connection, like pause and resume.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "daemon.h"
#include "log.h"
#include "msgids.h"
#include "request.h"
#include "schema.h"
#include "sqlfiles.h"
#include "wire.h"

#define SCHEMA_HAS_SWITCH 11

enum capture_action { CAPTURE_STATUS, CAPTURE_ON, CAPTURE_OFF };

struct capture_req {
	struct daemon *d;
	struct request *rq;
	enum capture_action action;
	char reason[512];
	json_t *result;
};

static void done(struct capture_req *r)
{
	request_unref(r->rq);
	json_decref(r->result);
	free(r);
}

static void send_or_fail(struct capture_req *r, const char *sql, int n, const char *const *p,
			 db_result_fn fn)
{
	if (db_send(r->d->db_ctl, sql, n, p, false, fn, r) != 0) {
		request_reply_db_unavailable(r->rq, r->d->db_ctl);
		done(r);
	}
}

static void on_checks(PGresult *res, const struct db_error *err, void *arg)
{
	struct capture_req *r = arg;
	json_t *checks = json_array();

	if (err != NULL) {
		json_decref(checks);
		request_reply_db_error(r->rq, "cannot check the capture triggers", err);
		done(r);
		return;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *row = wire_result_row(res, i);
		json_t *keys = json_loads(json_string_value(json_object_get(row, "keys")), 0, NULL);

		json_object_set_new(row, "keys", keys ? keys : json_array());
		json_array_append_new(checks, row);
	}
	json_object_set_new(r->result, "checks", checks);
	request_reply_ok(r->rq, json_incref(r->result));
	done(r);
}

static void on_get(PGresult *res, const struct db_error *err, void *arg)
{
	struct capture_req *r = arg;

	if (err != NULL || PQntuples(res) != 1) {
		if (err != NULL)
			request_reply_db_error(r->rq, "cannot read the capture switch", err);
		else
			request_reply_error(r->rq, PROTO_ERR_FAILED, "analytics_control has no row: "
					   "is the schema migrated?");
		done(r);
		return;
	}
	r->result = wire_row(wire_result_row(res, 0));
	send_or_fail(r, sql_check_capture, 0, NULL, on_checks);
}

/* The journal's capture events: who, and why (MESSAGE_ID capture off, on). */
static void log_capture_event(bool on, const char *who, const char *reason, bool requeued)
{
	char rs[600], w[160];
	const char *fields[3] = { w, rs, NULL };

	snprintf(rs, sizeof(rs), "ANALYTICS_REASON=%s", reason);
	snprintf(w, sizeof(w), "ANALYTICS_REQUESTED_BY=%s", who);
	if (on)
		log_event(LOG_NOTICE, MSGID_CAPTURE_ON, fields, "change capture turned on by %s%s",
			  who, requeued ? "; every customer is queued for the next run" : "");
	else
		log_event(LOG_WARNING, MSGID_CAPTURE_OFF, fields,
			  "change capture turned off by %s: %s; writes are not captured until "
			  "analyticsctl capture on", who, reason);
}

static void on_set(PGresult *res, const struct db_error *err, void *arg)
{
	struct capture_req *r = arg;
	bool on = r->action == CAPTURE_ON;
	json_t *row;

	if (err != NULL || PQntuples(res) != 1) {
		if (err != NULL)
			request_reply_db_error(r->rq, on ? "capture on failed" : "capture off failed", err);
		else
			request_reply_error(r->rq, PROTO_ERR_FAILED, "analytics_control has no row: "
					   "is the schema migrated?");
		done(r);
		return;
	}
	row = wire_result_row(res, 0);
	if (json_is_true(json_object_get(row, "changed")))
		log_capture_event(on, request_who(r->rq), r->reason,
				  json_is_true(json_object_get(row, "requeued")));
	json_object_set_new(row, "enabled", json_boolean(on));
	request_reply_ok(r->rq, row);
	done(r);
}

static void on_probe(const struct schema_info *si, const struct db_error *err, void *arg)
{
	struct capture_req *r = arg;
	const char *p[3] = { r->action == CAPTURE_ON ? "true" : "false", request_who(r->rq),
			     r->action == CAPTURE_OFF ? r->reason : NULL };

	if (err != NULL) {
		request_reply_db_error(r->rq, "cannot read schema_migrations", err);
		done(r);
	} else if (!schema_is_applied(si, SCHEMA_HAS_SWITCH)) {
		request_reply_error(r->rq, PROTO_ERR_FAILED, "the capture switch comes with "
				   "migration %d: run analyticsctl migrate", SCHEMA_HAS_SWITCH);
		done(r);
	} else if (r->action == CAPTURE_STATUS) {
		send_or_fail(r, sql_capture_get, 0, NULL, on_get);
	} else {
		send_or_fail(r, sql_capture_set, 3, p, on_set);
	}
}

void cmd_capture(struct daemon *d, struct request *rq, const struct cmd_args *args)
{
	const char *action = cmd_arg_str(args, "action", "status");
	struct capture_req *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		request_reply_error(rq, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	r->d = d;
	r->rq = rq;
	r->action = strcmp(action, "on") == 0 ? CAPTURE_ON
		  : strcmp(action, "off") == 0 ? CAPTURE_OFF : CAPTURE_STATUS;
	snprintf(r->reason, sizeof(r->reason), "%s",
		 cmd_arg_str(args, "reason", "turned off by an operator"));
	request_ref(rq);
	if (schema_probe(d->db_ctl, on_probe, r) != 0) {
		request_reply_db_unavailable(rq, d->db_ctl);
		done(r);
	}
}
