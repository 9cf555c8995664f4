#!/bin/bash
# SPDX-License-Identifier: ISC
# make demo: the main job end to end on a throwaway PostgreSQL.
# Builds nothing itself (make does); starts a private cluster in a temp
# directory, starts analyticsd on it, migrates, loads the deterministic demo
# data, shows status, and stops everything again.
#   tools/demo.sh BUILD_DIR        (DEMO_KEEP=1 keeps the directory)
set -euo pipefail
BIN=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/analyticsd-demo.XXXXXX")
chmod 755 "$T"
. "$SRC/tools/cluster.sh"
DAEMON_PID=""

cleanup() {
	set +e
	if [ -n "$DAEMON_PID" ]; then kill -TERM "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID"; fi
	for c in $T_CLUSTERS; do pg_stop "$c"; done
	if [ -n "${DEMO_KEEP:-}" ]; then echo "demo: kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "starting a private PostgreSQL cluster in $T"
pg_start demo >/dev/null
"$PGBIN/createdb" analytics
export PGDATABASE=analytics
SOCK=$T/control.sock
ctl() { "$BIN/analyticsctl" -s "$SOCK" "$@"; }

cat >"$T/analyticsd.conf" <<CONF
# Demo configuration: the database comes from the PG* environment.
database = { conninfo = ""; };
control  = { socket = "$SOCK"; };
# The salon's loyalty scheme is a pilot: listing it here lets it accrue.
loyalty  = { pilot_organizations = [ "11111111-1111-4111-8111-000000000001" ]; };
CONF
step "starting analyticsd (log: $T/analyticsd.log)"
"$BIN/analyticsd" -c "$T/analyticsd.conf" 2>"$T/analyticsd.log" &
DAEMON_PID=$!
for _ in $(seq 100); do
	ctl --json status 2>/dev/null | grep -q '"state": "connected"' && break
	sleep 0.1
done

step "analyticsctl migrate up"
ctl migrate up

step "loading the demo data (sql/demo_data.sql)"
"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -f "$SRC/sql/demo_data.sql" >/dev/null
"$PGBIN/psql" -X -A -F ' ' -t -c "select 'organizations', count(*) from organizations
	union all select 'clients', count(*) from square_existing_clients
	union all select 'bookings', count(*) from bookings
	union all select 'payments', count(*) from payments"

step "analyticsctl loyalty rebuild (customers, profiles, booking points, balances)"
ctl loyalty rebuild

step "analyticsctl refresh full"
ctl refresh full

step "analyticsctl refresh full (again: nothing changed, nothing is written)"
ctl refresh full

step "a customer cancels a booking (psql); the capture trigger queues the customer"
"$PGBIN/psql" -X -c "update bookings set status = 'CANCELLED_BY_CUSTOMER', updated_at = now()
	where id = (select id from bookings where status = 'ACCEPTED' and start_at > now()
	            and customer_id is not null order by id limit 1)"
"$PGBIN/psql" -X -c "select count(*) queued_changes from analytics_change_queue"

step "analyticsctl refresh incremental (what changed, and what came due by the clock)"
ctl refresh incremental

step "analyticsctl refresh incremental (again: nothing queued, nothing due)"
ctl refresh incremental

step "segments (psql)"
"$PGBIN/psql" -X -c "select segment, count(*) customers, sum(visits_total) visits,
	round(avg(net_spend_cents) / 100.0, 2) avg_net_spend from customer_analytics
	group by segment order by customers desc"

step "loyalty: points per programme, and the top balances in customer_analytics (psql)"
"$PGBIN/psql" -X -c "select p.name programme, count(distinct e.customer_id) customers,
	count(*) filter (where e.reason = 'booking') booking_entries, sum(e.delta) points
	from loyalty_point_events e join loyalty_programs p on p.organization_id = e.organization_id
	and p.id = e.program_id group by p.name order by p.name"
"$PGBIN/psql" -X -c "select o.name organization, ca.display_name, ca.loyalty_points_balance balance,
	ca.loyalty_points_earned earned, ca.segment from customer_analytics ca
	join organizations o on o.id = ca.organization_id
	order by ca.loyalty_points_balance desc, ca.square_customer_id limit 5"

step "analyticsctl loyalty rebuild (again: idempotent, nothing changes)"
ctl loyalty rebuild

step "analyticsctl check"
ctl check || true

step "analyticsctl runs"
ctl runs --limit 5

step "analyticsctl status"
ctl status

step "analyticsctl metrics (the first lines)"
ctl metrics | grep -v '^#' | head -n 12

step "stopping"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=""
echo "analyticsd stopped cleanly"
