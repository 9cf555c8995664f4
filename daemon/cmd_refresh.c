/* refresh full | recent [days] | org ORG_ID: queue or join a refresh run. */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "sched.h"
#include "util.h"

static bool valid_trigger(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

void cmd_refresh(struct daemon *d, struct client *c, json_t *args)
{
	static const char *const allowed[] = { "mode", "days", "org", "trigger", "wait",
						"force", NULL };
	struct run_request req = { 0 };
	const char *mode, *org, *trigger;
	bool wait, force;

	if (args_only(c, args, allowed) != 0 || args_string(c, args, "mode", NULL, &mode) != 0 ||
	    args_int(c, args, "days", d->cfg->refresh.recent_days, 1, 3650, &req.days) != 0 ||
	    args_string(c, args, "org", NULL, &org) != 0 ||
	    args_string(c, args, "trigger", "manual", &trigger) != 0 ||
	    args_bool(c, args, "wait", true, &wait) != 0 ||
	    args_bool(c, args, "force", false, &force) != 0)
		return;
	if (mode == NULL) {
		client_reply_error(c, PROTO_ERR_BAD_REQUEST, "refresh needs a mode: full, recent or org");
		return;
	}
	if (strcmp(mode, "full") == 0) {
		req.mode = RUN_FULL;
	} else if (strcmp(mode, "recent") == 0) {
		req.mode = RUN_RECENT;
	} else if (strcmp(mode, "org") == 0) {
		req.mode = RUN_ORG;
		if (org == NULL || !util_valid_uuid(org)) {
			client_reply_error(c, PROTO_ERR_BAD_REQUEST,
					   "refresh org needs an organization id (a uuid)");
			return;
		}
		snprintf(req.org, sizeof(req.org), "%s", org);
	} else {
		client_reply_error(c, PROTO_ERR_BAD_REQUEST,
				   "refresh mode must be full, recent or org, not '%s'", mode);
		return;
	}
	if (!valid_trigger(trigger)) {
		client_reply_error(c, PROTO_ERR_BAD_REQUEST,
				   "trigger must be 1-15 characters of a-z, '-' or '_'");
		return;
	}
	if (req.mode != RUN_RECENT)
		req.days = 0;
	snprintf(req.trigger, sizeof(req.trigger), "%s", trigger);
	snprintf(req.requested_by, sizeof(req.requested_by), "%s", client_who(c));
	req.force = force;
	if (db_get_state(d->db_work) != DB_READY) {
		client_reply_error(c, PROTO_ERR_DB_UNAVAILABLE, "database is %s: %s",
				   db_state_name(db_get_state(d->db_work)), db_last_error(d->db_work));
		return;
	}
	sched_submit(d, c, &req, wait);
}
