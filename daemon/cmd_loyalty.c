/* SPDX-License-Identifier: ISC */
/* loyalty rebuild [org] [force] (analyticsctl(8) "loyalty"): a loyalty rebuild job. */
#include "cmd.h"
#include "daemon.h"
#include "job.h"
#include "loyalty.h"
#include "request.h"

void cmd_loyalty(struct daemon *d, struct request *rq, const struct cmd_args *args)
{
	struct job *j = loyalty_rebuild_job(d, cmd_arg_str(args, "org", NULL));

	if (j != NULL)
		j->force = cmd_arg_bool(args, "force", false);
	job_submit(d->jobs, rq, j, cmd_arg_bool(args, "wait", true));
}
