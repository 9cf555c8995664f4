/* SPDX-License-Identifier: ISC */
/* Unit tests for lib/text.c and ctl/safe.c: the daemon's text escaped before a terminal sees it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "analytics_text.h"
#include "safe.h"

static void test_text(void **state)
{
	char buf[128];

	(void)state;
	/* A window title, a bell, a screen clear and a colour: nothing left for the terminal. */
	assert_string_equal(text_escape("Europe/\x1b]0;pwned\x07\x1b[2J\x1b[31mParis", buf, sizeof(buf)),
			    "Europe/\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mParis");
	assert_string_equal(text_escape("a\rb\x7f" "c", buf, sizeof(buf)), "a\\x0db\\x7fc");
	/* C1 controls in UTF-8 (CSI is U+009B), and what is not one: é, ✓. */
	assert_string_equal(text_escape("x\xc2\x9b" "31my", buf, sizeof(buf)), "x\\u009b31my");
	assert_string_equal(text_escape("caf\xc3\xa9 \xe2\x9c\x93", buf, sizeof(buf)), "caf\xc3\xa9 \xe2\x9c\x93");
	/* A tab is text; a newline would forge a line. */
	assert_string_equal(text_escape("one\n\ttwo", buf, sizeof(buf)), "one\\x0a\ttwo");
	/* Cut short to fit, never in the middle of an escape. */
	assert_string_equal(text_escape("ab\x1b" "cd", buf, 6), "ab");
	assert_string_equal(text_escape("abcdef", buf, 4), "abc");
}

static void test_json(void **state)
{
	json_t *v = json_pack("{s:s, s:[s, i], s:{s:s}}", "reason", "ok\x1b[2J", "list", "\x07", 3,
			      "by", "ke\x1by", "v\xc2\x9b");
	json_t *err = json_pack("{s:{s:s}}", "error", "message", "bad \x1b]0;t\x07 zone");
	const char *msg = json_string_value(json_object_get(json_object_get(err, "error"), "message"));
	char *got;

	(void)state;
	assert_non_null(v);
	safe_json(v, NULL);
	got = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(got, "{\"by\":{\"ke\\\\x1by\":\"v\\\\u009b\"},\"list\":[\"\\\\x07\",3],"
			    "\"reason\":\"ok\\\\x1b[2J\"}");
	free(got);
	json_decref(v);
	safe_json(err, &msg);
	assert_string_equal(msg, "bad \\x1b]0;t\\x07 zone");
	json_decref(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
