/* SPDX-License-Identifier: ISC */
/*
 * The statements of a SQL script (sqlsplit.h): a scan over its text that knows where
 * strings, quoted identifiers, dollar quotes and comments begin and end, as PostgreSQL's
 * lexer does with standard_conforming_strings on (the default since 9.1; bootstrap.sql
 * sets it in every migration's transaction, so the server reads a script as this cut it).
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "sqlsplit.h"

void sqlsplit_init(struct sqlsplit *s, const char *script)
{
	s->p = script;
	s->line = 1;
}

static bool blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

static bool ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* The length of a dollar quote's tag at p ("$tag$" or "$$"), or 0 when p starts none. */
static size_t dollar_tag(const char *p)
{
	size_t n = 1;

	if (p[n] != '$' && !ident_start((unsigned char)p[n]))
		return 0;
	while (p[n] != '$') {
		if (p[n] == '\0' || !ident_char((unsigned char)p[n]) || p[n] == '$')
			return 0;
		n++;
	}
	return n + 1;
}

struct scan {
	const char *p;
	int line;
};

static void advance(struct scan *c, size_t n)
{
	for (; n > 0 && *c->p != '\0'; n--, c->p++)
		if (*c->p == '\n')
			c->line++;
}

/* Past a comment at c->p; false when it does not end. */
static bool skip_comment(struct scan *c)
{
	if (c->p[0] == '-') {
		while (*c->p != '\0' && *c->p != '\n')
			c->p++;
		return true;
	}
	int depth = 0;

	do {
		if (c->p[0] == '/' && c->p[1] == '*') {
			depth++;
			advance(c, 2);
		} else if (c->p[0] == '*' && c->p[1] == '/') {
			depth--;
			advance(c, 2);
		} else if (*c->p == '\0') {
			return false;
		} else {
			advance(c, 1);
		}
	} while (depth > 0);
	return true;
}

static bool at_comment(const char *p)
{
	return (p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*');
}

/* Past a string or quoted identifier opened by the quote at c->p (a doubled quote stays
 * inside); backslash escapes the next character when escapes is set (E'...'). */
static bool skip_quoted(struct scan *c, bool escapes)
{
	char q = *c->p;

	advance(c, 1);
	for (;;) {
		if (*c->p == '\0')
			return false;
		if (escapes && *c->p == '\\' && c->p[1] != '\0') {
			advance(c, 2);
		} else if (*c->p == q && c->p[1] == q) {
			advance(c, 2);
		} else if (*c->p == q) {
			advance(c, 1);
			return true;
		} else {
			advance(c, 1);
		}
	}
}

/* Past a dollar-quoted body whose tag (tag bytes long) starts at c->p. */
static bool skip_dollar(struct scan *c, size_t tag)
{
	const char *open = c->p;

	advance(c, tag);
	for (;;) {
		const char *end = strchr(c->p, '$');

		if (end == NULL)
			return false;
		advance(c, (size_t)(end - c->p));
		if (strncmp(c->p, open, tag) == 0) {
			advance(c, tag);
			return true;
		}
		advance(c, 1);
	}
}

/* Only blanks from p to end, with a newline among them: a string continued ('a'
 * NEWLINE 'b' is one string, and keeps the escapes of an E'' it continues). */
static bool continues(const char *p, const char *end)
{
	bool newline = false;

	for (; p < end; p++) {
		if (*p == '\n')
			newline = true;
		else if (!blank((unsigned char)*p))
			return false;
	}
	return newline;
}

int sqlsplit_next(struct sqlsplit *s, const char **stmt, size_t *len, int *line)
{
	struct scan c = { s->p, s->line };
	char prev_word[8] = "";
	const char *e_end = NULL;       /* where the last E'' string (or its continuation) ended */
	int depth = 0;                  /* parentheses open: psql does not cut inside them */

	for (;;) {         /* blanks and comments before the statement */
		while (blank((unsigned char)*c.p))
			advance(&c, 1);
		if (!at_comment(c.p))
			break;
		*line = c.line;
		if (!skip_comment(&c))
			return -1;
	}
	s->p = c.p;
	s->line = c.line;
	if (*c.p == '\0')
		return 0;
	*stmt = c.p;
	*line = c.line;
	while (*c.p != '\0' && (*c.p != ';' || depth > 0)) {
		unsigned char ch = (unsigned char)*c.p;
		bool after_ident = c.p > *stmt && ident_char((unsigned char)c.p[-1]);
		int at = c.line;
		bool ended = true;
		size_t tag;

		if (at_comment(c.p)) {
			ended = skip_comment(&c);
		} else if (ch == '\'') {
			/* E'...' (or e'...'): the E a word of its own, not the end of one. */
			bool e = (c.p > *stmt && (c.p[-1] == 'E' || c.p[-1] == 'e') &&
				  (c.p - 1 == *stmt || !ident_char((unsigned char)c.p[-2]))) ||
				 (e_end != NULL && continues(e_end, c.p));

			ended = skip_quoted(&c, e);
			e_end = e ? c.p : NULL;
		} else if (ch == '"') {
			ended = skip_quoted(&c, false);
		} else if (ch == '$' && !after_ident && (tag = dollar_tag(c.p)) > 0) {
			ended = skip_dollar(&c, tag);
		} else if (ident_start(ch) && !after_ident) {
			const char *w = c.p;
			size_t n = 0;

			while (ident_char((unsigned char)w[n]))
				n++;
			if (n == 6 && strncasecmp(w, "atomic", 6) == 0 &&
			    strcasecmp(prev_word, "begin") == 0) {
				*line = at;
				return -1;
			}
			if (n < sizeof(prev_word)) {
				memcpy(prev_word, w, n);
				prev_word[n] = '\0';
			} else {
				prev_word[0] = '\0';
			}
			advance(&c, n);
		} else {
			if (ch == '(')
				depth++;
			else if (ch == ')' && depth > 0)
				depth--;
			/* BEGIN ATOMIC is two words with only blanks (or comments) between. */
			if (!blank(ch))
				prev_word[0] = '\0';
			advance(&c, 1);
		}
		if (!ended) {
			*line = at;
			return -1;
		}
	}
	if (*c.p == ';')
		advance(&c, 1);
	*len = (size_t)(c.p - *stmt);
	s->p = c.p;
	s->line = c.line;
	return 1;
}
