/* migrate [up|down|status]: schema migrations (SPEC 4.3). */
#include <string.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "migrate.h"
#include "schema.h"

static void on_probe(const struct schema_info *si, const struct db_error *err, void *arg)
{
	struct client *c = arg;

	if (err != NULL)
		reply_db_error(c, "cannot read schema_migrations", err);
	else
		client_reply_ok(c, schema_info_json(si, true));
	client_unref(c);
}

void cmd_migrate(struct daemon *d, struct client *c, json_t *args)
{
	static const char *const allowed[] = { "action", NULL };
	const char *action;

	if (args_only(c, args, allowed) != 0 || args_string(c, args, "action", "up", &action) != 0)
		return;
	if (strcmp(action, "status") == 0) {
		client_ref(c);
		if (schema_probe(d->db_ctl, on_probe, c) != 0) {
			client_unref(c);
			client_reply_error(c, PROTO_ERR_DB_UNAVAILABLE, "database is %s: %s",
					   db_state_name(db_get_state(d->db_ctl)),
					   db_last_error(d->db_ctl));
		}
	} else if (strcmp(action, "up") == 0 || strcmp(action, "down") == 0) {
		migrate_start(d, c, strcmp(action, "down") == 0);
	} else {
		client_reply_error(c, PROTO_ERR_BAD_REQUEST,
				   "migrate action must be up, down or status, not '%s'", action);
	}
}
