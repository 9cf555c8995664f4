/* SPDX-License-Identifier: ISC */
/*
 * loyalty rebuild [--org ORG_ID] (analyticsctl(8) "loyalty") as a kind of job: derive
 * customers, their profiles, the ledger's booking entries and the balances
 * from bookings. job.c runs it like a refresh (run lock, pause rule, run
 * record, outcome), with an undo log so that `rollback` undoes it. Every
 * step writes only differences, which is what makes a rebuild idempotent:
 * a second one on the same data changes no row. The SQL is
 * sql/queries/loyalty_*.sql.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "job.h"
#include "loyalty.h"
#include "sqlfiles.h"
#include "wire.h"

/* The tables a rebuild writes, in the order of their steps. */
enum { T_CUSTOMERS, T_ENTRIES, T_POINTS, T_PROFILES, T_N };
static const char *const table_names[T_N] = {
	"customers", "loyalty_point_events", "loyalty_points", "customer_profiles",
};

struct counts {
	long long inserted, updated, deleted, wanted;
};

struct rebuild {
	char *pilot;                    /* loyalty.pilot_organizations as a uuid[] literal */
	struct counts t[T_N];
};

char *loyalty_pilot_array(const struct cfg *cfg)
{
	size_t n = cfg->loyalty.n_pilot_organizations, len = 3 + n * 37, off;
	char *s = malloc(len);

	if (s == NULL)
		return NULL;
	/* Each uuid is 36 characters (validated), so len fits; clamp anyway. */
	off = (size_t)snprintf(s, len, "{");
	for (size_t i = 0; i < n && off < len; i++) {
		int w = snprintf(s + off, len - off, "%s%s", i ? "," : "",
				 cfg->loyalty.pilot_organizations[i]);
		off = w < 0 ? len : off + (size_t)w;
	}
	if (off < len)
		snprintf(s + off, len - off, "}");
	return s;
}

/* A rebuild of every organization covers one of any; one of an
 * organization covers only itself. */
static bool covers(const struct job *a, const struct job *b)
{
	return a->org[0] == '\0' || strcmp(a->org, b->org) == 0;
}

/* One table's counts as a run's. For customers (never updated), "wanted"
 * is the contacts found, so wanted - inserted - updated is, for every
 * table, the rows that were already right. */
static struct run_counts table_counts(const struct counts *c)
{
	return (struct run_counts){ .inserted = c->inserted, .updated = c->updated,
				    .deleted = c->deleted,
				    .unchanged = c->wanted - c->inserted - c->updated };
}

/* The run's totals over the four tables. */
static void counts(const struct job *j, struct run_counts *n)
{
	const struct rebuild *lr = j->priv;

	*n = (struct run_counts){ 0, 0, 0, 0 };
	for (int i = 0; i < T_N; i++) {
		struct run_counts one = table_counts(&lr->t[i]);
		run_counts_add(n, &one);
	}
}

static long long val(PGresult *res, int col)
{
	return strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

static struct counts *table(struct job *j, int i)
{
	return &((struct rebuild *)j->priv)->t[i];
}

static void on_contacts_counted(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	table(arg, T_CUSTOMERS)->wanted = val(res, 0);
}

static void on_customers_added(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	table(arg, T_CUSTOMERS)->inserted = val(res, 0);
	job_phase(arg, "rebuilding the ledger's booking entries");
}

/* The sync steps all answer: inserted, updated, deleted, wanted. */
static void take_counts(struct job *j, int i, PGresult *res, const char *next)
{
	struct counts *c = table(j, i);

	c->inserted = val(res, 0);
	c->updated = val(res, 1);
	c->deleted = val(res, 2);
	c->wanted = val(res, 3);
	job_phase(j, "%s", next);
}

static void on_entries(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	take_counts(arg, T_ENTRIES, res, "rebuilding balances");
}

static void on_points(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	take_counts(arg, T_POINTS, res, "rebuilding profiles");
}

static void on_profiles(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	take_counts(arg, T_PROFILES, res, "removing customers no booking names");
}

static void on_pruned(struct txn *t, PGresult *res, void *arg)
{
	(void)t;
	table(arg, T_CUSTOMERS)->deleted = val(res, 0);
}

/* Each with the organization (or null) and the run id. */
static const struct txn_stmt sync[] = {
	{ sql_loyalty_points_sync, on_points }, { sql_loyalty_profiles_sync, on_profiles },
	{ sql_loyalty_customers_prune, on_pruned }, { NULL, NULL },
};

static void plan(struct job *j, struct txn *t)
{
	if (j->org[0] != '\0')
		job_require_org(j, t);
}

static void work(struct job *j, struct txn *t)
{
	struct rebuild *lr = j->priv;
	const char *org = j->org[0] ? j->org : NULL;
	char id[24];
	const char *p_id[1] = { id };
	const char *p_org[1] = { org };
	const char *p_org_id[2] = { org, id };
	const char *p_entries[3] = { org, id, lr->pilot };

	snprintf(id, sizeof(id), "%lld", j->id);
	job_phase(j, "normalising contacts");
	txn_add(t, sql_loyalty_contacts, 1, p_org, false, NULL, NULL);
	txn_add(t, sql_loyalty_contacts_count, 0, NULL, false, on_contacts_counted, j);
	txn_add(t, sql_loyalty_customers_add, 1, p_id, false, on_customers_added, j);
	txn_add(t, sql_loyalty_bookings, 0, NULL, false, NULL, NULL);
	txn_add(t, sql_loyalty_entries_sync, 3, p_entries, false, on_entries, j);
	txn_add_steps(t, 2, p_org_id, j, sync);
}

static void result(const struct job *j, json_t *reply)
{
	const struct rebuild *lr = j->priv;
	json_t *o = json_object();

	for (int i = 0; i < T_N; i++) {
		struct run_counts one = table_counts(&lr->t[i]);
		json_object_set_new(o, table_names[i], wire_rows(&one));
	}
	json_object_set_new(reply, "tables", o);
}

static void release(void *priv)
{
	free(((struct rebuild *)priv)->pilot);
}

static const struct job_kind loyalty_kind = {
	.name = "loyalty_rebuild", .title = "loyalty rebuild", .recorded = true, .pausable = true,
	.covers = covers, .plan = plan, .work = work, .counts = counts, .result = result,
	.release = release,
};

struct job *loyalty_rebuild_job(struct daemon *d, const char *org)
{
	struct rebuild *lr = calloc(1, sizeof(*lr));
	char scope[48];

	if (lr == NULL || (lr->pilot = loyalty_pilot_array(d->cfg)) == NULL) {
		free(lr);
		return NULL;
	}
	snprintf(scope, sizeof(scope), "%s%s", org ? "org=" : "all", org ? org : "");
	return job_new(d, &loyalty_kind, lr, "rebuild", scope, org);
}
