/* SPDX-License-Identifier: ISC */
/*
 * The retention (analyticsd.conf(5) retention.days): in the background, hourly (and a minute
 * after start), the run records and analyticsd's application_logs rows older than the
 * configured days are deleted, a batch at a time on the connection it is given
 * (sql/queries/retention_prune.sql). Follow mode adds a record a minute at most; an
 * hourly pass of 5,000 keeps up with that many times over.
 */
#ifndef AD_RETENTION_H
#define AD_RETENTION_H

#include <event2/event.h>

struct db_conn;
struct retention;

struct retention *retention_new(struct event_base *base, struct db_conn *db, int days);
/* The days after a reload. */
void retention_set_days(struct retention *r, int days);
void retention_free(struct retention *r);

#endif
