/* SPDX-License-Identifier: ISC */
/* The queue's figures for status, read in the background (queuestat.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "queuestat.h"
#include "sqlfiles.h"
#include "wire.h"

#define QUEUESTAT_EVERY_S 5

struct queuestat {
	struct db_conn *db;
	struct event *timer;
	json_t *last;                   /* the last reading, or NULL */
	bool in_flight;
	bool freed;                     /* queuestat_free() came while in flight */
};

static void arm(struct queuestat *q)
{
	struct timeval tv = { QUEUESTAT_EVERY_S, 0 };

	evtimer_add(q->timer, &tv);
}

static void on_read(PGresult *res, const struct db_error *err, void *arg)
{
	struct queuestat *q = arg;
	json_t *o;

	q->in_flight = false;
	if (q->freed) {
		json_decref(q->last);
		free(q);
		return;
	}
	/* Not migrated yet (42P01), or the connection away: no figures, and none stale. */
	if (err != NULL || PQntuples(res) != 1 || (o = wire_row(wire_result_row(res, 0))) == NULL) {
		json_decref(q->last);
		q->last = NULL;
	} else {
		json_object_set_new(o, "read_at", wire_time(time(NULL)));
		json_decref(q->last);
		q->last = o;
	}
	arm(q);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct queuestat *q = arg;

	(void)fd;
	(void)what;
	if (db_get_state(q->db) == DB_READY &&
	    db_send(q->db, sql_status_queue, 0, NULL, false, on_read, q) == 0) {
		q->in_flight = true;
		return;
	}
	arm(q);
}

struct queuestat *queuestat_new(struct event_base *base, struct db_conn *db)
{
	struct queuestat *q = calloc(1, sizeof(*q));
	struct timeval now = { 0, 0 };

	if (q == NULL || (q->timer = evtimer_new(base, on_timer, q)) == NULL) {
		free(q);
		return NULL;
	}
	q->db = db;
	evtimer_add(q->timer, &now);
	return q;
}

json_t *queuestat_json(const struct queuestat *q)
{
	return q != NULL && q->last != NULL ? json_incref(q->last) : NULL;
}

void queuestat_free(struct queuestat *q)
{
	if (q == NULL)
		return;
	event_free(q->timer);
	if (q->in_flight) {
		q->freed = true;        /* on_read frees it */
		return;
	}
	json_decref(q->last);
	free(q);
}
