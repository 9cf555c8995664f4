/* SPDX-License-Identifier: ISC */
/* migrate [up|down|status]: schema migrations (analyticsctl(8)). */
#include <string.h>

#include "cmd.h"
#include "daemon.h"
#include "job.h"
#include "migrate.h"
#include "request.h"
#include "schema.h"

static void on_probe(const struct schema_info *si, const struct db_error *err, void *arg)
{
	struct request *rq = arg;

	if (err != NULL)
		request_reply_db_error(rq, "cannot read schema_migrations", err);
	else
		request_reply_ok(rq, schema_info_json(si, true));
	request_unref(rq);
}

void cmd_migrate(struct daemon *d, struct request *rq, const struct cmd_args *args)
{
	const char *action = cmd_arg_str(args, "action", "up");

	if (strcmp(action, "status") != 0) {
		job_submit(d->jobs, rq, migrate_job(d, strcmp(action, "down") == 0),
			   cmd_arg_bool(args, "wait", true));
		return;
	}
	request_ref(rq);
	if (schema_probe(d->db_ctl, on_probe, rq) != 0) {
		request_unref(rq);
		request_reply_db_unavailable(rq, d->db_ctl);
	}
}
