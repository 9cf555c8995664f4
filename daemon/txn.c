/* SPDX-License-Identifier: ISC */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txn.h"

struct txn_step {
	struct txn_step *next;
	char *sql;
	char **params;
	int nparams;
	bool simple;
	bool binary;
	char *copy;                     /* COPY ... FROM STDIN data, until db takes it */
	size_t copy_len;
	txn_step_fn fn;
	void *arg;
	char *where;                    /* txn_add_located: named by a failure */
};

struct txn {
	struct db_conn *db;
	struct txn_step *head, *tail, *cur;
	bool failed;
	struct db_error err;
	txn_done_fn done;
	void *arg;
	txn_drain_fn drain;
	void *drain_arg;
	bool held;                      /* txn_hold: the next step waits for txn_release */
	bool rollback;                  /* txn_rollback_at_end: a dry run */
};

static void step_free(struct txn_step *s)
{
	if (s == NULL)
		return;
	free(s->sql);
	for (int i = 0; i < s->nparams; i++)
		free(s->params[i]);
	free(s->params);
	free(s->copy);
	free(s->where);
	free(s);
}

static void finish(struct txn *t, const struct db_error *err)
{
	struct txn_step *s;

	t->done(err, t->arg);
	step_free(t->cur);
	while ((s = t->head) != NULL) {
		t->head = s->next;
		step_free(s);
	}
	free(t);
}

static void on_end(PGresult *res, const struct db_error *err, void *arg)
{
	struct txn *t = arg;

	(void)res;
	if (t->failed) {
		finish(t, &t->err);     /* whatever ROLLBACK said, the first error counts */
		return;
	}
	finish(t, err);                 /* COMMIT: NULL on success */
}

static void on_step(PGresult *res, const struct db_error *err, void *arg);

static void next(struct txn *t)
{
	struct txn_step *s;
	const char *end;

	step_free(t->cur);
	t->cur = NULL;
	while (!t->failed && t->head == NULL && t->drain != NULL && t->drain(t, t->drain_arg))
		;
	end = t->failed || t->rollback ? "ROLLBACK" : "COMMIT";
	if (!t->failed && (s = t->head) != NULL) {
		t->head = s->next;
		if (t->head == NULL)
			t->tail = NULL;
		t->cur = s;
		/* At the front of the connection's queue: a query sent by someone
		 * else meanwhile waits until the transaction ends, not inside it. */
		struct db_opts o = { .simple = s->simple, .binary = s->binary, .front = true,
				     .copy = s->copy, .copy_len = s->copy_len };
		if (db_send_opts(t->db, s->sql, s->nparams, (const char *const *)s->params, &o,
				 on_step, t) == 0) {
			s->copy = NULL;         /* db's now */
			return;
		}
		txn_fail(t, "08006", "%s", db_last_error(t->db));
		finish(t, &t->err);
		return;
	}
	if (db_send(t->db, end, 0, NULL, false, on_end, t) != 0) {
		if (!t->failed)
			txn_fail(t, "08006", "%s", db_last_error(t->db));
		finish(t, &t->err);
	}
}

static void on_step(PGresult *res, const struct db_error *err, void *arg)
{
	struct txn *t = arg;

	if (err != NULL) {
		if (!t->failed) {
			t->err = *err;
			if (t->cur != NULL && t->cur->where != NULL)
				db_error_set(&t->err, err->sqlstate, "%s: %s", t->cur->where,
					     err->message);
			t->failed = true;
		}
	} else if (t->cur != NULL && t->cur->fn != NULL) {
		t->cur->fn(t, res, t->cur->arg);
	}
	if (!t->held)
		next(t);
}

struct txn *txn_begin(struct db_conn *db, txn_done_fn done, void *arg)
{
	struct txn *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->db = db;
	t->done = done;
	t->arg = arg;
	if (db_send(db, "BEGIN", 0, NULL, false, on_step, t) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

static void append(struct txn *t, struct txn_step *s)
{
	if (t->tail != NULL)
		t->tail->next = s;
	else
		t->head = s;
	t->tail = s;
}

int txn_add(struct txn *t, const char *sql, int nparams, const char *const *params,
	    bool simple, txn_step_fn fn, void *arg)
{
	struct txn_step *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -1;
	s->simple = simple;
	s->fn = fn;
	s->arg = arg;
	if ((s->sql = strdup(sql)) == NULL)
		goto oom;
	if (nparams > 0) {
		if ((s->params = calloc((size_t)nparams, sizeof(char *))) == NULL)
			goto oom;
		s->nparams = nparams;
		for (int i = 0; i < nparams; i++)
			if (params[i] != NULL && (s->params[i] = strdup(params[i])) == NULL)
				goto oom;
	}
	append(t, s);
	return 0;
oom:
	step_free(s);
	txn_fail(t, "53200", "out of memory adding a statement");
	return -1;
}

int txn_add_located(struct txn *t, const char *sql, size_t len, const char *where)
{
	struct txn_step *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->sql = strndup(sql, len)) == NULL ||
	    (s->where = strdup(where)) == NULL) {
		step_free(s);
		txn_fail(t, "53200", "out of memory adding %s", where);
		return -1;
	}
	s->simple = true;
	append(t, s);
	return 0;
}

static struct txn_step *push(struct txn *t, const char *sql, txn_step_fn fn, void *arg)
{
	struct txn_step *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->sql = strdup(sql)) == NULL) {
		free(s);
		txn_fail(t, "53200", "out of memory adding a statement");
		return NULL;
	}
	s->fn = fn;
	s->arg = arg;
	s->next = t->head;
	t->head = s;
	if (t->tail == NULL)
		t->tail = s;
	return s;
}

int txn_push(struct txn *t, const char *sql, bool binary, txn_step_fn fn, void *arg)
{
	struct txn_step *s = push(t, sql, fn, arg);

	if (s == NULL)
		return -1;
	s->binary = binary;
	return 0;
}

int txn_push_copy(struct txn *t, const char *sql, char *data, size_t len, txn_step_fn fn,
		  void *arg)
{
	struct txn_step *s = push(t, sql, fn, arg);

	if (s == NULL) {
		free(data);
		return -1;
	}
	s->copy = data;
	s->copy_len = len;
	return 0;
}

int txn_add_steps(struct txn *t, int nparams, const char *const *params, void *arg,
		  const struct txn_stmt *stmts)
{
	for (; stmts->sql != NULL; stmts++)
		if (txn_add(t, stmts->sql, nparams, params, false, stmts->fn, arg) != 0)
			return -1;
	return 0;
}

void txn_keep_result(struct txn *t)
{
	db_keep_result(t->db);
}

void txn_hold(struct txn *t)
{
	t->held = true;
}

void txn_release(struct txn *t)
{
	t->held = false;
	next(t);
}

void txn_rollback_at_end(struct txn *t)
{
	t->rollback = true;
}

void txn_on_drain(struct txn *t, txn_drain_fn fn, void *arg)
{
	t->drain = fn;
	t->drain_arg = arg;
}

void txn_fail(struct txn *t, const char *sqlstate, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof(t->err.message)];

	if (t->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	db_error_set(&t->err, sqlstate, "%s", msg);
	t->failed = true;
}
