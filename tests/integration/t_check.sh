#!/bin/bash
# SPDX-License-Identifier: ISC
# analyticsctl check: passes on a fresh refresh, names each kind of damage
# with the offending keys, and exits 1 only when something fails.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new check || exit 1
daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"

ctl_json check
is "$RC" 1 "check fails before the schema is migrated"
is "$(jget '.result.checks[] | select(.name == "schema") | .status')" fail "the schema check says so"

ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ctl_json check
is "$(jget '.result.checks[] | select(.name == "freshness") | .status')" fail "freshness fails before any refresh"
is "$(jget '.result.checks[] | select(.name == "row_count") | .status')" fail "row_count fails before any refresh"

ctl_json check
is "$(jget '.result.checks[] | select(.name == "customers") | .status')" fail "customers fails before any loyalty rebuild"
like "$(jget '.result.checks[] | select(.name == "customers") | .detail')" "loyalty rebuild" "and says what to run"

ctl loyalty rebuild >/dev/null
ctl refresh full >/dev/null
ctl_json check
is "$RC" 0 "check passes right after a loyalty rebuild and a full refresh"
is "$(jget '.result.summary.fail')" 0 "no check fails"
is "$(jget '[.result.checks[].name] | sort | join(",")')" \
	"analytics_events,avg_ticket,capture,capture_triggers,contacts,customers,daily_view,exactness,first_booking_at,freshness,loyalty_awards,loyalty_balances,paused,referrals,row_count,schema,segments" \
	"every check ran"
is "$(jget '.result.checks[] | select(.name == "referrals") | .status')" warn \
	"a referrer that does not exist is a warning (the demo data has one)"

damage() {   # damage CHECK SQL: the check must fail and name the damaged row
	local key
	key=$(psql_q -c "select organization_id || '/' || square_customer_id from customer_analytics
		where visits_total > 1 and paid_visits > 0 order by 1 limit 1")
	psql_q -c "$(printf "$2" "$key")" >/dev/null
	ctl_json check
	is "$RC" 1 "check exits 1 when $1 is damaged"
	is "$(jget ".result.checks[] | select(.name == \"$1\") | .status")" fail "the $1 check fails"
	like "$(jget ".result.checks[] | select(.name == \"$1\") | .keys | join(\" \")")" "$key" "the $1 check names the row"
	ctl refresh full >/dev/null
}
damage avg_ticket "update customer_analytics_stored set avg_ticket_cents = avg_ticket_cents + 1 where organization_id || '/' || square_customer_id = '%s'"
damage first_booking_at "update customer_analytics_stored set first_booking_at = first_booking_at - interval '1 day' where organization_id || '/' || square_customer_id = '%s'"
# The segment is evaluated when read (analytics_scores): a broken rule, not a stored value,
# is what the segments check can find; the rule as sql/functions/ has it mends it.
BROKEN=$(sed "s/g\.seg = 'vip'/g.seg <> 'vip'/" "$SRC_DIR/sql/functions/analytics_scores.sql")
check "(the rule is broken: is_vip no longer follows the segment)" \
	test "$BROKEN" != "$(cat "$SRC_DIR/sql/functions/analytics_scores.sql")"
psql_q <<<"$BROKEN" >/dev/null
ctl_json check
is "$RC" 1 "check exits 1 when the segment rule is broken"
is "$(jget '.result.checks[] | select(.name == "segments") | .status')" fail "the segments check fails"
like "$(jget '.result.checks[] | select(.name == "segments") | .keys | length')" '^[1-5]$' "and names rows"
psql_q -f "$SRC_DIR/sql/functions/analytics_scores.sql" >/dev/null
damage referrals "update customer_analytics_stored set referrals_made = referrals_made + 1 where organization_id || '/' || square_customer_id = '%s'"
damage row_count "delete from customer_analytics_stored where organization_id || '/' || square_customer_id = '%s'"

ctl_json check
is "$RC" 0 "a full refresh repairs every damage"

# Loyalty damage: the check fails, names the key, and a rebuild repairs it.
loyalty_damage() {   # loyalty_damage CHECK SQL KEY_PATTERN
	psql_q -c "$2" >/dev/null
	ctl_json check
	is "$RC" 1 "check exits 1 when $1 is damaged"
	is "$(jget ".result.checks[] | select(.name == \"$1\") | .status")" fail "the $1 check fails"
	like "$(jget ".result.checks[] | select(.name == \"$1\") | .keys | join(\" \")")" "$3" "the $1 check names the row"
	ctl loyalty rebuild >/dev/null
	ctl_json check
	like "$(jget ".result.checks[] | select(.name == \"$1\") | .status")" '^(pass|warn)$' "a rebuild repairs $1"
}
BAL=$(psql_q -c "select organization_id || '/' || customer_id from loyalty_points order by 1 limit 1")
loyalty_damage loyalty_balances "update loyalty_points set balance = balance + 1 where organization_id || '/' || customer_id = '$BAL'" "$BAL"
AWARD=$(psql_q -c "select organization_id || '/' || booking_id from loyalty_point_events where reason = 'booking' order by 1 limit 1")
loyalty_damage loyalty_awards "update loyalty_point_events set delta = delta + 1 where organization_id || '/' || booking_id = '$AWARD';
	update loyalty_points p set balance = (select sum(delta) from loyalty_point_events e where (e.organization_id, e.customer_id, e.program_id) = (p.organization_id, p.customer_id, p.program_id))" "$AWARD"
CUST=$(psql_q -c "select organization_id || '/' || id from customers c where not exists (select 1 from loyalty_point_events e
	where e.organization_id = c.organization_id and e.customer_id = c.id) order by 1 limit 1")
loyalty_damage customers "delete from customer_profiles where organization_id || '/' || customer_id = '$CUST';
	delete from customers where organization_id || '/' || id = '$CUST'" "11111111"

# An event that breaks its contract can only be there if a constraint was lifted.
psql_q -c "alter table analytics_events drop constraint analytics_events_booking_waitlisted;
	insert into analytics_events (organization_id, event_type, payload, schema_version)
	values ('11111111-1111-4111-8111-000000000001', 'booking.waitlisted', '{\"version\": 1, \"booking_id\": \"x\"}', 1)" >/dev/null
ctl_json check
is "$(jget '.result.checks[] | select(.name == "analytics_events") | .status')" fail "an event breaking its contract fails analytics_events"
like "$(jget '.result.checks[] | select(.name == "analytics_events") | .detail')" "1 break their payload contract; 5 of the 6" \
	"and the detail counts it and the missing constraint"
like "$(jget '.result.checks[] | select(.name == "analytics_events") | .keys | join(" ")')" "booking.waitlisted" "and names the event"
psql_q -c "delete from analytics_events; alter table analytics_events add constraint analytics_events_booking_waitlisted
	check (event_type <> 'booking.waitlisted' or analytics_event_booking_waitlisted_ok(payload))" >/dev/null
ctl_json check
is "$RC" 0 "with the constraint back, check passes again"

# Non-operators may run check (read-only).
if [ "$(id -u)" = 0 ]; then
	chmod 0666 "$SOCK"
	runuser -u nobody -- "$BIN/analyticsctl" -s "$SOCK" check >/dev/null; RC=$?
	is "$RC" 0 "an unprivileged user may run check"
fi
# What an alert needs: a pause is a warning naming who, why and since when; a table not
# known exact for longer than check.max_age_s (default 2 h) fails, and check exits 1.
ctl pause --reason "restoring yesterday's dump" >/dev/null
ctl_json check
is "$(jget '.result.checks[] | select(.name == "paused") | .status')" warn "a pause is a warning"
like "$(jget '.result.checks[] | select(.name == "paused") | .detail')" \
	"paused by uid [0-9]+ pid [0-9]+ since [0-9T:-]+Z \(.*ago\): restoring yesterday's dump" "naming who, since when and why"
ctl resume >/dev/null
daemon_stop d1
# A daemon whose clock stands still (as_of pinned to now), so that a second incremental
# run finds nothing to do.
ANALYTICSD_TEST_AS_OF=$(psql_q -c "select now()") daemon_start d2
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
ctl refresh incremental >/dev/null
psql_q -c "update analytics_refresh_runs set started_at = started_at - interval '3 days',
                                          finished_at = finished_at - interval '3 days';
           update analytics_control set caught_up_at = caught_up_at - interval '3 days'"
ctl_json check
is "$RC" 1 "three days without a refresh: check exits 1"
is "$(jget '.result.checks[] | select(.name == "freshness") | .status')" fail "freshness fails past check.max_age_s"
like "$(jget '.result.checks[] | select(.name == "freshness") | .detail')" "3 days.*max_age_s is 7200 s" "and says how old and the limit"
RUNS=$(psql_q -c "select count(*) from analytics_refresh_runs")
ctl_json refresh incremental
is "$(jget .result.status)" nothing_to_do "an incremental run with nothing to do"
is "$(psql_q -c "select count(*) from analytics_refresh_runs")" "$RUNS" "records no run"
ctl_json check
is "$(jget '.result.checks[] | select(.name == "freshness") | .status')" pass \
	"but counts for freshness: the table was found exact"
daemon_stop d2
t_done
