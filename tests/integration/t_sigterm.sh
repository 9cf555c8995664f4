#!/bin/bash
# SPDX-License-Identifier: ISC
# SIGTERM during a refresh: the run is cancelled without waiting for it,
# its transaction rolled back, the cancellation recorded, the waiting client
# told, and the daemon exits 0 well within 10 s.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new sigterm || exit 1
export ANALYTICSD_TEST_AS_OF='2026-11-20 09:30:00+00'
daemon_start d0
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ctl refresh full >/dev/null 2>&1
daemon_stop d0
psql_q -c "update payments set tip_cents = tip_cents + 7 where status = 'COMPLETED'"
BEFORE=$(psql_q -c "select md5(string_agg(ca::text, '|' order by organization_id, square_customer_id)) from customer_analytics ca")

ANALYTICSD_TEST_SLEEP_S=30 daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
"$BIN/analyticsctl" -s "$SOCK" --json refresh full >"$T/waiter.json" 2>/dev/null &
WAITER=$!
wait_for "the run" 10 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.job.kind == \"refresh\"'"
sleep 0.5
START=$(date +%s%N)
PID=$(daemon_pid d1)
kill -TERM "$PID"
wait "$PID"; RC=$?
MS=$(( ($(date +%s%N) - START) / 1000000 ))
eval "PID_d1="
is "$RC" 0 "the daemon exits 0 on SIGTERM during a run"
check "it stops within 10 s (took $MS ms)" test "$MS" -lt 10000
daemon_log_clean d1
wait "$WAITER"; is "$?" 75 "the waiting client is told (exit 75, shutting down)"
is "$(jq -r -s "last | .error.code" "$T/waiter.json")" shutting_down "with the reason"
is "$(psql_q -c "select md5(string_agg(ca::text, '|' order by organization_id, square_customer_id)) from customer_analytics ca")" "$BEFORE" \
	"the cancelled run's transaction was rolled back: the table is unchanged"
is "$(psql_q -c "select status || ' ' || sqlstate from analytics_refresh_runs order by id desc limit 1")" "cancelled 57P01" \
	"the run is recorded as cancelled"
check "the server aborts the cancelled statement within seconds" wait_for "backend gone" 5 sh -c "[ \"\$(psql -X -A -t -c \"select count(*) from pg_stat_activity where application_name like 'analyticsd/%'\")\" = 0 ]"
t_done
