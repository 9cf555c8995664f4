/* SPDX-License-Identifier: ISC */
/*
 * One asynchronous PostgreSQL connection driven by the libevent loop.
 *
 * Connecting, sending and reading never block: PQconnectStart/PQconnectPoll,
 * PQsendQueryParams + PQflush, PQconsumeInput/PQisBusy/PQgetResult, each
 * resumed when the socket is ready; host names are resolved off the loop too
 * (dbhosts.h). A lost connection is retried with capped exponential backoff;
 * the state callback reports every change.
 *
 * Queries run one at a time in the order they were sent. Each gets exactly
 * one callback: the last result on success, or an error (the server's
 * SQLSTATE and message, or 08006 when the connection was lost).
 */
#ifndef AD_DB_H
#define AD_DB_H

#include <stdbool.h>
#include <time.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <libpq-fe.h>

#include "analytics_proto.h"

enum db_state { DB_DOWN, DB_CONNECTING, DB_READY };

struct db_error {
	char sqlstate[6];
	char message[512];
};

struct db_conn;

/* res is NULL when err is set; res is freed after the callback returns. */
typedef void (*db_result_fn)(PGresult *res, const struct db_error *err, void *arg);
typedef void (*db_state_fn)(struct db_conn *db, enum db_state old, void *arg);

/* dns resolves the conninfo's host names (dbhosts.h). */
struct db_conn *db_new(struct event_base *base, struct evdns_base *dns, const char *label,
		       db_state_fn on_state, void *arg);
/* Settings take effect at the next connection attempt. */
int db_configure(struct db_conn *db, const char *conninfo, int connect_timeout_s,
		 int statement_timeout_s);
void db_start(struct db_conn *db);
/* Close now, failing every queued query with sqlstate and why; no reconnect. */
void db_close(struct db_conn *db, const char *sqlstate, const char *why);
/* Fails every queued query with `why`, closes, and frees. */
void db_free(struct db_conn *db);

enum db_state db_get_state(const struct db_conn *db);
const char *db_state_name(enum db_state s);
time_t db_state_since(const struct db_conn *db);
const char *db_last_error(const struct db_conn *db);
const char *db_label(const struct db_conn *db);
/* True once per outage, on the first call that finds the connection not ready for
 * longer than its connect timeout (since it was made, or since it was lost); false
 * before and after, until it has been ready again. */
bool db_outage_news(struct db_conn *db);
/* Not ready, but on the way: connecting, or waiting to retry. */
bool db_reconnecting(const struct db_conn *db);
/* Server's backend pid while connected, else 0. */
int db_backend_pid(const struct db_conn *db);

/*
 * Queue a query. `simple` sends it with the simple protocol (several
 * statements allowed, no parameters: for migration scripts). Parameters are
 * copied. Returns -1 (and calls nothing) when the connection is not ready.
 * Never calls fn before returning: a failure to send is reported from the loop.
 */
int db_send(struct db_conn *db, const char *sql, int nparams, const char *const *params,
	    bool simple, db_result_fn fn, void *arg);

/* How db_send_opts sends a query, beyond what db_send says. */
struct db_opts {
	bool simple;
	bool binary;            /* results in binary (PQsendQueryParams' resultFormat 1) */
	bool front;             /* before every queued query but the one in flight */
	bool each;              /* several statements (simple only): fn gets each one's result
				 * as it comes, then a last call with res NULL, and err set if
				 * a statement failed (the ones after it did not run) */
	char *copy;             /* for COPY ... FROM STDIN: the data to send, taken (freed by */
	size_t copy_len;        /* db) when the call returns 0 */
};
int db_send_opts(struct db_conn *db, const char *sql, int nparams, const char *const *params,
		 const struct db_opts *o, db_result_fn fn, void *arg);

/* From a result callback: the result is the callback's now, to PQclear(). */
void db_keep_result(struct db_conn *db);

/* "what: message (SQLSTATE 57014)" (no SQLSTATE part when there is none). */
void db_error_format(const struct db_error *err, const char *what, char *buf, size_t len);
/* The protocol error a database error stands for. */
enum proto_err db_error_code(const struct db_error *err);

/* Fill err from a failed result or a connection. */
void db_error_set(struct db_error *err, const char *sqlstate, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
