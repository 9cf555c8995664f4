/* SPDX-License-Identifier: ISC */
/*
 * Schema migrations as a kind of job. Each migration is a transaction of
 * its own that also takes the run lock and records (or forgets) the
 * migration, so a migration is either wholly applied and recorded or not at
 * all, and never runs beside a refresh of another daemon. `migrate up`
 * applies every pending one, a transaction each, then each repeatable script
 * of sql/functions/ whose sha256 differs from the one it last applied
 * (schema_repeatables); `migrate down` reverts the newest migration and
 * forgets the repeatables, which the next `migrate up` applies again.
 * Migrations have no run record: schema_migrations is theirs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "log.h"
#include "migrate.h"
#include "schema.h"
#include "sqlfiles.h"
#include "sqlsplit.h"

struct migration {
	bool down;
	const struct sql_migration *step;       /* chosen in this transaction, or */
	const struct sql_repeatable *script;    /* a repeatable one */
	PGresult *applied;                      /* schema_migrations, until the repeatables */
	json_t *done;                           /* [{version, name}], [{name}] */
	struct schema_info si;
};

/* Up covers up: a running `migrate up` applies whatever is pending. */
static bool covers(const struct job *a, const struct job *b)
{
	return !((const struct migration *)a->priv)->down &&
	       !((const struct migration *)b->priv)->down;
}

/* A script as its statements, a step each (sqlsplit.h says why); name is its file. */
static void add_script(struct txn *t, const char *name, const char *script)
{
	struct sqlsplit s;
	const char *stmt;
	size_t len;
	int line, rc;

	sqlsplit_init(&s, script);
	while ((rc = sqlsplit_next(&s, &stmt, &len, &line)) == 1) {
		char where[128];

		snprintf(where, sizeof(where), "%s, line %d", name, line);
		if (txn_add_located(t, stmt, len, where) != 0)
			return;
	}
	if (rc < 0)
		txn_fail(t, "42601", "%s, line %d: cannot cut the script into statements there "
			 "(a quote or comment that does not end, or BEGIN ATOMIC)", name, line);
}

static void plan_repeatable(struct migration *m, struct txn *t)
{
	const struct sql_repeatable *r = schema_next_repeatable(&m->si);
	const char *params[2];

	if (r == NULL)
		return;
	m->script = r;
	params[0] = r->name;
	params[1] = r->checksum;
	add_script(t, r->name, r->script);
	txn_add(t, sql_schema_repeatable_record, 2, params, false, NULL, NULL);
}

static void plan_up(struct job *j, struct migration *m, struct txn *t)
{
	char ver[16], file[96];
	const char *params[3] = { ver, NULL, NULL };

	for (size_t i = 0; i < sql_n_migrations; i++) {
		const struct sql_migration *s = &sql_migrations[i];

		if (schema_is_applied(&m->si, s->version))
			continue;
		m->step = s;
		snprintf(ver, sizeof(ver), "%d", s->version);
		params[1] = s->name;
		params[2] = s->checksum;
		snprintf(file, sizeof(file), "%04d_%s.up.sql", s->version, s->name);
		add_script(t, file, s->up);
		txn_add(t, sql_schema_record, 3, params, false, NULL, NULL);
		return;
	}
	plan_repeatable(m, t);
}

static void plan_down(struct job *j, struct migration *m, struct txn *t)
{
	char ver[16], file[96];
	const char *params[1] = { ver };

	if (m->si.current == 0) {
		job_refuse(j, t, PROTO_ERR_FAILED, "no migration is applied: nothing to revert");
		return;
	}
	for (size_t i = 0; i < sql_n_migrations; i++) {
		const struct sql_migration *s = &sql_migrations[i];

		if (s->version != m->si.current)
			continue;
		m->step = s;
		snprintf(ver, sizeof(ver), "%d", s->version);
		snprintf(file, sizeof(file), "%04d_%s.down.sql", s->version, s->name);
		add_script(t, file, s->down);
		txn_add(t, sql_schema_forget, 1, params, false, NULL, NULL);
		return;
	}
	job_refuse(j, t, PROTO_ERR_FAILED, "the newest applied migration %04d is unknown to this "
		   "analyticsd, which cannot revert it", m->si.current);
}

static void on_applied(struct txn *t, PGresult *res, void *arg)
{
	struct migration *m = ((struct job *)arg)->priv;

	PQclear(m->applied);
	txn_keep_result(t);
	m->applied = res;
}

static void on_repeatables(struct txn *t, PGresult *res, void *arg)
{
	struct job *j = arg;
	struct migration *m = j->priv;

	schema_compare(&m->si, m->applied, res);
	PQclear(m->applied);
	m->applied = NULL;
	/* A changed script would leave the schema other than its ledger says. */
	if (m->si.problem[0] != '\0') {
		job_refuse(j, t, PROTO_ERR_FAILED, "%s", m->si.problem);
		return;
	}
	if (m->down)
		plan_down(j, m, t);
	else
		plan_up(j, m, t);
	if (m->step != NULL) {
		snprintf(j->what, sizeof(j->what), "migration %04d (%s) %s", m->step->version,
			 m->step->name, j->mode);
		job_phase(j, "%s %04d_%s", m->down ? "reverting" : "applying", m->step->version,
			  m->step->name);
	} else if (m->script != NULL) {
		snprintf(j->what, sizeof(j->what), "function %s", m->script->name);
		job_phase(j, "applying %s", m->script->name);
	}
}

static void plan(struct job *j, struct txn *t)
{
	add_script(t, "bootstrap.sql", sql_bootstrap);
	txn_add(t, sql_schema_applied, 0, NULL, false, on_applied, j);
	txn_add(t, sql_schema_repeatables, 0, NULL, false, on_repeatables, j);
}

/* One migration is in: log it, and go on to the next one (up only). */
static bool committed(struct job *j)
{
	struct migration *m = j->priv;
	const struct sql_migration *s = m->step;
	const struct sql_repeatable *r = m->script;

	if (r != NULL) {
		log_msg(LOG_NOTICE, "function %s applied (sha256 %.12s...)", r->name, r->checksum);
		json_array_append_new(m->done, json_pack("{s:s, s:s}", "function", r->name,
							 "checksum", r->checksum));
		m->script = NULL;
		snprintf(j->what, sizeof(j->what), "migrate %s", j->mode);
		return true;
	}
	if (s == NULL)
		return false;           /* nothing was pending */
	log_msg(LOG_NOTICE, "migration %04d (%s) %s", s->version, s->name,
		m->down ? "reverted" : "applied");
	json_array_append_new(m->done, json_pack("{s:i, s:s}", "version", s->version,
						 "name", s->name));
	m->step = NULL;
	snprintf(j->what, sizeof(j->what), "migrate %s", j->mode);
	if (m->down) {
		/* The newest remaining one is the schema's version now. */
		int current = 0;
		for (int i = 0; i < m->si.n_applied; i++)
			if (m->si.applied[i].version != s->version && m->si.applied[i].version > current)
				current = m->si.applied[i].version;
		m->si.current = current;
		return false;
	}
	m->si.current = s->version > m->si.current ? s->version : m->si.current;
	return true;
}

static void result(const struct job *j, json_t *reply)
{
	const struct migration *m = j->priv;

	json_object_set_new(reply, "action", json_string(j->mode));
	json_object_set_new(reply, m->down ? "reverted" : "applied", json_incref(m->done));
	json_object_set_new(reply, "version", json_integer(m->si.current));
	json_object_set_new(reply, "latest", json_integer(m->si.latest));
}

static void release(void *priv)
{
	PQclear(((struct migration *)priv)->applied);
	json_decref(((struct migration *)priv)->done);
}

/* No run record (schema_migrations is the record), no pause rule. */
static const struct job_kind migrate_kind = {
	.name = "migrate", .title = "migrate",
	.covers = covers, .plan = plan, .committed = committed, .result = result, .release = release,
};

struct job *migrate_job(struct daemon *d, bool down)
{
	struct migration *m = calloc(1, sizeof(*m));
	struct job *j;

	if (m == NULL || (m->done = json_array()) == NULL) {
		free(m);
		return NULL;
	}
	m->down = down;
	j = job_new(d, &migrate_kind, m, down ? "down" : "up", "schema", NULL);
	if (j != NULL)
		snprintf(j->what, sizeof(j->what), "migrate %s", j->mode);
	return j;
}
