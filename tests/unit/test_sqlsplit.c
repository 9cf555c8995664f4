/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for daemon/sqlsplit.c: scripts cut where psql cuts them, line numbers,
 * refusals, and every migration and repeatable script analyticsd embeds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sqlfiles.h"
#include "sqlsplit.h"

#define MAXS 16

struct cut {
	int n;
	char text[MAXS][256];
	int line[MAXS];
	int rc;                 /* the last sqlsplit_next's: 0 at the end, -1 refused */
	int bad_line;
};

static struct cut cut(const char *script)
{
	struct cut c = { 0 };
	struct sqlsplit s;
	const char *stmt;
	size_t len;
	int line = 0;

	sqlsplit_init(&s, script);
	while ((c.rc = sqlsplit_next(&s, &stmt, &len, &line)) == 1) {
		assert_true(c.n < MAXS);
		assert_true(len < sizeof(c.text[0]));
		memcpy(c.text[c.n], stmt, len);
		c.text[c.n][len] = '\0';
		c.line[c.n++] = line;
	}
	c.bad_line = line;
	return c;
}

static void test_plain(void **state)
{
	struct cut c = cut("SELECT 1;\nSELECT 2;  \n\n  SELECT 3");

	(void)state;
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.text[0], "SELECT 1;");
	assert_string_equal(c.text[1], "SELECT 2;");
	assert_string_equal(c.text[2], "SELECT 3");
	assert_int_equal(c.line[0], 1);
	assert_int_equal(c.line[1], 2);
	assert_int_equal(c.line[2], 4);
}

static void test_comments(void **state)
{
	struct cut c = cut("-- a header; with a semicolon\n"
			   "SELECT 1 /* x; /* nested; */ still; */ + 1; -- after;\n"
			   "/* only a comment; */\n"
			   "-- and another\n");

	(void)state;
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.text[0], "SELECT 1 /* x; /* nested; */ still; */ + 1;");
	assert_int_equal(c.line[0], 2);
	/* A minus sign is not a comment. */
	c = cut("SELECT 3 - 1; SELECT 2");
	assert_int_equal(c.n, 2);
	assert_string_equal(c.text[0], "SELECT 3 - 1;");
}

static void test_strings(void **state)
{
	struct cut c = cut("SELECT 'a;''b';\n"
			   "SELECT E'x\\';y', e'\\\\';\n"
			   "SELECT 'c:\\';\n"
			   "SELECT \"q;\"\"\" FROM t;\n"
			   "SELECT E'it''s \\' ok;';");

	(void)state;
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.text[0], "SELECT 'a;''b';");
	assert_string_equal(c.text[1], "SELECT E'x\\';y', e'\\\\';");
	/* standard_conforming_strings: a backslash is a character like any other. */
	assert_string_equal(c.text[2], "SELECT 'c:\\';");
	assert_string_equal(c.text[3], "SELECT \"q;\"\"\" FROM t;");
	assert_string_equal(c.text[4], "SELECT E'it''s \\' ok;';");
	/* An e that ends a word does not make the string after it an E'...' one. */
	c = cut("SELECT some'\\'; SELECT 2");
	assert_int_equal(c.n, 2);
	/* A string continued on the next line is one string: an E'' one keeps its escapes
	 * there, a plain one does not take them. */
	c = cut("SELECT E'a'\n  '\\';'; SELECT 'b'\n'\\'; SELECT 3");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.text[0], "SELECT E'a'\n  '\\';';");
	assert_string_equal(c.text[1], "SELECT 'b'\n'\\';");
	/* Not a continuation: a token between, or no newline. */
	c = cut("SELECT E'a', '\\'; SELECT 2");
	assert_int_equal(c.n, 2);
	assert_string_equal(c.text[0], "SELECT E'a', '\\';");
}

static void test_parentheses(void **state)
{
	struct cut c = cut("CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1);\n"
			   "  NOTIFY t);\nSELECT (1);");

	(void)state;
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.text[0], "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a "
			    "VALUES (1);\n  NOTIFY t);");
	assert_string_equal(c.text[1], "SELECT (1);");
	assert_int_equal(c.line[1], 3);
	/* Parentheses in strings, identifiers and comments do not count. */
	c = cut("SELECT '(', \"(\" /* ( */; SELECT 2");
	assert_int_equal(c.n, 2);
	/* A stray closing one does not hold the next semicolon either. */
	c = cut("SELECT 1); SELECT 2");
	assert_int_equal(c.n, 2);
}

static void test_dollar(void **state)
{
	struct cut c = cut("CREATE FUNCTION f() RETURNS int AS $$ BEGIN x; y; END $$ LANGUAGE sql;\n"
			   "DO $body$\nBEGIN\n  EXECUTE $$ a; $$;\n  PERFORM 1;\nEND\n$body$;\n"
			   "SELECT $1, a$b$c; SELECT $_x$;$_x$");

	(void)state;
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.text[0],
			    "CREATE FUNCTION f() RETURNS int AS $$ BEGIN x; y; END $$ LANGUAGE sql;");
	assert_string_equal(c.text[1],
			    "DO $body$\nBEGIN\n  EXECUTE $$ a; $$;\n  PERFORM 1;\nEND\n$body$;");
	assert_int_equal(c.line[1], 2);
	/* $1 is a parameter and a$b$c an identifier: neither opens a quote. */
	assert_string_equal(c.text[2], "SELECT $1, a$b$c;");
	assert_int_equal(c.line[2], 8);
	assert_string_equal(c.text[3], "SELECT $_x$;$_x$");
}

static void test_refused(void **state)
{
	struct cut c;

	(void)state;
	c = cut("SELECT 1;\nSELECT 'open;\n");
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.bad_line, 2);
	c = cut("SELECT 1;\n\nDO $x$ never closed $y$;");
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.bad_line, 3);
	c = cut("SELECT \"open");
	assert_int_equal(c.rc, -1);
	c = cut("SELECT 1 /* /* */");
	assert_int_equal(c.rc, -1);
	c = cut("/* header */ /* never closed");
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.n, 0);
	c = cut("CREATE FUNCTION f() RETURNS int LANGUAGE sql\n"
		"BEGIN  ATOMIC\n SELECT 1; SELECT 2;\nEND;");
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.bad_line, 2);
	/* A transaction's BEGIN is not one, nor a column begin beside a column atomic. */
	c = cut("BEGIN; SELECT atomic FROM t; COMMIT;");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 3);
	c = cut("SELECT begin, atomic FROM t; SELECT begin /* x */ FROM t");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 2);
}

static void test_empty(void **state)
{
	struct cut c = cut("  \n-- nothing\n/* at all */\n");

	(void)state;
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 0);
	c = cut("");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 0);
}

/* Cut every embedded script: none is refused, and each piece, cut again, is one
 * statement of the same length (no piece ends inside a quote or a comment). */
static void check_script(const char *name, const char *script)
{
	struct sqlsplit s;
	const char *stmt;
	size_t len, total = 0;
	int line = 0, rc, n = 0;

	sqlsplit_init(&s, script);
	while ((rc = sqlsplit_next(&s, &stmt, &len, &line)) == 1) {
		char buf[65536];
		struct sqlsplit again;
		const char *st2;
		size_t len2;
		int line2;

		if (len >= sizeof(buf))
			fail_msg("%s: a statement of %zu bytes at line %d", name, len, line);
		memcpy(buf, stmt, len);
		buf[len] = '\0';
		sqlsplit_init(&again, buf);
		assert_int_equal(sqlsplit_next(&again, &st2, &len2, &line2), 1);
		assert_int_equal(len2, len);
		assert_int_equal(sqlsplit_next(&again, &st2, &len2, &line2), 0);
		total += len;
		n++;
	}
	if (rc != 0)
		fail_msg("%s: refused at line %d", name, line);
	assert_true(n > 0);
	assert_true(total > 0 && total <= strlen(script));
}

static void test_embedded(void **state)
{
	char name[96];

	(void)state;
	for (size_t i = 0; i < sql_n_migrations; i++) {
		snprintf(name, sizeof(name), "%04d_%s.up.sql", sql_migrations[i].version,
			 sql_migrations[i].name);
		check_script(name, sql_migrations[i].up);
		snprintf(name, sizeof(name), "%04d_%s.down.sql", sql_migrations[i].version,
			 sql_migrations[i].name);
		check_script(name, sql_migrations[i].down);
	}
	for (size_t i = 0; i < sql_n_repeatables; i++)
		check_script(sql_repeatables[i].name, sql_repeatables[i].script);
	check_script("bootstrap.sql", sql_bootstrap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),   cmocka_unit_test(test_comments),
		cmocka_unit_test(test_strings), cmocka_unit_test(test_dollar),
		cmocka_unit_test(test_parentheses), cmocka_unit_test(test_refused),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_embedded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
