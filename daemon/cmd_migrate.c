/* SPDX-License-Identifier: ISC */
/* migrate [up|down|status]: schema migrations (SPEC 4.3). */
#include <string.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "job.h"
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

void cmd_migrate(struct daemon *d, struct client *c, const struct cmd_args *args)
{
	const char *action = cmd_arg_str(args, "action", "up");

	if (strcmp(action, "status") != 0) {
		job_submit(d->jobs, c, migrate_job(d, strcmp(action, "down") == 0),
			   cmd_arg_bool(args, "wait", true));
		return;
	}
	client_ref(c);
	if (schema_probe(d->db_ctl, on_probe, c) != 0) {
		client_unref(c);
		reply_db_unavailable(c, d->db_ctl);
	}
}
