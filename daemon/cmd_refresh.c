/* SPDX-License-Identifier: ISC */
/* refresh full | incremental | recent [days] | org ORG_ID: queue or join a refresh run. */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "job.h"
#include "refresh.h"

void cmd_refresh(struct daemon *d, struct client *c, const struct cmd_args *args)
{
	const char *mode = cmd_arg_str(args, "mode", "full");
	enum refresh_mode m = strcmp(mode, "recent") == 0 ? REFRESH_RECENT
			      : strcmp(mode, "org") == 0 ? REFRESH_ORG
			      : strcmp(mode, "incremental") == 0 ? REFRESH_INCREMENTAL : REFRESH_FULL;
	struct job *j = refresh_job(d, m, (int)cmd_arg_int(args, "days", d->cfg->refresh.recent_days),
				    cmd_arg_str(args, "org", NULL));

	if (j != NULL) {
		snprintf(j->trigger, sizeof(j->trigger), "%s", cmd_arg_str(args, "trigger", "manual"));
		j->force = cmd_arg_bool(args, "force", false);
		j->dry_run = cmd_arg_bool(args, "dry_run", false);
	}
	job_submit(d->jobs, c, j, cmd_arg_bool(args, "wait", true));
}
