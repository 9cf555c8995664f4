/* SPDX-License-Identifier: ISC */
/* What the database's schema is, compared with the migrations this binary embeds. */
#ifndef AD_SCHEMA_H
#define AD_SCHEMA_H

#include <stdbool.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "db.h"

#define SCHEMA_MAX_APPLIED 256

struct schema_applied {
	int version;
	char name[64];
	char checksum[65];
	char applied_at[32];
};

struct schema_info {
	bool ledger;                    /* schema_migrations exists */
	bool repeatables_ledger;        /* schema_repeatables exists */
	int current;                    /* highest applied version, 0 for none */
	int latest;                     /* highest version this binary knows */
	int n_applied;
	struct schema_applied applied[SCHEMA_MAX_APPLIED];
	int n_pending;                  /* migrations, and repeatable scripts, to apply */
	int n_functions_pending;        /* of which repeatable scripts */
	/* Per sql_repeatables[i]: applied as this binary has it (sha256 recorded). */
	bool repeatable_current[SCHEMA_MAX_APPLIED];
	char problem[512];              /* checksum mismatch, unknown version: "" if none */
};

typedef void (*schema_probe_fn)(const struct schema_info *si, const struct db_error *err,
				void *arg);

/* Read the ledger with plain queries (no transaction) and compare. */
int schema_probe(struct db_conn *db, schema_probe_fn fn, void *arg);

/* Fill si from the results of sql_schema_applied and sql_schema_repeatables (either
 * NULL: no ledger yet). */
void schema_compare(struct schema_info *si, PGresult *res, PGresult *repeatables);
bool schema_is_applied(const struct schema_info *si, int version);
/* The first repeatable script to apply (all migrations applied first), or NULL. */
const struct sql_repeatable *schema_next_repeatable(const struct schema_info *si);

json_t *schema_info_json(const struct schema_info *si, bool with_list);

#endif
