/* SPDX-License-Identifier: ISC */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "runlog.h"
#include "sqlfiles.h"
#include "util.h"

/* The most fields an outcome event has (analyticsd(8) LOGGING's, all at once). */
#define RUNLOG_EVENT_FIELDS 8

/*
 * A failure that could not be recorded because the database was away (a
 * restart, a lost connection) waits in the backlog, in the order it happened,
 * and is written when the control connection is back. Bounded: past the
 * limit the oldest is dropped, with a log line (the journal keeps every
 * outcome).
 */
#define RUNLOG_BACKLOG_MAX 64
#define RUNLOG_NPARAMS 16

struct backlog {
	struct backlog *next;
	char *params[RUNLOG_NPARAMS];
};

struct runlog {
	struct daemon *d;
	struct backlog *backlog;        /* oldest first */
	int n_backlog;
	struct event *ev_flush;
};


void runlog_event_at(struct log_site site, int prio, const char *message_id,
		     const struct runlog_outcome *o, const char *fmt, ...)
{
	char f[RUNLOG_EVENT_FIELDS][128];
	const char *fields[RUNLOG_EVENT_FIELDS + 1] = { NULL };
	int n = 0;
	va_list ap;

#define FIELD(...) (n < RUNLOG_EVENT_FIELDS ? \
	(snprintf(f[n], sizeof(f[n]), __VA_ARGS__), fields[n] = f[n], n++) : n)
	FIELD("ANALYTICS_RUN_ID=%lld", o->id);
	FIELD("ANALYTICS_MODE=%s", o->mode);
	FIELD("ANALYTICS_TRIGGER=%s", o->trigger);
	FIELD("ANALYTICS_OUTCOME=%s", o->outcome);
	FIELD("ANALYTICS_DURATION_MS=%llu",
	      (unsigned long long)((util_monotonic_usec() - o->started_usec) / 1000));
	FIELD("ANALYTICS_ROWS_CHANGED=%lld", o->rows_changed);
	if (o->org != NULL)
		FIELD("ANALYTICS_ORG_ID=%s", o->org);
	if (o->sqlstate != NULL && o->sqlstate[0] != '\0')
		FIELD("PG_SQLSTATE=%s", o->sqlstate);
#undef FIELD
	va_start(ap, fmt);
	log_eventv_at(site, prio, message_id, fields, fmt, ap);
	va_end(ap);
}

const char *runlog_cron_name(const char *mode)
{
	return strcmp(mode, "rebuild") == 0 ? RUNLOG_CRON_REBUILD : RUNLOG_CRON_REFRESH;
}

void runlog_add_success(struct runlog *rl, struct txn *t, long long id, const char *mode,
			const char *org, const struct run_counts *n, uint64_t started_usec)
{
	char sid[24], ins[24], upd[24], del[24], unch[24], ms[24], keep[16];
	const char *done[5] = { sid, ins, upd, del, unch };
	const char *k[1] = { keep };

	snprintf(sid, sizeof(sid), "%lld", id);
	snprintf(ins, sizeof(ins), "%lld", n->inserted);
	snprintf(upd, sizeof(upd), "%lld", n->updated);
	snprintf(del, sizeof(del), "%lld", n->deleted);
	snprintf(unch, sizeof(unch), "%lld", n->unchanged);
	snprintf(keep, sizeof(keep), "%d", rl->d->cfg->refresh.keep_runs);
	txn_add(t, sql_run_succeeded, 5, done, false, NULL, NULL);
	txn_add(t, sql_refresh_prune_undo, 1, k, false, NULL, NULL);
	if (rl->d->cfg->log.application_logs) {
		const char *a[12] = { "success", sid, mode, org, ins, upd, del, unch, ms, "", "",
				      runlog_cron_name(mode) };
		snprintf(ms, sizeof(ms), "%llu",
			 (unsigned long long)((util_monotonic_usec() - started_usec) / 1000));
		txn_add(t, sql_applog_run, 12, a, false, NULL, NULL);
	}
}

static void backlog_free(struct backlog *b)
{
	for (int i = 0; i < RUNLOG_NPARAMS; i++)
		free(b->params[i]);
	free(b);
}

static struct backlog *backlog_new(const char *const *params)
{
	struct backlog *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	for (int i = 0; i < RUNLOG_NPARAMS; i++) {
		if (params[i] != NULL && (b->params[i] = strdup(params[i])) == NULL) {
			backlog_free(b);
			return NULL;
		}
	}
	return b;
}

/* Queue b (at the head: it is the oldest when it comes back from a retry). */
static void backlog_keep(struct runlog *rl, struct backlog *b, bool head)
{
	struct backlog **tail;

	if (rl->n_backlog >= RUNLOG_BACKLOG_MAX) {
		struct backlog *oldest = rl->backlog;
		log_msg(LOG_ERR, "too many unrecorded runs while the database is away: the %s %s "
			"of %s is only in the journal", oldest->params[8], oldest->params[0],
			oldest->params[7]);
		rl->backlog = oldest->next;
		backlog_free(oldest);
		rl->n_backlog--;
	}
	if (head) {
		b->next = rl->backlog;
		rl->backlog = b;
	} else {
		for (tail = &rl->backlog; *tail != NULL; tail = &(*tail)->next)
			;
		b->next = NULL;
		*tail = b;
	}
	rl->n_backlog++;
}

/* The database was not there: a connection error, not a refusal of the row. */
static bool db_was_away(const struct db_error *err)
{
	return err->sqlstate[0] == '\0' || strncmp(err->sqlstate, "08", 2) == 0 ||
	       strncmp(err->sqlstate, "57P0", 4) == 0;
}

struct pending {
	struct runlog *rl;
	void (*done)(long long id, void *arg);  /* NULL for a retry from the backlog */
	void *arg;
	long long id;
	struct backlog *b;              /* the record's parameters */
};

static void on_recorded(PGresult *res, const struct db_error *err, void *arg)
{
	struct pending *p = arg;

	if (err != NULL && db_was_away(err) && !p->rl->d->stopping) {
		log_msg(LOG_WARNING, "the %s %s of %s will be recorded when the database is back",
			p->b->params[8], p->b->params[0], p->b->params[7]);
		backlog_keep(p->rl, p->b, p->done == NULL);
		p->b = NULL;
	} else if (err != NULL) {
		log_msg(LOG_ERR, "cannot record the failed run: %s (SQLSTATE %s)", err->message,
			err->sqlstate);
	} else if (PQntuples(res) == 0 && p->b->params[14] != NULL) {
		/* The run's transaction had committed after all (the connection was lost as
		 * it did): its record stands as the run left it. */
		p->id = strtoll(p->b->params[14], NULL, 10);
		log_msg(LOG_WARNING, "run %s committed before its failure was reported; its "
			"record stands", p->b->params[14]);
	} else {
		p->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		if (p->done == NULL)
			log_msg(LOG_NOTICE, "recorded run %lld, which %s at %s while the database "
				"was away", p->id, p->b->params[8], p->b->params[7]);
	}
	if (p->b != NULL)
		backlog_free(p->b);
	if (p->done != NULL)
		p->done(p->id, p->arg);
	free(p);
}

/* Send p's record on the control or work connection; false if neither is up. */
static bool send_record(struct db_conn *db, struct pending *p)
{
	return db != NULL && db_get_state(db) == DB_READY &&
	       db_send(db, sql_run_failed, RUNLOG_NPARAMS, (const char *const *)p->b->params,
		       false, on_recorded, p) == 0;
}

void runlog_failed(struct runlog *rl, const struct runlog_entry *e, const struct db_error *err,
		   void (*done)(long long id, void *arg), void *arg)
{
	struct daemon *d = rl->d;
	struct pending *p = calloc(1, sizeof(*p));
	char pid[16], started[40], ms[24], id[24];
	/* When the work connection is gone (lost, or closed on the way out,
	 * which is how a run is aborted), record on the control connection.
	 * One statement, so it needs no transaction and never interleaves. */
	struct db_conn *db = d->stopping || db_get_state(d->db_work) != DB_READY
			     ? d->db_ctl : d->db_work;
	const char *status = e->cancelled ? "cancelled" : "failed";

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	util_iso8601_usec(e->started_wall_usec, started, sizeof(started));
	snprintf(id, sizeof(id), "%lld", e->id);
	snprintf(ms, sizeof(ms), "%llu",
		 (unsigned long long)((util_monotonic_usec() - e->started_usec) / 1000));
	const char *params[RUNLOG_NPARAMS] = { e->kind, e->mode, e->scope, e->trigger,
		e->requested_by, d->host, pid, started, status, err->sqlstate, err->message,
		d->cfg->log.application_logs ? "true" : "false", e->org, ms, e->id > 0 ? id : NULL,
		runlog_cron_name(e->mode) };

	if (p == NULL || (p->b = backlog_new(params)) == NULL) {
		log_msg(LOG_ERR, "cannot record the %s %s: out of memory", status, e->kind);
		free(p);
		done(0, arg);
		return;
	}
	p->rl = rl;
	p->done = done;
	p->arg = arg;
	if (send_record(db, p))
		return;
	if (d->stopping) {
		log_msg(LOG_ERR, "cannot record the %s %s: the database is not connected",
			status, e->kind);
		backlog_free(p->b);
	} else {
		log_msg(LOG_WARNING, "the %s %s will be recorded when the database is back",
			status, e->kind);
		backlog_keep(rl, p->b, false);
	}
	free(p);
	done(0, arg);
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct runlog *rl = arg;
	struct db_conn *db = rl->d->db_ctl;
	struct pending *p;

	(void)fd;
	(void)what;
	while (!rl->d->stopping && rl->backlog != NULL && db_get_state(db) == DB_READY &&
	       (p = calloc(1, sizeof(*p))) != NULL) {
		p->rl = rl;
		p->b = rl->backlog;
		rl->backlog = p->b->next;
		rl->n_backlog--;
		p->b->next = NULL;
		if (!send_record(db, p)) {
			backlog_keep(rl, p->b, true);
			free(p);
			return;
		}
	}
}

void runlog_flush_later(struct runlog *rl)
{
	/* From the loop, not from inside the connection's state callback. */
	if (rl->backlog != NULL)
		event_active(rl->ev_flush, EV_TIMEOUT, 0);
}

struct runlog *runlog_new(struct daemon *d)
{
	struct runlog *rl = calloc(1, sizeof(*rl));

	if (rl == NULL)
		return NULL;
	rl->d = d;
	rl->ev_flush = event_new(d->base, -1, 0, flush_cb, rl);
	if (rl->ev_flush == NULL) {
		free(rl);
		return NULL;
	}
	return rl;
}

void runlog_free(struct runlog *rl)
{
	struct backlog *b;

	if (rl == NULL)
		return;
	while ((b = rl->backlog) != NULL) {
		rl->backlog = b->next;
		log_msg(LOG_ERR, "exiting with the %s %s of %s unrecorded (the database was away)",
			b->params[8], b->params[0], b->params[7]);
		backlog_free(b);
	}
	event_free(rl->ev_flush);
	free(rl);
}
