/* SPDX-License-Identifier: ISC */
/*
 * Command-line parsing, the standard way: getopt_long for the global options
 * before the command, then getopt_long again for the command's own options
 * (and the global ones, which may come anywhere after it too), in any order
 * with its words, as --opt=value or --opt value. Each command is one row of
 * the table below: its options as data, a check of its words, how its result
 * is shown, and its help.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics_proto.h"
#include "args.h"
#include "render.h"
#include "table.h"

#define CTL_MAX_WORDS 8                 /* words besides options, per command */
#define CTL_MAX_OPTS 16                 /* options of a command, globals included */

static void say(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* --- each command's words, checked after its options ----------------------------------- */

static int words_none(struct ctl_opts *o, int n, char **w, char *err, size_t errlen)
{
	if (n > 0) {
		say(err, errlen, "takes no arguments (got '%s')", w[0]);
		return -1;
	}
	return 0;
}

static bool one_of(const char *s, const char *const *choices)
{
	for (; *choices != NULL; choices++)
		if (strcmp(s, *choices) == 0)
			return true;
	return false;
}

/* One action word from `actions` (dflt when there is none), as args.action. */
static int one_action(struct ctl_opts *o, int n, char **w, const char *const *actions,
		      const char *dflt, char *err, size_t errlen)
{
	const char *action = n > 0 ? w[0] : dflt;
	char list[128];
	size_t off = 0;

	if (n > 1) {
		say(err, errlen, "takes one action (got '%s' too)", w[1]);
		return -1;
	}
	if (one_of(action, actions))
		return json_object_set_new(o->args, "action", json_string(action));
	for (size_t i = 0; actions[i] != NULL && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
					i == 0 ? "" : actions[i + 1] == NULL ? " or " : ", ", actions[i]);
	say(err, errlen, "the action must be %s, not '%s'", list, action);
	return -1;
}

static int words_migrate(struct ctl_opts *o, int n, char **w, char *err, size_t errlen)
{
	static const char *const actions[] = { "up", "down", "status", NULL };

	if (one_action(o, n, w, actions, "up", err, errlen) != 0)
		return -1;
	if (n > 0 && strcmp(w[0], "status") == 0 && json_object_get(o->args, "wait") != NULL) {
		say(err, errlen, "--no-wait applies to migrate up and down only");
		return -1;
	}
	return 0;
}

static int words_refresh(struct ctl_opts *o, int n, char **w, char *err, size_t errlen)
{
	const char *mode = n > 0 ? w[0] : NULL;

	if (mode == NULL || proto_refresh_mode(mode) < 0) {
		say(err, errlen, "needs a mode: full, incremental, recent [--days N] or org ORG_ID%s%s%s",
		    mode ? " (not '" : "", mode ? mode : "", mode ? "')" : "");
		return -1;
	}
	if (strcmp(mode, "org") == 0 && n < 2) {
		say(err, errlen, "org needs an organization id");
		return -1;
	}
	if (n > (strcmp(mode, "org") == 0 ? 2 : 1)) {
		say(err, errlen, "unexpected argument '%s'", w[strcmp(mode, "org") == 0 ? 2 : 1]);
		return -1;
	}
	if (json_object_get(o->args, "days") != NULL && strcmp(mode, "recent") != 0) {
		say(err, errlen, "--days only applies to refresh recent");
		return -1;
	}
	json_object_set_new(o->args, "mode", json_string(mode));
	if (n == 2)
		json_object_set_new(o->args, "org", json_string(w[1]));
	return 0;
}

static int words_loyalty(struct ctl_opts *o, int n, char **w, char *err, size_t errlen)
{
	if (n < 1 || strcmp(w[0], "rebuild") != 0) {
		say(err, errlen, "needs an action: loyalty rebuild [--org ORG_ID] [--force]");
		return -1;
	}
	if (n > 1) {
		say(err, errlen, "unexpected argument '%s'", w[1]);
		return -1;
	}
	return json_object_set_new(o->args, "action", json_string("rebuild"));
}

static int words_capture(struct ctl_opts *o, int n, char **w, char *err, size_t errlen)
{
	static const char *const actions[] = { "on", "off", "status", NULL };

	if (one_action(o, n, w, actions, "status", err, errlen) != 0)
		return -1;
	if ((n == 0 || strcmp(w[0], "off") != 0) && json_object_get(o->args, "reason") != NULL) {
		say(err, errlen, "--reason applies to capture off only");
		return -1;
	}
	return 0;
}

static int words_cancel(struct ctl_opts *o, int n, char **w, char *err, size_t errlen)
{
	static const char *const which[] = { "running", "queued", "all", NULL };

	if (n > 1) {
		say(err, errlen, "takes one of running, queued, all (got '%s' too)", w[1]);
		return -1;
	}
	if (n == 0)
		return 0;
	if (!one_of(w[0], which)) {
		say(err, errlen, "cancel what? running, queued or all (not '%s')", w[0]);
		return -1;
	}
	json_object_set_new(o->args, "which", json_string(w[0]));
	return 0;
}

/* --- the options of each command, as data ----------------------------------------------- */

static const struct ctl_opt no_opts[] = { { NULL } };
#define OPT_NO_WAIT { "no-wait", 0, OPT_FALSE, "wait", 0, 0, NULL, \
	"return once the job is running or queued, without waiting for its outcome" }
#define OPT_TABLE_COLUMNS { "output", 'o', OPT_COLUMNS, NULL, 0, 0, "COLUMNS", \
	"the table's columns, comma-separated (help lists them)" }
#define OPT_TABLE_NO_HEADINGS { "no-headings", 0, OPT_NO_HEADINGS, NULL, 0, 0, NULL, \
	"print the table without its headings" }
#define OPT_TABLE_LOCAL { "local", 0, OPT_LOCAL, NULL, 0, 0, NULL, \
	"times in local time (default: UTC), with their age" }
#define OPT_TABLE_RAW { "raw", 'r', OPT_RAW, NULL, 0, 0, NULL, \
	"for scripts: columns apart by one space, whole values, times as RFC 3339" }
#define OPT_TABLE_PAIRS { "pairs", 'P', OPT_PAIRS, NULL, 0, 0, NULL, \
	"for scripts: KEY=\"value\" pairs, one row a line" }
#define OPT_TABLE OPT_TABLE_COLUMNS, OPT_TABLE_NO_HEADINGS, OPT_TABLE_LOCAL, OPT_TABLE_RAW, \
	OPT_TABLE_PAIRS
static const struct ctl_opt migrate_opts[] = {
	OPT_NO_WAIT, OPT_TABLE, { NULL },
};
static const struct ctl_opt refresh_opts[] = {
	{ "days", 0, OPT_INT, "days", 1, 3650, "N",
	  "recent: the bookings of the last N days (default: refresh.recent_days)" },
	{ "trigger", 0, OPT_STRING, "trigger", 0, 0, "NAME",
	  "what asked for the run, as recorded (manual, timer, ...)" },
	{ "force", 0, OPT_TRUE, "force", 0, 0, NULL, "run even while analytics are paused" },
	{ "dry-run", 'n', OPT_TRUE, "dry_run", 0, 0, NULL,
	  "say what it would recompute (scope, queued keys, rows due); change nothing" },
	OPT_NO_WAIT, { NULL },
};
static const struct ctl_opt rollback_opts[] = {
	{ "to", 0, OPT_INT, "to", 1, 2147483647, "RUN_ID",
	  "undo every successful refresh and rebuild after RUN_ID" },
	{ "dry-run", 'n', OPT_TRUE, "dry_run", 0, 0, NULL,
	  "list the runs it would undo and their rows; change nothing" },
	OPT_NO_WAIT, OPT_TABLE_LOCAL, { NULL },
};
static const struct ctl_opt loyalty_opts[] = {
	{ "org", 0, OPT_STRING, "org", 0, 0, "ORG_ID", "one organization only" },
	{ "force", 0, OPT_TRUE, "force", 0, 0, NULL, "run even while analytics are paused" },
	OPT_NO_WAIT, { NULL },
};
static const struct ctl_opt pause_opts[] = {
	{ "reason", 'r', OPT_STRING, "reason", 0, 0, "TEXT", "why, as status and the journal show it" },
	{ NULL },
};
static const struct ctl_opt runs_opts[] = {
	{ "limit", 'n', OPT_INT, "limit", 1, 1000, "N", "how many runs (default 20)" },
	{ "status", 0, OPT_STRING, "status", 0, 0, "STATUS",
	  "running, succeeded, failed, cancelled or rolled_back only" },
	{ "kind", 0, OPT_STRING, "kind", 0, 0, "KIND", "refresh, rollback or loyalty_rebuild only" },
	{ "mode", 0, OPT_STRING, "mode", 0, 0, "MODE", "full, incremental, recent, org, ... only" },
	{ "since", 0, OPT_STRING, "since", 0, 0, "TIME",
	  "started since: an age (7d, 12h, 30m) or a time (2026-12-01T09:00:00Z)" },
	OPT_TABLE, { NULL },
};
static const struct ctl_opt check_opts[] = {
	OPT_TABLE_COLUMNS, OPT_TABLE_NO_HEADINGS, OPT_TABLE_RAW, OPT_TABLE_PAIRS, { NULL },
};
static const struct ctl_opt metrics_opts[] = {
	{ "output", 'o', OPT_OUTPUT, NULL, 0, 0, "FILE",
	  "write FILE atomically (for node_exporter's textfile collector)" },
	{ NULL },
};

/* One row per command: its words, how they become a request, how its result is shown. */
static const struct ctl_command commands[] = {
	{ "status", no_opts, words_none, render_status, NULL, "status",
	  "daemon, database, schema, paused, current/queued/last runs",
	  "Exit 0 when the daemon and its database answer, 3 when the daemon runs but its\n"
	  "database is down, 69 when the daemon cannot be reached." },
	{ "migrate", migrate_opts, words_migrate, render_migrate, render_migrations_columns,
	  "migrate [up|down|status]",
	  "apply, revert the newest, or list migrations",
	  "up (the default) applies every pending migration, each in its own transaction;\n"
	  "down reverts the newest applied one; status lists them and changes nothing." },
	{ "refresh", refresh_opts, words_refresh, render_refresh, NULL,
	  "refresh full|incremental|recent|org ORG_ID",
	  "refresh customer_analytics; waits for the outcome",
	  "full recomputes every row; incremental what changed or came due (exact); recent\n"
	  "the customers with bookings in the last days; org one organization's customers." },
	{ "rollback", rollback_opts, words_none, render_rollback, NULL, "rollback",
	  "undo the latest refresh (or all after RUN_ID); pauses",
	  "Undoes the latest successful refresh or loyalty rebuild exactly, in one\n"
	  "transaction, then pauses timer refreshes until resume." },
	{ "loyalty", loyalty_opts, words_loyalty, render_loyalty, NULL, "loyalty rebuild",
	  "rebuild customers, profiles, booking points and balances", NULL },
	{ "pause", pause_opts, words_none, render_control, NULL, "pause",
	  "refuse timer refreshes until resume", NULL },
	{ "resume", no_opts, words_none, render_control, NULL, "resume", "let refreshes run again", NULL },
	{ "capture", pause_opts, words_capture, render_capture, NULL, "capture [on|off|status]",
	  "turn change capture off or on, or show it",
	  "off stops queueing the sources' writes at once, in one transaction (the table\n"
	  "goes stale); on starts again and queues every customer, so that the next\n"
	  "incremental run leaves nothing stale; status (the default) shows the switch and\n"
	  "checks the capture triggers. on and off need an operator." },
	{ "reload", no_opts, words_none, render_reload, NULL, "reload",
	  "reload the daemon's configuration; fails if invalid", NULL },
	{ "cancel", no_opts, words_cancel, render_cancel, NULL, "cancel [running|queued|all]",
	  "stop the running job (the default), drop the queued ones, or both",
	  "The running job's transaction is rolled back and its statement cancelled on the\n"
	  "server: nothing it did is kept, and it is recorded as cancelled. It answers\n"
	  "once the job has ended, with what was cancelled; exit 0, also when nothing was." },
	{ "check", check_opts, words_none, render_check, render_check_columns, "check",
	  "sanity checks; exit 1 if any fails", NULL },
	{ "runs", runs_opts, words_none, render_runs, render_runs_columns, "runs",
	  "recent runs, newest first (default 20)", NULL },
	{ "metrics", metrics_opts, words_none, render_metrics, NULL, "metrics",
	  "Prometheus text format", NULL },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The options every command takes, before or after it. */
enum { G_SOCKET = 's', G_JSON = 'j', G_TIMEOUT = 't', G_HELP = 'h', G_VERSION = 'V' };
static const struct option global_opts[] = {
	{ "socket",  required_argument, NULL, G_SOCKET },
	{ "json",    no_argument,       NULL, G_JSON },
	{ "timeout", required_argument, NULL, G_TIMEOUT },
	{ "help",    no_argument,       NULL, G_HELP },
	{ "version", no_argument,       NULL, G_VERSION },
};
#define N_GLOBAL (sizeof(global_opts) / sizeof(global_opts[0]))

static const struct ctl_command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* --- help -------------------------------------------------------------------------------- */

static void opt_line(FILE *fp, int short_name, const char *name, const char *metavar,
		     const char *help)
{
	char left[64];

	snprintf(left, sizeof(left), "%s%c%s--%s%s%s", short_name ? "-" : "",
		 short_name ? short_name : ' ', short_name ? ", " : "  ", name,
		 metavar ? " " : "", metavar ? metavar : "");
	fprintf(fp, "  %-22s %s\n", short_name ? left : left + 2, help);
}

void ctl_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: analyticsctl [OPTIONS] COMMAND [ARGS] [OPTIONS]\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "  %-10s %s\n", "help", "this help, or a command's: help COMMAND");
	fprintf(fp, "\nOptions (before or after the command):\n");
	opt_line(fp, 's', "socket", "PATH", "control socket (default $ANALYTICSD_SOCKET or "
		 CTL_DEFAULT_SOCKET ")");
	opt_line(fp, 'j', "json", NULL, "JSON for scripts: events as lines, then the result");
	opt_line(fp, 't', "timeout", "S", "give up after S seconds without word from the daemon");
	fprintf(fp, "  %-22s (default %d; 0 waits forever)\n", "", CTL_DEFAULT_TIMEOUT_S);
	opt_line(fp, 'h', "help", NULL, "print help (of the command, after one)");
	opt_line(fp, 'V', "version", NULL, "print the version");
	fprintf(fp,
		"\n"
		"Exit status: 0 ok, 1 failed, 64 usage, 69 daemon or database unreachable,\n"
		"75 refused for now (busy, paused), 77 not authorized; status: 3 the daemon\n"
		"runs but its database is down. See analyticsctl(8).\n");
}

void ctl_command_usage(FILE *fp, const struct ctl_command *c)
{
	const struct ctl_opt *op;

	fprintf(fp, "Usage: analyticsctl %s%s [OPTIONS]\n\n%s.\n", c->usage,
		c->opts[0].name ? " [COMMAND OPTIONS]" : "", c->summary);
	if (c->help != NULL)
		fprintf(fp, "\n%s\n", c->help);
	if (c->opts[0].name != NULL) {
		fprintf(fp, "\nCommand options:\n");
		for (op = c->opts; op->name != NULL; op++)
			opt_line(fp, op->short_name, op->name, op->metavar, op->help);
	}
	if (c->cols != NULL) {
		fprintf(fp, "\nColumns (those marked * only with --output):\n");
		for (const struct table_col *col = c->cols; col->name != NULL; col++)
			fprintf(fp, "  %-10s%s %s\n", col->name, col->hidden ? "*" : " ",
				col->help ? col->help : "");
	}
	fprintf(fp, "\nOptions: -s/--socket PATH, -j/--json, -t/--timeout S (see analyticsctl help).\n"
		"See analyticsctl(8).\n");
}

/* --- parsing ----------------------------------------------------------------------------- */

static int parse_long(const char *opt, const char *v, long min, long max, long *out, char *err,
		      size_t errlen)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max) {
		say(err, errlen, "--%s wants a whole number from %ld to %ld, not '%s'", opt, min, max,
		    v);
		return -1;
	}
	*out = n;
	return 0;
}

/* A global option, wherever it came. 1: not one; -1: bad value. */
static int global_opt(struct ctl_opts *o, int c, const char *arg, char *err, size_t errlen)
{
	long v;

	switch (c) {
	case G_SOCKET:
		o->socket = arg;
		return 0;
	case G_JSON:
		o->json = true;
		return 0;
	case G_TIMEOUT:
		if (parse_long("timeout", arg, 0, 86400 * 7, &v, err, errlen) != 0)
			return -1;
		o->timeout_s = (int)v;
		return 0;
	case G_HELP:
		o->help = true;
		return 0;
	case G_VERSION:
		o->version = true;
		return 0;
	}
	return 1;
}

/* getopt_long's ':' (a value missing) and '?' (an unknown option) as a message; 0 otherwise. */
static int getopt_error(int c, char **argv, char *err, size_t errlen)
{
	if (c == ':')
		say(err, errlen, "option '%s' needs a value", argv[optind - 1]);
	else if (c == '?' && optopt != 0)
		say(err, errlen, "unknown option '-%c'", optopt);
	else if (c == '?')
		say(err, errlen, "unknown option '%s'", argv[optind - 1]);
	else
		return 0;
	return -1;
}

static int add_word(char **words, int *n, char *w, char *err, size_t errlen)
{
	if (*n == CTL_MAX_WORDS) {
		say(err, errlen, "too many arguments");
		return -1;
	}
	words[(*n)++] = w;
	return 0;
}

/* The command's options and words: argv[0] is the command. */
static int parse_command(struct ctl_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	const struct ctl_command *cmd = o->command;
	struct option lopts[CTL_MAX_OPTS + 1];
	char shorts[3 * CTL_MAX_OPTS + 8] = "-:s:jt:hV";
	char *words[CTL_MAX_WORDS];
	int n = 0, nwords = 0, c;

	memcpy(lopts, global_opts, sizeof(global_opts));
	n = (int)N_GLOBAL;
	for (const struct ctl_opt *op = cmd->opts; op->name != NULL && n < CTL_MAX_OPTS; op++) {
		bool arg = op->kind == OPT_INT || op->kind == OPT_STRING || op->kind == OPT_OUTPUT ||
			   op->kind == OPT_COLUMNS;
		lopts[n++] = (struct option){ op->name, arg ? required_argument : no_argument,
					      NULL, 0x100 + (int)(op - cmd->opts) };
		if (op->short_name) {
			size_t len = strlen(shorts);
			shorts[len] = (char)op->short_name;
			shorts[len + 1] = arg ? ':' : '\0';
			shorts[len + 2] = '\0';
		}
	}
	lopts[n] = (struct option){ NULL, 0, NULL, 0 };
	optind = 0;
	opterr = 0;
	/* "-": words come back in order (as 1), so options may come anywhere. */
	while ((c = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
		const struct ctl_opt *op = NULL;
		int g;
		long v;

		if (c == 1) {
			if (add_word(words, &nwords, optarg, err, errlen) != 0)
				return -1;
			continue;
		}
		if (getopt_error(c, argv, err, errlen) != 0)
			return -1;
		if ((g = global_opt(o, c, optarg, err, errlen)) <= 0) {
			if (g < 0)
				return -1;
			continue;
		}
		if (c >= 0x100)
			op = &cmd->opts[c - 0x100];
		else
			for (const struct ctl_opt *p = cmd->opts; p->name != NULL; p++)
				if (p->short_name == c)
					op = p;
		if (op == NULL)
			return getopt_error('?', argv, err, errlen);
		switch (op->kind) {
		case OPT_INT:
			if (parse_long(op->name, optarg, op->min, op->max, &v, err, errlen) != 0)
				return -1;
			json_object_set_new(o->args, op->key, json_integer(v));
			break;
		case OPT_STRING:
			json_object_set_new(o->args, op->key, json_string(optarg));
			break;
		case OPT_TRUE:
			json_object_set_new(o->args, op->key, json_true());
			break;
		case OPT_FALSE:
			json_object_set_new(o->args, op->key, json_false());
			break;
		case OPT_OUTPUT:
			o->output = optarg;
			break;
		case OPT_COLUMNS:
			table_opts.columns = optarg;
			break;
		case OPT_NO_HEADINGS:
			table_opts.no_headings = true;
			break;
		case OPT_LOCAL:
			table_opts.local_time = true;
			break;
		case OPT_RAW:
			table_opts.raw = true;
			break;
		case OPT_PAIRS:
			table_opts.pairs = true;
			break;
		}
	}
	/* After "--", the rest are words, whatever they look like. */
	for (; optind < argc; optind++)
		if (add_word(words, &nwords, argv[optind], err, errlen) != 0)
			return -1;
	if (o->help || o->version)
		return 0;
	if (cmd->cols != NULL && table_check_columns(cmd->cols, err, errlen) != 0)
		return -1;
	return cmd->words(o, nwords, words, err, errlen);
}

int ctl_parse_args(int argc, char **argv, struct ctl_opts *o, char *err, size_t errlen)
{
	const char *env = getenv("ANALYTICSD_SOCKET");
	int c, rc;

	memset(o, 0, sizeof(*o));
	memset(&table_opts, 0, sizeof(table_opts));
	o->socket = env && *env ? env : CTL_DEFAULT_SOCKET;
	o->timeout_s = CTL_DEFAULT_TIMEOUT_S;
	optind = 0;             /* 0, not 1: also resets glibc's position inside "-xj" */
	opterr = 0;
	/* '+': stop at the command; its own options are parsed with it. */
	while ((c = getopt_long(argc, argv, "+:s:jt:hV", global_opts, NULL)) != -1) {
		if (getopt_error(c, argv, err, errlen) != 0 ||
		    global_opt(o, c, optarg, err, errlen) != 0)
			return -1;
	}
	if (o->help || o->version)
		return 0;
	if (optind >= argc) {
		say(err, errlen, "no command given");
		return -1;
	}
	if (strcmp(argv[optind], "help") == 0) {
		o->help = true;
		if (optind + 1 < argc && (o->command = find_command(argv[optind + 1])) == NULL) {
			o->help = false;
			say(err, errlen, "no command '%s' to help with", argv[optind + 1]);
			return -1;
		}
		return 0;
	}
	o->command = find_command(argv[optind]);
	if (o->command == NULL) {
		say(err, errlen, "unknown command '%s'", argv[optind]);
		return -1;
	}
	o->cmd = o->command->name;
	o->args = json_object();
	if (o->args == NULL) {
		say(err, errlen, "out of memory");
		return -1;
	}
	rc = parse_command(o, argc - optind, argv + optind, err, errlen);
	if (rc != 0 || o->help || o->version) {
		json_decref(o->args);
		o->args = NULL;
	}
	return rc;
}
