/* SPDX-License-Identifier: ISC */
/* Unit tests for the one form of a database error (daemon/db.c): what every
 * job and command says when a statement fails. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "db.h"

static void test_format_with_sqlstate(void **state)
{
	struct db_error e;
	char buf[256];

	(void)state;
	db_error_set(&e, "57014", "canceling statement due to statement timeout\n");
	db_error_format(&e, "refresh full failed", buf, sizeof(buf));
	assert_string_equal(buf, "refresh full failed: canceling statement due to statement "
			    "timeout (SQLSTATE 57014)");
}

/* The drift this pins: a rollback failure without an SQLSTATE said
 * "(SQLSTATE )". */
static void test_format_without_sqlstate(void **state)
{
	struct db_error e;
	char buf[256];

	(void)state;
	db_error_set(&e, NULL, "server closed the connection unexpectedly");
	db_error_format(&e, "rollback failed", buf, sizeof(buf));
	assert_string_equal(buf, "rollback failed: server closed the connection unexpectedly");
	db_error_set(&e, "", "no state");
	db_error_format(&e, "migrate up failed", buf, sizeof(buf));
	assert_null(strstr(buf, "SQLSTATE"));
}

static void test_format_truncates(void **state)
{
	struct db_error e;
	char buf[16];

	(void)state;
	db_error_set(&e, "XX000", "a long message that does not fit");
	db_error_format(&e, "what", buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

static void test_codes(void **state)
{
	static const struct { const char *sqlstate; enum proto_err code; } cases[] = {
		{ "55P03", PROTO_ERR_BUSY }, { "08006", PROTO_ERR_DB_UNAVAILABLE },
		{ "08001", PROTO_ERR_DB_UNAVAILABLE }, { "57P01", PROTO_ERR_DB_UNAVAILABLE },
		{ "57014", PROTO_ERR_FAILED }, { "23505", PROTO_ERR_FAILED },
		{ "", PROTO_ERR_FAILED },
	};
	struct db_error e;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		db_error_set(&e, cases[i].sqlstate, "x");
		assert_int_equal(db_error_code(&e), cases[i].code);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_with_sqlstate),
		cmocka_unit_test(test_format_without_sqlstate),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
