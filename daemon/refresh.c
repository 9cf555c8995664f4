/* SPDX-License-Identifier: ISC */
/*
 * A refresh (analyticsctl(8) "refresh") as a kind of job: build the scope, compute the new
 * rows into a temp table, write only the differences (recording each old
 * row in the undo log). The SQL is in sql/queries/refresh_*.sql; job.c does
 * everything around it (lock, pause rule, run record, outcome).
 *
 * The change queue (migration 0008): `incremental` takes its scope from the
 * entries its snapshot sees plus the rows due by the clock, and with neither
 * does nothing (no run is recorded); `full` and `org` cover every entry of
 * their scope. Each consumes exactly the entries it read, in its own
 * transaction; `recent` leaves the queue alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "daemon.h"
#include "job.h"
#include "refresh.h"
#include "sqlfiles.h"
#include "testhooks.h"

struct refresh {
	enum refresh_mode mode;
	int days;                       /* REFRESH_RECENT */
	long long n_new;                /* rows the compute produced */
	long long scope_size;           /* customers in scope (full: the rows before the run) */
	bool computed;                  /* the compute is over: the scope is done */
	struct compute *compute;        /* the streamed part of the compute */
};


/*
 * Does refreshing a produce every row refreshing b would? (Locality,
 * docs/METRICS.md.) An incremental request asks for every change committed before
 * it: only a run that has not yet read the queue covers it.
 */
static bool covers(const struct job *a, const struct job *b)
{
	const struct refresh *ra = a->priv, *rb = b->priv;

	if (rb->mode == REFRESH_INCREMENTAL)
		return a->started_at == 0 &&
		       (ra->mode == REFRESH_FULL || ra->mode == REFRESH_INCREMENTAL);
	if (ra->mode == REFRESH_FULL)
		return true;
	if (ra->mode != rb->mode)
		return false;
	if (ra->mode == REFRESH_ORG)
		return strcmp(a->org, b->org) == 0;
	return ra->days >= rb->days;
}

static long long cmd_tuples(PGresult *res)
{
	return strtoll(PQcmdTuples(res), NULL, 10);
}

static void on_scope(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	(void)res;
	job_phase(arg, "computing");
}

static void on_scope_size(struct txn *t, PGresult *res, void *arg)
{
	struct job *j = arg;

	(void)t;
	((struct refresh *)j->priv)->scope_size = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
}

/* Customers computed of the scope; a full run's scope is known after its stream, so its
 * total is the table's rows before it (the compute may pass it: new customers). */
static void progress(const struct job *j, long long *done, long long *total)
{
	const struct refresh *r = j->priv;

	*done = compute_customers(r->compute);
	*total = r->scope_size > *done ? r->scope_size : *done;
	if (r->computed)        /* customers without a source row have no aggregate to count */
		*done = *total;
}

static void on_count(struct txn *t, PGresult *res, void *arg)
{
	struct job *j = arg;

	(void)t;
	((struct refresh *)j->priv)->n_new = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	((struct refresh *)j->priv)->computed = true;
	job_phase(j, "applying");
}

static void on_delete(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	((struct job *)arg)->n.deleted = cmd_tuples(res);
}

static void on_update(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	((struct job *)arg)->n.updated = cmd_tuples(res);
}

static void on_insert(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	((struct job *)arg)->n.inserted = cmd_tuples(res);
}

static void counts(const struct job *j, struct run_counts *n)
{
	const struct refresh *r = j->priv;

	*n = j->n;
	n->unchanged = r->n_new - n->inserted - n->updated;
}

static const struct txn_stmt compute[] = {
	{ sql_refresh_compute, NULL }, { sql_refresh_count_new, on_count },
	{ sql_refresh_analyze_new, NULL }, { sql_refresh_missing, NULL }, { NULL, NULL },
};
/* Each with the run id, which keys the undo log. */
static const struct txn_stmt apply[] = {
	{ sql_refresh_delete, on_delete }, { sql_refresh_update, on_update },
	{ sql_refresh_insert, on_insert }, { NULL, NULL },
};

static void on_found(struct txn *t, PGresult *res, void *arg)
{
	struct job *j = arg;
	long long keys = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	const char *as_of[1] = { job_as_of(j) };

	if (keys > 0)
		return;
	/* Entries that name no customer (a location without bookings) are spent too, and so
	 * are entries of analytics_due whose rows have moved on. */
	if (strcmp(PQgetvalue(res, 0, 1), "0") != 0)
		txn_add(t, sql_refresh_queue_consume, 0, NULL, false, NULL, NULL);
	txn_add(t, sql_refresh_due_spent, 1, as_of, false, NULL, NULL);
	txn_add(t, sql_refresh_caught_up, 1, as_of, false, NULL, NULL);
	job_skip(j, "no change queued, no row due");
}

/* The queue's keys; then, with the run's as_of, the scope and whether there is work. */
static const struct txn_stmt expand[] = {
	{ sql_refresh_queue_whole, NULL }, { sql_refresh_analyze_queue, NULL },
	{ sql_refresh_queue_keys, NULL }, { NULL, NULL },
};
static const struct txn_stmt find[] = {
	{ sql_refresh_due_refill, NULL }, { sql_refresh_scope_incremental, NULL },
	{ NULL, NULL },
};

/* Before the run is recorded: an org run's organization must exist; an
 * incremental run finds what to do (nothing, often). */
static void plan(struct job *j, struct txn *t)
{
	const char *all[1] = { NULL }, *as_of[1] = { job_as_of(j) };

	if (((struct refresh *)j->priv)->mode == REFRESH_ORG)
		job_require_org(j, t);
	if (((struct refresh *)j->priv)->mode != REFRESH_INCREMENTAL)
		return;
	job_phase(j, "reading the change queue");
	txn_add(t, sql_refresh_analyze_sources, 0, NULL, false, NULL, NULL);
	txn_add(t, sql_refresh_queue_capture, 1, all, false, NULL, NULL);
	txn_add_steps(t, 0, NULL, j, expand);
	txn_add_steps(t, 1, as_of, j, find);
	txn_add(t, sql_refresh_scope_count, 0, NULL, false, on_found, j);
}

/* The scope of a run that names it (recent: by age; org: by tenant), for the run and
 * for its dry run alike. A real org run first takes the organization's captured
 * changes into the queue, so that consuming them later covers what it computed. */
static void scope_chosen(struct job *j, struct txn *t, bool capture)
{
	struct refresh *r = j->priv;
	char days[16];

	if (r->mode == REFRESH_RECENT) {
		const char *p[2] = { days, job_as_of(j) };

		snprintf(days, sizeof(days), "%d", r->days);
		txn_add(t, sql_refresh_scope_recent, 2, p, false, NULL, NULL);
	} else if (r->mode == REFRESH_ORG) {
		const char *p[1] = { j->org };

		if (capture)
			txn_add(t, sql_refresh_queue_capture, 1, p, false, NULL, NULL);
		txn_add(t, sql_refresh_scope_org, 1, p, false, NULL, NULL);
	}
}

static void work(struct job *j, struct txn *t)
{
	struct refresh *r = j->priv;
	const char *sleep_s = testhook_sleep_s();
	char id[24];
	const char *run_id[1] = { id };

	snprintf(id, sizeof(id), "%lld", j->id);
	job_phase(j, "scoping");
	if (r->mode != REFRESH_INCREMENTAL)     /* it did, when it planned */
		txn_add(t, sql_refresh_analyze_sources, 0, NULL, false, NULL, NULL);
	if (r->mode == REFRESH_FULL) {
		const char *p[1] = { NULL };
		/* The scope comes after the stream, from what it read (refresh_scope_full.sql). */
		txn_add(t, sql_refresh_queue_capture, 1, p, false, on_scope, j);
	}
	scope_chosen(j, t, true);     /* incremental: planned */
	if (r->mode != REFRESH_FULL)
		txn_add(t, sql_refresh_analyze_scope, 0, NULL, false, on_scope, j);
	txn_add(t, r->mode == REFRESH_FULL ? sql_refresh_rows_count : sql_refresh_scope_size, 0, NULL,
		false, on_scope_size, j);
	if (sleep_s != NULL) {
		const char *p[1] = { sleep_s };
		txn_add(t, sql_test_sleep, 1, p, false, NULL, NULL);
	}
	compute_add(t, j->d->base, r->mode == REFRESH_FULL, &r->compute);
	if (r->mode == REFRESH_FULL) {
		txn_add(t, sql_refresh_scope_full, 0, NULL, false, NULL, NULL);
		txn_add(t, sql_refresh_analyze_scope, 0, NULL, false, NULL, NULL);
	}
	txn_add_steps(t, 0, NULL, j, compute);
	txn_add_steps(t, 1, run_id, j, apply);
	if (r->mode == REFRESH_INCREMENTAL) {
		const char *as_of[1] = { job_as_of(j) };

		txn_add(t, sql_refresh_due_spent, 1, as_of, false, NULL, NULL);
	}
	txn_add(t, sql_refresh_due_list, 0, NULL, false, NULL, NULL);
	if (r->mode != REFRESH_RECENT)
		txn_add(t, sql_refresh_queue_consume, 0, NULL, false, NULL, NULL);
}

/* --dry-run: the run's own scoping, its counts, no analyze (statistics are a write). */
static void on_dry_keys(struct txn *t, PGresult *res, void *arg)
{
	struct job *j = arg;

	(void)t;
	if (j->dry == NULL)
		j->dry = json_object();
	json_object_set_new(j->dry, "keys_queued", json_integer(strtoll(PQgetvalue(res, 0, 0),
									  NULL, 10)));
}

static void on_dry_count(struct txn *t, PGresult *res, void *arg)
{
	struct job *j = arg;
	static const char *const names[] = { "scope", "rows", "queue_entries", "rows_due" };

	(void)t;
	if (j->dry == NULL)
		j->dry = json_object();
	for (int i = 0; i < 4; i++)
		json_object_set_new(j->dry, names[i], json_integer(strtoll(PQgetvalue(res, 0, i),
									    NULL, 10)));
}

static void dry_run(struct job *j, struct txn *t)
{
	struct refresh *r = j->priv;
	const char *all[1] = { NULL }, *as_of[1] = { job_as_of(j) };

	switch (r->mode) {
	case REFRESH_FULL:
		txn_add(t, sql_refresh_dry_scope_full, 0, NULL, false, NULL, NULL);
		break;
	case REFRESH_INCREMENTAL:
		txn_add(t, sql_refresh_queue_capture, 1, all, false, NULL, NULL);
		txn_add(t, sql_refresh_queue_whole, 0, NULL, false, NULL, NULL);
		txn_add(t, sql_refresh_queue_keys, 0, NULL, false, NULL, NULL);
		txn_add(t, sql_refresh_dry_keys, 0, NULL, false, on_dry_keys, j);
		txn_add(t, sql_refresh_due_refill, 1, as_of, false, NULL, NULL);
		txn_add(t, sql_refresh_scope_incremental, 1, as_of, false, NULL, NULL);
		break;
	case REFRESH_RECENT:
		scope_chosen(j, t, false);
		break;
	case REFRESH_ORG:
		job_require_org(j, t);
		scope_chosen(j, t, false);
		break;
	}
	txn_add(t, sql_refresh_dry_count, 1, as_of, false, on_dry_count, j);
}

static void release(void *priv)
{
	compute_free(((struct refresh *)priv)->compute);
}

static const struct job_kind refresh_kind = {
	.name = "refresh", .title = "refresh", .recorded = true, .pausable = true, .freshens = true,
	.covers = covers, .plan = plan, .work = work, .counts = counts, .dry_run = dry_run,
	.progress = progress, .release = release,
};

struct job *refresh_job(struct daemon *d, enum refresh_mode mode, int days, const char *org)
{
	struct refresh *r = calloc(1, sizeof(*r));
	char scope[64];
	struct job *j;

	if (r == NULL)
		return NULL;
	r->mode = mode;
	r->days = mode == REFRESH_RECENT ? days : 0;
	if (mode == REFRESH_RECENT)
		snprintf(scope, sizeof(scope), "days=%d", days);
	else if (mode == REFRESH_ORG)
		snprintf(scope, sizeof(scope), "org=%s", org);
	else if (mode == REFRESH_INCREMENTAL)
		snprintf(scope, sizeof(scope), "changed+due");
	else
		snprintf(scope, sizeof(scope), "all");
	j = job_new(d, &refresh_kind, r, proto_refresh_modes[mode], scope,
		    mode == REFRESH_ORG ? org : NULL);
	if (j != NULL)
		snprintf(j->what, sizeof(j->what), "refresh %s", proto_refresh_modes[mode]);
	return j;
}
