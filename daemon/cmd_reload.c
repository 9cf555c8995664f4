/* SPDX-License-Identifier: ISC */
/*
 * reload: the same as SIGHUP, but synchronous and with an answer, so that
 * `ExecReload=analyticsctl reload` fails the reload job when the new
 * configuration is invalid (Type=notify on systemd 252 has no other way).
 */
#include "client.h"
#include "commands.h"
#include "daemon.h"

void cmd_reload(struct daemon *d, struct client *c, const struct cmd_args *args)
{
	char err[1024];

	(void)args;
	if (daemon_reload(d, err, sizeof(err)) != 0) {
		client_reply_error(c, PROTO_ERR_FAILED, "reload failed, the previous configuration "
				   "stays in force: %s", err);
		return;
	}
	client_reply_ok(c, json_pack("{s:s}", "config", d->cfg_path));
}
