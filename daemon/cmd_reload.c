/* SPDX-License-Identifier: ISC */
/*
 * reload: the same as SIGHUP, but synchronous and with an answer, so that
 * `ExecReload=analyticsctl reload` fails the reload job when the new
 * configuration is invalid (Type=notify on systemd 252 has no other way).
 */
#include "cmd.h"
#include "daemon.h"
#include "request.h"

void cmd_reload(struct daemon *d, struct request *rq, const struct cmd_args *args)
{
	char err[1024] = "this daemon cannot reload";

	(void)args;
	if (d->reload == NULL || d->reload(d, err, sizeof(err)) != 0) {
		request_reply_error(rq, PROTO_ERR_FAILED, "reload failed, the previous configuration "
				   "stays in force: %s", err);
		return;
	}
	request_reply_ok(rq, json_pack("{s:s}", "config", d->cfg_path));
}
