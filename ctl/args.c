/*
 * Command-line parsing. Global options come before the command; each command
 * parses its own words into protocol arguments, one row of the table each.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

typedef int (*cmd_parse_fn)(int argc, char **argv, json_t *args, char *err, size_t errlen);

static int parse_none(int argc, char **argv, json_t *args, char *err, size_t errlen)
{
	(void)args;
	if (argc > 1) {
		snprintf(err, errlen, "%s takes no arguments (got '%s')", argv[0], argv[1]);
		return -1;
	}
	return 0;
}

static int parse_migrate(int argc, char **argv, json_t *args, char *err, size_t errlen)
{
	const char *action = argc > 1 ? argv[1] : "up";

	if (argc > 2) {
		snprintf(err, errlen, "migrate takes one action (got '%s' too)", argv[2]);
		return -1;
	}
	if (strcmp(action, "up") != 0 && strcmp(action, "down") != 0 &&
	    strcmp(action, "status") != 0) {
		snprintf(err, errlen, "migrate action must be up, down or status, not '%s'", action);
		return -1;
	}
	return json_object_set_new(args, "action", json_string(action));
}

static const struct {
	const char *name;
	cmd_parse_fn parse;
	const char *synopsis;
} commands[] = {
	{ "status",  parse_none,    "status                    daemon, database, schema, current job" },
	{ "migrate", parse_migrate, "migrate [up|down|status]  apply, revert the newest, or list migrations" },
};

void ctl_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: analyticsctl [-s SOCKET] [--json] [--timeout S] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %s\n", commands[i].synopsis);
	fprintf(fp,
		"\n"
		"Options:\n"
		"  -s, --socket PATH  control socket (default $ANALYTICSD_SOCKET or %s)\n"
		"  -j, --json         print the daemon's reply as JSON, for scripts\n"
		"  -t, --timeout S    give up after S seconds without word from the daemon\n"
		"                     (default %d; 0 waits forever)\n"
		"  -h, --help         print this help\n"
		"  -V, --version      print the version\n"
		"\n"
		"Exit status: 0 ok, 1 failed, 64 usage, 69 daemon or database unreachable,\n"
		"75 refused for now (busy, paused), 77 not authorized. See analyticsctl(8).\n",
		CTL_DEFAULT_SOCKET, CTL_DEFAULT_TIMEOUT_S);
}

static int parse_timeout(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 86400 * 7)
		return -1;
	*out = (int)v;
	return 0;
}

int ctl_parse_args(int argc, char **argv, struct ctl_opts *o, char *err, size_t errlen)
{
	static const struct option opts[] = {
		{ "socket",  required_argument, NULL, 's' },
		{ "json",    no_argument,       NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help",    no_argument,       NULL, 'h' },
		{ "version", no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("ANALYTICSD_SOCKET");
	int c;

	memset(o, 0, sizeof(*o));
	o->socket = env && *env ? env : CTL_DEFAULT_SOCKET;
	o->timeout_s = CTL_DEFAULT_TIMEOUT_S;
	optind = 0;             /* 0, not 1: also resets glibc's position inside "-xj" */
	opterr = 0;
	/* '+': stop at the command, whose own words may look like options. */
	while ((c = getopt_long(argc, argv, "+:s:jt:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 't':
			if (parse_timeout(optarg, &o->timeout_s) != 0) {
				snprintf(err, errlen, "--timeout wants whole seconds, not '%s'", optarg);
				return -1;
			}
			break;
		case 'h':
			o->help = true;
			return 0;
		case 'V':
			o->version = true;
			return 0;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			if (optopt != 0)
				snprintf(err, errlen, "unknown option '-%c'", optopt);
			else
				snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		snprintf(err, errlen, "no command given");
		return -1;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, argv[optind]) != 0)
			continue;
		o->cmd = commands[i].name;
		o->args = json_object();
		if (o->args == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (commands[i].parse(argc - optind, argv + optind, o->args, err, errlen) != 0) {
			json_decref(o->args);
			o->args = NULL;
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown command '%s'", argv[optind]);
	return -1;
}
