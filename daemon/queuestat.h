/* SPDX-License-Identifier: ISC */
/*
 * What the next incremental run has to do, for status: the change queue's entries and
 * oldest, and the rows due by the clock (sql/queries/status_queue.sql), read in the
 * background every QUEUESTAT_EVERY_S on the connection it is given (check's), never
 * while status waits: after a bulk load the queue's heap holds many dead rows and the
 * read takes tens of milliseconds or more, which status must not. status shows the last
 * reading and when it was taken.
 */
#ifndef AD_QUEUESTAT_H
#define AD_QUEUESTAT_H

#include <event2/event.h>
#include <jansson.h>

struct db_conn;
struct queuestat;

struct queuestat *queuestat_new(struct event_base *base, struct db_conn *db);
/* The last reading, with read_at (a new reference), or NULL before the first. */
json_t *queuestat_json(const struct queuestat *q);
void queuestat_free(struct queuestat *q);

#endif
