/* SPDX-License-Identifier: ISC */
/* Unit tests for lib/proto.c, the control protocol codec. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analytics_exit.h"
#include "analytics_proto.h"

#define assert_contains(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (h_ == NULL || strstr(h_, n_) == NULL) \
		fail_msg("expected \"%s\" to contain \"%s\"", h_ ? h_ : "(null)", n_); \
} while (0)

/* Parse a NUL-terminated request line; expect success. */
static void parse_ok(const char *line, struct proto_request *req)
{
	char err[256] = "";

	if (proto_request_parse(line, strlen(line), req, err, sizeof(err)) != 0)
		fail_msg("parsing %s failed: %s", line, err);
}

/* Parse `len` bytes; expect failure with a non-empty message and a zeroed req. */
static void parse_fails_len(const char *line, size_t len, const char *msg_part)
{
	struct proto_request req;
	char err[256] = "";

	memset(&req, 0xAA, sizeof(req));
	if (proto_request_parse(line, len, &req, err, sizeof(err)) == 0) {
		proto_request_free(&req);
		fail_msg("parsing %.*s unexpectedly succeeded", (int)len, line);
	}
	assert_true(err[0] != '\0');
	if (msg_part != NULL)
		assert_contains(err, msg_part);
	assert_null(req.root);
	assert_null(req.cmd);
	assert_null(req.args);
}

static void parse_fails(const char *line, const char *msg_part)
{
	parse_fails_len(line, strlen(line), msg_part);
}

/* ---- proto_request_parse ------------------------------------------------- */

static void test_request_valid(void **state)
{
	struct proto_request req;

	parse_ok("{\"v\":1,\"cmd\":\"migrate\",\"args\":{\"action\":\"up\"}}", &req);
	assert_non_null(req.root);
	assert_string_equal(req.cmd, "migrate");
	assert_true(json_is_object(req.args));
	assert_int_equal(json_object_size(req.args), 1);
	assert_string_equal(json_string_value(json_object_get(req.args, "action")), "up");
	assert_ptr_equal(req.args, json_object_get(req.root, "args"));
	proto_request_free(&req);
	assert_null(req.root);
	assert_null(req.cmd);
	assert_null(req.args);
}

static void test_request_valid_names(void **state)
{
	struct proto_request req;

	parse_ok("{\"cmd\":\"a\"}", &req);
	assert_string_equal(req.cmd, "a");
	proto_request_free(&req);
	parse_ok("{\"cmd\":\"run_now-x\"}", &req);
	assert_string_equal(req.cmd, "run_now-x");
	proto_request_free(&req);
	/* exactly 32 characters is the maximum */
	parse_ok("{\"cmd\":\"abcdefghijklmnopqrstuvwxyzabcdef\"}", &req);
	assert_int_equal(strlen(req.cmd), 32);
	proto_request_free(&req);
	/* surrounding whitespace is fine */
	parse_ok("  {\"cmd\":\"status\"}  ", &req);
	assert_string_equal(req.cmd, "status");
	proto_request_free(&req);
}

static void test_request_args_absent(void **state)
{
	struct proto_request req;

	parse_ok("{\"cmd\":\"status\"}", &req);
	assert_string_equal(req.cmd, "status");
	assert_non_null(req.args);
	assert_true(json_is_object(req.args));
	assert_int_equal(json_object_size(req.args), 0);
	proto_request_free(&req);
}

static void test_request_not_json(void **state)
{
	parse_fails("", "not valid JSON");
	parse_fails("hello", "not valid JSON");
	parse_fails("{\"cmd\":\"status\"", "not valid JSON");
	parse_fails("{cmd:status}", "not valid JSON");
}

static void test_request_not_object(void **state)
{
	parse_fails("[\"status\"]", "must be a JSON object");
	parse_fails("[]", "must be a JSON object");
	parse_fails("\"status\"", NULL);
	parse_fails("42", NULL);
	parse_fails("null", NULL);
}

static void test_request_missing_cmd(void **state)
{
	parse_fails("{}", "\"cmd\"");
	parse_fails("{\"v\":1,\"args\":{}}", "\"cmd\"");
}

static void test_request_cmd_not_string(void **state)
{
	parse_fails("{\"cmd\":1}", "\"cmd\"");
	parse_fails("{\"cmd\":null}", "\"cmd\"");
	parse_fails("{\"cmd\":[\"status\"]}", "\"cmd\"");
	parse_fails("{\"cmd\":{}}", "\"cmd\"");
	parse_fails("{\"cmd\":true}", "\"cmd\"");
}

static void test_request_bad_cmd_names(void **state)
{
	parse_fails("{\"cmd\":\"\"}", "1-32");
	parse_fails("{\"cmd\":\"Status\"}", "1-32");
	parse_fails("{\"cmd\":\"STATUS\"}", "1-32");
	/* 33 characters */
	parse_fails("{\"cmd\":\"abcdefghijklmnopqrstuvwxyzabcdefg\"}", "1-32");
	parse_fails("{\"cmd\":\"sta tus\"}", "1-32");
	parse_fails("{\"cmd\":\" status\"}", "1-32");
	parse_fails("{\"cmd\":\"status/x\"}", "1-32");
	parse_fails("{\"cmd\":\"../status\"}", "1-32");
	parse_fails("{\"cmd\":\"status1\"}", "1-32");
	parse_fails("{\"cmd\":\"st\\u00e4tus\"}", "1-32");
}

static void test_request_args_not_object(void **state)
{
	parse_fails("{\"cmd\":\"status\",\"args\":[]}", "\"args\"");
	parse_fails("{\"cmd\":\"status\",\"args\":\"up\"}", "\"args\"");
	parse_fails("{\"cmd\":\"status\",\"args\":null}", "\"args\"");
	parse_fails("{\"cmd\":\"status\",\"args\":5}", "\"args\"");
}

static void test_request_duplicate_keys(void **state)
{
	parse_fails("{\"cmd\":\"status\",\"cmd\":\"migrate\"}", NULL);
	parse_fails("{\"cmd\":\"migrate\",\"args\":{\"action\":\"up\",\"action\":\"down\"}}", NULL);
	parse_fails("{\"v\":1,\"v\":1,\"cmd\":\"status\"}", NULL);
}

static void test_request_version(void **state)
{
	struct proto_request req;

	char line[64];

	/* Every version up to ours: a client of protocol 1 gets protocol 2's shapes. */
	for (int v = 1; v <= PROTO_VERSION; v++) {
		snprintf(line, sizeof(line), "{\"v\":%d,\"cmd\":\"status\"}", v);
		parse_ok(line, &req);
		assert_string_equal(req.cmd, "status");
		proto_request_free(&req);
	}

	parse_fails("{\"v\":0,\"cmd\":\"status\"}", "protocol version");
	snprintf(line, sizeof(line), "{\"v\":%d,\"cmd\":\"status\"}", PROTO_VERSION + 1);
	parse_fails(line, "protocol version");
	parse_fails("{\"v\":-1,\"cmd\":\"status\"}", "protocol version");
	parse_fails("{\"v\":\"1\",\"cmd\":\"status\"}", "protocol version");
	parse_fails("{\"v\":1.0,\"cmd\":\"status\"}", "protocol version");
	parse_fails("{\"v\":null,\"cmd\":\"status\"}", "protocol version");
}

static void test_request_trailing_garbage(void **state)
{
	static const char nul_after[] = "{\"cmd\":\"status\"}\0";

	parse_fails("{\"cmd\":\"status\"}x", NULL);
	parse_fails("{\"cmd\":\"status\"}{\"cmd\":\"status\"}", NULL);
	parse_fails("{\"cmd\":\"status\"} 1", NULL);
	/* A raw NUL byte inside the given length counts as garbage too. */
	parse_fails_len(nul_after, sizeof(nul_after) - 1, NULL);
}

static void test_request_embedded_nul(void **state)
{
	static const char raw[] = "{\"cmd\":\"sta\0tus\"}";

	parse_fails("{\"cmd\":\"sta\\u0000tus\"}", NULL);
	parse_fails("{\"cmd\":\"status\",\"args\":{\"action\":\"u\\u0000p\"}}", NULL);
	parse_fails("{\"cmd\":\"status\",\"args\":{\"a\\u0000b\":1}}", NULL);
	parse_fails_len(raw, sizeof(raw) - 1, NULL);
}

static void test_request_len_respected(void **state)
{
	/* Only the first len bytes are parsed. */
	const char *line = "{\"cmd\":\"status\"}GARBAGE";
	struct proto_request req;
	char err[256];

	assert_int_equal(proto_request_parse(line, 16, &req, err, sizeof(err)), 0);
	assert_string_equal(req.cmd, "status");
	proto_request_free(&req);
}

/* ---- proto_request_encode ------------------------------------------------ */

static void encode_round_trip(const char *cmd, json_t *args)
{
	struct proto_request req;
	json_t *expect = args ? json_deep_copy(args) : json_object();
	char err[256] = "";
	char *line;
	size_t n;

	line = proto_request_encode(cmd, args);
	assert_non_null(line);
	n = strlen(line);
	assert_true(n > 1);
	assert_int_equal(line[n - 1], '\n');
	assert_null(memchr(line, '\n', n - 1));
	/* the daemon parses the line without its newline */
	if (proto_request_parse(line, n - 1, &req, err, sizeof(err)) != 0)
		fail_msg("round trip of %s failed: %s", line, err);
	assert_string_equal(req.cmd, cmd);
	assert_true(json_equal(req.args, expect));
	assert_int_equal(json_integer_value(json_object_get(req.root, "v")), PROTO_VERSION);
	proto_request_free(&req);
	json_decref(expect);
	free(line);
}

static void test_request_encode_round_trip(void **state)
{
	encode_round_trip("status", NULL);
	encode_round_trip("status", json_object());
	encode_round_trip("migrate", json_pack("{s:s}", "action", "down"));
	encode_round_trip("some_cmd-x", json_pack("{s:i, s:b, s:[s,s], s:s}", "n", 42,
						  "flag", 1, "list", "a", "b",
						  "text", "line1\nline2 \xc3\xa9"));
}

/* ---- replies and events -------------------------------------------------- */

/* Check a line is exactly one line and parse it without its newline. */
static void parse_reply_line(const char *line, struct proto_reply *rep)
{
	char err[256] = "";
	size_t n;

	assert_non_null(line);
	n = strlen(line);
	assert_true(n > 1);
	assert_int_equal(line[n - 1], '\n');
	assert_null(memchr(line, '\n', n - 1));
	if (proto_reply_parse(line, n - 1, rep, err, sizeof(err)) != 0)
		fail_msg("parsing reply %s failed: %s", line, err);
}

static void test_reply_ok(void **state)
{
	struct proto_reply rep;
	char *line;

	line = proto_reply_ok(json_pack("{s:s, s:i}", "state", "idle", "n", 3));
	parse_reply_line(line, &rep);
	assert_int_equal(rep.kind, PROTO_REPLY_OK);
	assert_non_null(rep.body);
	assert_string_equal(json_string_value(json_object_get(rep.body, "state")), "idle");
	assert_int_equal(json_integer_value(json_object_get(rep.body, "n")), 3);
	assert_int_equal(rep.err, PROTO_ERR_NONE);
	assert_null(rep.message);
	proto_reply_free(&rep);
	assert_null(rep.root);
	free(line);

	/* NULL result: an empty object */
	line = proto_reply_ok(NULL);
	parse_reply_line(line, &rep);
	assert_int_equal(rep.kind, PROTO_REPLY_OK);
	assert_true(json_is_object(rep.body));
	assert_int_equal(json_object_size(rep.body), 0);
	proto_reply_free(&rep);
	free(line);

	/* a string with a newline in the result stays on one line */
	line = proto_reply_ok(json_pack("{s:s}", "text", "a\nb\r\n\xc3\xa9"));
	parse_reply_line(line, &rep);
	assert_int_equal(rep.kind, PROTO_REPLY_OK);
	assert_string_equal(json_string_value(json_object_get(rep.body, "text")),
			    "a\nb\r\n\xc3\xa9");
	proto_reply_free(&rep);
	free(line);
}

static void test_reply_error(void **state)
{
	struct proto_reply rep;
	char *line;

	line = proto_reply_error(PROTO_ERR_BUSY, "job %d holds the %s", 7, "lock");
	parse_reply_line(line, &rep);
	assert_int_equal(rep.kind, PROTO_REPLY_ERROR);
	assert_int_equal(rep.err, PROTO_ERR_BUSY);
	assert_string_equal(rep.message, "job 7 holds the lock");
	assert_non_null(rep.body);
	assert_string_equal(json_string_value(json_object_get(rep.body, "code")), "busy");
	assert_string_equal(json_string_value(json_object_get(rep.body, "message")),
			    "job 7 holds the lock");
	proto_reply_free(&rep);
	free(line);

	/* every code survives the trip */
	for (int e = PROTO_ERR_BAD_REQUEST; e < PROTO_ERR__COUNT; e++) {
		line = proto_reply_error((enum proto_err)e, "error %d\nsecond line", e);
		parse_reply_line(line, &rep);
		assert_int_equal(rep.kind, PROTO_REPLY_ERROR);
		assert_int_equal(rep.err, e);
		char want[64];
		snprintf(want, sizeof(want), "error %d\nsecond line", e);
		assert_string_equal(rep.message, want);
		proto_reply_free(&rep);
		free(line);
	}
}

/*
 * A long message is cut to fit; the cut must not split a UTF-8 character,
 * or the reply cannot be encoded at all (jansson refuses invalid UTF-8).
 */
/* Bytes jansson refuses (a surrogate, an overlong form) must not cost the
 * client its error reply. */
static void test_reply_error_invalid_utf8(void **state)
{
	static const char *const bad[] = { "x \xED\xA0\x80 y", "x \xE0\x80\x80 y",
					   "x \xF5\x80\x80\x80 y", "x \xff y" };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct proto_reply rep;
		char err[256];
		char *line = proto_reply_error(PROTO_ERR_FAILED, "%s", bad[i]);

		assert_non_null(line);
		assert_int_equal(proto_reply_parse(line, strlen(line) - 1, &rep, err, sizeof(err)), 0);
		assert_int_equal(rep.kind, PROTO_REPLY_ERROR);
		assert_int_equal(rep.err, PROTO_ERR_FAILED);
		assert_int_equal(strncmp(rep.message, "x ", 2), 0);
		assert_int_equal(strcmp(rep.message + strlen(rep.message) - 2, " y"), 0);
		proto_reply_free(&rep);
		free(line);
	}
}

static void test_reply_error_long_utf8(void **state)
{
	char msg[1100];
	struct proto_reply rep;
	char *line;

	/* 1022 ASCII bytes, then a two-byte character straddling byte 1023 */
	memset(msg, 'a', 1022);
	strcpy(msg + 1022, "\xc3\xa9 and more text after the cut");
	line = proto_reply_error(PROTO_ERR_FAILED, "%s", msg);
	assert_non_null(line);          /* observed: NULL */
	parse_reply_line(line, &rep);
	assert_int_equal(rep.kind, PROTO_REPLY_ERROR);
	assert_int_equal(rep.err, PROTO_ERR_FAILED);
	assert_true(strlen(rep.message) >= 1022);
	assert_memory_equal(rep.message, msg, 1022);
	proto_reply_free(&rep);
	free(line);

	/* a long ASCII message is simply truncated */
	memset(msg, 'b', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	line = proto_reply_error(PROTO_ERR_FAILED, "%s", msg);
	assert_non_null(line);
	parse_reply_line(line, &rep);
	assert_int_equal(strlen(rep.message), 1023);
	proto_reply_free(&rep);
	free(line);
}

static void test_event(void **state)
{
	struct proto_reply rep;
	char *line;

	line = proto_event("progress", json_pack("{s:s, s:i}", "phase", "apply", "done", 2));
	parse_reply_line(line, &rep);
	assert_int_equal(rep.kind, PROTO_REPLY_EVENT);
	assert_non_null(rep.body);
	assert_string_equal(json_string_value(json_object_get(rep.body, "event")), "progress");
	assert_string_equal(json_string_value(json_object_get(rep.body, "phase")), "apply");
	assert_int_equal(json_integer_value(json_object_get(rep.body, "done")), 2);
	proto_reply_free(&rep);
	free(line);

	line = proto_event("started", NULL);
	parse_reply_line(line, &rep);
	assert_int_equal(rep.kind, PROTO_REPLY_EVENT);
	assert_string_equal(json_string_value(json_object_get(rep.body, "event")), "started");
	assert_int_equal(json_object_size(rep.body), 1);
	proto_reply_free(&rep);
	free(line);
}

static void reply_fails(const char *line, const char *msg_part)
{
	struct proto_reply rep;
	char err[256] = "";

	memset(&rep, 0xAA, sizeof(rep));
	if (proto_reply_parse(line, strlen(line), &rep, err, sizeof(err)) == 0) {
		proto_reply_free(&rep);
		fail_msg("reply %s unexpectedly parsed", line);
	}
	assert_true(err[0] != '\0');
	if (msg_part != NULL)
		assert_contains(err, msg_part);
	assert_null(rep.root);
	assert_null(rep.body);
}

static void test_reply_parse_garbage(void **state)
{
	reply_fails("", "invalid JSON");
	reply_fails("garbage", "invalid JSON");
	reply_fails("{\"ok\":true", "invalid JSON");
	reply_fails("[1,2]", "not an object");
	reply_fails("\"ok\"", NULL);   /* a bare scalar: jansson rejects it as JSON */
	reply_fails("{}", "neither event nor reply");
	reply_fails("{\"ok\":1}", "neither event nor reply");
	reply_fails("{\"event\":5}", "neither event nor reply");
}

static void test_reply_parse_error_incomplete(void **state)
{
	reply_fails("{\"ok\":false}", "without code and message");
	reply_fails("{\"ok\":false,\"error\":{}}", "without code and message");
	reply_fails("{\"ok\":false,\"error\":{\"message\":\"m\"}}", "without code and message");
	reply_fails("{\"ok\":false,\"error\":{\"code\":\"busy\"}}", "without code and message");
	reply_fails("{\"ok\":false,\"error\":{\"code\":1,\"message\":\"m\"}}",
		    "without code and message");
	reply_fails("{\"ok\":false,\"error\":\"busy\"}", "without code and message");
}

static void test_reply_parse_unknown_code(void **state)
{
	const char *line = "{\"ok\":false,\"error\":{\"code\":\"brand_new\",\"message\":\"m\"}}";
	struct proto_reply rep;
	char err[256];

	assert_int_equal(proto_reply_parse(line, strlen(line), &rep, err, sizeof(err)), 0);
	assert_int_equal(rep.kind, PROTO_REPLY_ERROR);
	assert_int_equal(rep.err, PROTO_ERR_FAILED);
	assert_string_equal(rep.message, "m");
	proto_reply_free(&rep);
}

/* ---- error codes --------------------------------------------------------- */

static void test_err_name_round_trip(void **state)
{
	for (int e = 0; e < PROTO_ERR__COUNT; e++) {
		const char *name = proto_err_name((enum proto_err)e);
		assert_non_null(name);
		assert_true(name[0] != '\0');
		assert_int_equal(proto_err_from_name(name), e);
		/* names are distinct */
		for (int f = 0; f < e; f++)
			assert_string_not_equal(name, proto_err_name((enum proto_err)f));
	}
	assert_string_equal(proto_err_name(PROTO_ERR_BAD_REQUEST), "bad_request");
	assert_string_equal(proto_err_name(PROTO_ERR_BUSY), "busy");
	assert_string_equal(proto_err_name(PROTO_ERR_DB_UNAVAILABLE), "db_unavailable");
}

static void test_err_unknown_name(void **state)
{
	assert_int_equal(proto_err_from_name("no_such_code"), PROTO_ERR_FAILED);
	assert_int_equal(proto_err_from_name(""), PROTO_ERR_FAILED);
	assert_int_equal(proto_err_from_name("BUSY"), PROTO_ERR_FAILED);
	/* out-of-range codes still have a name */
	assert_string_equal(proto_err_name(PROTO_ERR__COUNT), "internal");
}

static void test_err_exit_codes(void **state)
{
	assert_int_equal(proto_err_exit_code(PROTO_ERR_BAD_REQUEST), 64);
	assert_int_equal(proto_err_exit_code(PROTO_ERR_BAD_REQUEST), EXIT_USAGE);
	assert_int_equal(proto_err_exit_code(PROTO_ERR_NOT_AUTHORIZED), 77);
	assert_int_equal(proto_err_exit_code(PROTO_ERR_NOT_AUTHORIZED), EXIT_NOPERM);
	assert_int_equal(proto_err_exit_code(PROTO_ERR_BUSY), 75);
	assert_int_equal(proto_err_exit_code(PROTO_ERR_PAUSED), 75);
	assert_int_equal(proto_err_exit_code(PROTO_ERR_BUSY), EXIT_TEMPFAIL);
	assert_int_equal(proto_err_exit_code(PROTO_ERR_DB_UNAVAILABLE), 69);
	assert_int_equal(proto_err_exit_code(PROTO_ERR_DB_UNAVAILABLE), EXIT_UNAVAILABLE);
	assert_int_equal(proto_err_exit_code(PROTO_ERR_FAILED), 1);
	assert_int_equal(proto_err_exit_code(PROTO_ERR_FAILED), EXIT_FAILED);
	assert_int_equal(proto_err_exit_code(PROTO_ERR_NONE), 0);
	assert_int_equal(proto_err_exit_code(PROTO_ERR__COUNT), EXIT_FAILED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_valid),
		cmocka_unit_test(test_request_valid_names),
		cmocka_unit_test(test_request_args_absent),
		cmocka_unit_test(test_request_not_json),
		cmocka_unit_test(test_request_not_object),
		cmocka_unit_test(test_request_missing_cmd),
		cmocka_unit_test(test_request_cmd_not_string),
		cmocka_unit_test(test_request_bad_cmd_names),
		cmocka_unit_test(test_request_args_not_object),
		cmocka_unit_test(test_request_duplicate_keys),
		cmocka_unit_test(test_request_version),
		cmocka_unit_test(test_request_trailing_garbage),
		cmocka_unit_test(test_request_embedded_nul),
		cmocka_unit_test(test_request_len_respected),
		cmocka_unit_test(test_request_encode_round_trip),
		cmocka_unit_test(test_reply_ok),
		cmocka_unit_test(test_reply_error),
		cmocka_unit_test(test_reply_error_long_utf8),
		cmocka_unit_test(test_reply_error_invalid_utf8),
		cmocka_unit_test(test_event),
		cmocka_unit_test(test_reply_parse_garbage),
		cmocka_unit_test(test_reply_parse_error_incomplete),
		cmocka_unit_test(test_reply_parse_unknown_code),
		cmocka_unit_test(test_err_name_round_trip),
		cmocka_unit_test(test_err_unknown_name),
		cmocka_unit_test(test_err_exit_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
