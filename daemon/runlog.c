#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "runlog.h"
#include "sqlfiles.h"
#include "txn.h"
#include "util.h"

struct pending {
	void (*done)(long long id, void *arg);
	void *arg;
	long long id;
};

static void on_id(struct txn *t, PGresult *res, void *arg)
{
	struct pending *p = arg;

	(void)t;
	p->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
}

static void on_recorded(const struct db_error *err, void *arg)
{
	struct pending *p = arg;

	if (err != NULL) {
		log_msg(LOG_ERR, "cannot record the failed run: %s (SQLSTATE %s)", err->message,
			err->sqlstate);
		p->id = 0;
	}
	p->done(p->id, p->arg);
	free(p);
}

void runlog_failed(struct daemon *d, const struct runlog_entry *e, const struct db_error *err,
		   void (*done)(long long id, void *arg), void *arg)
{
	struct pending *p = calloc(1, sizeof(*p));
	char pid[16], started[32], ms[24];
	struct txn *t;

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
	t = txn_begin(d->db_work, on_recorded, p);
	if (t == NULL) {
		log_msg(LOG_ERR, "cannot record the failed %s: the database is %s", e->kind,
			db_state_name(db_get_state(d->db_work)));
		free(p);
		done(0, arg);
		return;
	}
	const char *params[14] = { e->kind, e->mode, e->scope, e->trigger, e->requested_by,
				   d->host, pid, started, "failed", err->sqlstate, err->message,
				   d->cfg->log.application_logs ? "true" : "false", e->org, ms };
	txn_add(t, sql_run_failed, 14, params, false, on_id, p);
}
