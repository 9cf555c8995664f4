/* SPDX-License-Identifier: ISC */
/*
 * A transaction on one db_conn as a sequence of steps: BEGIN, each step in
 * order (a step's callback may add further steps, which run next), then
 * COMMIT; on the first error, ROLLBACK. The done callback runs exactly once.
 * Steps run in the order they were added; one added from a callback goes to
 * the end of the list.
 *
 * While a transaction runs it owns its connection: nothing else may be sent
 * on it (the daemon keeps one job at a time on its work connection).
 */
#ifndef AD_TXN_H
#define AD_TXN_H

#include <stdbool.h>

#include "db.h"

struct txn;

/* Called with a step's result. Call txn_fail() to abort the transaction. */
typedef void (*txn_step_fn)(struct txn *t, PGresult *res, void *arg);
/* err is NULL when the transaction committed. */
typedef void (*txn_done_fn)(const struct db_error *err, void *arg);
/* Every step added so far has run: add more, or return false to COMMIT. */
typedef bool (*txn_drain_fn)(struct txn *t, void *arg);

/* Returns NULL when the connection is not ready (or out of memory). */
struct txn *txn_begin(struct db_conn *db, txn_done_fn done, void *arg);
int txn_add(struct txn *t, const char *sql, int nparams, const char *const *params,
	    bool simple, txn_step_fn fn, void *arg);
/* A statement of a script, len bytes of sql, without parameters (simple protocol); should
 * it fail, the error starts with where ("0016_citus_layout.up.sql, line 40"). */
int txn_add_located(struct txn *t, const char *sql, size_t len, const char *where);
/* Several statements that take the same parameters, in order, each with its
 * callback (or NULL) called with arg; the list ends with a NULL sql. */
struct txn_stmt {
	const char *sql;
	txn_step_fn fn;
};
int txn_add_steps(struct txn *t, int nparams, const char *const *params, void *arg,
		  const struct txn_stmt *stmts);

/*
 * Run a statement next, before the steps already added: from a step's
 * callback, the next round of a computation that streams through several
 * statements (compute.c). binary asks for its results in binary.
 */
int txn_push(struct txn *t, const char *sql, bool binary, txn_step_fn fn, void *arg);
/* Run a COPY ... FROM STDIN next, sending data (taken: freed whatever happens). */
int txn_push_copy(struct txn *t, const char *sql, char *data, size_t len, txn_step_fn fn,
		  void *arg);

/* From a step's callback: its result is the callback's now, to PQclear(). */
void txn_keep_result(struct txn *t);

/*
 * From a step's callback: the next step waits (nothing is sent) until
 * txn_release(), which runs it, or COMMIT or ROLLBACK if none is left. While
 * held, the transaction sits idle on its connection; txn_release() may end
 * it, and with it the caller's own state (done runs from inside it).
 */
void txn_hold(struct txn *t);
void txn_release(struct txn *t);

/*
 * Called whenever the steps run out, before COMMIT, until it returns false:
 * lets a caller add the next stage once the steps of the previous one (and
 * what their callbacks added) have run, e.g. a record of counts that only
 * the last statement knows.
 */
void txn_on_drain(struct txn *t, txn_drain_fn fn, void *arg);
/* End with ROLLBACK instead of COMMIT, and report success all the same: a dry run,
 * which reads what the steps found and keeps nothing they did. */
void txn_rollback_at_end(struct txn *t);
void txn_fail(struct txn *t, const char *sqlstate, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
