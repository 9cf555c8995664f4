/* rollback [to], pause [reason], resume (SPEC 4.3). */
#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "log.h"
#include "msgids.h"
#include "rollback.h"
#include "sqlfiles.h"

void cmd_rollback(struct daemon *d, struct client *c, json_t *args)
{
	static const char *const allowed[] = { "to", NULL };
	json_t *to = json_object_get(args, "to");

	if (args_only(c, args, allowed) != 0)
		return;
	if (to != NULL && (!json_is_integer(to) || json_integer_value(to) < 1)) {
		client_reply_error(c, PROTO_ERR_BAD_REQUEST, "'to' must be a run id (an integer >= 1)");
		return;
	}
	rollback_start(d, c, to ? (long long)json_integer_value(to) : 0);
}

struct control_req {
	struct client *c;
	bool pause;
};

static void on_control(PGresult *res, const struct db_error *err, void *arg)
{
	struct control_req *r = arg;

	if (err != NULL) {
		reply_db_error(r->c, r->pause ? "pause failed" : "resume failed", err);
	} else if (PQntuples(res) != 1) {
		client_reply_error(r->c, PROTO_ERR_FAILED, "analytics_control has no row: "
				   "is the schema migrated?");
	} else {
		log_event(LOG_NOTICE, r->pause ? MSGID_PAUSED : MSGID_RESUMED, NULL,
			  "analytics %s by %s", r->pause ? "paused" : "resumed", client_who(r->c));
		client_reply_ok(r->c, result_row_json(res, 0));
	}
	client_unref(r->c);
	free(r);
}

static void control(struct daemon *d, struct client *c, json_t *args, bool pause)
{
	static const char *const allowed[] = { "reason", NULL };
	const char *reason;
	const char *p[2];
	struct control_req *r;

	if (args_only(c, args, allowed) != 0 ||
	    args_string(c, args, "reason", pause ? "paused by an operator" : NULL, &reason) != 0)
		return;
	r = malloc(sizeof(*r));
	if (r == NULL) {
		client_reply_error(c, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	r->c = c;
	r->pause = pause;
	p[0] = client_who(c);
	p[1] = reason;
	client_ref(c);
	if (db_send(d->db_ctl, pause ? sql_control_pause : sql_control_resume, pause ? 2 : 1, p,
		    false, on_control, r) != 0) {
		client_unref(c);
		free(r);
		client_reply_error(c, PROTO_ERR_DB_UNAVAILABLE, "database is %s: %s",
				   db_state_name(db_get_state(d->db_ctl)), db_last_error(d->db_ctl));
	}
}

void cmd_pause(struct daemon *d, struct client *c, json_t *args)
{
	control(d, c, args, true);
}

void cmd_resume(struct daemon *d, struct client *c, json_t *args)
{
	control(d, c, args, false);
}
