/* loyalty rebuild [org] [force] (SPEC 4.4): parse, then loyalty.c runs it. */
#include <string.h>

#include "client.h"
#include "commands.h"
#include "loyalty.h"
#include "util.h"

void cmd_loyalty(struct daemon *d, struct client *c, json_t *args)
{
	static const char *const allowed[] = { "action", "org", "force", NULL };
	const char *action, *org;
	bool force;

	if (args_only(c, args, allowed) != 0 ||
	    args_string(c, args, "action", NULL, &action) != 0 ||
	    args_string(c, args, "org", NULL, &org) != 0 ||
	    args_bool(c, args, "force", false, &force) != 0)
		return;
	if (action == NULL || strcmp(action, "rebuild") != 0) {
		client_reply_error(c, PROTO_ERR_BAD_REQUEST, "loyalty needs the action 'rebuild'");
		return;
	}
	if (org != NULL && !util_valid_uuid(org)) {
		client_reply_error(c, PROTO_ERR_BAD_REQUEST,
				   "'org' must be an organization id (a uuid)");
		return;
	}
	loyalty_rebuild_start(d, c, org, force);
}
