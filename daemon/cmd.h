/* SPDX-License-Identifier: ISC */
/*
 * What every command handler (cmd_NAME.c) has in common: its signature, its arguments
 * (checked by commands.c against the command's schema before it runs), and what it may
 * show a reader. A handler answers its request exactly once (request.h), now or later.
 */
#ifndef AD_CMD_H
#define AD_CMD_H

#include <stdbool.h>

#include <jansson.h>

#include "request.h"

struct daemon;

/* A request's arguments, checked against its command's schema. */
struct cmd_args {
	json_t *obj;
};

const char *cmd_arg_str(const struct cmd_args *a, const char *name, const char *dflt);
long long cmd_arg_int(const struct cmd_args *a, const char *name, long long dflt);
bool cmd_arg_bool(const struct cmd_args *a, const char *name, bool dflt);

typedef void (*cmd_fn)(struct daemon *d, struct request *rq, const struct cmd_args *args);

/* Handlers, one file each. */
void cmd_status(struct daemon *d, struct request *rq, const struct cmd_args *args);
void cmd_migrate(struct daemon *d, struct request *rq, const struct cmd_args *args);
void cmd_refresh(struct daemon *d, struct request *rq, const struct cmd_args *args);
void cmd_runs(struct daemon *d, struct request *rq, const struct cmd_args *args);
void cmd_check(struct daemon *d, struct request *rq, const struct cmd_args *args);
void cmd_metrics(struct daemon *d, struct request *rq, const struct cmd_args *args);
void cmd_rollback(struct daemon *d, struct request *rq, const struct cmd_args *args);
void cmd_pause(struct daemon *d, struct request *rq, const struct cmd_args *args);
void cmd_resume(struct daemon *d, struct request *rq, const struct cmd_args *args);
void cmd_cancel(struct daemon *d, struct request *rq, const struct cmd_args *args);
void cmd_reload(struct daemon *d, struct request *rq, const struct cmd_args *args);
void cmd_loyalty(struct daemon *d, struct request *rq, const struct cmd_args *args);
void cmd_capture(struct daemon *d, struct request *rq, const struct cmd_args *args);

/* A run's stored error (obj's "message") as a reader may see it: with the
 * values the database quoted in it left out (util_redact_quoted). Operators
 * see it whole, and the journal keeps it. */
void cmd_redact_for_reader(const struct request *rq, json_t *obj);

#endif
