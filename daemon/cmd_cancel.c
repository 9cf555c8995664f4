/* SPDX-License-Identifier: ISC */
/*
 * cancel [running|queued|all]: stop the running job, drop the queued ones, or both
 * (SPEC 4.2; job.h, jobs_cancel_request).
 */
#include <string.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "job.h"

void cmd_cancel(struct daemon *d, struct client *c, const struct cmd_args *args)
{
	const char *which = cmd_arg_str(args, "which", "running");

	jobs_cancel_request(d->jobs, c, strcmp(which, "queued") != 0,
			    strcmp(which, "running") != 0);
}
