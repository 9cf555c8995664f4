/* SPDX-License-Identifier: ISC */
/*
 * A SQL script cut into its statements, as psql cuts it: at each semicolon that is
 * outside parentheses, a string ('...', E'...', continued on a later line or not), a
 * quoted identifier ("..."), a dollar-quoted body ($$...$$, $tag$...$tag$) and a
 * comment (-- to the end of the line, nested slash-star comments). The migrator sends a
 * migration one statement at a time: Citus forwards some DDL to its workers as the text
 * of the query that carried it, and a multi-statement query then fails there
 * (docs/SCALE-OUT.md). A statement that fails is named by its file and line.
 *
 * Not understood: BEGIN ATOMIC bodies (SQL-standard function bodies), whose inner
 * semicolons would cut the statement; sqlsplit_next refuses a statement holding one.
 * Pure: no I/O, no allocation.
 */
#ifndef AD_SQLSPLIT_H
#define AD_SQLSPLIT_H

#include <stddef.h>

struct sqlsplit {
	const char *p;          /* what is left of the script */
	int line;               /* the line p is on, from 1 */
};

void sqlsplit_init(struct sqlsplit *s, const char *script);

/*
 * The next statement: *stmt and *len (its text from its first token up to and
 * including its semicolon, or to the end of the script), *line its first line.
 * Returns 1 for a statement, 0 at the end (only blanks and comments were left), -1
 * for a script it cannot cut (an unterminated string, identifier, dollar quote or
 * comment, or BEGIN ATOMIC), with *line where the trouble starts.
 */
int sqlsplit_next(struct sqlsplit *s, const char **stmt, size_t *len, int *line);

#endif
