/* SPDX-License-Identifier: ISC */
/*
 * A request: what a command handler and a job answer through, knowing nothing of the
 * connection it came on. Its owner (a control connection, client.c) gives it a write
 * function; when the owner goes away it orphans the request, and whatever is still
 * said on it is dropped, so that a peer that disconnects never disturbs the work it
 * asked for.
 *
 * A handler answers exactly once (request_reply_*), now or later; before that, a job
 * may send events. Who holds a request past the call that gave it takes a reference.
 */
#ifndef AD_REQUEST_H
#define AD_REQUEST_H

#include <stdbool.h>

#include <jansson.h>

#include "analytics_proto.h"
#include "db.h"

struct request;

/* The owner's side: a line for the peer, taken (free() it), or NULL when there was no
 * memory to encode it; final: the answer. */
typedef void (*request_write_fn)(void *owner, char *line, bool final);

/* A new request of owner's, with one reference (the owner's). who: "uid U pid P". */
struct request *request_new(request_write_fn write, void *owner, bool may_write,
			    const char *who);
void request_ref(struct request *rq);
void request_unref(struct request *rq);
/* The owner is gone: nothing more reaches it (the owner still drops its reference). */
void request_orphan(struct request *rq);
bool request_gone(const struct request *rq);

bool request_may_write(const struct request *rq);
/* "uid 1000 pid 4242": who asked, for run records and logs. */
const char *request_who(const struct request *rq);

/* An event before the answer; steals fields. */
void request_event(struct request *rq, const char *event, json_t *fields);
/* The answer; each steals what it is given. */
void request_reply_ok(struct request *rq, json_t *result);
void request_reply_error(struct request *rq, enum proto_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An error with more members (may be NULL): a failed run's run_id. */
void request_reply_error_fields(struct request *rq, enum proto_err err, json_t *fields,
				const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The answer naming what failed, the database's reason and its SQLSTATE. */
void request_reply_db_error(struct request *rq, const char *what, const struct db_error *err);
/* The answer when a connection a command needs is not ready. */
void request_reply_db_unavailable(struct request *rq, const struct db_conn *db);

#endif
