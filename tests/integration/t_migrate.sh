#!/bin/bash
# SPDX-License-Identifier: ISC
# migrate up, status, down, up again, against a real cluster.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new migrate || exit 1
daemon_start d1
wait_for "database connection" 10 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"

ctl_json status
is "$RC" 0 "status answers"
is "$(jget .result.schema.version)" 0 "fresh database is at schema version 0"
like "$(jget '.result.schema.pending | length')" '^[1-9]' "migrations are pending on a fresh database"
LATEST=$(jget .result.schema.latest)

ctl_json migrate up
is "$RC" 0 "migrate up succeeds"
is "$(jget .result.version)" "$LATEST" "migrate up reaches the latest version"
is "$(jget '[.result.applied[] | select(.version)] | length')" "$LATEST" "migrate up applies every migration"
FUNCS=$(ls "$SRC_DIR"/sql/functions/*.sql "$SRC_DIR"/sql/functions/*.sql.in | wc -l)
is "$(jget '[.result.applied[] | select(.function)] | length')" "$FUNCS" \
	"then every repeatable function script (sql/functions/)"
is "$(jget '.result.applied[-1] | has("function")')" true "the functions after the migrations"
is "$(psql_q -c 'select count(*) from schema_repeatables')" "$FUNCS" "schema_repeatables records each script"
is "$(psql_q -c "select checksum from schema_repeatables where name = 'analytics_scores'")" \
	"$(sha256sum "$SRC_DIR/sql/functions/analytics_scores.sql" | cut -c1-64)" \
	"by the sha256 of the script"
is "$(psql_q -c 'select count(*) from schema_migrations')" "$LATEST" "schema_migrations records each migration"
is "$(psql_q -c "select to_regclass('bookings') is not null and to_regclass('analytics_refresh_runs') is not null")" t \
	"source and bookkeeping tables exist"

ctl_json migrate up
is "$RC" 0 "a second migrate up succeeds"
is "$(jget '.result.applied | length')" 0 "a second migrate up applies nothing"

# Once status has seen the bookkeeping tables it reads its database part in one round
# trip: the status connection's last query holds all three statements (the last runs'
# prepared by the status before).
ctl_json status
ctl_json status
is "$(jget .result.schema.version)" "$LATEST" "status (one round trip) shows the schema"
is "$(jget '.result.last_runs | type')" object "status (one round trip) shows the last runs"
is "$(jget '.result.paused.paused')" false "status (one round trip) shows the pause"
is "$(psql_q -c "select query like '%schema_migrations%EXECUTE analyticsd_status_last_runs%analytics_control%'
                   from pg_stat_activity where application_name = 'analyticsd/status'")" t \
	"the status connection read the three parts in one query"

ctl_json migrate status
is "$RC" 0 "migrate status answers"
is "$(jget '.result.applied | length')" "$LATEST" "migrate status lists the applied migrations"
is "$(jget '.result.pending | length')" 0 "migrate status shows nothing pending"
is "$(jget '[.result.functions[] | select(.state == "current")] | length')" "$FUNCS" \
	"migrate status shows every function current"

# A function script that changed (here: the database's record of it did) is applied again
# by migrate up, and only it; until then status and check say so.
psql_q -c "create or replace function analytics_org_params(org uuid)
	returns table (phone_country_code text, default_interval_days integer,
	               lost_after_days integer, r_days integer[], f_visits integer[], m_cents bigint[])
	language sql stable as \$\$ select '99', 1, 1, null::int[], null::int[], null::bigint[] \$\$"
psql_q -c "update schema_repeatables set checksum = 'old' where name = 'analytics_org_params'"
ctl_json status
is "$(jget '.result.schema.functions[] | select(.name == "analytics_org_params") | .state')" pending \
	"status shows the changed function pending"
ctl_json check
like "$(jget '.result.checks[] | select(.name == "schema") | .status')" "fail|warn" "check flags the schema"
ctl migrate status >"$T/ms.txt" 2>&1
like "$(cat "$T/ms.txt")" "functions to apply: analytics_org_params" "migrate status names it"
ctl_json migrate up
is "$RC" 0 "migrate up succeeds"
is "$(jget '[.result.applied[] | .function // .name] | join(" ")')" analytics_org_params \
	"migrate up applies that function again, and nothing else"
is "$(psql_q -c "select phone_country_code from analytics_org_params(gen_random_uuid())")" 1 \
	"the database has the script's version again"
ctl migrate status >"$T/ms.txt" 2>&1
like "$(cat "$T/ms.txt")" "up to date" "and migrate status is up to date"

ctl_json migrate down
is "$RC" 0 "migrate down succeeds"
is "$(jget .result.version)" "$((LATEST - 1))" "migrate down reverts exactly one migration"
is "$(psql_q -c 'select count(*) from schema_migrations')" "$((LATEST - 1))" "the ledger forgets the reverted migration"
is "$(psql_q -c 'select count(*) from schema_repeatables')" 0 \
	"and every function script, which the next migrate up applies again"
is "$(psql_q -c "select to_regclass('bookings') is not null")" t "older migrations' tables remain"

ctl_json status
is "$(jget '.result.schema.pending | length')" 1 "status shows the reverted migration as pending"
is "$(jget '[.result.schema.functions[] | select(.state == "pending")] | length')" "$FUNCS" \
	"and the functions as pending"

ctl_json migrate up
is "$RC" 0 "migrate up after down succeeds (the down script left nothing behind)"
is "$(jget .result.version)" "$LATEST" "and returns to the latest version"
is "$(jget '[.result.applied[] | select(.function)] | length')" "$FUNCS" "and applies the functions again"

# A statement that fails names its script and line: migration 0016, with a table it
# creates already there.
while [ "$(psql_q -c 'select max(version) from schema_migrations')" -gt 15 ]; do ctl_json migrate down; done
L=$(grep -n '^CREATE TABLE analytics_queue_all' "$SRC_DIR/sql/migrations/0016_citus_layout.up.sql" | cut -d: -f1)
psql_q -c "create table analytics_queue_all (x int)"
ctl_json migrate up
is "$RC" 1 "migrate up fails on a statement the server refuses"
is "$(jq -r -s "last | .error.message" <<<"$OUT")" \
	"migration 0016 (citus_layout) up failed: 0016_citus_layout.up.sql, line $L: relation \"analytics_queue_all\" already exists (SQLSTATE 42P07)" \
	"the failure names the script and the statement's line"
is "$(psql_q -c 'select max(version) from schema_migrations')" 15 "and applies none of that migration"
psql_q -c "drop table analytics_queue_all"
ctl_json migrate up
is "$RC:$(jget .result.version)" "0:$LATEST" "migrate up then succeeds"

# A script changed after it was applied must stop migrate, not be ignored.
SUM=$(psql_q -c "select checksum from schema_migrations where version = 1")
psql_q -c "update schema_migrations set checksum = 'deadbeef' where version = 1"
ctl_json migrate up
is "$RC" 1 "migrate up refuses when an applied script's checksum differs"
like "$(jq -r -s "last | .error.message" <<<"$OUT")" "changed after it was applied" "the refusal names the checksum problem"
psql_q -c "update schema_migrations set checksum = '$SUM' where version = 1"

# migrate down of the source schema never drops source data.
for v in $(seq $((LATEST - 1)) -1 1); do ctl_json migrate down; done
is "$(jget .result.version)" 1 "every migration above the source schema reverted"
ctl_json status
is "$RC" 0 "status answers once the bookkeeping tables are gone"
is "$(jget .result.schema.version)" 1 "status (step by step again) shows the schema"
is "$(jget .result.last_runs)" null "status has no last runs without the tables"
psql_q -c "insert into organizations (id, name) values ('11111111-1111-4111-8111-000000000001', 'x')"
ctl_json migrate down
is "$RC" 1 "migrate down refuses to drop source tables that hold rows"
like "$(jq -r -s "last | .error.message" <<<"$OUT")" "organizations" "the refusal names the table with data"
is "$(psql_q -c 'select count(*) from organizations')" 1 "the source rows are still there"
psql_q -c "delete from organizations"
ctl_json migrate down
is "$RC" 0 "migrate down of the empty source schema succeeds"
is "$(jget .result.version)" 0 "the schema is back at version 0"

daemon_stop d1
t_done
