/* SPDX-License-Identifier: ISC */
/*
 * rollback [--to RUN_ID] (analyticsctl(8)) as a kind of job: undo the latest
 * successful refresh or loyalty rebuild not yet undone, or every later one
 * down to RUN_ID, newest first, in one transaction, from the undo logs the
 * runs wrote (a refresh's in analytics_undo_log, a rebuild's in
 * loyalty_undo_log; each step is a no-op for the other kind). A rollback is
 * itself a recorded run, and it pauses the analytics (timer refreshes are
 * refused until `resume`), because whatever made the refresh bad is likely
 * still there. A rollback has no undo log of its own and cannot be rolled
 * back: to move forward again, resume and refresh.
 *
 * Queued behind another job, a rollback decides what to undo when it
 * starts: `rollback` then undoes the latest run at that time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "job.h"
#include "log.h"
#include "msgids.h"
#include "pause.h"
#include "rollback.h"
#include "sqlfiles.h"


struct rollback {
	long long to;                   /* 0: just the latest */
	long long *undone;              /* newest first */
	int n_undone;
	struct run_counts n;             /* over every run undone */
	char reason[128];               /* of the pause it leaves */
};

/* The same request only: "latest" means something else once a run ends. */
static bool covers(const struct job *a, const struct job *b)
{
	return ((const struct rollback *)a->priv)->to == ((const struct rollback *)b->priv)->to &&
	       ((const struct rollback *)a->priv)->to != 0;
}

/* One verdict for the job and for a dry run. */
int rollback_target_verdict(PGresult *res, long long to, char *why, size_t len)
{
	if (strcmp(PQgetvalue(res, 0, 0), "0") != 0)
		return 0;
	snprintf(why, len, "there is no run %lld", to);
	return -1;
}

int rollback_plan_verdict(PGresult *res, long long to, int keep_runs, char *why, size_t len)
{
	int n = PQntuples(res);

	if (n == 0) {
		snprintf(why, len, "no successful refresh or loyalty rebuild %sis left to undo",
			 to ? "after that run " : "");
		return -1;
	}
	if (n > ROLLBACK_MAX_RUNS) {
		snprintf(why, len, "%d runs to undo; at most %d at once", n, ROLLBACK_MAX_RUNS);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (strcmp(PQgetvalue(res, i, 1), "t") != 0) {
			snprintf(why, len, "the undo log of run %s (%s, started %s) was pruned "
				 "(refresh.keep_runs = %d keeps the newest runs' logs only): it cannot "
				 "be rolled back", PQgetvalue(res, i, 0), PQgetvalue(res, i, 3),
				 PQgetvalue(res, i, 2), keep_runs);
			return -1;
		}
		if (!PQgetisnull(res, i, 5)) {
			snprintf(why, len, "run %s (%s, started %s) cannot be rolled back: %s",
				 PQgetvalue(res, i, 0), PQgetvalue(res, i, 3), PQgetvalue(res, i, 2),
				 PQgetvalue(res, i, 5));
			return -1;
		}
	}
	return 0;
}

static void on_target(struct txn *t, PGresult *res, void *arg)
{
	struct job *j = arg;
	char why[256];

	if (rollback_target_verdict(res, ((struct rollback *)j->priv)->to, why, sizeof(why)) != 0)
		job_refuse(j, t, PROTO_ERR_FAILED, "%s", why);
}

static void on_plan(struct txn *t, PGresult *res, void *arg)
{
	struct job *j = arg;
	struct rollback *rb = j->priv;
	int n = PQntuples(res);
	char why[512];

	if (rollback_plan_verdict(res, rb->to, j->d->cfg->refresh.keep_runs, why, sizeof(why)) != 0) {
		job_refuse(j, t, PROTO_ERR_FAILED, "%s", why);
		return;
	}
	rb->undone = calloc((size_t)n, sizeof(*rb->undone));
	if (rb->undone == NULL) {
		job_refuse(j, t, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	for (int i = 0; i < n; i++)
		rb->undone[i] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
	rb->n_undone = n;
}

static void plan(struct job *j, struct txn *t)
{
	struct rollback *rb = j->priv;
	char target[24];
	const char *p[1] = { rb->to ? target : NULL };

	snprintf(target, sizeof(target), "%lld", rb->to);
	if (rb->to)
		txn_add(t, sql_rollback_target_exists, 1, p, false, on_target, j);
	txn_add(t, sql_rollback_plan, 1, p, false, on_plan, j);
}

void rollback_counts_read(PGresult *res, struct run_counts *n)
{
	*n = (struct run_counts){
		.deleted = strtoll(PQgetvalue(res, 0, 0), NULL, 10),
		.updated = strtoll(PQgetvalue(res, 0, 1), NULL, 10),
		.inserted = strtoll(PQgetvalue(res, 0, 2), NULL, 10),
	};
}

static void on_counts(struct txn *t, PGresult *res, void *arg)
{
	struct rollback *rb = ((struct job *)arg)->priv;
	struct run_counts one;

	(void)t;
	rollback_counts_read(res, &one);
	run_counts_add(&rb->n, &one);
}

/* Each with the id of the run undone; a step is a no-op for the other
 * kind of run (a refresh's rows, a rebuild's). The keys it put back are
 * queued, so that the next incremental refresh recomputes them. */
static const struct txn_stmt undo_one[] = {
	{ sql_rollback_requeue, NULL }, { sql_rollback_counts, on_counts },
	{ sql_rollback_remove, NULL }, { sql_rollback_restore, NULL },
	{ sql_rollback_loyalty_remove, NULL }, { sql_rollback_loyalty_restore, NULL },
	{ NULL, NULL },
};

static void work(struct job *j, struct txn *t)
{
	struct rollback *rb = j->priv;
	char rid[24], me[24], undid[80];
	const char *p[1] = { rid }, *mark[2] = { rid, me };
	const char *pause[2] = { j->requested_by, rb->reason };

	snprintf(me, sizeof(me), "%lld", j->id);
	job_phase(j, "undoing %d run%s", rb->n_undone, rb->n_undone == 1 ? "" : "s");
	for (int i = 0; i < rb->n_undone; i++) {     /* newest first */
		snprintf(rid, sizeof(rid), "%lld", rb->undone[i]);
		txn_add_steps(t, 1, p, j, undo_one);
		txn_add(t, sql_rollback_mark, 2, mark, false, NULL, NULL);
	}
	if (rb->n_undone == 1)
		snprintf(undid, sizeof(undid), "undid run %lld", rb->undone[0]);
	else
		snprintf(undid, sizeof(undid), "undid runs %lld..%lld", rb->undone[rb->n_undone - 1],
			 rb->undone[0]);
	snprintf(rb->reason, sizeof(rb->reason), "rollback %lld %s", j->id, undid);
	txn_add(t, sql_control_pause, 2, pause, false, NULL, NULL);
	snprintf(j->note, sizeof(j->note), "%s; analytics paused", undid);
}

static void counts(const struct job *j, struct run_counts *n)
{
	*n = ((const struct rollback *)j->priv)->n;
}

static bool committed(struct job *j)
{
	pause_changed(j->d, true, j->requested_by, ((struct rollback *)j->priv)->reason);
	return false;
}

static void result(const struct job *j, json_t *reply)
{
	const struct rollback *rb = j->priv;
	json_t *undone = json_array();

	for (int i = 0; i < rb->n_undone; i++)
		json_array_append_new(undone, json_integer(rb->undone[i]));
	json_object_set_new(reply, "undone", undone);
	json_object_set_new(reply, "paused", json_true());
}

static void release(void *priv)
{
	free(((struct rollback *)priv)->undone);
}

/* Not pausable: a rollback is how one gets out of a bad state. */
static const struct job_kind rollback_kind = {
	.name = "rollback", .title = "rollback", .recorded = true,
	.msgid_succeeded = MSGID_ROLLED_BACK, .covers = covers, .plan = plan, .work = work,
	.counts = counts, .committed = committed, .result = result, .release = release,
};

struct job *rollback_job(struct daemon *d, long long to)
{
	struct rollback *rb = calloc(1, sizeof(*rb));
	char scope[48];

	if (rb == NULL)
		return NULL;
	rb->to = to;
	if (to)
		snprintf(scope, sizeof(scope), "to=%lld", to);
	else
		snprintf(scope, sizeof(scope), "latest");
	return job_new(d, &rollback_kind, rb, "rollback", scope, NULL);
}
