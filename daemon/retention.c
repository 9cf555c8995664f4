/* SPDX-License-Identifier: ISC */
/* The retention's passes (retention.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "retention.h"
#include "runlog.h"
#include "sqlfiles.h"
#include "testhooks.h"

#define RETENTION_BATCH 5000
#define RETENTION_EVERY_MS (3600 * 1000)
#define RETENTION_FIRST_MS (60 * 1000)
/* A full batch: the next one a second later, so the pass goes on without hogging. */
#define RETENTION_NEXT_BATCH_MS 1000

struct retention {
	struct db_conn *db;
	struct event *timer;
	int days;
	int every_ms, first_ms;
	bool in_flight;
	bool freed;                     /* retention_free() came while in flight */
	long long runs, logs;           /* deleted in the pass under way */
};

static void arm(struct retention *r, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(r->timer, &tv);
}

static void on_pruned(PGresult *res, const struct db_error *err, void *arg)
{
	struct retention *r = arg;
	long long runs, logs;

	r->in_flight = false;
	if (r->freed) {
		free(r);
		return;
	}
	if (err != NULL) {
		log_msg(strcmp(err->sqlstate, "42P01") == 0 ? LOG_DEBUG : LOG_WARNING, "retention: cannot prune runs older than %d days: %s "
			"(SQLSTATE %s); trying again in an hour", r->days, err->message,
			err->sqlstate);
		r->runs = r->logs = 0;
		arm(r, r->every_ms);
		return;
	}
	runs = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	logs = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	r->runs += runs;
	r->logs += logs;
	if (runs == RETENTION_BATCH || logs == RETENTION_BATCH) {
		arm(r, RETENTION_NEXT_BATCH_MS);
		return;
	}
	if (r->runs > 0 || r->logs > 0)
		log_msg(LOG_INFO, "retention: pruned %lld run records and %lld application_logs "
			"rows older than %d days", r->runs, r->logs, r->days);
	r->runs = r->logs = 0;
	arm(r, r->every_ms);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct retention *r = arg;
	char days[16], batch[16];
	static const char crons[] = "{" RUNLOG_CRON_REFRESH "," RUNLOG_CRON_REBUILD "}";
	const char *p[3] = { days, batch, crons };

	(void)fd;
	(void)what;
	snprintf(days, sizeof(days), "%d", r->days);
	snprintf(batch, sizeof(batch), "%d", RETENTION_BATCH);
	/* Not migrated yet, or no connection: the next hour's pass. */
	if (db_get_state(r->db) != DB_READY ||
	    db_send(r->db, sql_retention_prune, 3, p, false, on_pruned, r) != 0) {
		arm(r, r->every_ms);
		return;
	}
	r->in_flight = true;
}

struct retention *retention_new(struct event_base *base, struct db_conn *db, int days)
{
	struct retention *r = calloc(1, sizeof(*r));
	const char *hook = testhook_retention_ms();

	if (r == NULL || (r->timer = evtimer_new(base, on_timer, r)) == NULL) {
		free(r);
		return NULL;
	}
	r->db = db;
	r->days = days;
	r->every_ms = RETENTION_EVERY_MS;
	r->first_ms = RETENTION_FIRST_MS;
	if (hook != NULL && atoi(hook) >= 10)
		r->every_ms = r->first_ms = atoi(hook);
	arm(r, r->first_ms);
	return r;
}

void retention_set_days(struct retention *r, int days)
{
	if (r != NULL)          /* none yet: a reload before the loop serves (or a harness) */
		r->days = days;
}

void retention_free(struct retention *r)
{
	if (r == NULL)
		return;
	event_free(r->timer);
	if (r->in_flight)
		r->freed = true;        /* on_pruned frees it */
	else
		free(r);
}
