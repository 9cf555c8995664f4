/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "sqlfiles.h"
#include "wire.h"

struct probe {
	struct db_conn *db;
	schema_probe_fn fn;
	void *arg;
	bool repeatables;               /* schema_repeatables exists */
	PGresult *applied;
	struct schema_info si;
};

bool schema_is_applied(const struct schema_info *si, int version)
{
	for (int i = 0; i < si->n_applied; i++)
		if (si->applied[i].version == version)
			return true;
	return false;
}

static const struct sql_migration *known(int version)
{
	for (size_t i = 0; i < sql_n_migrations; i++)
		if (sql_migrations[i].version == version)
			return &sql_migrations[i];
	return NULL;
}

/* Which repeatable scripts are applied as this binary has them. */
static void compare_repeatables(struct schema_info *si, PGresult *res)
{
	int rows = res ? PQntuples(res) : 0;

	for (size_t i = 0; i < sql_n_repeatables && i < SCHEMA_MAX_APPLIED; i++) {
		si->repeatable_current[i] = false;
		for (int r = 0; r < rows; r++)
			if (strcmp(PQgetvalue(res, r, 0), sql_repeatables[i].name) == 0)
				si->repeatable_current[i] =
					strcmp(PQgetvalue(res, r, 1), sql_repeatables[i].checksum) == 0;
		if (!si->repeatable_current[i]) {
			si->n_pending++;
			si->n_functions_pending++;
		}
	}
}

const struct sql_repeatable *schema_next_repeatable(const struct schema_info *si)
{
	if (si->current < si->latest)
		return NULL;
	for (size_t i = 0; i < sql_n_repeatables && i < SCHEMA_MAX_APPLIED; i++)
		if (!si->repeatable_current[i])
			return &sql_repeatables[i];
	return NULL;
}

void schema_compare(struct schema_info *si, PGresult *res, PGresult *repeatables)
{
	int rows = res ? PQntuples(res) : 0;

	si->latest = 0;
	for (size_t i = 0; i < sql_n_migrations; i++)
		if (sql_migrations[i].version > si->latest)
			si->latest = sql_migrations[i].version;
	si->ledger = res != NULL;
	si->n_applied = 0;
	si->current = 0;
	si->problem[0] = '\0';
	for (int r = 0; r < rows && si->n_applied < SCHEMA_MAX_APPLIED; r++) {
		struct schema_applied *a = &si->applied[si->n_applied++];
		const struct sql_migration *m;

		a->version = atoi(PQgetvalue(res, r, 0));
		snprintf(a->name, sizeof(a->name), "%s", PQgetvalue(res, r, 1));
		snprintf(a->checksum, sizeof(a->checksum), "%s", PQgetvalue(res, r, 2));
		snprintf(a->applied_at, sizeof(a->applied_at), "%s", PQgetvalue(res, r, 3));
		if (a->version > si->current)
			si->current = a->version;
		m = known(a->version);
		if (si->problem[0] != '\0')
			continue;
		if (m == NULL)
			snprintf(si->problem, sizeof(si->problem),
				 "migration %04d (%s) is applied but unknown to this analyticsd "
				 "(it knows up to %04d): the database is newer than the binary",
				 a->version, a->name, si->latest);
		else if (strcmp(m->checksum, a->checksum) != 0)
			snprintf(si->problem, sizeof(si->problem),
				 "migration %04d (%s) was applied from a script with sha256 %.12s... "
				 "but this analyticsd has %.12s...: the script was changed after it "
				 "was applied", a->version, a->name, a->checksum, m->checksum);
	}
	si->n_pending = 0;
	si->n_functions_pending = 0;
	si->repeatables_ledger = repeatables != NULL;
	for (size_t i = 0; i < sql_n_migrations; i++)
		if (!schema_is_applied(si, sql_migrations[i].version))
			si->n_pending++;
	compare_repeatables(si, repeatables);
}

json_t *schema_info_json(const struct schema_info *si, bool with_list)
{
	json_t *o, *pending, *functions, *list;

	pending = json_array();
	for (size_t i = 0; i < sql_n_migrations; i++) {
		const struct sql_migration *m = &sql_migrations[i];
		if (!schema_is_applied(si, m->version))
			json_array_append_new(pending, json_pack("{s:i, s:s}", "version", m->version,
								 "name", m->name));
	}
	functions = json_array();
	for (size_t i = 0; i < sql_n_repeatables && i < SCHEMA_MAX_APPLIED; i++)
		json_array_append_new(functions, json_pack("{s:s, s:s}", "name", sql_repeatables[i].name,
			"state", si->repeatable_current[i] ? "current" : "pending"));
	o = json_pack("{s:i, s:i, s:o, s:o, s:o}", "version", si->current, "latest", si->latest,
		      "pending", pending, "functions", functions,
		      "problem", wire_string(si->problem[0] ? si->problem : NULL));
	if (o != NULL && with_list) {
		list = json_array();
		for (int i = 0; i < si->n_applied; i++) {
			const struct schema_applied *a = &si->applied[i];
			json_array_append_new(list, json_pack("{s:i, s:s, s:s, s:s}", "version",
				a->version, "name", a->name, "checksum", a->checksum,
				"applied_at", a->applied_at));
		}
		json_object_set_new(o, "applied", list);
	}
	return o;
}

static void probe_finish(struct probe *p, PGresult *res, const struct db_error *err)
{
	if (err == NULL)
		schema_compare(&p->si, p->applied, res);
	p->fn(&p->si, err, p->arg);
	PQclear(p->applied);
	free(p);
}

static void send_failed(struct probe *p)
{
	struct db_error e;

	db_error_set(&e, "08006", "%s", db_last_error(p->db));
	probe_finish(p, NULL, &e);
}

static void on_repeatables(PGresult *res, const struct db_error *err, void *arg)
{
	probe_finish(arg, res, err);
}

static void on_applied(PGresult *res, const struct db_error *err, void *arg)
{
	struct probe *p = arg;

	if (err == NULL) {
		db_keep_result(p->db);
		p->applied = res;
	}
	/* A database an older analyticsd migrated has no schema_repeatables yet. */
	if (err != NULL || !p->repeatables)
		probe_finish(p, NULL, err);
	else if (db_send(p->db, sql_schema_repeatables, 0, NULL, false, on_repeatables, p) != 0)
		send_failed(p);
}

static void on_ledger(PGresult *res, const struct db_error *err, void *arg)
{
	struct probe *p = arg;

	if (err != NULL) {
		probe_finish(p, NULL, err);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		probe_finish(p, NULL, NULL);
		return;
	}
	p->repeatables = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	if (db_send(p->db, sql_schema_applied, 0, NULL, false, on_applied, p) != 0)
		send_failed(p);
}

int schema_probe(struct db_conn *db, schema_probe_fn fn, void *arg)
{
	struct probe *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -1;
	p->db = db;
	p->fn = fn;
	p->arg = arg;
	if (db_send(db, sql_schema_ledger_exists, 0, NULL, false, on_ledger, p) != 0) {
		free(p);
		return -1;
	}
	return 0;
}
