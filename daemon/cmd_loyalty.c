/* SPDX-License-Identifier: ISC */
/* loyalty rebuild [org] [force] (SPEC 4.4): a loyalty rebuild job. */
#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "job.h"
#include "loyalty.h"

void cmd_loyalty(struct daemon *d, struct client *c, const struct cmd_args *args)
{
	struct job *j = loyalty_rebuild_job(d, cmd_arg_str(args, "org", NULL));

	if (j != NULL)
		j->force = cmd_arg_bool(args, "force", false);
	job_submit(d->jobs, c, j, cmd_arg_bool(args, "wait", true));
}
