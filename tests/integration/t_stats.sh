#!/bin/bash
# SPDX-License-Identifier: ISC
# Plans that do not depend on autovacuum: a refresh right after a bulk load first analyzes
# the source tables whose statistics are stale (as autovacuum's threshold has it) and only
# those; and a booking without a location (migration 0009) is accepted end to end: the schema,
# the compute (local time is the organization's), the daily view and its check.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new stats || exit 1
psql_q -c "alter system set autovacuum = off" >/dev/null && psql_q -c "select pg_reload_conf()" >/dev/null
AS_OF='2026-11-20 09:30:00+00'
ANALYTICSD_TEST_AS_OF=$AS_OF daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
psql_q -c "analyze" >/dev/null
analyzed() { psql_q -c "select coalesce(last_analyze::text, 'never') from pg_stat_user_tables where relname = '$1'"; }

# A bulk load into bookings: far more than 10% of its rows.
psql_q -c "insert into bookings (organization_id, location_id, customer_id, status, start_at, created_at, updated_at)
           select organization_id, location_id, customer_id, status, start_at - interval '400 days',
                  created_at - interval '400 days', updated_at - interval '400 days'
             from bookings" >/dev/null
sleep 1                         # the statistics of the load reach pg_stat_user_tables
B0=$(analyzed bookings) P0=$(analyzed payments)
ctl_json refresh full
is "$RC" 0 "a full refresh right after a bulk load succeeds"
check "it analyzed bookings first (last_analyze $B0 -> $(analyzed bookings))" test "$(analyzed bookings)" != "$B0"
is "$(analyzed payments)" "$P0" "and left payments, whose statistics are current, alone"

# A booking without a location.
psql_q -c "insert into bookings (organization_id, location_id, customer_id, status, start_at, created_at, updated_at)
           select id, NULL, 'NOLOC-1', 'ACCEPTED', timestamptz '$AS_OF' - interval '3 days',
                  timestamptz '$AS_OF' - interval '4 days', timestamptz '$AS_OF' - interval '4 days'
             from organizations order by id limit 1"
is "$?" 0 "the schema accepts a booking without a location"
ctl_json refresh full
is "$RC" 0 "and a refresh computes its customer"
is "$(psql_q -c "select visits_total || ' ' || coalesce(first_visit_location_id::text, 'none') || ' ' || favourite_weekday
                 from customer_analytics where square_customer_id = 'NOLOC-1'")" \
	"1 none $(psql_q -c "select extract(isodow from (timestamptz '$AS_OF' - interval '3 days') at time zone o.timezone)
	                     from organizations o order by id limit 1")" \
	"its visit counts, at no location, on the organization's local weekday"
is "$(psql_q -c "select new_customers from analytics_appointments_by_location_daily
                 where location_id is null and new_customers > 0")" 1 \
	"the daily view has a row at no location with its new customer"
ctl_json check
is "$(jget '.result.checks[] | select(.name == "daily_view") | .status')" pass "and the daily view's check adds up"
check "the oracle agrees" python3 "$TESTS_DIR/oracle.py" "$PGDATABASE" "$AS_OF"
daemon_stop d1
t_done
