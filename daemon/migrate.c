/*
 * Schema migrations as a job on the work connection. Each migration runs in
 * its own transaction that also takes the run lock and records (or forgets)
 * the migration, so a migration is either wholly applied and recorded or not
 * at all, and never runs beside a refresh of another daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "log.h"
#include "migrate.h"
#include "runlock.h"
#include "schema.h"
#include "sqlfiles.h"
#include "txn.h"

struct migration_job {
	struct daemon *d;
	struct client *c;
	bool down;
	const struct sql_migration *step;       /* chosen in this transaction */
	json_t *done;                           /* [{version, name}] */
	struct schema_info si;
	struct refusal refusal;
};

static void run_one(struct migration_job *j);

static void refuse(struct migration_job *j, struct txn *t, enum proto_err code,
		   const char *msg)
{
	refusal_set(&j->refusal, t, code, msg);
}

static void job_finish(struct migration_job *j, const struct db_error *err)
{
	/* Free the job slot before answering: the answer may start the client's
	 * next request, which must not find this job still running. */
	daemon_job_end(j->d);
	if (j->refusal.msg[0] != '\0') {
		client_reply_error(j->c, j->refusal.code, "%s", j->refusal.msg);
	} else if (err != NULL) {
		char what[128];
		if (j->step != NULL)
			snprintf(what, sizeof(what), "migration %04d (%s) %s failed", j->step->version,
				 j->step->name, j->down ? "down" : "up");
		else
			snprintf(what, sizeof(what), "migrate %s failed", j->down ? "down" : "up");
		log_msg(LOG_ERR, "%s: %s (SQLSTATE %s)", what, err->message, err->sqlstate);
		reply_db_error(j->c, what, err);
	} else {
		client_reply_ok(j->c, json_pack("{s:s, s:o, s:i, s:i}",
						"action", j->down ? "down" : "up",
						j->down ? "reverted" : "applied", json_incref(j->done),
						"version", j->si.current, "latest", j->si.latest));
	}
	json_decref(j->done);
	client_unref(j->c);
	free(j);
}

static void on_done(const struct db_error *err, void *arg)
{
	struct migration_job *j = arg;
	const struct sql_migration *m = j->step;

	if (err != NULL || m == NULL) {
		job_finish(j, err);
		return;
	}
	log_msg(LOG_NOTICE, "migration %04d (%s) %s", m->version, m->name,
		j->down ? "reverted" : "applied");
	json_array_append_new(j->done, json_pack("{s:i, s:s}", "version", m->version,
						 "name", m->name));
	if (j->down) {
		/* One migration per `migrate down`: the newest. */
		j->si.current = 0;
		for (int i = 0; i < j->si.n_applied; i++)
			if (j->si.applied[i].version != m->version &&
			    j->si.applied[i].version > j->si.current)
				j->si.current = j->si.applied[i].version;
		j->step = NULL;
		job_finish(j, NULL);
		return;
	}
	j->step = NULL;
	run_one(j);
}

static void plan_up(struct migration_job *j, struct txn *t)
{
	char ver[16];
	const char *params[3] = { ver, NULL, NULL };

	for (size_t i = 0; i < sql_n_migrations; i++) {
		const struct sql_migration *m = &sql_migrations[i];

		if (schema_is_applied(&j->si, m->version))
			continue;
		j->step = m;
		snprintf(ver, sizeof(ver), "%d", m->version);
		params[1] = m->name;
		params[2] = m->checksum;
		daemon_job_phase(j->d, "applying %04d_%s", m->version, m->name);
		txn_add(t, m->up, 0, NULL, true, NULL, NULL);
		txn_add(t, sql_schema_record, 3, params, false, NULL, NULL);
		j->si.current = m->version > j->si.current ? m->version : j->si.current;
		return;
	}
}

static void plan_down(struct migration_job *j, struct txn *t)
{
	char ver[16];
	const char *params[1] = { ver };
	char msg[256];

	if (j->si.current == 0) {
		refuse(j, t, PROTO_ERR_FAILED, "no migration is applied: nothing to revert");
		return;
	}
	for (size_t i = 0; i < sql_n_migrations; i++) {
		const struct sql_migration *m = &sql_migrations[i];

		if (m->version != j->si.current)
			continue;
		j->step = m;
		snprintf(ver, sizeof(ver), "%d", m->version);
		daemon_job_phase(j->d, "reverting %04d_%s", m->version, m->name);
		txn_add(t, m->down, 0, NULL, true, NULL, NULL);
		txn_add(t, sql_schema_forget, 1, params, false, NULL, NULL);
		return;
	}
	snprintf(msg, sizeof(msg), "the newest applied migration %04d is unknown to this "
		 "analyticsd, which cannot revert it", j->si.current);
	refuse(j, t, PROTO_ERR_FAILED, msg);
}

static void on_applied(struct txn *t, PGresult *res, void *arg)
{
	struct migration_job *j = arg;

	schema_compare(&j->si, res);
	/* A changed script would leave the schema other than its ledger says. */
	if (j->si.problem[0] != '\0') {
		refuse(j, t, PROTO_ERR_FAILED, j->si.problem);
		return;
	}
	if (j->down)
		plan_down(j, t);
	else
		plan_up(j, t);
}

static void run_one(struct migration_job *j)
{
	struct txn *t = txn_begin(j->d->db_work, on_done, j);
	struct db_error e;

	if (t == NULL) {
		db_error_set(&e, "08006", "%s", db_last_error(j->d->db_work));
		job_finish(j, &e);
		return;
	}
	runlock_add(t, &j->refusal);
	txn_add(t, sql_bootstrap, 0, NULL, true, NULL, NULL);
	txn_add(t, sql_schema_applied, 0, NULL, false, on_applied, j);
}

void migrate_start(struct daemon *d, struct client *c, bool down)
{
	struct migration_job *j;
	const char *why;
	int code;

	if (daemon_job_start(d, c, "migrate", down ? "down" : "up", &why, &code) == NULL) {
		client_reply_error(c, (enum proto_err)code, "%s", why);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL || (j->done = json_array()) == NULL) {
		free(j);
		daemon_job_end(d);
		client_reply_error(c, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	j->d = d;
	j->c = c;
	j->down = down;
	client_ref(c);
	run_one(j);
}
