/* SPDX-License-Identifier: ISC */
/*
 * Build-time tool: makes the SQL that lists customer_analytics' columns from the column
 * registry (include/analytics_columns.h), so that no list is kept in step by hand.
 *
 *   gen-sql TEMPLATE.sql.in > OUT.sql     expand a template
 *   gen-sql --table                       the stored table's columns: "name<TAB>type"
 *   gen-sql --view                        the columns readers see, the same way
 *
 * A template is SQL with marker lines, each replaced by what it names, indented as the
 * marker is:
 *
 *   -- @list SET PREFIX    the columns of SET as "PREFIXname", comma-separated, wrapped
 *   -- @agg_columns        ca_agg's column definitions after the key: "name type", one a line
 *   -- @agg_values         the pass-through aggregates as ca_new's compute reads them from
 *                          ca_agg `a`: "coalesce(a.name, 0) AS name" (or "a.name")
 *   -- @shown STORED READ  the columns readers see, in their order: those evaluated when
 *                          read prefixed READ, the stored ones STORED (the view)
 *
 * SET is `all` (the stored table's columns in order), `values` (all but the key),
 * `compared` (all but the key and computed_at: what a rewrite compares) or `agg` (the
 * columns aggregated in daemon/agg.c). A marker it does not know fails the build.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics_columns.h"

enum source { KEY, SQL, AGG, READ, RUN, HIDE, INPUT };

struct column {
	const char *name, *type;
	enum source source;
	const char *none;       /* AGG: the value without bookings or payments */
};

#define T_KEY(n, t) { #n, #t, KEY, NULL },
#define T_SQL(n, t) { #n, #t, SQL, NULL },
#define T_AGG(n, t, kind, has, none) { #n, #t, AGG, #none },
#define T_READ(n, t) { #n, #t, READ, NULL },
#define T_RUN(n, t) { #n, #t, RUN, NULL },
#define T_HIDE(n, t) { #n, #t, HIDE, NULL },
#define T_INPUT(n, t, kind, has) { #n, #t, INPUT, NULL },

static const struct column columns[] = {
	AD_TABLE_COLUMNS(T_KEY, T_SQL, T_AGG, T_READ, T_RUN, T_HIDE)
	AD_AGG_INPUTS(T_INPUT)
};

#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))
#define WIDTH 92

static bool in_set(const struct column *c, const char *set)
{
	bool stored = c->source != INPUT && c->source != READ;

	if (strcmp(set, "all") == 0)
		return stored;
	if (strcmp(set, "values") == 0)
		return stored && c->source != KEY;
	if (strcmp(set, "compared") == 0)
		return stored && c->source != KEY && c->source != RUN;
	if (strcmp(set, "agg") == 0)
		return c->source == AGG;
	if (strcmp(set, "shown") == 0)
		return c->source != INPUT && c->source != HIDE;
	return false;
}

static bool known_set(const char *set)
{
	return strcmp(set, "all") == 0 || strcmp(set, "values") == 0 ||
	       strcmp(set, "compared") == 0 || strcmp(set, "agg") == 0;
}

/* The columns of set, "prefix" before each ("read" before the READ ones when not NULL),
 * ", " between, lines within WIDTH. */
static void list(const char *indent, const char *set, const char *prefix, const char *read)
{
	size_t col = 0, lead = strlen(indent);
	bool first = true;

	for (size_t i = 0; i < NCOLUMNS; i++) {
		const char *p = read != NULL && columns[i].source == READ ? read : prefix;
		size_t len;

		if (!in_set(&columns[i], set))
			continue;
		len = strlen(p) + strlen(columns[i].name);
		if (first) {
			col = lead + len;
			printf("%s%s%s", indent, p, columns[i].name);
			first = false;
			continue;
		}
		if (col + 2 + len + 1 > WIDTH) {
			printf(",\n%s%s%s", indent, p, columns[i].name);
			col = lead + len;
		} else {
			printf(", %s%s", p, columns[i].name);
			col += 2 + len;
		}
	}
	printf("\n");
}

static void agg_columns(const char *indent)
{
	bool first = true;

	for (size_t i = 0; i < NCOLUMNS; i++) {
		if (columns[i].source != AGG && columns[i].source != INPUT)
			continue;
		printf("%s%s%-*s %s", first ? "" : ",\n", indent, 29, columns[i].name,
		       columns[i].type);
		first = false;
	}
	printf("\n");
}

static void agg_values(const char *indent)
{
	bool first = true;

	for (size_t i = 0; i < NCOLUMNS; i++) {
		const struct column *c = &columns[i];

		if (c->source != AGG)
			continue;
		printf("%s%s", first ? "" : ",\n", indent);
		if (strcmp(c->none, "NULL") == 0)
			printf("a.%s", c->name);
		else
			printf("coalesce(a.%s, %s) AS %s", c->name, c->none, c->name);
		first = false;
	}
	printf("\n");
}

/* A marker line: 0 done, -1 not one of ours (the caller says where). */
static int marker(const char *line)
{
	char indent[64], word[32], set[32], prefix[32] = "";
	size_t n = strspn(line, " \t");
	int got;

	if (n >= sizeof(indent))
		return -1;
	memcpy(indent, line, n);
	indent[n] = '\0';
	got = sscanf(line + n, "-- @%31s %31s %31s", word, set, prefix);
	if (got == 1 && strcmp(word, "agg_columns") == 0)
		agg_columns(indent);
	else if (got == 1 && strcmp(word, "agg_values") == 0)
		agg_values(indent);
	else if (got >= 2 && strcmp(word, "list") == 0 && known_set(set))
		list(indent, set, got == 3 ? prefix : "", NULL);
	else if (got == 3 && strcmp(word, "shown") == 0)
		list(indent, "shown", set, prefix);
	else
		return -1;
	return 0;
}

static int expand(const char *path)
{
	char line[1024];
	unsigned lineno = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		perror(path);
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strspn(line, " \t");

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "%s:%u: line too long\n", path, lineno);
			fclose(f);
			return 1;
		}
		if (strncmp(line + n, "-- @", 4) != 0) {
			fputs(line, stdout);
			continue;
		}
		if (marker(line) != 0) {
			fprintf(stderr, "%s:%u: unknown marker: %s", path, lineno, line + n);
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return ferror(stdout) ? 1 : 0;
}

static void columns_of(const char *set)
{
	for (size_t i = 0; i < NCOLUMNS; i++)
		if (in_set(&columns[i], set))
			printf("%s\t%s\n", columns[i].name, columns[i].type);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--table") == 0) {
		columns_of("all");
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--view") == 0) {
		columns_of("shown");
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: gen-sql TEMPLATE.sql.in | gen-sql --table | gen-sql --view\n");
		return 2;
	}
	return expand(argv[1]);
}
