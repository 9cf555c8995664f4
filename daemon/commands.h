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

#include "cmd.h"

struct daemon;

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

struct command {
	const char *name;
	enum cmd_access access;
	const struct arg_spec *args;    /* ends with a row whose name is NULL */
	/* "action=status", "dry_run=true": a CMD_WRITE command that only reads with this
	 * argument (a string, or a boolean as true or false). */
	const char *reads_when;
	/* Must answer, now or later, with exactly one request_reply_*(). */
	cmd_fn run;
};

/* Check rq's right and its arguments, then run the command's handler, which answers. */
void commands_dispatch(struct daemon *d, struct request *rq, const char *name, json_t *args);

#endif
