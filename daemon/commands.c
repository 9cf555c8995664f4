#include <string.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"

static const struct command commands[] = {
	{ "status",  CMD_READ,  cmd_status },
	{ "migrate", CMD_WRITE, cmd_migrate },
	{ "refresh", CMD_WRITE, cmd_refresh },
	{ "runs",    CMD_READ,  cmd_runs },
	{ "check",   CMD_READ,  cmd_check },
	{ "rollback", CMD_WRITE, cmd_rollback },
	{ "pause",   CMD_WRITE, cmd_pause },
	{ "resume",  CMD_WRITE, cmd_resume },
	{ "reload",  CMD_WRITE, cmd_reload },
	{ "loyalty", CMD_WRITE, cmd_loyalty },
};

void commands_dispatch(struct daemon *d, struct client *c, const char *name, json_t *args)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *cmd = &commands[i];

		if (strcmp(cmd->name, name) != 0)
			continue;
		if (cmd->access == CMD_WRITE && !client_may_write(c)) {
			client_reply_error(c, PROTO_ERR_NOT_AUTHORIZED,
					   "%s changes things: only root, the daemon's user and "
					   "members of group '%s' may run it (you are %s)",
					   name, d->cfg->control.operator_group, client_who(c));
			return;
		}
		if (d->stopping) {
			client_reply_error(c, PROTO_ERR_SHUTTING_DOWN, "analyticsd is shutting down");
			return;
		}
		cmd->run(d, c, args);
		return;
	}
	client_reply_error(c, PROTO_ERR_UNKNOWN_COMMAND, "unknown command '%s'", name);
}

int args_only(struct client *c, json_t *args, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v) {
		bool ok = false;
		for (size_t i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				ok = true;
		if (!ok) {
			client_reply_error(c, PROTO_ERR_BAD_REQUEST, "unknown argument '%s'", key);
			return -1;
		}
	}
	return 0;
}

int args_int(struct client *c, json_t *args, const char *key, int dflt, int min, int max,
	     int *out)
{
	json_t *v = json_object_get(args, key);

	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		client_reply_error(c, PROTO_ERR_BAD_REQUEST,
				   "argument '%s' must be an integer from %d to %d", key, min, max);
		return -1;
	}
	*out = (int)json_integer_value(v);
	return 0;
}

int args_bool(struct client *c, json_t *args, const char *key, bool dflt, bool *out)
{
	json_t *v = json_object_get(args, key);

	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	if (!json_is_boolean(v)) {
		client_reply_error(c, PROTO_ERR_BAD_REQUEST, "argument '%s' must be true or false",
				   key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

int args_string(struct client *c, json_t *args, const char *key, const char *dflt,
		const char **out)
{
	json_t *v = json_object_get(args, key);

	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	if (!json_is_string(v)) {
		client_reply_error(c, PROTO_ERR_BAD_REQUEST, "argument '%s' must be a string", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

enum proto_err db_error_code(const struct db_error *err)
{
	if (strcmp(err->sqlstate, "55P03") == 0)        /* lock_not_available */
		return PROTO_ERR_BUSY;
	if (strncmp(err->sqlstate, "08", 2) == 0)       /* connection exceptions */
		return PROTO_ERR_DB_UNAVAILABLE;
	if (strncmp(err->sqlstate, "57P0", 4) == 0)     /* server shut down, crashed, */
		return PROTO_ERR_DB_UNAVAILABLE;        /* or backend terminated */
	return PROTO_ERR_FAILED;
}

void reply_db_error(struct client *c, const char *what, const struct db_error *err)
{
	client_reply_error(c, db_error_code(err), "%s: %s%s%s%s", what, err->message,
			   err->sqlstate[0] ? " (SQLSTATE " : "", err->sqlstate,
			   err->sqlstate[0] ? ")" : "");
}
