/* SPDX-License-Identifier: ISC */
/*
 * Tables for people, with util-linux's libsmartcols (as lsblk and findmnt):
 * fitted to the terminal, the columns a user names with --output, no headings
 * with --no-headings; times as UTC with their age, or local with --local. On a
 * terminal too narrow for the default columns the droppable ones are left out (1
 * first) and the truncatable ones cut, until the table fits. For
 * scripts, --raw (columns apart by one space, a space in a value as \x20) and
 * --pairs (KEY="value" pairs), where a time is one RFC 3339 word.
 */
#ifndef CTL_TABLE_H
#define CTL_TABLE_H

#include <stdbool.h>
#include <stdio.h>

/* How tables are shown: set once from the command line (args.c). */
struct table_opts {
	bool no_headings;
	bool local_time;
	bool raw;                       /* -r: libsmartcols' raw output */
	bool pairs;                     /* -P: KEY="value" pairs */
	const char *columns;            /* "ID,STATUS,...", or NULL: the defaults */
};
extern struct table_opts table_opts;

/* --raw or --pairs: the table alone, no line of prose around it. */
static inline bool table_for_scripts(void)
{
	return table_opts.raw || table_opts.pairs;
}

/* A table's columns: an array ended by a NULL name. */
struct table_col {
	const char *name;
	double whint;                   /* libsmartcols' width hint */
	int flags;                      /* SCOLS_FL_* */
	bool hidden;                    /* shown only when --output names it */
	const char *help;
	int drop;                       /* 0, or left out on a narrow terminal, 1 first */
	int min;                        /* SCOLS_FL_TRUNC: cut no shorter than this */
};

struct table;

/* NULL when out of memory. */
struct table *table_new(const struct table_col *cols);
/* A new row; table_set fills its cells by column name (unshown ones are skipped). */
void table_row(struct table *t);
void table_set(struct table *t, const char *col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void table_print(struct table *t, FILE *fp);
void table_free(struct table *t);

/* 0 when every name in table_opts.columns is a column of cols; else -1 and why. */
int table_check_columns(const struct table_col *cols, char *err, size_t errlen);

/* An RFC 3339 UTC time from the daemon as "2026-11-28 06:30:00Z (4 min ago)", or local;
 * with --raw or --pairs as it came (one word). */
void table_time(char *buf, size_t len, const char *rfc3339);

#endif
