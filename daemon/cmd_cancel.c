/* SPDX-License-Identifier: ISC */
/*
 * cancel [running|queued|all]: stop the running job, drop the queued ones, or both
 * (analyticsctl(8) "cancel"; job.h, jobs_cancel_request).
 */
#include <string.h>

#include "cmd.h"
#include "daemon.h"
#include "job.h"
#include "request.h"

void cmd_cancel(struct daemon *d, struct request *rq, const struct cmd_args *args)
{
	const char *which = cmd_arg_str(args, "which", "running");

	jobs_cancel_request(d->jobs, rq, strcmp(which, "queued") != 0,
			    strcmp(which, "running") != 0);
}
