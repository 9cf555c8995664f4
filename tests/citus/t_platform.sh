#!/bin/bash
# SPDX-License-Identifier: ISC
# What analyticsd's Citus design rests on, checked on the installed Citus (docs/SCALE-OUT.md,
# "What a live cluster showed"), so that a Citus upgrade that changes it fails here first:
# - a statement trigger on a distributed table that reads its transition table in a
#   statement touching no Citus table, then inserts the keys into a co-located table,
#   captures single-tenant and multi-tenant writes; the direct INSERT ... SELECT FROM the
#   transition table fails on the shards;
# - a function distributed by the organization runs on the worker holding it, its temp
#   table included, when called with a constant outside a transaction block;
# - one coordinator transaction reads one organization through a binary cursor (a router
#   query, keys from a temp table) and writes organizations on both workers, atomically.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

citus_start || { not_ok "a coordinator and two workers start"; t_done; }
is "$(psql_q -c "SELECT count(*) FROM citus_get_active_worker_nodes()")" 2 \
	"a coordinator and two workers, registered by their socket directories"
like "$(psql_q -c "SELECT citus_version()")" '^Citus [0-9]+\.' "Citus answers on the coordinator"

psql_q <<'SQL'
CREATE TABLE organizations (id uuid PRIMARY KEY);
CREATE TABLE bookings (organization_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(),
                       customer_id text, status text, PRIMARY KEY (organization_id, id));
CREATE TABLE change_queue (organization_id uuid NOT NULL, customer_id text);
SELECT create_distributed_table('organizations', 'id');
SELECT create_distributed_table('bookings', 'organization_id', colocate_with => 'organizations');
SELECT create_distributed_table('change_queue', 'organization_id', colocate_with => 'organizations');
INSERT INTO organizations SELECT gen_random_uuid() FROM generate_series(1, 8);
SQL
is "$(psql_q -c "SELECT count(DISTINCT nodename) FROM citus_shards WHERE table_name = 'organizations'::regclass")" 2 \
	"the organizations' shards are on both workers"
# An organization on each worker: where each organization's shard is placed (the metadata
# is read on the coordinator, apart from the distributed table).
org_on() {
	local o
	for o in $(psql_q -c "SELECT id FROM organizations ORDER BY id"); do
		[ "$(psql_q -c "SELECT nodename FROM citus_shards
		                 WHERE table_name = 'organizations'::regclass
		                   AND shardid = get_shard_id_for_distribution_column('organizations', '$o')")" \
			= "$T/$1.sock.d" ] && { echo "$o"; return; }
	done
}
A=$(org_on w1) B=$(org_on w2)
like "$A $B" '^[0-9a-f-]{36} [0-9a-f-]{36}$' "an organization held by each worker"

# --- capture on the shards ----------------------------------------------------------------
psql_q <<'SQL'
CREATE FUNCTION capture_direct() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO change_queue (organization_id, customer_id)
    SELECT organization_id, customer_id FROM analytics_new;
    RETURN NULL;
END $f$;
CREATE TRIGGER capture AFTER INSERT ON bookings REFERENCING NEW TABLE AS analytics_new
    FOR EACH STATEMENT EXECUTE FUNCTION capture_direct();
SQL
OUT=$(psql_q -c "INSERT INTO bookings (organization_id, customer_id) VALUES ('$A', 'c0')" 2>&1)
like "$OUT" 'could not find named tuplestore "analytics_new"' \
	"the single-node form of the capture (INSERT ... SELECT FROM the transition table) fails on a shard"

psql_q <<'SQL'
CREATE FUNCTION capture_arrays() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
    orgs  uuid[];
    custs text[];
BEGIN
    SELECT array_agg(organization_id), array_agg(customer_id) INTO orgs, custs FROM analytics_new;
    INSERT INTO change_queue (organization_id, customer_id) SELECT * FROM unnest(orgs, custs);
    RETURN NULL;
END $f$;
DROP TRIGGER capture ON bookings;
CREATE TRIGGER capture AFTER INSERT ON bookings REFERENCING NEW TABLE AS analytics_new
    FOR EACH STATEMENT EXECUTE FUNCTION capture_arrays();
SQL
psql_q -c "INSERT INTO bookings (organization_id, customer_id, status) VALUES ('$A', 'c1', 'ACCEPTED')"
is "$(psql_q -c "SELECT count(*) FROM change_queue WHERE organization_id = '$A' AND customer_id = 'c1'")" 1 \
	"a single-organization insert, routed to one shard, queues its key"
psql_q -c "INSERT INTO bookings (organization_id, customer_id, status)
           SELECT id, 'c' || g, 'ACCEPTED' FROM organizations, generate_series(1, 3) g"
is "$(psql_q -c "SELECT count(*) FROM change_queue")" 25 \
	"one INSERT ... SELECT over eight organizations on both workers queues all 24 keys"
is "$(psql_q -c "SELECT count(*) FROM bookings b JOIN change_queue q USING (organization_id, customer_id)")" 27 \
	"each key queued with its organization, on the booking's own shard group (a co-located join finds them)"

# --- a function distributed by the organization ---------------------------------------------
psql_q <<'SQL'
CREATE FUNCTION org_consume(org uuid) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    n bigint;
    q bigint;
BEGIN
    CREATE TEMP TABLE org_scope ON COMMIT DROP AS
        SELECT DISTINCT customer_id FROM change_queue WHERE organization_id = org;
    SELECT count(*) INTO n FROM bookings b
     WHERE b.organization_id = org AND b.customer_id IN (SELECT customer_id FROM org_scope);
    DELETE FROM change_queue WHERE organization_id = org;
    GET DIAGNOSTICS q = ROW_COUNT;
    RETURN format('%s %s %s', current_setting('unix_socket_directories'), n, q);
END $f$;
SELECT create_distributed_function('org_consume(uuid)', 'org', colocate_with => 'organizations');
SQL
is "$(psql_q -c "SELECT org_consume('$B')")" "$T/w2.sock.d 3 3" \
	"SELECT f(org) runs on the worker holding the organization, its temp table and its DELETE included"
is "$(psql_q -c "SELECT count(*) FROM change_queue WHERE organization_id = '$B'")" 0 \
	"and what it deleted is gone"

# --- one transaction over both workers --------------------------------------------------------
OUT=$(psql_q <<SQL 2>&1
BEGIN;
CREATE TEMP TABLE ca_keys ON COMMIT DROP AS SELECT 'c1'::text AS customer_id UNION ALL SELECT 'c2';
DECLARE s BINARY NO SCROLL CURSOR FOR
    SELECT organization_id, customer_id FROM bookings
     WHERE organization_id = '$A' AND customer_id = ANY (ARRAY(SELECT customer_id FROM ca_keys));
MOVE ALL FROM s;
CLOSE s;
UPDATE bookings SET status = 'NO_SHOW' WHERE organization_id = '$A' AND customer_id = 'c1';
UPDATE bookings SET status = 'NO_SHOW' WHERE organization_id = '$B' AND customer_id = 'c1';
COMMIT;
SQL
)
is "$OUT" "" "a transaction with a temp table, a cursor over one organization and writes on both workers commits"
is "$(psql_q -c "SELECT count(*) FROM bookings WHERE status = 'NO_SHOW' AND organization_id IN ('$A', '$B')")" 3 \
	"with both workers' changes in place"

t_done
