/* SPDX-License-Identifier: ISC */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "request.h"

struct request {
	int refs;
	request_write_fn write;
	void *owner;                    /* NULL once orphaned */
	bool may_write;
	bool answered;
	char who[64];
};

struct request *request_new(request_write_fn write, void *owner, bool may_write,
			    const char *who)
{
	struct request *rq = calloc(1, sizeof(*rq));

	if (rq == NULL)
		return NULL;
	rq->refs = 1;
	rq->write = write;
	rq->owner = owner;
	rq->may_write = may_write;
	snprintf(rq->who, sizeof(rq->who), "%s", who);
	return rq;
}

void request_ref(struct request *rq)
{
	rq->refs++;
}

void request_unref(struct request *rq)
{
	if (rq != NULL && --rq->refs == 0)
		free(rq);
}

void request_orphan(struct request *rq)
{
	rq->owner = NULL;
}

bool request_gone(const struct request *rq)
{
	return rq->owner == NULL;
}

bool request_may_write(const struct request *rq)
{
	return rq->may_write;
}

const char *request_who(const struct request *rq)
{
	return rq->who;
}

/* line: taken (NULL: there was no memory to encode it, which the owner deals with).
 * Nothing after the answer, nothing to an owner that is gone. */
static void say(struct request *rq, char *line, bool final)
{
	if (rq->owner == NULL || rq->answered) {
		free(line);
		return;
	}
	rq->answered = final;
	rq->write(rq->owner, line, final);
}

void request_event(struct request *rq, const char *event, json_t *fields)
{
	if (rq->owner == NULL || rq->answered) {
		json_decref(fields);
		return;
	}
	say(rq, proto_event(event, fields), false);
}

void request_reply_ok(struct request *rq, json_t *result)
{
	if (rq->owner == NULL || rq->answered) {
		json_decref(result);
		return;
	}
	say(rq, proto_reply_ok(result), true);
}

static void vreply_error(struct request *rq, enum proto_err err, json_t *fields,
			 const char *fmt, va_list ap)
{
	char msg[1024];

	if (rq->owner == NULL || rq->answered) {
		json_decref(fields);
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	say(rq, proto_reply_error_fields(err, fields, "%s", msg), true);
}

void request_reply_error(struct request *rq, enum proto_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply_error(rq, err, NULL, fmt, ap);
	va_end(ap);
}

void request_reply_error_fields(struct request *rq, enum proto_err err, json_t *fields,
				const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply_error(rq, err, fields, fmt, ap);
	va_end(ap);
}

void request_reply_db_error(struct request *rq, const char *what, const struct db_error *err)
{
	char msg[1024];

	db_error_format(err, what, msg, sizeof(msg));
	request_reply_error(rq, db_error_code(err), "%s", msg);
}

void request_reply_db_unavailable(struct request *rq, const struct db_conn *db)
{
	request_reply_error(rq, PROTO_ERR_DB_UNAVAILABLE, "database is %s: %s",
			    db_state_name(db_get_state(db)), db_last_error(db));
}
