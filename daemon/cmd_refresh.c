/* SPDX-License-Identifier: ISC */
/* refresh full | incremental | recent [days] | org ORG_ID: queue or join a refresh run. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "daemon.h"
#include "job.h"
#include "refresh.h"
#include "request.h"

void cmd_refresh(struct daemon *d, struct request *rq, const struct cmd_args *args)
{
	int mode = proto_refresh_mode(cmd_arg_str(args, "mode", NULL));
	enum refresh_mode m = mode < 0 ? REFRESH_FULL : (enum refresh_mode)mode;   /* checked */
	struct job *j = refresh_job(d, m, (int)cmd_arg_int(args, "days", d->cfg->refresh.recent_days),
				    cmd_arg_str(args, "org", NULL));

	if (j != NULL) {
		snprintf(j->trigger, sizeof(j->trigger), "%s", cmd_arg_str(args, "trigger", "manual"));
		j->force = cmd_arg_bool(args, "force", false);
		j->dry_run = cmd_arg_bool(args, "dry_run", false);
	}
	job_submit(d->jobs, rq, j, cmd_arg_bool(args, "wait", true));
}
