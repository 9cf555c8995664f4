#!/bin/bash
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
is "$(jget '.result.checks[] | select(.name == "freshness") | .status')" warn "freshness warns before any refresh"
is "$(jget '.result.checks[] | select(.name == "row_count") | .status')" fail "row_count fails before any refresh"

ctl refresh full >/dev/null
ctl_json check
is "$RC" 0 "check passes right after a full refresh"
is "$(jget '.result.summary.fail')" 0 "no check fails"
is "$(jget '[.result.checks[].name] | sort | join(",")')" \
	"avg_ticket,daily_view,first_booking_at,freshness,referrals,row_count,schema,segments" "every check ran"
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
damage avg_ticket "update customer_analytics set avg_ticket_cents = avg_ticket_cents + 1 where organization_id || '/' || square_customer_id = '%s'"
damage first_booking_at "update customer_analytics set first_booking_at = first_booking_at - interval '1 day' where organization_id || '/' || square_customer_id = '%s'"
damage segments "update customer_analytics set is_vip = not is_vip where organization_id || '/' || square_customer_id = '%s'"
damage referrals "update customer_analytics set referrals_made = referrals_made + 1 where organization_id || '/' || square_customer_id = '%s'"
damage row_count "delete from customer_analytics where organization_id || '/' || square_customer_id = '%s'"

ctl_json check
is "$RC" 0 "a full refresh repairs every damage"

# Non-operators may run check (read-only).
if [ "$(id -u)" = 0 ]; then
	chmod 0666 "$SOCK"
	runuser -u nobody -- "$BIN/analyticsctl" -s "$SOCK" check >/dev/null; RC=$?
	is "$RC" 0 "an unprivileged user may run check"
fi
daemon_stop d1
t_done
