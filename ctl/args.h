/* SPDX-License-Identifier: ISC */
/* analyticsctl's command line, turned into one protocol request. */
#ifndef CTL_ARGS_H
#define CTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "table.h"

#define CTL_DEFAULT_SOCKET "/run/analyticsd/control.sock"
/* The user the packaged daemon runs as (units/analyticsd.sysusers). */
#define CTL_DAEMON_USER "analyticsd"
#define CTL_DEFAULT_TIMEOUT_S 30

struct ctl_opts;

/* A command's option: what it sets in the request (key), or locally (OPT_OUTPUT). */
enum ctl_opt_kind {
	OPT_INT, OPT_STRING, OPT_TRUE, OPT_FALSE,       /* set key in the request */
	OPT_OUTPUT,                                     /* metrics: the file to write */
	OPT_COLUMNS, OPT_NO_HEADINGS, OPT_LOCAL,        /* how a table is shown (table.h) */
	OPT_RAW, OPT_PAIRS,
};
struct ctl_opt {
	const char *name;               /* --name; NULL ends a list */
	int short_name;                 /* -c, or 0 */
	enum ctl_opt_kind kind;
	const char *key;                /* the request argument it sets */
	long min, max;                  /* OPT_INT */
	const char *metavar, *help;
};

/* A row of the command table: its options and words into a request, its result shown. */
typedef int (*ctl_words_fn)(struct ctl_opts *o, int n, char **words, char *err, size_t errlen);
typedef void (*ctl_render_fn)(FILE *fp, json_t *result);

struct ctl_command {
	const char *name;
	const struct ctl_opt *opts;
	ctl_words_fn words;             /* checks the words left after the options */
	ctl_render_fn render;
	const struct table_col *cols;   /* its table's columns (--output), or NULL */
	const char *usage;              /* "refresh full|incremental|recent|org ORG_ID" */
	const char *summary;            /* one line */
	const char *help;               /* more, or NULL */
};

struct ctl_opts {
	const char *socket;
	bool json;
	int timeout_s;                  /* silence from the daemon we tolerate; 0 = forever */
	const struct ctl_command *command;
	const char *cmd;                /* protocol command */
	json_t *args;                   /* its arguments (owned) */
	bool help, version;             /* help: of o->command when set */
	const char *output;             /* metrics --output FILE, or NULL */
};

/*
 * Parse argv. Returns 0 with opts filled, or -1 with a usage message in err
 * (about opts->command when that is set). The caller frees opts->args with
 * json_decref.
 */
int ctl_parse_args(int argc, char **argv, struct ctl_opts *opts, char *err, size_t errlen);
void ctl_usage(FILE *fp);
void ctl_command_usage(FILE *fp, const struct ctl_command *c);

#endif
