/* SPDX-License-Identifier: ISC */
/* Unit tests for daemon/config.c: loading analyticsd.conf. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"

#define assert_contains(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (h_ == NULL || strstr(h_, n_) == NULL) \
		fail_msg("expected \"%s\" to contain \"%s\"", h_ ? h_ : "(null)", n_); \
} while (0)

#define UUID_A "0f8fad5b-d9cb-469f-a165-70867728950e"
#define UUID_B "7C9E6679-7425-40DE-944B-E07FC1F90AE7"

/* Write `text` to a fresh temporary file; its name goes into path[32]. */
static void write_temp(const char *text, char path[32])
{
	int fd;
	size_t n = strlen(text);

	strcpy(path, "/tmp/test_config_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		fail_msg("mkstemp failed");
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		fail_msg("write to %s failed", path);
	}
	close(fd);
}

/* Load `text`; expect success. The caller frees the result. */
static struct cfg *load_ok(const char *text)
{
	char path[32], err[1024] = "";
	struct cfg *c;

	write_temp(text, path);
	c = cfg_load(path, false, err, sizeof(err));
	if (c == NULL) {
		unlink(path);
		fail_msg("cfg_load failed: %s", err);
	}
	assert_non_null(c->path);
	assert_string_equal(c->path, path);
	unlink(path);
	return c;
}

/*
 * Load `text`; expect failure with a message starting exactly "PATH:LINE: "
 * and containing each of the given parts (NULL-terminated).
 */
static void load_fails(const char *text, int line, ...)
{
	char path[32], err[1024] = "", prefix[64];
	struct cfg *c;
	const char *part;
	va_list ap;

	write_temp(text, path);
	c = cfg_load(path, false, err, sizeof(err));
	unlink(path);
	if (c != NULL) {
		cfg_free(c);
		fail_msg("cfg_load unexpectedly accepted:\n%s", text);
	}
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("expected error starting \"%s\", got \"%s\"", prefix, err);
	va_start(ap, line);
	while ((part = va_arg(ap, const char *)) != NULL)
		assert_contains(err, part);
	va_end(ap);
}

static void assert_defaults(const struct cfg *c)
{
	assert_string_equal(c->database.conninfo, "");
	assert_int_equal(c->database.statement_timeout_s, 900);
	assert_int_equal(c->database.connect_timeout_s, 10);
	assert_string_equal(c->control.socket, "/run/analyticsd/control.sock");
	assert_string_equal(c->control.operator_group, "analyticsd-operators");
	assert_int_equal(c->control.max_clients, 64);
	assert_int_equal(c->control.idle_timeout_s, 30);
	assert_int_equal(c->control.max_request_bytes, 65536);
	assert_int_equal(c->refresh.recent_days, 90);
	assert_int_equal(c->refresh.keep_runs, 48);
	assert_string_equal(c->refresh.work_mem, "256MB");
	assert_null(c->loyalty.pilot_organizations);
	assert_int_equal(c->loyalty.n_pilot_organizations, 0);
	assert_int_equal(c->log.level, LOG_INFO);
	assert_true(c->log.application_logs);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_empty_file_defaults(void **state)
{
	struct cfg *c = load_ok("");

	assert_defaults(c);
	cfg_free(c);
}

static void test_comments_only_defaults(void **state)
{
	struct cfg *c = load_ok("# nothing here\n// nor here\n/* nor\n here */\n\n");

	assert_defaults(c);
	cfg_free(c);
}

static void test_empty_groups_defaults(void **state)
{
	struct cfg *c = load_ok("database = { };\ncontrol = { };\nrefresh = { };\n"
				"loyalty = { };\nlog = { };\n");

	assert_defaults(c);
	cfg_free(c);
}

static void test_full_file(void **state)
{
	struct cfg *c = load_ok(
		"database = {\n"
		"  conninfo = \"host=db.example dbname=analytics user=analyticsd\";\n"
		"  statement_timeout_s = 120;\n"
		"  connect_timeout_s = 3;\n"
		"};\n"
		"control = {\n"
		"  socket = \"/tmp/analyticsd-test.sock\";\n"
		"  operator_group = \"ops\";\n"
		"  max_clients = 8;\n"
		"  idle_timeout_s = 5;\n"
		"  max_request_bytes = 1024;\n"
		"};\n"
		"refresh = {\n"
		"  recent_days = 14;\n"
		"  keep_runs = 7;\n"
		"  work_mem = \"64MB\";\n"
		"};\n"
		"loyalty = {\n"
		"  pilot_organizations = [ \"" UUID_A "\", \"" UUID_B "\" ];\n"
		"};\n"
		"log = {\n"
		"  level = \"debug\";\n"
		"  application_logs = false;\n"
		"};\n");

	assert_string_equal(c->database.conninfo,
			    "host=db.example dbname=analytics user=analyticsd");
	assert_int_equal(c->database.statement_timeout_s, 120);
	assert_int_equal(c->database.connect_timeout_s, 3);
	assert_string_equal(c->control.socket, "/tmp/analyticsd-test.sock");
	assert_string_equal(c->control.operator_group, "ops");
	assert_int_equal(c->control.max_clients, 8);
	assert_int_equal(c->control.idle_timeout_s, 5);
	assert_int_equal(c->control.max_request_bytes, 1024);
	assert_int_equal(c->refresh.recent_days, 14);
	assert_int_equal(c->refresh.keep_runs, 7);
	assert_string_equal(c->refresh.work_mem, "64MB");
	assert_int_equal(c->loyalty.n_pilot_organizations, 2);
	assert_non_null(c->loyalty.pilot_organizations);
	assert_string_equal(c->loyalty.pilot_organizations[0], UUID_A);
	assert_string_equal(c->loyalty.pilot_organizations[1], UUID_B);
	assert_int_equal(c->log.level, LOG_DEBUG);
	assert_false(c->log.application_logs);
	cfg_free(c);
}

static void test_partial_file_keeps_other_defaults(void **state)
{
	struct cfg *c = load_ok("control = { max_clients = 2; };\n");

	assert_int_equal(c->control.max_clients, 2);
	assert_int_equal(c->control.idle_timeout_s, 30);
	assert_string_equal(c->control.socket, "/run/analyticsd/control.sock");
	assert_int_equal(c->database.statement_timeout_s, 900);
	cfg_free(c);
}

static void test_missing_file(void **state)
{
	char path[32], err[1024] = "";
	struct cfg *c;

	/* make a name, then make sure nothing is there */
	write_temp("", path);
	unlink(path);

	c = cfg_load(path, true, err, sizeof(err));
	assert_non_null(c);
	assert_defaults(c);
	assert_null(c->path);
	cfg_free(c);

	c = cfg_load(path, false, err, sizeof(err));
	assert_null(c);
	assert_contains(err, path);
	assert_contains(err, "cannot open");
}

static void test_syntax_error(void **state)
{
	load_fails("database = {\n"
		   "  statement_timeout_s = 60;\n"
		   "  conninfo = ;\n"
		   "};\n", 3, NULL);
	load_fails("log = { level = \"info\"; };\n"
		   "control = { max_clients = = 5; };\n"
		   "refresh = { keep_runs = 5; };\n", 2, NULL);
	/* an unclosed group is reported where the file ends */
	load_fails("log = { level = \"info\"; };\n"
		   "control = {\n"
		   "  max_clients = 5;\n", 4, NULL);
	load_fails("\n\n\n\ncontrol = { max_clients = 5 ;; };\n", 5, NULL);
}

static void test_unknown_group(void **state)
{
	load_fails("database = { connect_timeout_s = 5; };\n"
		   "\n"
		   "contrl = { max_clients = 5; };\n", 3, "\"contrl\"", NULL);
	load_fails("# comment\nverbose = true;\n", 2, "\"verbose\"", NULL);
}

static void test_known_group_not_a_group(void **state)
{
	load_fails("\nlog = \"debug\";\n", 2, "\"log\" must be a group", NULL);
}

static void test_unknown_setting(void **state)
{
	load_fails("control = {\n"
		   "  socket = \"/tmp/x.sock\";\n"
		   "  max_client = 5;\n"
		   "};\n", 3, "\"control.max_client\"", NULL);
	/* a setting valid in another group is still unknown here */
	load_fails("log = {\n"
		   "  level = \"info\";\n"
		   "};\n"
		   "refresh = {\n"
		   "  work_mem = \"1GB\";\n"
		   "  conninfo = \"\";\n"
		   "};\n", 6, "\"refresh.conninfo\"", NULL);
}

static void test_wrong_type(void **state)
{
	/* string for an int */
	load_fails("control = {\n"
		   "  max_clients = \"64\";\n"
		   "};\n", 2, "control.max_clients must be an integer", NULL);
	/* int for a string */
	load_fails("database = {\n"
		   "  statement_timeout_s = 10;\n"
		   "  conninfo = 5;\n"
		   "};\n", 3, "database.conninfo must be a string", NULL);
	/* float for an int */
	load_fails("refresh = {\n  keep_runs = 4.5;\n};\n", 2,
		   "refresh.keep_runs must be an integer", NULL);
	/* string for a bool */
	load_fails("log = {\n  application_logs = \"yes\";\n};\n", 2,
		   "log.application_logs must be true or false", NULL);
	/* int for work_mem and log level */
	load_fails("refresh = {\n  work_mem = 256;\n};\n", 2,
		   "refresh.work_mem must be a string", NULL);
	load_fails("log = {\n  level = 6;\n};\n", 2, "log.level must be a string", NULL);
	/* a string where a list is wanted */
	load_fails("loyalty = {\n  pilot_organizations = \"" UUID_A "\";\n};\n", 2,
		   "loyalty.pilot_organizations must be a list", NULL);
}

static void test_int_range(void **state)
{
	struct cfg *c;

	load_fails("control = {\n"
		   "  socket = \"/tmp/x.sock\";\n"
		   "  max_clients = 0;\n"
		   "};\n", 3, "control.max_clients = 0 is out of range 1..4096", NULL);
	load_fails("control = {\n  max_clients = 4097;\n};\n", 2,
		   "control.max_clients = 4097 is out of range 1..4096", NULL);
	load_fails("control = {\n  max_clients = -3;\n};\n", 2, "out of range", NULL);
	load_fails("control = {\n  max_request_bytes = 255;\n};\n", 2,
		   "control.max_request_bytes = 255 is out of range", NULL);
	/* 64-bit literals do not wrap into range */
	load_fails("control = {\n  max_clients = 4294967297L;\n};\n", 2,
		   "control.max_clients = 4294967297 is out of range", NULL);

	/* both ends of the range are allowed */
	c = load_ok("control = { max_clients = 1; max_request_bytes = 256; };\n"
		    "database = { statement_timeout_s = 0; };\n");
	assert_int_equal(c->control.max_clients, 1);
	assert_int_equal(c->control.max_request_bytes, 256);
	assert_int_equal(c->database.statement_timeout_s, 0);
	cfg_free(c);
	c = load_ok("control = { max_clients = 4096; };\n");
	assert_int_equal(c->control.max_clients, 4096);
	cfg_free(c);
}

static void test_string_length(void **state)
{
	load_fails("control = {\n  socket = \"\";\n};\n", 2,
		   "control.socket must be 1 to 107 characters long", NULL);
}

/* A conninfo libpq cannot read is refused without a word of it (it may hold a password);
 * one with a password is loaded and flagged for the warning. */
static void test_conninfo(void **state)
{
	char path[32], err[1024] = "";
	struct cfg *c;

	load_fails("database = {\n  conninfo = \"host=db passwordS3CRET\";\n};\n", 2,
		   "database.conninfo is not a libpq connection string", "missing", NULL);
	write_temp("database = { conninfo = \"host=db passwordS3CRET\"; };\n", path);
	c = cfg_load(path, false, err, sizeof(err));
	unlink(path);
	assert_null(c);
	assert_null(strstr(err, "S3CRET"));
	load_fails("database = { conninfo = \"host='db password=S3CRET\"; };\n", 1,
		   "unterminated quoted string", NULL);
	c = load_ok("database = { conninfo = \"host=/run/postgresql dbname=booking\"; };\n");
	assert_false(c->database.conninfo_has_password);
	cfg_free(c);
	c = load_ok("database = { conninfo = \"host=db password=S3CRET\"; };\n");
	assert_true(c->database.conninfo_has_password);
	cfg_free(c);
	c = load_ok("database = { conninfo = \"postgresql://u:S3CRET@db/booking\"; };\n");
	assert_true(c->database.conninfo_has_password);
	cfg_free(c);
}

static void test_work_mem(void **state)
{
	static const char *const good[] = { "1", "4096kB", "64MB", "2GB", "1TB" };
	char text[128];
	struct cfg *c;

	load_fails("refresh = {\n"
		   "  keep_runs = 5;\n"
		   "  work_mem = \"lots\";\n"
		   "};\n", 3, "refresh.work_mem = \"lots\" is not a memory size", NULL);
	load_fails("refresh = {\n  work_mem = \"12XB\";\n};\n", 2,
		   "refresh.work_mem = \"12XB\" is not a memory size", NULL);
	load_fails("refresh = {\n  work_mem = \"0MB\";\n};\n", 2, "\"0MB\"", NULL);
	load_fails("refresh = {\n  work_mem = \"\";\n};\n", 2, "not a memory size", NULL);
	load_fails("refresh = {\n  work_mem = \"64 MB\";\n};\n", 2, "not a memory size", NULL);
	load_fails("refresh = {\n  work_mem = \"64mb\";\n};\n", 2, "not a memory size", NULL);

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "refresh = { work_mem = \"%s\"; };\n", good[i]);
		c = load_ok(text);
		assert_string_equal(c->refresh.work_mem, good[i]);
		cfg_free(c);
	}
}

static void test_log_level(void **state)
{
	static const struct { const char *name; int level; } good[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	char text[128];
	struct cfg *c;

	load_fails("log = {\n"
		   "  application_logs = true;\n"
		   "  level = \"verbose\";\n"
		   "};\n", 3, "log.level = \"verbose\" is not one of", NULL);
	load_fails("log = {\n  level = \"INFO\";\n};\n", 2, "\"INFO\"", NULL);
	load_fails("log = {\n  level = \"\";\n};\n", 2, "is not one of", NULL);

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "log = { level = \"%s\"; };\n", good[i].name);
		c = load_ok(text);
		assert_int_equal(c->log.level, good[i].level);
		assert_string_equal(cfg_level_name(c->log.level), good[i].name);
		cfg_free(c);
	}
	assert_string_equal(cfg_level_name(LOG_EMERG), "unknown");
	assert_string_equal(cfg_level_name(99), "unknown");
}

static void test_pilot_organizations(void **state)
{
	struct cfg *c;

	/* an array */
	c = load_ok("loyalty = {\n  pilot_organizations = [ \"" UUID_A "\" ];\n};\n");
	assert_int_equal(c->loyalty.n_pilot_organizations, 1);
	assert_string_equal(c->loyalty.pilot_organizations[0], UUID_A);
	cfg_free(c);

	/* a list works as well */
	c = load_ok("loyalty = {\n  pilot_organizations = ( \"" UUID_A "\", \"" UUID_B "\" );\n};\n");
	assert_int_equal(c->loyalty.n_pilot_organizations, 2);
	assert_string_equal(c->loyalty.pilot_organizations[0], UUID_A);
	assert_string_equal(c->loyalty.pilot_organizations[1], UUID_B);
	cfg_free(c);

	/* empty */
	c = load_ok("loyalty = { pilot_organizations = [ ]; };\n");
	assert_int_equal(c->loyalty.n_pilot_organizations, 0);
	cfg_free(c);

	/* one bad element among good ones (freed without leaks) */
	load_fails("loyalty = {\n"
		   "  pilot_organizations = [\n"
		   "    \"" UUID_A "\",\n"
		   "    \"acme-corp\",\n"
		   "    \"" UUID_B "\"\n"
		   "  ];\n"
		   "};\n", 2, "loyalty.pilot_organizations[1] is not a uuid", NULL);
	load_fails("loyalty = {\n  pilot_organizations = [ \"not-a-uuid\" ];\n};\n", 2,
		   "loyalty.pilot_organizations[0] is not a uuid", NULL);
	/* right length, wrong shape */
	load_fails("loyalty = {\n  pilot_organizations = [ \"0f8fad5bd9cb-469f-a165-70867728950e-\" ];\n};\n",
		   2, "[0] is not a uuid", NULL);
	load_fails("loyalty = {\n  pilot_organizations = [ \"0f8fad5b-d9cb-469f-a165-70867728950g\" ];\n};\n",
		   2, "[0] is not a uuid", NULL);
	/* a non-string element in a list */
	load_fails("loyalty = {\n  pilot_organizations = ( \"" UUID_A "\", 5 );\n};\n", 2,
		   "loyalty.pilot_organizations[1] is not a uuid", NULL);
}

static void test_first_error_wins_later_line(void **state)
{
	/* errors deep in the file carry their own line */
	load_fails("database = {\n"
		   "  conninfo = \"\";\n"
		   "};\n"
		   "control = {\n"
		   "  socket = \"/tmp/x.sock\";\n"
		   "  operator_group = \"ops\";\n"
		   "};\n"
		   "refresh = {\n"
		   "  recent_days = 3651;\n"
		   "};\n", 9, "refresh.recent_days = 3651 is out of range 1..3650", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_file_defaults),
		cmocka_unit_test(test_comments_only_defaults),
		cmocka_unit_test(test_empty_groups_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_partial_file_keeps_other_defaults),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_unknown_group),
		cmocka_unit_test(test_known_group_not_a_group),
		cmocka_unit_test(test_unknown_setting),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_int_range),
		cmocka_unit_test(test_string_length),
		cmocka_unit_test(test_conninfo),
		cmocka_unit_test(test_work_mem),
		cmocka_unit_test(test_log_level),
		cmocka_unit_test(test_pilot_organizations),
		cmocka_unit_test(test_first_error_wins_later_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
