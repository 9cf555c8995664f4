/* SPDX-License-Identifier: ISC */
/*
 * The command table: each row names a command, who may run it, the schema
 * of its arguments and its handler. commands_dispatch() checks the peer's
 * right and every argument against the schema, once, with one message form,
 * before any handler runs; handlers read arguments that are known good.
 * Adding a command is a row in commands.c and a handler in cmd_<name>.c.
 */
#ifndef AD_COMMANDS_H
#define AD_COMMANDS_H

#include <stdbool.h>

#include <jansson.h>

#include "analytics_proto.h"
#include "db.h"

struct daemon;
struct client;

enum cmd_access { CMD_READ, CMD_WRITE };

enum arg_type {
	ARG_STRING,                     /* any string */
	ARG_WORD,                       /* 1-15 of a-z, '-', '_' (a trigger name) */
	ARG_UUID,                       /* canonical text form */
	ARG_CHOICE,                     /* one of `choices` */
	ARG_INT,                        /* from min to max */
	ARG_BOOL,
	ARG_SINCE,                      /* an age (7d, 12h, 30m, 90s, 2w) or a timestamp */
};

struct arg_spec {
	const char *name;
	enum arg_type type;
	bool required;
	long long min, max;             /* ARG_INT */
	const char *const *choices;     /* ARG_CHOICE, NULL-terminated */
	/* "mode=org": required when that other argument has that value. */
	const char *required_when;
};

/* A request's arguments, checked against its command's schema. */
struct cmd_args {
	json_t *obj;
};

const char *cmd_arg_str(const struct cmd_args *a, const char *name, const char *dflt);
long long cmd_arg_int(const struct cmd_args *a, const char *name, long long dflt);
bool cmd_arg_bool(const struct cmd_args *a, const char *name, bool dflt);

typedef void (*cmd_fn)(struct daemon *d, struct client *c, const struct cmd_args *args);

struct command {
	const char *name;
	enum cmd_access access;
	const struct arg_spec *args;    /* ends with a row whose name is NULL */
	/* "action=status", "dry_run=true": a CMD_WRITE command that only reads with this
	 * argument (a string, or a boolean as true or false). */
	const char *reads_when;
	/* Must answer, now or later, with exactly one client_reply_*(). */
	cmd_fn run;
};

void commands_dispatch(struct daemon *d, struct client *c, const char *name, json_t *args);

/* Handlers, one file each. */
void cmd_status(struct daemon *d, struct client *c, const struct cmd_args *args);
void cmd_migrate(struct daemon *d, struct client *c, const struct cmd_args *args);
void cmd_refresh(struct daemon *d, struct client *c, const struct cmd_args *args);
void cmd_runs(struct daemon *d, struct client *c, const struct cmd_args *args);
void cmd_check(struct daemon *d, struct client *c, const struct cmd_args *args);
void cmd_metrics(struct daemon *d, struct client *c, const struct cmd_args *args);
void cmd_rollback(struct daemon *d, struct client *c, const struct cmd_args *args);
void cmd_pause(struct daemon *d, struct client *c, const struct cmd_args *args);
void cmd_resume(struct daemon *d, struct client *c, const struct cmd_args *args);
void cmd_cancel(struct daemon *d, struct client *c, const struct cmd_args *args);
void cmd_reload(struct daemon *d, struct client *c, const struct cmd_args *args);
void cmd_loyalty(struct daemon *d, struct client *c, const struct cmd_args *args);
void cmd_capture(struct daemon *d, struct client *c, const struct cmd_args *args);

/* The journal's event for a pause (with its reason) or a resume. */
void log_pause_event(bool pause, const char *who, const char *reason);

/* A reply naming what failed, the database's reason and its SQLSTATE. */
void reply_db_error(struct client *c, const char *what, const struct db_error *err);
/* The reply when a connection a command needs is not ready. */
void reply_db_unavailable(struct client *c, const struct db_conn *db);
/* A result row as a JSON object (integers and booleans typed). */
json_t *result_row_json(PGresult *res, int row);
/* A run's stored error (obj's "message") as a reader may see it: with the
 * values the database quoted in it left out (util_redact_quoted). Operators
 * see it whole, and the journal keeps it. */
void redact_for_reader(const struct client *c, json_t *obj);

#endif
