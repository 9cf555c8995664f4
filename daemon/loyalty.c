/*
 * loyalty rebuild [--org ORG_ID] (SPEC 4.4): derive customers, their
 * profiles, the ledger's booking entries and the balances from bookings, in
 * one transaction on the work connection, under the run lock, as a recorded
 * run with an undo log (so `rollback` undoes it like a refresh). Every step
 * writes only differences, which is what makes a rebuild idempotent: a second
 * one on the same data changes no row. The SQL is sql/queries/loyalty_*.sql.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "log.h"
#include "loyalty.h"
#include "msgids.h"
#include "runlock.h"
#include "runlog.h"
#include "sqlfiles.h"
#include "txn.h"
#include "util.h"

/* The tables a rebuild writes, in the order of their steps. */
enum { T_CUSTOMERS, T_ENTRIES, T_POINTS, T_PROFILES, T_N };
static const char *const table_names[T_N] = {
	"customers", "loyalty_point_events", "loyalty_points", "customer_profiles",
};

struct counts {
	long long inserted, updated, deleted, wanted;
};

struct rebuild {
	struct daemon *d;
	struct client *c;
	char org[37];                   /* "" for every organization */
	char scope[48];
	char who[96];
	char *pilot;                    /* loyalty.pilot_organizations as a uuid[] literal */
	long long id;
	struct counts t[T_N];
	time_t started_at;
	uint64_t started_usec;
	struct refusal refusal;
	struct pause_rule pause_rule;
};

char *loyalty_pilot_array(const struct cfg *cfg)
{
	size_t n = cfg->loyalty.n_pilot_organizations, len = 3 + n * 37, off;
	char *s = malloc(len);

	if (s == NULL)
		return NULL;
	off = (size_t)snprintf(s, len, "{");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(s + off, len - off, "%s%s", i ? "," : "",
					cfg->loyalty.pilot_organizations[i]);
	snprintf(s + off, len - off, "}");
	return s;
}

/* The run's totals over the four tables. For customers (never updated),
 * "wanted" is the contacts found, so wanted - inserted - updated is, for
 * every table, the rows that were already right. */
static struct counts totals(const struct rebuild *lr)
{
	struct counts sum = { 0, 0, 0, 0 };

	for (int i = 0; i < T_N; i++) {
		sum.inserted += lr->t[i].inserted;
		sum.updated += lr->t[i].updated;
		sum.deleted += lr->t[i].deleted;
		sum.wanted += lr->t[i].wanted;
	}
	return sum;
}

static long long unchanged(const struct counts *sum)
{
	return sum->wanted - sum->inserted - sum->updated;
}

static const char *org_or_null(const struct rebuild *lr)
{
	return lr->org[0] ? lr->org : NULL;
}

static void phase(struct rebuild *lr, const char *name)
{
	daemon_job_phase(lr->d, "%s", name);
}

static long long val(PGresult *res, int col)
{
	return strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

static void on_customers_added(struct txn *t, PGresult *res, void *arg)
{
	struct rebuild *lr = arg;

	(void)t;
	lr->t[T_CUSTOMERS].inserted = val(res, 0);
	phase(lr, "rebuilding the ledger's booking entries");
}

/* The sync steps all answer: inserted, updated, deleted, wanted. */
static void take_counts(struct rebuild *lr, int table, PGresult *res, const char *next)
{
	struct counts *c = &lr->t[table];

	c->inserted = val(res, 0);
	c->updated = val(res, 1);
	c->deleted = val(res, 2);
	c->wanted = val(res, 3);
	phase(lr, next);
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

/* The counts are complete: record the run in its own transaction. */
static void on_pruned(struct txn *t, PGresult *res, void *arg)
{
	struct rebuild *lr = arg;
	struct counts sum;
	struct run_counts n;

	lr->t[T_CUSTOMERS].deleted = val(res, 0);
	sum = totals(lr);
	n = (struct run_counts){ sum.inserted, sum.updated, sum.deleted, unchanged(&sum) };
	phase(lr, "recording");
	runlog_add_success(lr->d, t, lr->id, "rebuild", org_or_null(lr), &n, lr->started_usec);
}

static void on_contacts_counted(struct txn *t, PGresult *res, void *arg)
{
	struct rebuild *lr = arg;

	(void)t;
	lr->t[T_CUSTOMERS].wanted = val(res, 0);
}

static void run_fields(const struct rebuild *lr, char *id, size_t idlen, char *org,
		       size_t orglen, const char **fields)
{
	snprintf(id, idlen, "ANALYTICS_RUN_ID=%lld", lr->id);
	fields[0] = id;
	fields[1] = "ANALYTICS_MODE=rebuild";
	fields[2] = "ANALYTICS_TRIGGER=manual";
	fields[3] = NULL;
	if (lr->org[0]) {
		snprintf(org, orglen, "ANALYTICS_ORG_ID=%s", lr->org);
		fields[3] = org;
	}
	fields[4] = NULL;
}

static void on_started(struct txn *t, PGresult *res, void *arg)
{
	struct rebuild *lr = arg;
	char idf[48], orgf[64], id[24];
	const char *fields[5];
	const char *p_id[1] = { id };
	const char *p_org[1] = { org_or_null(lr) };
	const char *p_org_id[2] = { org_or_null(lr), id };
	const char *p_entries[3] = { org_or_null(lr), id, lr->pilot };

	lr->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	run_fields(lr, idf, sizeof(idf), orgf, sizeof(orgf), fields);
	log_event(LOG_INFO, MSGID_RUN_STARTED, fields, "loyalty rebuild (%s) run %lld started by %s",
		  lr->scope, lr->id, lr->who);
	snprintf(id, sizeof(id), "%lld", lr->id);
	phase(lr, "normalising contacts");
	txn_add(t, sql_loyalty_contacts, 1, p_org, false, NULL, NULL);
	txn_add(t, sql_loyalty_contacts_count, 0, NULL, false, on_contacts_counted, lr);
	txn_add(t, sql_loyalty_customers_add, 1, p_id, false, on_customers_added, lr);
	txn_add(t, sql_loyalty_bookings, 0, NULL, false, NULL, NULL);
	txn_add(t, sql_loyalty_entries_sync, 3, p_entries, false, on_entries, lr);
	txn_add(t, sql_loyalty_points_sync, 2, p_org_id, false, on_points, lr);
	txn_add(t, sql_loyalty_profiles_sync, 2, p_org_id, false, on_profiles, lr);
	txn_add(t, sql_loyalty_customers_prune, 2, p_org_id, false, on_pruned, lr);
}

static void finish(struct rebuild *lr)
{
	client_unref(lr->c);
	free(lr->pilot);
	free(lr);
}

static void log_outcome(struct rebuild *lr, const char *outcome, const char *sqlstate,
			const char *msg)
{
	struct counts sum = totals(lr);
	struct runlog_outcome o = {
		.id = lr->id, .mode = "rebuild", .trigger = "manual", .org = org_or_null(lr),
		.outcome = outcome, .sqlstate = sqlstate, .started_usec = lr->started_usec,
		.rows_changed = sum.inserted + sum.updated + sum.deleted,
	};
	unsigned long long ms = (util_monotonic_usec() - lr->started_usec) / 1000;

	if (msg == NULL)
		runlog_event(LOG_NOTICE, MSGID_RUN_SUCCEEDED, &o,
			     "loyalty rebuild run %lld succeeded in %llu ms: %lld inserted, "
			     "%lld updated, %lld deleted, %lld unchanged", lr->id, ms,
			     sum.inserted, sum.updated, sum.deleted, unchanged(&sum));
	else
		runlog_event(LOG_ERR, MSGID_RUN_FAILED, &o, "loyalty rebuild %s after %llu ms: %s",
			     outcome, ms, msg);
}

static void failure_recorded(long long id, void *arg)
{
	struct rebuild *lr = arg;

	(void)id;
	daemon_job_end(lr->d);
	client_reply_error(lr->c, lr->refusal.code, "%s", lr->refusal.msg);
	finish(lr);
}

static json_t *tables_json(const struct rebuild *lr)
{
	json_t *o = json_object();

	for (int i = 0; i < T_N; i++)
		json_object_set_new(o, table_names[i], json_pack("{s:I, s:I, s:I}",
			"inserted", (json_int_t)lr->t[i].inserted,
			"updated", (json_int_t)lr->t[i].updated,
			"deleted", (json_int_t)lr->t[i].deleted));
	return o;
}

static void on_done(const struct db_error *err, void *arg)
{
	struct rebuild *lr = arg;
	struct counts sum;

	if (lr->refusal.msg[0] != '\0') {
		log_msg(LOG_NOTICE, "loyalty rebuild not run: %s", lr->refusal.msg);
		daemon_job_end(lr->d);
		client_reply_error(lr->c, lr->refusal.code, "%s", lr->refusal.msg);
		finish(lr);
		return;
	}
	if (err != NULL) {
		struct runlog_entry e = {
			.kind = "loyalty_rebuild", .mode = "rebuild", .scope = lr->scope,
			.trigger = "manual", .requested_by = lr->who, .org = org_or_null(lr),
			.started_at = lr->started_at, .started_usec = lr->started_usec,
		};
		/* Our own stop aborts the run too (its work connection is closed). */
		lr->refusal.code = lr->d->stopping ? PROTO_ERR_SHUTTING_DOWN : db_error_code(err);
		snprintf(lr->refusal.msg, sizeof(lr->refusal.msg),
			 "loyalty rebuild failed: %s%s%s%s", err->message,
			 err->sqlstate[0] ? " (SQLSTATE " : "", err->sqlstate,
			 err->sqlstate[0] ? ")" : "");
		log_outcome(lr, lr->d->stopping ? "cancelled" : "failed", err->sqlstate,
			    err->message);
		runlog_failed(lr->d, &e, err, failure_recorded, lr);
		return;
	}
	sum = totals(lr);
	log_outcome(lr, "succeeded", NULL, NULL);
	daemon_job_end(lr->d);
	client_reply_ok(lr->c, json_pack("{s:I, s:s, s:s, s:{s:I, s:I, s:I, s:I}, s:o, s:I}",
		"run_id", (json_int_t)lr->id, "status", "succeeded", "scope", lr->scope,
		"rows", "inserted", (json_int_t)sum.inserted, "updated", (json_int_t)sum.updated,
		"deleted", (json_int_t)sum.deleted, "unchanged", (json_int_t)unchanged(&sum), "tables", tables_json(lr),
		"duration_ms", (json_int_t)((util_monotonic_usec() - lr->started_usec) / 1000)));
	finish(lr);
}

void loyalty_rebuild_start(struct daemon *d, struct client *c, const char *org, bool force)
{
	struct rebuild *lr;
	const char *why;
	int code;
	struct txn *t;
	char pid[16];

	if (d->run_current != NULL || d->run_queue != NULL) {
		client_reply_error(c, PROTO_ERR_BUSY, "a refresh is %s on this daemon; rebuild "
				   "when it is done", d->run_current ? "running" : "queued");
		return;
	}
	if (daemon_job_start(d, c, "loyalty rebuild", org ? "org" : "all", &why, &code) == NULL) {
		client_reply_error(c, (enum proto_err)code, "%s", why);
		return;
	}
	lr = calloc(1, sizeof(*lr));
	if (lr == NULL || (lr->pilot = loyalty_pilot_array(d->cfg)) == NULL) {
		free(lr);
		daemon_job_end(d);
		client_reply_error(c, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	lr->d = d;
	lr->c = c;
	lr->started_at = time(NULL);
	lr->started_usec = util_monotonic_usec();
	snprintf(lr->org, sizeof(lr->org), "%s", org ? org : "");
	snprintf(lr->scope, sizeof(lr->scope), org ? "org=%s" : "all", org);
	snprintf(lr->who, sizeof(lr->who), "%s", client_who(c));
	lr->pause_rule = (struct pause_rule){ .what = "loyalty rebuild", .trigger = "manual",
					      .force = force, .refusal = &lr->refusal };
	client_ref(c);
	t = txn_begin(d->db_work, on_done, lr);
	if (t == NULL) {
		daemon_job_end(d);
		client_reply_error(c, PROTO_ERR_DB_UNAVAILABLE, "the database is not connected");
		finish(lr);
		return;
	}
	phase(lr, "waiting for the run lock");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	const char *settings[1] = { d->cfg->refresh.work_mem };
	const char *asof[1] = { NULL };
	const char *start[7] = { "loyalty_rebuild", "rebuild", lr->scope, "manual", lr->who,
				 d->host, pid };

	runlock_add(t, &lr->refusal);
	runlock_add_pause_check(t, &lr->pause_rule);
	txn_add(t, sql_run_settings, 1, settings, false, NULL, NULL);
	txn_add(t, sql_run_as_of, 1, asof, false, NULL, NULL);
	txn_add(t, sql_run_start, 7, start, false, on_started, lr);
}
