#!/bin/bash
# SPDX-License-Identifier: ISC
# analyticsd deployed on a Citus coordinator as docs/SCALE-OUT.md and the README say, with
# the README's roles: the platform's owner creates its tables (migration 0001's file) and lays
# them out for Citus (sql/citus_platform.sql); analyticsd migrates as its own role. Then:
# - every migration applies on the coordinator, and 0016 puts analyticsd's per-customer
#   tables beside the platform's (distributed by organization_id, co-located with bookings)
#   and analytics_control on every node (a reference table); the layout reverts and
#   re-applies;
# - the application's writes, on both workers, single-organization and spanning both, are
#   captured on the shards with the keys the single-server capture queues: bookings,
#   payments (with and without a payer), client records with their referrer, updates,
#   deletes, TRUNCATE (the whole-table entry), a location's and an organization's
#   timezone (reference tables), the ledger and its customers (analyticsd's own tables);
# - capture off queues nothing on the workers, capture on the whole-table entry;
# - status answers.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

CITUS_DB=booking
citus_start || { not_ok "a coordinator and two workers start"; t_done; }
SUPER=$PGUSER
# Roles and the database's owner, set on the coordinator, which gives them to the workers.
psql_q -c "CREATE ROLE booking_owner LOGIN" -c "CREATE ROLE booking_app LOGIN" \
	-c "ALTER DATABASE $CITUS_DB OWNER TO booking_owner" || exit 1
as_role() { local r=$1; shift; PGUSER=$r psql_q "$@"; }

# The platform: migration 0001's tables, laid out for Citus by their owner.
as_role booking_owner -1 -f "$SRC_DIR/sql/migrations/0001_source_schema.up.sql" >/dev/null 2>&1 &&
	as_role booking_owner -1 -f "$SRC_DIR/sql/citus_platform.sql" >"$T/platform.out" 2>&1
is "$?" 0 "the platform's owner creates its tables and distributes them (sql/citus_platform.sql)"
check "the platform's owner grants its application the writes" \
	as_role booking_owner \
	-c "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON bookings, payments, square_existing_clients TO booking_app" \
	-c "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON locations, organizations TO booking_app"
check "the README's superuser lines run on the coordinator" \
	psql_q -c "$(readme_block "-- as a superuser, in the platform's database")"

CONNINFO="host=$T/coord.sock.d user=analyticsd dbname=$CITUS_DB" daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
ctl_json migrate up
is "$RC" 0 "analyticsd's role applies every migration on the coordinator"
LATEST=$(ls "$SRC_DIR"/sql/migrations/*.up.sql | wc -l)
is "$(psql_q -c "SELECT max(version) FROM schema_migrations")" "$LATEST" "the schema is at the newest migration"

layout() {
	psql_q -c "SELECT string_agg(format('%s:%s', p.logicalrelid, CASE
	               WHEN p.partmethod = 'n' THEN 'reference'
	               WHEN p.colocationid = b.colocationid THEN 'with bookings'
	               ELSE 'apart' END), ' ' ORDER BY p.logicalrelid::text)
	             FROM pg_dist_partition p, pg_dist_partition b
	            WHERE b.logicalrelid = 'bookings'::regclass
	              AND p.logicalrelid::text NOT IN ('bookings', 'payments',
	                   'square_existing_clients', 'organizations', 'locations')"
}
WANT="analytics_change_queue:with bookings analytics_control:reference analytics_due:with bookings analytics_events:with bookings analytics_org_settings:with bookings analytics_undo_log:with bookings customer_analytics_stored:with bookings customer_profiles:with bookings customers:with bookings loyalty_point_events:with bookings loyalty_points:with bookings loyalty_programs:with bookings"
is "$(layout)" "$WANT" "analyticsd's per-customer tables are distributed with bookings, analytics_control is on every node"
ctl_json migrate down
is "$RC:$(layout)" "0:" "migrate down takes them back to the coordinator"
ctl_json migrate up
is "$RC:$(layout)" "0:$WANT" "and migrate up lays them out again"
check "the README's after-migration lines run" \
	psql_q -c "$(readme_block "-- as a superuser, after the migration")"
check "... and analyticsd's" as_role analyticsd -c "$(readme_block "-- as analyticsd, after the migration")"
check "... and its grants for an application that writes the ledger" \
	as_role analyticsd -c "$(readme_block "-- as analyticsd, if the application writes the ledger or events")"

# An organization whose rows are on each worker.
org_on() {
	local o
	for o in $(psql_q -c "SELECT gen_random_uuid() FROM generate_series(1, 64)"); do
		[ "$(psql_q -c "SELECT nodename FROM citus_shards
		                 WHERE table_name = 'bookings'::regclass
		                   AND shardid = get_shard_id_for_distribution_column('bookings', '$o')")" \
			= "$T/$1.sock.d" ] && { echo "$o"; return; }
	done
}
A=$(org_on w1) B=$(org_on w2)
like "$A $B" '^[0-9a-f-]{36} [0-9a-f-]{36}$' "an organization on each worker"
LA=00000000-0000-4000-8000-00000000000a LB=00000000-0000-4000-8000-00000000000b
as_role booking_app -c "INSERT INTO organizations (id, name) VALUES ('$A', 'a'), ('$B', 'b');
	INSERT INTO locations (id, organization_id, name) VALUES ('$LA', '$A', 'la'), ('$LB', '$B', 'lb')"

# queue: the entries, each as org-letter|customer|booking|location|email|phone|L ledger
# customer without the NULL ones (a whole-table entry: "all"), sorted and distinct (a
# reference table's trigger runs once per copy), then emptied.
queue() {
	psql_q -c "SELECT coalesce(string_agg(e, ' ' ORDER BY e), '') FROM (SELECT DISTINCT
	               concat_ws('|', CASE organization_id WHEN '$A' THEN 'A' WHEN '$B' THEN 'B' ELSE 'other' END,
	                         customer_id, CASE WHEN booking_id IS NOT NULL THEN 'bk' END,
	                         CASE location_id WHEN '$LA' THEN 'LA' WHEN '$LB' THEN 'LB' END,
	                         email_key, phone_key, 'L' || ledger_customer_id) AS e
	             FROM analytics_change_queue
	            UNION ALL
	           SELECT 'all' FROM analytics_queue_all) q"
	psql_q -c "DELETE FROM analytics_change_queue" -c "DELETE FROM analytics_queue_all"
}
queue >/dev/null

as_role booking_app -c "INSERT INTO bookings (organization_id, location_id, customer_id, status, start_at)
	VALUES ('$A', '$LA', 'a1', 'ACCEPTED', '2026-01-01 10:00+00')"
is "$(queue)" "A|a1" "a booking of one organization (one shard on w1) queues its customer"
as_role booking_app -c "INSERT INTO bookings (organization_id, location_id, customer_id, status, start_at)
	SELECT o, l, c, 'ACCEPTED', '2026-01-02 10:00+00'
	  FROM (VALUES ('$A'::uuid, '$LA'::uuid), ('$B', '$LB')) v (o, l), (VALUES ('c1'), ('c2')) w (c)"
is "$(queue)" "A|c1 A|c2 B|c1 B|c2" "one INSERT ... SELECT over both workers queues every key with its organization"
as_role booking_app -c "INSERT INTO payments (organization_id, booking_id, customer_id, amount_cents, status)
	SELECT organization_id, id, NULL, 1000, 'COMPLETED' FROM bookings WHERE customer_id = 'c1';
	INSERT INTO payments (organization_id, customer_id, amount_cents, status)
	VALUES ('$B', 'p9', 500, 'COMPLETED')"
is "$(queue)" "A|bk B|bk B|p9" "payments queue the payer, or the booking they pay"
as_role booking_app -c "INSERT INTO square_existing_clients (organization_id, square_customer_id, referred_by_customer_id)
	VALUES ('$A', 'r1', 'a1'), ('$B', 'r2', NULL)"
is "$(queue)" "A|a1 A|r1 B|r2" "client records queue the client and the referrer it names"
as_role booking_app -c "UPDATE bookings SET customer_id = 'c3' WHERE organization_id = '$B' AND customer_id = 'c2'"
is "$(queue)" "B|c2 B|c3" "an update queues the customer before and after"
as_role booking_app -c "DELETE FROM bookings WHERE customer_id = 'a1'"
is "$(queue)" "A|a1" "a delete queues the customer it removes"
as_role booking_app -c "UPDATE locations SET timezone = 'Europe/Paris' WHERE id = '$LA'"
is "$(queue)" "A|LA" "a location's new timezone (a reference table) queues the location"
as_role booking_app -c "UPDATE organizations SET timezone = 'Asia/Tokyo' WHERE id = '$B'"
is "$(queue)" "B" "an organization's new timezone queues the organization"
as_role booking_app -c "TRUNCATE payments"
is "$(queue)" "all" "TRUNCATE of a distributed table queues the whole-table entry"

# analyticsd's own tables: the ledger names a customer, whose contact is queued.
as_role analyticsd -c "INSERT INTO customers (organization_id, id, email_normalized) VALUES ('$A', 7, 'x@example.org');
	INSERT INTO loyalty_programs (organization_id, id, name) VALUES ('$A', '$LA', 'p')" >"$T/ledger.out" 2>&1
is "$(queue)" "A|x@example.org|" "a customer of the ledger queues its contact"
as_role booking_app -c "INSERT INTO loyalty_point_events (organization_id, customer_id, program_id, delta, reason)
	VALUES ('$A', 7, '$LA', 10, 'manual')" >>"$T/ledger.out" 2>&1
is "$(queue)" "A|L7" "a ledger entry written by the application queues its customer (the run looks up the contact)"

# The switch, read on the node each trigger runs on.
ctl_json capture off --reason "citus test"
is "$RC" 0 "capture off"
check "while it is off, a write on both workers succeeds" as_role booking_app -c "INSERT INTO bookings
	(organization_id, location_id, customer_id, status, start_at)
	VALUES ('$A', '$LA', 'off1', 'ACCEPTED', now()), ('$B', '$LB', 'off2', 'ACCEPTED', now())"
is "$(queue)" "" "and queues nothing"
# A write that found capture off, still open on w1: capture on must commit after it.
as_role booking_app -c "BEGIN" -c "INSERT INTO bookings (organization_id, location_id, customer_id, status, start_at)
	VALUES ('$A', '$LA', 'late', 'ACCEPTED', now())" -c "SELECT pg_sleep(2)" -c "COMMIT" >/dev/null 2>&1 &
WRITER=$!
wait_for "the open write" 10 sh -c "[ \"\$(PGUSER=$SUPER '$PGBIN/psql' -X -A -t -c \"SELECT count(*) FROM pg_stat_activity
	WHERE usename = 'booking_app' AND query LIKE '%pg_sleep%'\")\" = 1 ]"
ctl_json capture on
is "$RC:$(psql_q -c "SELECT count(*) FROM bookings WHERE customer_id = 'late'")" "0:1" \
	"capture on returns only once a write on a worker that found it off has committed"
wait "$WRITER"
is "$(queue)" "all" "and queues the whole-table entry"

ctl_json status
is "$RC:$(jget '.result.schema.version')" "0:$LATEST" "status answers from the coordinator"
daemon_stop d1
t_done
