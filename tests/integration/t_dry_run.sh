#!/bin/bash
# SPDX-License-Identifier: ISC
# refresh --dry-run: what a run would recompute (the scope, the keys the change queue
# names, the queue's entries, the rows due), found by the run's own scoping statements in
# a transaction that is rolled back: nothing changes, nothing is recorded, a pause does not
# hold it, and the scope it gives is the one the real run then recomputes.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new dry || exit 1
daemon_start d1
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
state() {
	psql_q -c "select (select md5(string_agg(t::text, '' order by t::text)) from customer_analytics t),
	                  (select count(*) from analytics_change_queue),
	                  (select count(*) from analytics_refresh_runs)"
}

BEFORE=$(state)
ctl_json refresh full --dry-run
is "$RC" 0 "refresh full --dry-run exits 0"
is "$(jget .result.status)" dry_run "its status is dry_run"
FULL_SCOPE=$(jget .result.would.scope)
is "$(state)" "$BEFORE" "it changed nothing and recorded nothing"
ctl_json refresh full
is "$(jget '.result.rows | .inserted + .updated + .deleted + .unchanged')" "$FULL_SCOPE" \
	"the full refresh then recomputes the scope the dry run gave ($FULL_SCOPE)"

psql_q -c "update bookings set status = 'NO_SHOW' where id in (select id from bookings order by id limit 5)"
BEFORE=$(state)
ctl_json refresh incremental --dry-run
is "$RC" 0 "refresh incremental --dry-run exits 0"
python3 "$SRC_DIR/docs/json/validate.py" "$SRC_DIR/docs/json/refresh.json" <<<"$OUT" >/dev/null 2>&1
is "$?" 0 "its --json is valid against docs/json/refresh.json"
like "$(jget .result.would.keys_queued)" '^[1-5]$' "the queue names the customers of the 5 bookings"
is "$(jget .result.would.queue_entries)" "$(psql_q -c "select count(*) from analytics_change_queue")" \
	"and counts the queue's entries"
INC_SCOPE=$(jget .result.would.scope)
is "$(state)" "$BEFORE" "nothing changed: the table, the queue (not consumed) and the runs"
ctl pause --reason "dry run test" >/dev/null
ctl_json refresh incremental --dry-run --trigger timer
is "$RC" 0 "a pause does not hold a dry run (even a timer's)"
ctl resume >/dev/null
ctl_json refresh incremental
is "$(jget '.result.rows | .inserted + .updated + .deleted + .unchanged')" "$INC_SCOPE" \
	"the incremental run then recomputes the scope the dry run gave ($INC_SCOPE)"
like "$(ctl refresh recent --dry-run 2>/dev/null)" "refresh recent \\(days=[0-9]+\\) would recompute [0-9]+ customers" \
	"the human form says what a recent refresh would recompute"
ctl_json refresh org 00000000-0000-4000-8000-00000000dead --dry-run
is "$RC" 64 "a dry run for an organization nobody has exits 64"
daemon_stop d1

# Readers may ask for dry runs, so they have two places in the queue and no more.
ANALYTICSD_TEST_SLEEP_S=60 daemon_start d2
"$BIN/analyticsctl" -s "$SOCK" refresh full >/dev/null 2>&1 &
wait_for "the full refresh" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.job != null'"
ctl refresh recent --dry-run --no-wait >/dev/null 2>&1; is "$?" 0 "a first dry run queues"
ctl refresh incremental --dry-run --no-wait >/dev/null 2>&1; is "$?" 0 "a second one too"
ctl refresh recent --dry-run --no-wait >/dev/null 2>&1; is "$?" 0 "the same again joins the first"
ctl_json refresh full --dry-run --no-wait
is "$RC" 75 "a third is refused for now (75)"
like "$(jget .error.message)" "2 dry runs are queued already" "saying why"
ctl refresh incremental --force --no-wait >/dev/null 2>&1; is "$?" 0 "an operator's run still queues"
ctl cancel all >/dev/null
daemon_stop d2
t_done
