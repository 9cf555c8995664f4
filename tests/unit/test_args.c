/* SPDX-License-Identifier: ISC */
/* Unit tests for ctl/args.c: analyticsctl's command line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "args.h"

#define assert_contains(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (h_ == NULL || strstr(h_, n_) == NULL) \
		fail_msg("expected \"%s\" to contain \"%s\"", h_ ? h_ : "(null)", n_); \
} while (0)

/* argv must be NULL-terminated; its words live in writable arrays. */
static int parse(char **argv, struct ctl_opts *o, char *err, size_t errlen)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	err[0] = '\0';
	return ctl_parse_args(argc, argv, o, err, errlen);
}

static void parse_ok(char **argv, struct ctl_opts *o)
{
	char err[256];

	if (parse(argv, o, err, sizeof(err)) != 0)
		fail_msg("parsing failed: %s", err);
}

static void parse_fails(char **argv, const char *msg_part)
{
	struct ctl_opts o;
	char err[256];

	if (parse(argv, &o, err, sizeof(err)) == 0) {
		json_decref(o.args);
		fail_msg("parsing unexpectedly succeeded");
	}
	assert_true(err[0] != '\0');
	if (msg_part != NULL)
		assert_contains(err, msg_part);
}

static const char *action_of(const struct ctl_opts *o)
{
	return json_string_value(json_object_get(o->args, "action"));
}

static int setup_env(void **state)
{
	unsetenv("ANALYTICSD_SOCKET");
	return 0;
}

/*
 * Before each test: a full glibc getopt reset (optind = 0, which also clears
 * its position inside a cluster such as "-xj"), so that a test that stops
 * parsing mid-cluster cannot leak state into the next one. See
 * test_reparse_after_cluster_error for why ctl_parse_args's own reset is not
 * enough.
 */
static void full_getopt_reset(void)
{
	char *argv[] = { "reset", NULL };

	/*
	 * getopt reinitialises only when it is *called* with optind == 0, and
	 * only then reads the ordering: "+" as ctl_parse_args wants it.
	 */
	optind = 0;
	opterr = 0;
	(void)getopt(1, argv, "+");
}

static int reset_getopt(void **state)
{
	full_getopt_reset();
	return 0;
}

static int teardown_env(void **state)
{
	unsetenv("ANALYTICSD_SOCKET");
	return 0;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_status(void **state)
{
	char *argv[] = { "analyticsctl", "status", NULL };
	struct ctl_opts o;

	parse_ok(argv, &o);
	assert_non_null(o.cmd);
	assert_string_equal(o.cmd, "status");
	assert_string_equal(o.socket, CTL_DEFAULT_SOCKET);
	assert_string_equal(o.socket, "/run/analyticsd/control.sock");
	assert_false(o.json);
	assert_int_equal(o.timeout_s, CTL_DEFAULT_TIMEOUT_S);
	assert_int_equal(o.timeout_s, 30);
	assert_false(o.help);
	assert_false(o.version);
	assert_true(json_is_object(o.args));
	assert_int_equal(json_object_size(o.args), 0);
	json_decref(o.args);
}

static void test_global_options(void **state)
{
	char *argv[] = { "analyticsctl", "--json", "-s", "/x.sock", "--timeout", "5",
			 "status", NULL };
	struct ctl_opts o;

	parse_ok(argv, &o);
	assert_string_equal(o.cmd, "status");
	assert_string_equal(o.socket, "/x.sock");
	assert_true(o.json);
	assert_int_equal(o.timeout_s, 5);
	json_decref(o.args);
}

static void test_global_options_other_spellings(void **state)
{
	char *argv[] = { "analyticsctl", "-j", "--socket=/y.sock", "--timeout=7",
			 "migrate", NULL };
	char *argv2[] = { "analyticsctl", "-t12", "-s/z.sock", "status", NULL };
	struct ctl_opts o;

	parse_ok(argv, &o);
	assert_true(o.json);
	assert_string_equal(o.socket, "/y.sock");
	assert_int_equal(o.timeout_s, 7);
	assert_string_equal(o.cmd, "migrate");
	json_decref(o.args);

	parse_ok(argv2, &o);
	assert_false(o.json);
	assert_int_equal(o.timeout_s, 12);
	assert_string_equal(o.socket, "/z.sock");
	json_decref(o.args);
}

static void test_timeout_zero(void **state)
{
	char *argv[] = { "analyticsctl", "-t", "0", "status", NULL };
	struct ctl_opts o;

	parse_ok(argv, &o);
	assert_int_equal(o.timeout_s, 0);
	assert_string_equal(o.cmd, "status");
	json_decref(o.args);
}

static void test_bad_timeouts(void **state)
{
	char *a1[] = { "analyticsctl", "--timeout", "abc", "status", NULL };
	char *a2[] = { "analyticsctl", "--timeout", "-1", "status", NULL };
	char *a3[] = { "analyticsctl", "--timeout", "5s", "status", NULL };
	char *a4[] = { "analyticsctl", "-t", "", "status", NULL };
	char *a5[] = { "analyticsctl", "-t", "99999999999999999999", "status", NULL };
	char *a6[] = { "analyticsctl", "-t", "604801", "status", NULL };
	char *a7[] = { "analyticsctl", "status", "-t", NULL };
	char *a8[] = { "analyticsctl", "-t", NULL };

	parse_fails(a1, "'abc'");
	parse_fails(a2, "'-1'");
	parse_fails(a3, "'5s'");
	parse_fails(a4, "--timeout");
	parse_fails(a5, "--timeout");
	parse_fails(a6, "'604801'");
	/* after the command, -t is the command's word: status takes none */
	parse_fails(a7, NULL);
	/* -t without a value */
	parse_fails(a8, NULL);
}

static void test_timeout_max(void **state)
{
	char *argv[] = { "analyticsctl", "-t", "604800", "status", NULL };
	struct ctl_opts o;

	parse_ok(argv, &o);
	assert_int_equal(o.timeout_s, 604800);
	json_decref(o.args);
}

static void test_no_command(void **state)
{
	char *a1[] = { "analyticsctl", NULL };
	char *a2[] = { "analyticsctl", "--json", "-s", "/x.sock", NULL };

	parse_fails(a1, "no command");
	parse_fails(a2, "no command");
}

static void test_unknown_command(void **state)
{
	char *a1[] = { "analyticsctl", "frobnicate", NULL };
	char *a2[] = { "analyticsctl", "STATUS", NULL };

	parse_fails(a1, "unknown command 'frobnicate'");
	parse_fails(a2, "unknown command 'STATUS'");
}

static void test_status_extra(void **state)
{
	char *argv[] = { "analyticsctl", "status", "extra", NULL };

	parse_fails(argv, "'extra'");
}

static void test_migrate_default(void **state)
{
	char *argv[] = { "analyticsctl", "migrate", NULL };
	struct ctl_opts o;

	parse_ok(argv, &o);
	assert_string_equal(o.cmd, "migrate");
	assert_true(json_is_object(o.args));
	assert_int_equal(json_object_size(o.args), 1);
	assert_non_null(action_of(&o));
	assert_string_equal(action_of(&o), "up");
	json_decref(o.args);
}

static void test_migrate_actions(void **state)
{
	char *up[] = { "analyticsctl", "migrate", "up", NULL };
	char *down[] = { "analyticsctl", "migrate", "down", NULL };
	char *status[] = { "analyticsctl", "--json", "migrate", "status", NULL };
	struct ctl_opts o;

	parse_ok(up, &o);
	assert_string_equal(action_of(&o), "up");
	json_decref(o.args);

	parse_ok(down, &o);
	assert_string_equal(o.cmd, "migrate");
	assert_string_equal(action_of(&o), "down");
	assert_int_equal(json_object_size(o.args), 1);
	json_decref(o.args);

	parse_ok(status, &o);
	assert_string_equal(o.cmd, "migrate");
	assert_true(o.json);
	assert_string_equal(action_of(&o), "status");
	json_decref(o.args);
}

static void test_migrate_bad_action(void **state)
{
	char *a1[] = { "analyticsctl", "migrate", "sideways", NULL };
	char *a2[] = { "analyticsctl", "migrate", "UP", NULL };
	char *a3[] = { "analyticsctl", "migrate", "", NULL };

	parse_fails(a1, "'sideways'");
	parse_fails(a2, "'UP'");
	parse_fails(a3, "the action must be up, down or status");
}

static void test_capture(void **state)
{
	char *dflt[] = { "analyticsctl", "capture", NULL };
	char *off[] = { "analyticsctl", "capture", "off", "--reason", "bulk load", NULL };
	char *on[] = { "analyticsctl", "capture", "on", NULL };
	char *bad[] = { "analyticsctl", "capture", "maybe", NULL };
	char *reason_on[] = { "analyticsctl", "capture", "on", "-r", "x", NULL };
	struct ctl_opts o;

	parse_ok(dflt, &o);
	assert_string_equal(action_of(&o), "status");
	json_decref(o.args);
	parse_ok(off, &o);
	assert_string_equal(action_of(&o), "off");
	assert_string_equal(json_string_value(json_object_get(o.args, "reason")), "bulk load");
	json_decref(o.args);
	parse_ok(on, &o);
	assert_string_equal(action_of(&o), "on");
	assert_int_equal(json_object_size(o.args), 1);
	json_decref(o.args);
	parse_fails(bad, "the action must be on, off or status, not 'maybe'");
	parse_fails(reason_on, "--reason applies to capture off only");
}
static void test_migrate_extra(void **state)
{
	char *argv[] = { "analyticsctl", "migrate", "up", "extra", NULL };

	parse_fails(argv, "'extra'");
}

/* Every kind of job can be queued without waiting for it. */
static void test_no_wait_every_job(void **state)
{
	char *refresh[] = { "analyticsctl", "refresh", "full", "--no-wait", NULL };
	char *rollback[] = { "analyticsctl", "rollback", "--no-wait", "--to", "3", NULL };
	char *loyalty[] = { "analyticsctl", "loyalty", "rebuild", "--no-wait", NULL };
	char *migrate[] = { "analyticsctl", "migrate", "--no-wait", "down", NULL };
	char **cases[] = { refresh, rollback, loyalty, migrate };
	struct ctl_opts o;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_ok(cases[i], &o);
		assert_string_equal(o.cmd, cases[i][1]);
		assert_true(json_is_false(json_object_get(o.args, "wait")));
		json_decref(o.args);
	}
	parse_ok(migrate, &o);
	assert_string_equal(action_of(&o), "down");
	json_decref(o.args);
}

static void test_migrate_status_waits_for_nothing(void **state)
{
	char *argv[] = { "analyticsctl", "migrate", "status", "--no-wait", NULL };

	parse_fails(argv, "migrate up and down only");
}

/* Global options may come after the command too (as systemctl's do). */
static void test_global_options_after_command(void **state)
{
	char *a1[] = { "analyticsctl", "migrate", "--json", NULL };
	char *a2[] = { "analyticsctl", "status", "-j", "--socket=/q.sock", "-t", "9", NULL };
	struct ctl_opts o;

	parse_ok(a1, &o);
	assert_true(o.json);
	assert_string_equal(action_of(&o), "up");
	json_decref(o.args);
	parse_ok(a2, &o);
	assert_true(o.json);
	assert_string_equal(o.socket, "/q.sock");
	assert_int_equal(o.timeout_s, 9);
	json_decref(o.args);
}

/* --opt=value and --opt value, options before, between and after the words. */
static void test_option_forms(void **state)
{
	char *a1[] = { "analyticsctl", "runs", "--limit=5", NULL };
	char *a2[] = { "analyticsctl", "pause", "--reason=disk full", NULL };
	char *a3[] = { "analyticsctl", "refresh", "--days=3", "recent", "--trigger", "timer", NULL };
	char *a4[] = { "analyticsctl", "refresh", "org", "--force", "0b1c2d3e-0000-0000-0000-000000000001",
		       NULL };
	char *a5[] = { "analyticsctl", "rollback", "-n", "--to=7", NULL };
	struct ctl_opts o;

	parse_ok(a1, &o);
	assert_int_equal(json_integer_value(json_object_get(o.args, "limit")), 5);
	json_decref(o.args);
	parse_ok(a2, &o);
	assert_string_equal(json_string_value(json_object_get(o.args, "reason")), "disk full");
	json_decref(o.args);
	parse_ok(a3, &o);
	assert_string_equal(json_string_value(json_object_get(o.args, "mode")), "recent");
	assert_int_equal(json_integer_value(json_object_get(o.args, "days")), 3);
	assert_string_equal(json_string_value(json_object_get(o.args, "trigger")), "timer");
	json_decref(o.args);
	parse_ok(a4, &o);
	assert_string_equal(json_string_value(json_object_get(o.args, "org")),
			    "0b1c2d3e-0000-0000-0000-000000000001");
	assert_true(json_is_true(json_object_get(o.args, "force")));
	json_decref(o.args);
	parse_ok(a5, &o);
	assert_true(json_is_true(json_object_get(o.args, "dry_run")));
	assert_int_equal(json_integer_value(json_object_get(o.args, "to")), 7);
	json_decref(o.args);
}

/* help COMMAND and COMMAND --help: the command's help, not an error. */
static void test_command_help(void **state)
{
	char *a1[] = { "analyticsctl", "help", NULL };
	char *a2[] = { "analyticsctl", "help", "refresh", NULL };
	char *a3[] = { "analyticsctl", "refresh", "--help", NULL };
	char *a4[] = { "analyticsctl", "runs", "-h", NULL };
	char *a5[] = { "analyticsctl", "help", "frobnicate", NULL };
	struct ctl_opts o;
	char err[256];

	parse_ok(a1, &o);
	assert_true(o.help);
	assert_null(o.command);
	parse_ok(a2, &o);
	assert_true(o.help);
	assert_string_equal(o.command->name, "refresh");
	parse_ok(a3, &o);
	assert_true(o.help);
	assert_string_equal(o.command->name, "refresh");
	assert_null(o.args);
	parse_ok(a4, &o);
	assert_true(o.help);
	assert_string_equal(o.command->name, "runs");
	assert_int_equal(parse(a5, &o, err, sizeof(err)), -1);
	assert_contains(err, "no command 'frobnicate'");
}

/* A usage error inside a command names it once: the caller adds the prefix. */
static void test_command_errors_name_command_once(void **state)
{
	char *a1[] = { "analyticsctl", "refresh", "org", NULL };
	char *a2[] = { "analyticsctl", "refresh", "full", "--bogus", NULL };
	struct ctl_opts o;
	char err[256];

	assert_int_equal(parse(a1, &o, err, sizeof(err)), -1);
	assert_string_equal(o.command->name, "refresh");
	assert_string_equal(err, "org needs an organization id");
	assert_int_equal(parse(a2, &o, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown option '--bogus'");
}

static void test_help(void **state)
{
	char *a1[] = { "analyticsctl", "--help", NULL };
	char *a2[] = { "analyticsctl", "-h", "status", NULL };
	char *a3[] = { "analyticsctl", "--json", "-h", NULL };
	struct ctl_opts o;

	parse_ok(a1, &o);
	assert_true(o.help);
	assert_false(o.version);
	assert_null(o.args);
	parse_ok(a2, &o);
	assert_true(o.help);
	assert_null(o.args);
	parse_ok(a3, &o);
	assert_true(o.help);
	assert_null(o.args);
}

static void test_version(void **state)
{
	char *a1[] = { "analyticsctl", "--version", NULL };
	char *a2[] = { "analyticsctl", "-V", NULL };
	struct ctl_opts o;

	parse_ok(a1, &o);
	assert_true(o.version);
	assert_false(o.help);
	assert_null(o.args);
	parse_ok(a2, &o);
	assert_true(o.version);
	assert_null(o.args);
}

static void test_unknown_option(void **state)
{
	char *a1[] = { "analyticsctl", "--bogus", "status", NULL };
	char *a2[] = { "analyticsctl", "-x", "status", NULL };
	char *a3[] = { "analyticsctl", "--json=yes", "status", NULL };

	parse_fails(a1, "unknown option '--bogus'");
	parse_fails(a2, "unknown option '-x'");
	parse_fails(a3, NULL);
}

/* An unknown short option followed by others in one word is named itself. */
static void test_unknown_option_in_cluster(void **state)
{
	char *a1[] = { "analyticsctl", "-xj", "status", NULL };
	char *a2[] = { "analyticsctl", "--json", "-jxV", "status", NULL };
	struct ctl_opts o;
	char err[256];

	assert_int_equal(parse(a1, &o, err, sizeof(err)), -1);
	full_getopt_reset();    /* isolate this from the leftover-state bug below */
	assert_contains(err, "unknown option '-x");
	assert_null(strstr(err, "'analyticsctl'"));     /* observed: names argv[0] */
	assert_int_equal(parse(a2, &o, err, sizeof(err)), -1);
	full_getopt_reset();
	assert_contains(err, "-x");
	assert_null(strstr(err, "'--json'"));           /* observed: names the previous word */
}

/*
 * ctl_parse_args resets getopt itself, so a second call must parse its argv
 * afresh even when the first stopped inside an option cluster.
 */
static void test_reparse_after_cluster_error(void **state)
{
	char *bad[] = { "analyticsctl", "-xj", "status", NULL };
	char *good[] = { "analyticsctl", "status", NULL };
	struct ctl_opts o;
	char err[256];

	int rc;
	bool json;

	if (parse(bad, &o, err, sizeof(err)) == 0) {
		json_decref(o.args);
		fail_msg("'-xj status' was accepted");
	}
	/* no manual reset here: that is ctl_parse_args's job */
	rc = parse(good, &o, err, sizeof(err));
	full_getopt_reset();
	if (rc != 0)
		fail_msg("second parse failed: %s", err);   /* observed: "no command given" */
	json = o.json;
	assert_string_equal(o.cmd, "status");
	json_decref(o.args);
	assert_false(json);                                 /* not the leftover 'j' */
}

static void test_env_socket(void **state)
{
	char *plain[] = { "analyticsctl", "status", NULL };
	char *over[] = { "analyticsctl", "-s", "/override.sock", "status", NULL };
	struct ctl_opts o;

	assert_int_equal(setenv("ANALYTICSD_SOCKET", "/env/ctl.sock", 1), 0);
	parse_ok(plain, &o);
	assert_string_equal(o.socket, "/env/ctl.sock");
	json_decref(o.args);

	parse_ok(over, &o);
	assert_string_equal(o.socket, "/override.sock");
	json_decref(o.args);

	/* an empty variable means the default */
	assert_int_equal(setenv("ANALYTICSD_SOCKET", "", 1), 0);
	parse_ok(plain, &o);
	assert_string_equal(o.socket, CTL_DEFAULT_SOCKET);
	json_decref(o.args);

	assert_int_equal(unsetenv("ANALYTICSD_SOCKET"), 0);
	parse_ok(plain, &o);
	assert_string_equal(o.socket, CTL_DEFAULT_SOCKET);
	json_decref(o.args);
}

static void test_repeated_calls_reset(void **state)
{
	/* optind is reset: a second parse sees a fresh argv, and opts are cleared */
	char *a1[] = { "analyticsctl", "--json", "-t", "3", "migrate", "down", NULL };
	char *a2[] = { "analyticsctl", "status", NULL };
	struct ctl_opts o;

	parse_ok(a1, &o);
	assert_true(o.json);
	json_decref(o.args);
	parse_ok(a2, &o);
	assert_false(o.json);
	assert_int_equal(o.timeout_s, CTL_DEFAULT_TIMEOUT_S);
	assert_string_equal(o.cmd, "status");
	assert_int_equal(json_object_size(o.args), 0);
	json_decref(o.args);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_status, reset_getopt),
		cmocka_unit_test_setup(test_global_options, reset_getopt),
		cmocka_unit_test_setup(test_global_options_other_spellings, reset_getopt),
		cmocka_unit_test_setup(test_timeout_zero, reset_getopt),
		cmocka_unit_test_setup(test_bad_timeouts, reset_getopt),
		cmocka_unit_test_setup(test_timeout_max, reset_getopt),
		cmocka_unit_test_setup(test_no_command, reset_getopt),
		cmocka_unit_test_setup(test_unknown_command, reset_getopt),
		cmocka_unit_test_setup(test_status_extra, reset_getopt),
		cmocka_unit_test_setup(test_migrate_default, reset_getopt),
		cmocka_unit_test_setup(test_migrate_actions, reset_getopt),
		cmocka_unit_test_setup(test_migrate_bad_action, reset_getopt),
		cmocka_unit_test_setup(test_migrate_extra, reset_getopt),
		cmocka_unit_test_setup(test_capture, reset_getopt),
		cmocka_unit_test_setup(test_no_wait_every_job, reset_getopt),
		cmocka_unit_test_setup(test_migrate_status_waits_for_nothing, reset_getopt),
		cmocka_unit_test_setup(test_global_options_after_command, reset_getopt),
		cmocka_unit_test_setup(test_option_forms, reset_getopt),
		cmocka_unit_test_setup(test_command_help, reset_getopt),
		cmocka_unit_test_setup(test_command_errors_name_command_once, reset_getopt),
		cmocka_unit_test_setup(test_help, reset_getopt),
		cmocka_unit_test_setup(test_version, reset_getopt),
		cmocka_unit_test_setup(test_unknown_option, reset_getopt),
		cmocka_unit_test_setup(test_unknown_option_in_cluster, reset_getopt),
		cmocka_unit_test_setup(test_reparse_after_cluster_error, reset_getopt),
		cmocka_unit_test_setup(test_env_socket, reset_getopt),
		cmocka_unit_test_setup(test_repeated_calls_reset, reset_getopt),
	};

	return cmocka_run_group_tests(tests, setup_env, teardown_env);
}
