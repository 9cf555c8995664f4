/* SPDX-License-Identifier: ISC */
/* Tables with libsmartcols; see table.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libsmartcols.h>

#include "table.h"

#define TABLE_MAX_COLS 24

struct table_opts table_opts;

struct table {
	struct libscols_table *tb;
	struct libscols_line *ln;
	const struct table_col *cols;
	size_t n;
	struct libscols_column *shown[TABLE_MAX_COLS];  /* by index in cols; NULL: not shown */
};

/* The index of the column named by the first len bytes of name, or -1. */
static int find_col(const struct table_col *cols, const char *name, size_t len)
{
	for (int i = 0; cols[i].name != NULL; i++)
		if (strlen(cols[i].name) == len && strncasecmp(name, cols[i].name, len) == 0)
			return i;
	return -1;
}

int table_check_columns(const struct table_col *cols, char *err, size_t errlen)
{
	for (const char *p = table_opts.columns; p != NULL && *p != '\0';) {
		size_t w = strcspn(p, ","), off;

		if (find_col(cols, p, w) < 0) {
			off = (size_t)snprintf(err, errlen, "unknown column '%.*s' (columns:", (int)w, p);
			for (int i = 0; cols[i].name != NULL && off < errlen; i++)
				off += (size_t)snprintf(err + off, errlen - off, " %s", cols[i].name);
			if (off < errlen)
				snprintf(err + off, errlen - off, ")");
			return -1;
		}
		p += w + (p[w] == ',');
	}
	return 0;
}

static void show(struct table *t, int i)
{
	if (t->shown[i] == NULL)
		t->shown[i] = scols_table_new_column(t->tb, t->cols[i].name, t->cols[i].whint,
						     t->cols[i].flags);
}

struct table *table_new(const struct table_col *cols)
{
	struct table *t = calloc(1, sizeof(*t));
	size_t n = 0;

	while (cols[n].name != NULL)
		n++;
	if (t == NULL || n > TABLE_MAX_COLS || (t->tb = scols_new_table()) == NULL) {
		free(t);
		return NULL;
	}
	t->cols = cols;
	t->n = n;
	scols_table_enable_noheadings(t->tb, table_opts.no_headings);
	/* In the order --output names them (checked by table_check_columns), else the
	 * table's order without the hidden ones. */
	if (table_opts.columns != NULL) {
		for (const char *p = table_opts.columns; *p != '\0';) {
			size_t w = strcspn(p, ",");
			int i = find_col(cols, p, w);
			if (i >= 0)
				show(t, i);
			p += w + (p[w] == ',');
		}
	} else {
		for (size_t i = 0; i < n; i++)
			if (!cols[i].hidden)
				show(t, (int)i);
	}
	return t;
}

void table_row(struct table *t)
{
	t->ln = scols_table_new_line(t->tb, NULL);
}

void table_set(struct table *t, const char *col, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (t->ln == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->cols[i].name, col) != 0 || t->shown[i] == NULL)
			continue;
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		scols_line_set_column_data(t->ln, t->shown[i], buf);
		return;
	}
}

void table_print(struct table *t, FILE *fp)
{
	scols_table_set_stream(t->tb, fp);
	scols_print_table(t->tb);
}

void table_free(struct table *t)
{
	if (t == NULL)
		return;
	scols_unref_table(t->tb);
	free(t);
}

static void age(char *buf, size_t len, long long s)
{
	if (s < 0)
		snprintf(buf, len, "in the future");
	else if (s < 90)
		snprintf(buf, len, "%lld s ago", s);
	else if (s < 90 * 60)
		snprintf(buf, len, "%lld min ago", (s + 30) / 60);
	else if (s < 48 * 3600)
		snprintf(buf, len, "%lld h ago", (s + 1800) / 3600);
	else
		snprintf(buf, len, "%lld d ago", (s + 43200) / 86400);
}

void table_time(char *buf, size_t len, const char *rfc3339)
{
	struct tm tm;
	char when[64], ago[32];
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (rfc3339 == NULL || (end = strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL) {
		snprintf(buf, len, "%s", rfc3339 ? rfc3339 : "-");
		return;
	}
	t = timegm(&tm);
	age(ago, sizeof(ago), (long long)(time(NULL) - t));
	if (table_opts.local_time) {
		struct tm lt;
		localtime_r(&t, &lt);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &lt);
	} else {
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm);
	}
	snprintf(buf, len, "%s (%s)", when, ago);
}
