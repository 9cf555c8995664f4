/* SPDX-License-Identifier: ISC */
/* The command table and the generic checks of commands.h. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "daemon.h"
#include "request.h"
#include "util.h"

static const char *const migrate_actions[] = { "up", "down", "status", NULL };
static const char *const loyalty_actions[] = { "rebuild", NULL };
static const char *const capture_actions[] = { "on", "off", "status", NULL };
static const char *const cancel_which[] = { "running", "queued", "all", NULL };
/* As analytics_refresh_runs' CHECK constraints have them (migration 0002). */
static const char *const run_statuses[] = { "running", "succeeded", "failed", "cancelled",
					    "rolled_back", NULL };
static const char *const run_kinds[] = { "refresh", "rollback", "loyalty_rebuild", "migrate", NULL };

#define WAIT { "wait", ARG_BOOL, false, 0, 0, NULL, NULL }
#define END { NULL, ARG_STRING, false, 0, 0, NULL, NULL }

static const struct arg_spec no_args[] = { END };
static const struct arg_spec migrate_args[] = {
	{ "action", ARG_CHOICE, false, 0, 0, migrate_actions, NULL },
	WAIT, END,
};
static const struct arg_spec refresh_args[] = {
	{ "mode", ARG_CHOICE, true, 0, 0, proto_refresh_modes, NULL },
	{ "days", ARG_INT, false, 1, 3650, NULL, NULL },
	{ "org", ARG_UUID, false, 0, 0, NULL, "mode=org" },
	{ "trigger", ARG_WORD, false, 0, 0, NULL, NULL },
	{ "force", ARG_BOOL, false, 0, 0, NULL, NULL },
	{ "dry_run", ARG_BOOL, false, 0, 0, NULL, NULL },
	WAIT, END,
};
static const struct arg_spec runs_args[] = {
	{ "limit", ARG_INT, false, 1, 1000, NULL, NULL },
	{ "status", ARG_CHOICE, false, 0, 0, run_statuses, NULL },
	{ "kind", ARG_CHOICE, false, 0, 0, run_kinds, NULL },
	{ "mode", ARG_WORD, false, 0, 0, NULL, NULL },
	{ "since", ARG_SINCE, false, 0, 0, NULL, NULL },
	END,
};
static const struct arg_spec rollback_args[] = {
	{ "to", ARG_INT, false, 1, INT64_MAX, NULL, NULL },
	{ "dry_run", ARG_BOOL, false, 0, 0, NULL, NULL },
	WAIT, END,
};
static const struct arg_spec pause_args[] = {
	{ "reason", ARG_STRING, false, 0, 0, NULL, NULL },
	END,
};
static const struct arg_spec loyalty_args[] = {
	{ "action", ARG_CHOICE, true, 0, 0, loyalty_actions, NULL },
	{ "org", ARG_UUID, false, 0, 0, NULL, NULL },
	{ "force", ARG_BOOL, false, 0, 0, NULL, NULL },
	WAIT, END,
};

static const struct arg_spec cancel_args[] = {
	{ "which", ARG_CHOICE, false, 0, 0, cancel_which, NULL },
	END,
};

static const struct arg_spec capture_args[] = {
	{ "action", ARG_CHOICE, true, 0, 0, capture_actions, NULL },
	{ "reason", ARG_STRING, false, 0, 0, NULL, NULL },
	END,
};

static const struct command commands[] = {
	{ "status",   CMD_READ,  no_args,       NULL,            cmd_status },
	{ "runs",     CMD_READ,  runs_args,     NULL,            cmd_runs },
	{ "check",    CMD_READ,  no_args,       NULL,            cmd_check },
	{ "metrics",  CMD_READ,  no_args,       NULL,            cmd_metrics },
	{ "migrate",  CMD_WRITE, migrate_args,  "action=status", cmd_migrate },
	{ "refresh",  CMD_WRITE, refresh_args,  "dry_run=true",  cmd_refresh },
	{ "rollback", CMD_WRITE, rollback_args, "dry_run=true",  cmd_rollback },
	{ "loyalty",  CMD_WRITE, loyalty_args,  NULL,            cmd_loyalty },
	{ "pause",    CMD_WRITE, pause_args,    NULL,            cmd_pause },
	{ "resume",   CMD_WRITE, no_args,       NULL,            cmd_resume },
	{ "reload",   CMD_WRITE, no_args,       NULL,            cmd_reload },
	{ "cancel",   CMD_WRITE, cancel_args,   NULL,            cmd_cancel },
	{ "capture",  CMD_WRITE, capture_args,  "action=status", cmd_capture },
};

/* What runs_recent.sql reads as an age, or a time for PostgreSQL to parse (its own
 * error names a bad one): digits, letters, and ":+-. " of a timestamp, 40 at most. */
static bool valid_since(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 40 || strspn(s, "0123456789") == 0)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= 'a' && *s <= 'z') || strchr(":+-. ", *s) != NULL))
			return false;
	return true;
}

static bool valid_word(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

static bool in_choices(const char *const *choices, const char *s)
{
	for (size_t i = 0; choices[i] != NULL; i++)
		if (strcmp(choices[i], s) == 0)
			return true;
	return false;
}

/* What an argument of this spec must be, for the one message form. */
static void describe(const struct arg_spec *a, char *buf, size_t len)
{
	size_t off;

	switch (a->type) {
	case ARG_STRING: snprintf(buf, len, "a string"); return;
	case ARG_WORD:   snprintf(buf, len, "1-15 characters of a-z, '-' or '_'"); return;
	case ARG_UUID:   snprintf(buf, len, "an id (a uuid)"); return;
	case ARG_BOOL:   snprintf(buf, len, "true or false"); return;
	case ARG_SINCE:
		snprintf(buf, len, "an age (7d, 12h, 30m, 90s, 2w) or a time (2026-12-01T09:00:00Z)");
		return;
	case ARG_INT:
		snprintf(buf, len, "an integer from %lld to %lld", a->min, a->max);
		return;
	case ARG_CHOICE:
		off = (size_t)snprintf(buf, len, "one of");
		for (size_t i = 0; a->choices[i] != NULL && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s %s", i ? "," : "",
						a->choices[i]);
		return;
	}
}

static bool valid(const struct arg_spec *a, json_t *v)
{
	switch (a->type) {
	case ARG_STRING: return json_is_string(v);
	case ARG_WORD:   return json_is_string(v) && valid_word(json_string_value(v));
	case ARG_UUID:   return json_is_string(v) && util_valid_uuid(json_string_value(v));
	case ARG_CHOICE: return json_is_string(v) && in_choices(a->choices, json_string_value(v));
	case ARG_BOOL:   return json_is_boolean(v);
	case ARG_SINCE:  return json_is_string(v) && valid_since(json_string_value(v));
	case ARG_INT:
		return json_is_integer(v) && json_integer_value(v) >= a->min &&
		       json_integer_value(v) <= a->max;
	}
	return false;
}

/* Is `required_when` ("key=value") true of these arguments? */
static bool condition_holds(const char *cond, json_t *args)
{
	char key[32];
	size_t n = strcspn(cond, "=");
	const char *v;
	json_t *value;

	if (n >= sizeof(key) || cond[n] != '=')
		return false;
	memcpy(key, cond, n);
	key[n] = '\0';
	value = json_object_get(args, key);
	v = json_is_boolean(value) ? (json_is_true(value) ? "true" : "false")
				    : json_string_value(value);
	return v != NULL && strcmp(v, cond + n + 1) == 0;
}

/* 0 when args fit the schema; else -1 with the reason in msg. */
static int check_args(const struct arg_spec *spec, json_t *args, char *msg, size_t len)
{
	const char *key;
	json_t *v;
	char what[160];

	json_object_foreach(args, key, v) {
		const struct arg_spec *a = spec;

		while (a->name != NULL && strcmp(a->name, key) != 0)
			a++;
		if (a->name == NULL) {
			snprintf(msg, len, "unknown argument '%s'", key);
			return -1;
		}
		if (!valid(a, v)) {
			describe(a, what, sizeof(what));
			snprintf(msg, len, "argument '%s' must be %s", key, what);
			return -1;
		}
	}
	for (const struct arg_spec *a = spec; a->name != NULL; a++) {
		if (json_object_get(args, a->name) != NULL)
			continue;
		if (a->required) {
			snprintf(msg, len, "argument '%s' is required", a->name);
			return -1;
		}
		if (a->required_when != NULL && condition_holds(a->required_when, args)) {
			snprintf(msg, len, "argument '%s' is required when %s", a->name,
				 a->required_when);
			return -1;
		}
	}
	return 0;
}

void commands_dispatch(struct daemon *d, struct request *rq, const char *name, json_t *args)
{
	char msg[512];

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *cmd = &commands[i];
		struct cmd_args a = { args };

		if (strcmp(cmd->name, name) != 0)
			continue;
		if (cmd->access == CMD_WRITE && !request_may_write(rq) &&
		    !(cmd->reads_when != NULL && json_is_object(args) &&
		      condition_holds(cmd->reads_when, args))) {
			request_reply_error(rq, PROTO_ERR_NOT_AUTHORIZED,
					   "%s changes things: only root, the daemon's user and "
					   "members of group '%s' may run it (you are %s)",
					   name, d->cfg->control.operator_group, request_who(rq));
			return;
		}
		if (check_args(cmd->args, args, msg, sizeof(msg)) != 0) {
			request_reply_error(rq, PROTO_ERR_BAD_REQUEST, "%s", msg);
			return;
		}
		if (d->stopping) {
			request_reply_error(rq, PROTO_ERR_SHUTTING_DOWN, "analyticsd is shutting down");
			return;
		}
		cmd->run(d, rq, &a);
		return;
	}
	request_reply_error(rq, PROTO_ERR_UNKNOWN_COMMAND, "unknown command '%s'", name);
}
