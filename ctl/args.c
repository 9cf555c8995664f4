/* SPDX-License-Identifier: ISC */
/*
 * Command-line parsing. Global options come before the command; each command
 * parses its own words into protocol arguments and renders its result, one
 * row of the table each.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "render.h"

static int parse_none(struct ctl_opts *o, int argc, char **argv, json_t *args, char *err,
			 size_t errlen)
{
	(void)args;
	if (argc > 1) {
		snprintf(err, errlen, "%s takes no arguments (got '%s')", argv[0], argv[1]);
		return -1;
	}
	return 0;
}

static int parse_migrate(struct ctl_opts *o, int argc, char **argv, json_t *args, char *err,
			 size_t errlen)
{
	const char *action = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-wait") == 0) {
			json_object_set_new(args, "wait", json_false());
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			snprintf(err, errlen, "migrate: unknown option '%s'", argv[i]);
			return -1;
		} else if (action == NULL) {
			action = argv[i];
		} else {
			snprintf(err, errlen, "migrate takes one action (got '%s' too)", argv[i]);
			return -1;
		}
	}
	if (action == NULL)
		action = "up";
	if (strcmp(action, "up") != 0 && strcmp(action, "down") != 0 &&
	    strcmp(action, "status") != 0) {
		snprintf(err, errlen, "migrate action must be up, down or status, not '%s'", action);
		return -1;
	}
	if (strcmp(action, "status") == 0 && json_object_get(args, "wait") != NULL) {
		snprintf(err, errlen, "--no-wait applies to migrate up and down only");
		return -1;
	}
	return json_object_set_new(args, "action", json_string(action));
}

static int parse_int_arg(const char *opt, const char *v, int min, int max, int *out,
			 char *err, size_t errlen)
{
	char *end;
	long n;

	errno = 0;
	n = v ? strtol(v, &end, 10) : 0;
	if (v == NULL || errno != 0 || end == v || *end != '\0' || n < min || n > max) {
		snprintf(err, errlen, "%s wants a whole number from %d to %d%s%s%s", opt, min, max,
			 v ? ", not '" : "", v ? v : "", v ? "'" : "");
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* refresh MODE [ORG_ID] [--days N] [--no-wait] [--trigger NAME] [--force];
 * MODE is full, incremental, recent or org. */
static int parse_refresh(struct ctl_opts *o, int argc, char **argv, json_t *args, char *err,
			 size_t errlen)
{
	const char *mode = NULL, *org = NULL;
	int days;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--days") == 0) {
			if (parse_int_arg("--days", i + 1 < argc ? argv[++i] : NULL, 1, 3650, &days,
					  err, errlen) != 0)
				return -1;
			json_object_set_new(args, "days", json_integer(days));
		} else if (strcmp(a, "--no-wait") == 0) {
			json_object_set_new(args, "wait", json_false());
		} else if (strcmp(a, "--force") == 0) {
			json_object_set_new(args, "force", json_true());
		} else if (strcmp(a, "--trigger") == 0) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "--trigger needs a name (manual, timer, ...)");
				return -1;
			}
			json_object_set_new(args, "trigger", json_string(argv[++i]));
		} else if (a[0] == '-') {
			snprintf(err, errlen, "refresh: unknown option '%s'", a);
			return -1;
		} else if (mode == NULL) {
			mode = a;
		} else if (org == NULL && strcmp(mode, "org") == 0) {
			org = a;
		} else {
			snprintf(err, errlen, "refresh: unexpected argument '%s'", a);
			return -1;
		}
	}
	if (mode == NULL || (strcmp(mode, "full") != 0 && strcmp(mode, "recent") != 0 &&
			     strcmp(mode, "org") != 0 && strcmp(mode, "incremental") != 0)) {
		snprintf(err, errlen, "refresh needs a mode: full, incremental, recent [--days N] "
			 "or org ORG_ID");
		return -1;
	}
	if (strcmp(mode, "org") == 0 && org == NULL) {
		snprintf(err, errlen, "refresh org needs an organization id");
		return -1;
	}
	if (json_object_get(args, "days") != NULL && strcmp(mode, "recent") != 0) {
		snprintf(err, errlen, "--days only applies to refresh recent");
		return -1;
	}
	json_object_set_new(args, "mode", json_string(mode));
	if (org != NULL)
		json_object_set_new(args, "org", json_string(org));
	return 0;
}

/* runs [--limit N] */
static int parse_runs(struct ctl_opts *o, int argc, char **argv, json_t *args, char *err,
			 size_t errlen)
{
	int limit;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--limit") == 0 || strcmp(argv[i], "-n") == 0) {
			if (parse_int_arg("--limit", i + 1 < argc ? argv[++i] : NULL, 1, 1000, &limit,
					  err, errlen) != 0)
				return -1;
			json_object_set_new(args, "limit", json_integer(limit));
		} else {
			snprintf(err, errlen, "runs: unexpected argument '%s'", argv[i]);
			return -1;
		}
	}
	return 0;
}

/* rollback [--to RUN_ID] [--dry-run] */
static int parse_rollback(struct ctl_opts *o, int argc, char **argv, json_t *args, char *err,
			 size_t errlen)
{
	int to;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0) {
			if (parse_int_arg("--to", i + 1 < argc ? argv[++i] : NULL, 1, 2147483647, &to,
					  err, errlen) != 0)
				return -1;
			json_object_set_new(args, "to", json_integer(to));
		} else if (strcmp(argv[i], "--no-wait") == 0) {
			json_object_set_new(args, "wait", json_false());
		} else if (strcmp(argv[i], "--dry-run") == 0 || strcmp(argv[i], "-n") == 0) {
			json_object_set_new(args, "dry_run", json_true());
		} else {
			snprintf(err, errlen, "rollback: unexpected argument '%s'", argv[i]);
			return -1;
		}
	}
	return 0;
}

/* loyalty rebuild [--org ORG_ID] [--force] */
static int parse_loyalty(struct ctl_opts *o, int argc, char **argv, json_t *args, char *err,
			 size_t errlen)
{
	if (argc < 2 || strcmp(argv[1], "rebuild") != 0) {
		snprintf(err, errlen, "loyalty needs an action: loyalty rebuild [--org ORG_ID] [--force]");
		return -1;
	}
	json_object_set_new(args, "action", json_string("rebuild"));
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--org") == 0 && i + 1 < argc) {
			json_object_set_new(args, "org", json_string(argv[++i]));
		} else if (strcmp(argv[i], "--force") == 0) {
			json_object_set_new(args, "force", json_true());
		} else if (strcmp(argv[i], "--no-wait") == 0) {
			json_object_set_new(args, "wait", json_false());
		} else {
			snprintf(err, errlen, "loyalty rebuild: unexpected argument '%s'", argv[i]);
			return -1;
		}
	}
	return 0;
}

/* pause [--reason TEXT] */
static int parse_pause(struct ctl_opts *o, int argc, char **argv, json_t *args, char *err,
			 size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
			json_object_set_new(args, "reason", json_string(argv[++i]));
		} else {
			snprintf(err, errlen, "pause: unexpected argument '%s' (pause [--reason TEXT])",
				 argv[i]);
			return -1;
		}
	}
	return 0;
}

/* metrics [--output FILE]: FILE is written by analyticsctl, not sent to the daemon. */
static int parse_metrics(struct ctl_opts *o, int argc, char **argv, json_t *args, char *err,
			 size_t errlen)
{
	(void)args;
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "--output") == 0 || strcmp(argv[i], "-o") == 0) && i + 1 < argc) {
			o->output = argv[++i];
		} else {
			snprintf(err, errlen, "metrics: unexpected argument '%s' (metrics [--output FILE])",
				 argv[i]);
			return -1;
		}
	}
	return 0;
}

/* One row per command: its words, how they become a request, how its
 * result is shown. */
static const struct ctl_command commands[] = {
	{ "status",  parse_none,    render_status,
	  "status                    daemon, database, schema, paused, current/queued/last runs" },
	{ "migrate", parse_migrate, render_migrate,
	  "migrate [up|down|status] [--no-wait]\n"
	  "                            apply, revert the newest, or list migrations" },
	{ "refresh", parse_refresh, render_refresh,
	  "refresh full|incremental|recent [--days N]|org ORG_ID [--no-wait] [--trigger NAME]\n"
	  "        [--force]\n"
	  "                            refresh customer_analytics; waits for the outcome" },
	{ "rollback", parse_rollback, render_rollback,
	  "rollback [--to RUN_ID] [--dry-run] [--no-wait]\n"
	  "                            undo the latest refresh (or all after RUN_ID); pauses;\n"
	  "                            --dry-run lists what it would undo, changing nothing" },
	{ "loyalty", parse_loyalty, render_loyalty,
	  "loyalty rebuild [--org ORG_ID] [--force] [--no-wait]\n"
	  "                            rebuild customers, profiles, booking points and balances" },
	{ "pause",   parse_pause,   render_control,
	  "pause [--reason TEXT]     refuse timer refreshes until resume" },
	{ "resume",  parse_none,    render_control,
	  "resume                    let refreshes run again" },
	{ "reload",  parse_none,    render_reload,
	  "reload                    reload the daemon's configuration; fails if invalid" },
	{ "check",   parse_none,    render_check,
	  "check                     sanity checks; exit 1 if any fails" },
	{ "runs",    parse_runs,    render_runs,
	  "runs [--limit N]          recent runs, newest first (default 20)" },
	{ "metrics", parse_metrics, render_metrics,
	  "metrics [--output FILE]   Prometheus text format (FILE: written atomically)" },
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
		"75 refused for now (busy, paused), 77 not authorized; status: 3 the daemon\n"
		"runs but its database is down. See analyticsctl(8).\n",
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
		o->command = &commands[i];
		o->cmd = commands[i].name;
		o->args = json_object();
		if (o->args == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (commands[i].parse(o, argc - optind, argv + optind, o->args, err, errlen) != 0) {
			json_decref(o->args);
			o->args = NULL;
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown command '%s'", argv[optind]);
	return -1;
}
