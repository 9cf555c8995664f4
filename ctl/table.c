/* SPDX-License-Identifier: ISC */
/* Tables with libsmartcols; see table.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

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
	scols_table_enable_raw(t->tb, table_opts.raw);
	scols_table_enable_export(t->tb, table_opts.pairs);
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

static size_t term_width(FILE *fp)
{
	struct winsize ws;

	if (ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

/* The widest line of s, in characters (UTF-8: continuation bytes do not count). */
static size_t widest_line(const char *s)
{
	size_t widest = 0, w = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\n') {
			w = 0;
			continue;
		}
		if (((unsigned char)*s & 0xc0) != 0x80 && ++w > widest)
			widest = w;
	}
	return widest;
}

/* Did the last print cut a column below its minimum? */
static bool cut_short(const struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->shown[i] != NULL && t->cols[i].min > 0 &&
		    !(scols_column_get_flags(t->shown[i]) & SCOLS_FL_HIDDEN) &&
		    scols_column_get_width(t->shown[i]) < (size_t)t->cols[i].min)
			return true;
	return false;
}

/* Leave out droppable columns, the lowest drop first, until the table fits width with
 * no column cut below its minimum. */
static void fit(struct table *t, size_t width)
{
	scols_table_set_termforce(t->tb, SCOLS_TERMFORCE_ALWAYS);
	scols_table_set_termwidth(t->tb, width);
	for (;;) {
		char *out = NULL;
		size_t widest;
		int drop = -1;

		if (scols_print_table_to_string(t->tb, &out) != 0 || out == NULL)
			return;
		widest = widest_line(out);
		free(out);
		if (widest <= width && !cut_short(t))
			return;
		for (size_t i = 0; i < t->n; i++)
			if (t->shown[i] != NULL && t->cols[i].drop > 0 &&
			    !(scols_column_get_flags(t->shown[i]) & SCOLS_FL_HIDDEN) &&
			    (drop < 0 || t->cols[i].drop < t->cols[drop].drop))
				drop = (int)i;
		if (drop < 0)
			return;
		scols_column_set_flags(t->shown[drop],
				       scols_column_get_flags(t->shown[drop]) | SCOLS_FL_HIDDEN);
	}
}

/* --raw: an empty cell as "-", so that every line has a word per column. */
static void fill_empty(struct table *t)
{
	struct libscols_iter *it = scols_new_iter(SCOLS_ITER_FORWARD);
	struct libscols_line *ln;

	if (it == NULL)
		return;
	while (scols_table_next_line(t->tb, it, &ln) == 0)
		for (size_t i = 0; i < t->n; i++) {
			struct libscols_cell *ce;
			const char *v;

			if (t->shown[i] == NULL ||
			    (ce = scols_line_get_column_cell(ln, t->shown[i])) == NULL)
				continue;
			v = scols_cell_get_data(ce);
			if (v == NULL || *v == '\0')
				scols_line_set_column_data(ln, t->shown[i], "-");
		}
	scols_free_iter(it);
}

void table_print(struct table *t, FILE *fp)
{
	size_t width;

	if (table_opts.raw)
		fill_empty(t);
	/* The columns a user named are shown, whatever the width. */
	if (!table_opts.raw && !table_opts.pairs && table_opts.columns == NULL &&
	    isatty(fileno(fp)) && (width = term_width(fp)) > 0)
		fit(t, width);
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
	if (rfc3339 == NULL || table_opts.raw || table_opts.pairs ||
	    (end = strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL) {
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
