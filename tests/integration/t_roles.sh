#!/bin/bash
# SPDX-License-Identifier: ISC
# Deployed as the README's Deploying section says, with its own grant lines (read from the
# README itself): the platform's owner owns its tables, the application writes them with
# its own role, analyticsd migrates, refreshes, rolls back, checks and rebuilds as its own
# role, and the dashboards read with theirs. Then:
# - every kind of application write (insert, update, delete and truncate of bookings,
#   payments and clients; the ledger; events) succeeds and is captured, and the oracle agrees
#   after the next incremental run;
# - the application cannot read or change the queue, the undo log or customer_analytics; a
#   temporary table of its own named like the queue changes nothing;
# - a capture function can be replaced only by analyticsd's role, and then runs as
#   analyticsd, never as the writer; one that would run as the writer fails check;
# - writes applied as a replica (session_replication_role) are captured;
# - the dashboard reader reads customer_analytics and the daily view and nothing else;
# - capture off stops capture in one transaction; capture on waits for the writes that
#   found it off, and the next run leaves nothing stale.
. "$(dirname "$0")/../lib.sh"

pg_start main || exit 1
SUPER=$PGUSER
export PGDATABASE=booking
psql_q -d postgres -c "CREATE ROLE booking_owner LOGIN; CREATE ROLE booking_app LOGIN" &&
	psql_q -d postgres -c "CREATE DATABASE booking OWNER booking_owner" || exit 1

as_role() { local r=$1; shift; PGUSER=$r psql_q "$@"; }
# README BLOCK: the indented SQL lines of the README's Deploying section under the comment
# "-- BLOCK", up to the first blank line.
connected() { wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"; }
oracle() {
	python3 "$TESTS_DIR/oracle.py" "$PGDATABASE" "$1" >"$T/oracle.out" 2>&1
	local rc=$?
	[ "$rc" -ne 0 ] && sed 's/^/# /' "$T/oracle.out" | head -n 10
	return "$rc"
}
queued() { psql_q -c "select count(*) from analytics_change_queue"; }
one() { [ "$(PGUSER=$SUPER psql_q -c "$1")" = 1 ]; }
denied() {      # denied ROLE DESC SQL: the statement fails for lack of a privilege
	if as_role "$1" -c "$3" >"$T/denied.out" 2>&1; then not_ok "$2 (it succeeded)"
	elif grep -q 'permission denied\|must be owner' "$T/denied.out"; then ok "$2"
	else not_ok "$2"; sed 's/^/#   /' "$T/denied.out"; fi
}

# The platform: its tables, created by their owner, written by the application.
as_role booking_owner -1 -f "$SRC_DIR/sql/migrations/0001_source_schema.up.sql" >/dev/null 2>&1 ||
	not_ok "the platform's owner creates its tables"
as_role booking_owner -c "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON bookings, payments,
                          square_existing_clients, locations, organizations TO booking_app;
                          CREATE TABLE app_secret (x int); INSERT INTO app_secret VALUES (1);
                          GRANT SELECT ON app_secret TO booking_app"

SETUP=$(readme_block "-- as a superuser, in the platform's database")
like "$SETUP" 'GRANT booking_owner TO analyticsd' "the README has the superuser's grant lines"
check "the README's superuser lines run" psql_q -v ON_ERROR_STOP=1 -c "$SETUP"

ANALYTICSD_TEST_AS_OF=@$T/as_of
export ANALYTICSD_TEST_AS_OF
: >"$T/as_of"
CONNINFO="user=analyticsd dbname=booking" daemon_start d1
connected
ctl_json migrate up
is "$RC" 0 "analyticsd's role applies every migration"
is "$(psql_q -c "select count(*) from pg_proc where proname like 'analytics\_capture\_%'
                    and pg_get_userbyid(proowner) = 'analyticsd' and prosecdef")" 9 \
	"the 9 capture functions are analyticsd's, SECURITY DEFINER"
is "$(psql_q -c "select count(*) from pg_trigger where tgname like 'analytics\_capture\_%' and tgenabled <> 'A'")" 0 \
	"every capture trigger is ENABLE ALWAYS"
# An installation at 0010 (capture with the writer's rights) is fixed in place by 0011.
while [ "$(psql_q -c "select max(version) from schema_migrations")" -gt 10 ]; do
	ctl_json migrate down
	[ "$RC" = 0 ] || break
done
is "$(psql_q -c "select max(version) from schema_migrations")" 10 "back at 0010 (analyticsd still has the owner's role)"
as_role booking_owner -c "INSERT INTO organizations (id, name) VALUES ('00000000-0000-4000-8000-000000000001', 'o');
	INSERT INTO locations (id, organization_id, name) VALUES ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', 'l');
	INSERT INTO bookings (organization_id, location_id, customer_id, status, start_at)
	VALUES ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', 'C1', 'ACCEPTED', now())" >/dev/null 2>&1
OUT=$(as_role booking_app -c "UPDATE bookings SET status = 'NO_SHOW' WHERE customer_id = 'C1'" 2>&1)
like "$OUT" 'permission denied for table analytics_change_queue' "at 0010 the application's write fails in the capture trigger"
ctl_json migrate up
is "$RC" 0 "0011 (and what follows) applied over it"
check "at 0011 the same write succeeds" as_role booking_app -c "UPDATE bookings SET status = 'NO_SHOW' WHERE customer_id = 'C1'"
as_role booking_owner -c "DELETE FROM bookings WHERE customer_id = 'C1'; DELETE FROM locations WHERE name = 'l';
	DELETE FROM organizations WHERE name = 'o'" >/dev/null
check "the README's lines after the migration run (superuser)" \
	psql_q -v ON_ERROR_STOP=1 -c "$(readme_block "-- as a superuser, after the migration")"
check "the README's lines after the migration run (analyticsd)" \
	as_role analyticsd -v ON_ERROR_STOP=1 -c "$(readme_block "-- as analyticsd, after the migration")"
check "the README's lines for the ledger and events run (analyticsd)" \
	as_role analyticsd -v ON_ERROR_STOP=1 -c "$(readme_block "-- as analyticsd, if the application writes the ledger or events")"
is "$(psql_q -c "select pg_has_role('analyticsd', 'booking_owner', 'MEMBER')")" f \
	"analyticsd no longer has the owner's role"

# Data (the demo's, loaded by the superuser), the loyalty rebuild and a full refresh.
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ANCHOR=$(psql_q -c "select to_char(min(created_at) + interval '3 years', 'YYYY-MM-DD HH24:MI:SSOF') from organizations")
echo "$ANCHOR" >"$T/as_of"
ctl_json loyalty rebuild
is "$RC" 0 "a loyalty rebuild as analyticsd"
ctl_json refresh full
is "$RC" 0 "a full refresh as analyticsd"
check "the oracle agrees after it" oracle "$ANCHOR"

# The application's ordinary writes, three simulated hours, each followed by an incremental run.
hour_end() { psql_q -c "select to_char(timestamptz '$ANCHOR' + interval '1 hour' * $1, 'YYYY-MM-DD HH24:MI:SSOF')"; }
for h in 1 2 3; do
	END=$(hour_end "$h")
	BEFORE=$(queued)
	if python3 "$TESTS_DIR/simulate.py" "$h" "$END" | as_role booking_app -v ON_ERROR_STOP=1 >"$T/sim.out" 2>&1; then
		ok "hour $h: the application's writes succeed as booking_app"
	else
		not_ok "hour $h: the application's writes succeed as booking_app"; sed 's/^/#   /' "$T/sim.out" | head
	fi
	check "hour $h: they were captured ($BEFORE -> $(queued) entries)" test "$(queued)" -gt "$BEFORE"
	echo "$END" >"$T/as_of"
	ctl_json refresh incremental
	is "$RC" 0 "hour $h: incremental as analyticsd"
	check "hour $h: the oracle agrees" oracle "$END"
done
AS_OF=$END

# What simulate.py does not do: deleting client records, the ledger's updates and deletes,
# an event.
wrote() {      # wrote DESC SQL: booking_app runs it, it queues entries, the next run is exact
	local before
	before=$(queued)
	if as_role booking_app -v ON_ERROR_STOP=1 -c "$2" >"$T/w.out" 2>&1; then ok "$1 succeeds"
	else not_ok "$1 succeeds"; sed 's/^/#   /' "$T/w.out" | head -n 5; fi
	check "$1 is captured" test "$(queued)" -gt "$before"
}
wrote "deleting client records" \
	"DELETE FROM square_existing_clients WHERE square_customer_id IN
	   (SELECT square_customer_id FROM square_existing_clients ORDER BY md5(square_customer_id) LIMIT 3)"
wrote "updating manual ledger entries" \
	"UPDATE loyalty_point_events SET delta = delta + 7 WHERE reason = 'manual'"
wrote "deleting a manual ledger entry" \
	"DELETE FROM loyalty_point_events WHERE id = (SELECT min(id) FROM loyalty_point_events WHERE reason = 'manual')"
check "the application inserts an event (its contract checked)" as_role booking_app -c \
	"INSERT INTO analytics_events (organization_id, event_type, payload, schema_version)
	 SELECT id, 'booking.allocated', jsonb_build_object('version', 1, 'booking_id', gen_random_uuid(),
	        'allocation_status', 'allocated'), 1 FROM organizations LIMIT 1"
ctl_json refresh incremental
is "$RC" 0 "incremental after them"
check "the oracle agrees" oracle "$AS_OF"

# A temporary table named like the queue: pg_temp is never searched by the capture functions.
BEFORE=$(queued)
SHADOW=$(as_role booking_app -c "CREATE TEMP TABLE analytics_change_queue (LIKE public.bookings);
	UPDATE bookings SET updated_at = updated_at + interval '1 second', duration_minutes = duration_minutes + 5
	 WHERE id IN (SELECT id FROM bookings WHERE customer_id IS NOT NULL ORDER BY id LIMIT 50);
	SELECT count(*) FROM pg_temp.analytics_change_queue" 2>&1)
is "$SHADOW" 0 "the application's temporary analytics_change_queue got nothing"
is "$(( $(queued) - BEFORE ))" 100 "the real queue got the 50 bookings' old and new customers"
ctl_json refresh incremental
check "the oracle agrees after the shadowed writes' run" oracle "$AS_OF"

# What the application may not touch.
denied booking_app "the application cannot read the queue" "SELECT count(*) FROM analytics_change_queue"
denied booking_app "the application cannot add to the queue" "INSERT INTO analytics_change_queue (organization_id) VALUES (NULL)"
denied booking_app "the application cannot empty the queue" "DELETE FROM analytics_change_queue"
denied booking_app "the application cannot read the undo log" "SELECT count(*) FROM analytics_undo_log"
denied booking_app "the application cannot read customer_analytics" "SELECT count(*) FROM customer_analytics"
denied booking_app "the application cannot change customer_analytics" "UPDATE customer_analytics_stored SET computed_at = now()"
denied booking_app "the application cannot turn capture off in the table" "UPDATE analytics_control SET capture_enabled = false"
denied booking_app "the application cannot call analyticsd's functions" "SELECT public.analytics_capture_enabled()"
denied booking_app "the application cannot replace a capture function" \
	"CREATE OR REPLACE FUNCTION public.analytics_capture_bookings() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RETURN NULL; END \$\$"

# analyticsd's role may replace its function: the code then runs as analyticsd, which may
# not read the application's table, so the application's write fails rather than lending
# its rights.
ORIG=$(psql_q -c "select pg_get_functiondef('public.analytics_capture_bookings()'::regprocedure)")
as_role analyticsd -c "CREATE OR REPLACE FUNCTION public.analytics_capture_bookings() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	AS \$\$ BEGIN PERFORM count(*) FROM public.app_secret; RETURN NULL; END \$\$" >/dev/null
OUT=$(as_role booking_app -c "UPDATE bookings SET duration_minutes = duration_minutes
	WHERE id = (SELECT id FROM bookings ORDER BY id LIMIT 1)" 2>&1)
like "$OUT" 'permission denied for table app_secret' "a replaced capture function runs as analyticsd, not as the writer"
# One that would run as the writer is what check's capture_triggers fails on.
as_role analyticsd -c "ALTER FUNCTION public.analytics_capture_bookings() SECURITY INVOKER" >/dev/null
ctl_json check
is "$(jget '.result.checks[] | select(.name == "capture_triggers") | .status')" fail \
	"check fails capture_triggers when a capture function runs with the writer's rights"
like "$(jget '.result.checks[] | select(.name == "capture_triggers") | .keys[0]')" \
	"bookings .*writer's rights" "and names the trigger"
as_role analyticsd -c "$ORIG" >/dev/null
ctl_json check
is "$(jget '.result.checks[] | select(.name == "capture_triggers") | .status')" pass \
	"restored, capture_triggers passes (analyticsd is not a superuser)"

# A trigger left ENABLE (origin only) would miss a replica's writes: check says which.
as_role booking_owner -c "ALTER TABLE payments ENABLE TRIGGER analytics_capture_update" >/dev/null
ctl_json check
is "$(jget '.result.checks[] | select(.name == "capture_triggers") | .status')" fail \
	"check fails capture_triggers for a trigger that is not ENABLE ALWAYS"
like "$(jget '.result.checks[] | select(.name == "capture_triggers") | .keys[0]')" \
	"payments UPDATE: trigger not ENABLE ALWAYS" "and names it"
as_role booking_owner -c "ALTER TABLE payments ENABLE ALWAYS TRIGGER analytics_capture_update" >/dev/null

# Writes applied as a replica (logical replication's apply) fire ENABLE ALWAYS triggers.
BEFORE=$(queued)
psql_q -c "SET session_replication_role = replica;
	UPDATE payments SET refunded_cents = refunded_cents + 1
	 WHERE id IN (SELECT id FROM payments WHERE status = 'COMPLETED' AND customer_id IS NOT NULL ORDER BY id LIMIT 5)"
is "$(( $(queued) - BEFORE ))" 10 "a write applied as a replica is captured"
ctl_json refresh incremental
check "the oracle agrees after it" oracle "$AS_OF"

# Every mode, rollback and check as analyticsd.
for m in full "recent --days 30" "org $(psql_q -c "select id from organizations order by id limit 1")"; do
	# shellcheck disable=SC2086
	ctl_json refresh $m
	is "$RC" 0 "refresh $m as analyticsd"
done
ctl_json rollback
is "$RC" 0 "rollback as analyticsd"
ctl_json resume
ctl_json refresh incremental
is "$RC" 0 "incremental after the rollback"
check "the oracle agrees" oracle "$AS_OF"

# TRUNCATE: one whole-table entry, expanded by the next run.
check "the application truncates payments" as_role booking_app -c "TRUNCATE payments"
is "$(psql_q -c "select count(*) from analytics_queue_all")" 1 \
	"TRUNCATE queued one whole-table entry"
ctl_json refresh incremental
is "$RC" 0 "incremental after the TRUNCATE"
is "$(psql_q -c "select count(*) from customer_analytics where net_spend_cents <> 0")" 0 \
	"no customer has spend left"
check "the oracle agrees" oracle "$AS_OF"

# The dashboards' reader.
check "the reader reads customer_analytics, the columns evaluated when read included" \
	as_role analytics_reader -c "SELECT count(segment), sum(days_since_last_visit), max(expected_interval_days) FROM customer_analytics"
is "$(as_role analytics_reader -c "SET analytics.now = '2030-01-01 00:00+00'; SELECT count(*) FROM customer_analytics WHERE days_since_last_visit > 365")" \
	"$(psql_q -c "SELECT count(*) FROM customer_analytics_stored WHERE last_visit_at <= timestamptz '2030-01-01 00:00+00' - interval '366 days'")" \
	"and at an instant it pins with analytics.now"
denied analytics_reader "the reader cannot read the stored table" "SELECT count(*) FROM customer_analytics_stored"
check "the reader reads the daily view" as_role analytics_reader -c "SELECT count(*) FROM analytics_appointments_by_location_daily"
denied analytics_reader "the reader cannot read the bookings" "SELECT count(*) FROM bookings"
denied analytics_reader "the reader cannot read the runs" "SELECT count(*) FROM analytics_refresh_runs"
denied analytics_reader "the reader cannot read the queue" "SELECT count(*) FROM analytics_change_queue"
denied analytics_reader "the reader cannot call analyticsd's functions" \
	"SELECT * FROM analytics_org_params('11111111-1111-4111-8111-000000000001')"

# The switch.
ctl_json loyalty rebuild
is "$RC" 0 "a loyalty rebuild after the application's writes"
ctl_json refresh incremental
ctl_json check
is "$(jget '.result.summary.fail')" 0 "check as analyticsd fails nothing before the switch"
jget '.result.checks[] | select(.status == "fail") | "\(.name): \(.detail)"' | sed 's/^/#   /'

ctl_json capture off --reason "write path trouble"
is "$RC" 0 "capture off"
is "$(jget .result.changed)" true "turned it off"
BEFORE=$(queued)
check "the application writes while capture is off" as_role booking_app -c \
	"UPDATE bookings SET status = 'NO_SHOW' WHERE id IN (SELECT id FROM bookings WHERE status = 'ACCEPTED'
	   AND start_at < timestamptz '$AS_OF' ORDER BY md5(id::text) LIMIT 20)"
is "$(queued)" "$BEFORE" "nothing is queued while capture is off"
ctl_json status
is "$(jget .result.capture.enabled)" false "status shows capture off"
is "$(jget .result.capture.reason)" "write path trouble" "with its reason"
ctl_json check
is "$(jget '.result.checks[] | select(.name == "capture") | .status')" warn "check warns that capture is off"
like "$("$BIN/analyticsctl" -s "$SOCK" metrics)" 'analyticsd_capture_enabled 0' "metrics: analyticsd_capture_enabled 0"
ctl_json refresh incremental
if oracle "$AS_OF" >/dev/null 2>&1; then not_ok "uncaptured writes leave stale rows (the oracle disagrees)"
else ok "uncaptured writes leave stale rows (the oracle disagrees)"; fi

# A write in flight that found capture off: capture on waits for its commit.
as_role booking_app -c "BEGIN;
	INSERT INTO payments (organization_id, customer_id, amount_cents, status, created_at, updated_at)
	SELECT organization_id, customer_id, 4200, 'COMPLETED', timestamptz '$AS_OF' - interval '1 day',
	       timestamptz '$AS_OF' - interval '1 day'
	  FROM bookings WHERE customer_id IS NOT NULL ORDER BY id LIMIT 30;
	SELECT pg_sleep(3); COMMIT" >/dev/null 2>&1 &
WRITER=$!
wait_for "the writer's insert" 10 one "select count(*) from pg_stat_activity where usename = 'booking_app' and query like '%pg_sleep%'"
"$BIN/analyticsctl" -s "$SOCK" --json capture on >"$T/on.json" 2>&1 &
ON=$!
check "capture on waits for the write that found capture off" wait_for "a lock wait" 5 one \
	"select count(*) from pg_stat_activity where application_name = 'analyticsd/ctl' and wait_event_type = 'Lock'"
wait "$WRITER"
wait "$ON"
OUT=$(cat "$T/on.json")
is "$(jget .result.requeued)" true "capture on queued the whole table"
ctl_json refresh incremental
is "$RC" 0 "the next incremental run"
check "the oracle agrees: nothing written while capture was off stays stale" oracle "$AS_OF"
ctl_json check
is "$(jget '.result.checks[] | select(.name == "capture") | .status')" pass "check: capture is on again"

# The application empties its tables: one TRUNCATE, every customer recomputed (and deleted).
check "the application truncates bookings, payments and client records at once" \
	as_role booking_app -c "TRUNCATE bookings, payments, square_existing_clients"
ctl_json refresh incremental
is "$RC" 0 "incremental after it"
is "$(psql_q -c "select count(*) from customer_analytics where visits_total > 0 or net_spend_cents <> 0")" 0 \
	"no visit and no spend is left"
check "the oracle agrees" oracle "$AS_OF"

daemon_stop d1
t_done
