#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "runlog.h"
#include "sqlfiles.h"
#include "util.h"

void runlog_event(int prio, const char *message_id, const struct runlog_outcome *o,
		  const char *fmt, ...)
{
	char f[8][128];
	const char *fields[9] = { NULL };
	int n = 0;
	va_list ap;

#define FIELD(...) (snprintf(f[n], sizeof(f[n]), __VA_ARGS__), fields[n] = f[n], n++)
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
	log_eventv(prio, message_id, fields, fmt, ap);
	va_end(ap);
}

struct pending {
	void (*done)(long long id, void *arg);
	void *arg;
	long long id;
};

static void on_recorded(PGresult *res, const struct db_error *err, void *arg)
{
	struct pending *p = arg;

	if (err != NULL)
		log_msg(LOG_ERR, "cannot record the failed run: %s (SQLSTATE %s)", err->message,
			err->sqlstate);
	else
		p->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	p->done(p->id, p->arg);
	free(p);
}

void runlog_failed(struct daemon *d, const struct runlog_entry *e, const struct db_error *err,
		   void (*done)(long long id, void *arg), void *arg)
{
	struct pending *p = calloc(1, sizeof(*p));
	char pid[16], started[32], ms[24];
	/* When the work connection is gone (lost, or closed on the way out,
	 * which is how a run is aborted), record on the control connection.
	 * One statement, so it needs no transaction and never interleaves. */
	struct db_conn *db = d->stopping || db_get_state(d->db_work) != DB_READY
			     ? d->db_ctl : d->db_work;
	const char *status = d->stopping ? "cancelled" : "failed";

	if (p == NULL) {
		done(0, arg);
		return;
	}
	p->done = done;
	p->arg = arg;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	util_iso8601(e->started_at, started, sizeof(started));
	snprintf(ms, sizeof(ms), "%llu",
		 (unsigned long long)((util_monotonic_usec() - e->started_usec) / 1000));
	const char *params[14] = { e->kind, e->mode, e->scope, e->trigger, e->requested_by,
				   d->host, pid, started, status, err->sqlstate, err->message,
				   d->cfg->log.application_logs ? "true" : "false", e->org, ms };
	if (db == NULL || db_send(db, sql_run_failed, 14, params, false, on_recorded, p) != 0) {
		log_msg(LOG_ERR, "cannot record the %s %s: the database is not connected",
			status, e->kind);
		free(p);
		done(0, arg);
	}
}
