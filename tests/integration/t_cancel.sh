#!/bin/bash
# SPDX-License-Identifier: ISC
# analyticsctl cancel: the running job is stopped on the server (its transaction rolled
# back, its statement cancelled), recorded as cancelled under its own run id, and its
# waiter told so (exit 75, 'cancelled'); a queued job is dropped and never runs; the
# table is exactly as before; the next job runs normally. A reader may not cancel.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new cancel || exit 1
daemon_start d0
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ctl refresh full >/dev/null 2>&1
daemon_stop d0
SUM=$(psql_q -c "select md5(string_agg(t::text, '' order by t::text)) from customer_analytics t")

ANALYTICSD_TEST_SLEEP_S=60 daemon_start d1
ctl_json cancel
is "$RC" 0 "cancel with nothing running exits 0"
is "$(jget '.result.cancelled | length')" 0 "and cancels nothing"
like "$(ctl cancel)" "nothing to cancel" "and says so"

# A full refresh that sleeps 60 s inside its transaction, and a loyalty rebuild queued
# behind it (a full refresh would cover another refresh, which would join it).
( "$BIN/analyticsctl" -s "$SOCK" --json refresh full >"$T/full.out" 2>"$T/full.err"; echo $? >"$T/full.rc" ) &
wait_for "the full refresh to sleep" 20 sh -c "psql -X -A -t -c \"select count(*) from pg_stat_activity where query like '%pg_sleep%' and state = 'active' and pid <> pg_backend_pid()\" | grep -qx 1"
( "$BIN/analyticsctl" -s "$SOCK" --json loyalty rebuild >"$T/recent.out" 2>/dev/null; echo $? >"$T/recent.rc" ) &
wait_for "the loyalty rebuild to queue" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.queued | length == 1'"
RUN=$("$BIN/analyticsctl" -s "$SOCK" --json status | jq -r '.result.current.run_id')

ctl_json cancel all
is "$RC" 0 "cancel all exits 0"
is "$(jget '[.result.cancelled[] | .state + " " + .kind] | join(",")')" "running refresh,queued loyalty_rebuild" \
	"it names the running full refresh and the queued rebuild"
is "$(jget '.result.cancelled[0].run_id')" "$RUN" "with the running one's run id"
wait_for "the full refresh's client" 10 test -s "$T/full.rc"
is "$(cat "$T/full.rc")" 75 "the full refresh's client exits 75"
is "$(jq -r -s 'last | .error.code' <"$T/full.out")" cancelled "its error is 'cancelled'"
like "$(jq -r -s 'last | .error.message' <"$T/full.out")" "refresh full cancelled: cancelled by uid" "naming who"
is "$(jq -r -s 'last | .error.run_id' <"$T/full.out")" "$RUN" "and the run"
wait_for "the rebuild's client" 10 test -s "$T/recent.rc"
is "$(cat "$T/recent.rc")" 75 "the queued rebuild's client exits 75 too"
is "$(jq -r -s 'last | .error.code' <"$T/recent.out")" cancelled "its error is 'cancelled'"
is "$(psql_q -c "select status || ' ' || sqlstate from analytics_refresh_runs where id = $RUN")" "cancelled 57014" \
	"the run is recorded as cancelled (57014), under its id"
is "$(psql_q -c "select count(*) from analytics_refresh_runs where kind = 'loyalty_rebuild'")" 0 "the queued rebuild never ran"
is "$(psql_q -c "select count(*) from pg_stat_activity where query like '%pg_sleep%' and state = 'active' and pid <> pg_backend_pid()")" 0 \
	"the statement was cancelled on the server"
is "$(psql_q -c "select md5(string_agg(t::text, '' order by t::text)) from customer_analytics t")" "$SUM" \
	"customer_analytics is exactly as before"
ctl_json status
is "$(jget '.result.job')" null "no job runs afterwards"
daemon_stop d1

daemon_start d2
ctl_json refresh incremental
is "$RC" 0 "the next refresh runs normally"
if [ "$(id -u)" = 0 ]; then
	chmod 0755 "$T"; chmod 0666 "$SOCK"
	OUT=$(runuser -u nobody -- "$BIN/analyticsctl" -s "$SOCK" cancel 2>&1); RC=$?
	is "$RC" 77 "a reader's cancel is refused (77)"
fi
daemon_stop d2
t_done
