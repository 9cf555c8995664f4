/* SPDX-License-Identifier: ISC */
/* analyticsctl's command line, turned into one protocol request. */
#ifndef CTL_ARGS_H
#define CTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define CTL_DEFAULT_SOCKET "/run/analyticsd/control.sock"
#define CTL_DEFAULT_TIMEOUT_S 30

struct ctl_opts;

/* A row of the command table: its words into a request, its result shown. */
typedef int (*ctl_parse_fn)(struct ctl_opts *o, int argc, char **argv, json_t *args, char *err,
			    size_t errlen);
typedef void (*ctl_render_fn)(FILE *fp, json_t *result);

struct ctl_command {
	const char *name;
	ctl_parse_fn parse;
	ctl_render_fn render;
	const char *synopsis;
};

struct ctl_opts {
	const char *socket;
	bool json;
	int timeout_s;                  /* silence from the daemon we tolerate; 0 = forever */
	const struct ctl_command *command;
	const char *cmd;                /* protocol command */
	json_t *args;                   /* its arguments (owned) */
	bool help, version;
	const char *output;             /* metrics --output FILE, or NULL */
};

/*
 * Parse argv. Returns 0 with opts filled, or -1 with a usage message in err.
 * The caller frees opts->args with json_decref.
 */
int ctl_parse_args(int argc, char **argv, struct ctl_opts *opts, char *err, size_t errlen);
void ctl_usage(FILE *fp);

#endif
