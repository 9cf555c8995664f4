#!/bin/bash
# SPDX-License-Identifier: ISC
# The fault matrix (docs/RELIABILITY.md): the backend killed mid-refresh,
# PostgreSQL restarted mid-refresh, the daemon SIGKILLed mid-refresh, a
# client leaving mid-wait. In each, nothing half-written is ever visible
# (the table's checksum is the old one or the new one), the run records tell
# the truth, and the daemon serves on (or, after SIGKILL, its successor).
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new faults || exit 1
export ANALYTICSD_TEST_AS_OF='2026-11-20 09:30:00+00'
daemon_start d0
connected() { wait_for "connected" "${1:-20}" sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\" and .result.work_connection.state == \"connected\"'"; }
connected
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ctl refresh full >/dev/null 2>&1
daemon_stop d0

table_md5() { psql_q -c "select md5(string_agg(ca::text, '|' order by organization_id, square_customer_id)) from customer_analytics ca"; }
last_run() { psql_q -c "select status || ' ' || coalesce(sqlstate, '-') from analytics_refresh_runs where kind = 'refresh' order by id desc limit 1"; }
# change: a data change the next refresh must write (tips of every completed payment).
change() { psql_q -c "update payments set tip_cents = tip_cents + 1 where status = 'COMPLETED'" >/dev/null; }
# start_waiter: `refresh full` waiting in the background; returns once the run computes.
start_waiter() {
	"$BIN/analyticsctl" -s "$SOCK" --json refresh full >"$T/waiter.json" 2>"$T/waiter.err" &
	WAITER=$!
	wait_for "the run to compute" 10 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.job.phase == \"computing\"'"
}
work_backend() { psql_q -c "select pid from pg_stat_activity where application_name = 'analyticsd/work'"; }

# Every run below sleeps 3 s inside its transaction (after scoping), so that
# the fault strikes mid-run.
ANALYTICSD_TEST_SLEEP_S=3 daemon_start d1
connected

# --- 1. the backend killed mid-refresh ---------------------------------------------
change
BEFORE=$(table_md5)
start_waiter
psql_q -c "select pg_terminate_backend($(work_backend))" >/dev/null
wait "$WAITER"; RC=$?
is "$RC" 69 "backend killed: the waiting client is told the database went away (exit 69)"
like "$(jq -r -s "last | .error.message" "$T/waiter.json")" "terminat" "with the server's reason"
is "$(table_md5)" "$BEFORE" "backend killed: the table is unchanged"
like "$(last_run)" "^failed (57P01|08006)$" "backend killed: the run is recorded as failed, with the SQLSTATE of the lost connection"
check "backend killed: the work connection comes back by itself" connected 15
ctl_json refresh full
is "$RC" 0 "backend killed: the next refresh succeeds without a restart"
AFTER=$(table_md5)
check "and writes the change" test "$AFTER" != "$BEFORE"

# --- 2. PostgreSQL restarted mid-refresh -------------------------------------------
change
BEFORE=$(table_md5)
start_waiter
pg_stop main
wait "$WAITER"; RC=$?
is "$RC" 69 "PostgreSQL stopped: the waiting client is told (exit 69)"
ctl_json status
is "$RC" 3 "PostgreSQL down: status still answers (exit 3: the daemon runs without its database)"
is "$(jget .result.database.state)" "$(jget '.result.database.state | select(. != "connected")')" "and says the database is not connected"
pg_resume main
check "PostgreSQL back: the daemon reconnects by itself" connected 40
is "$(table_md5)" "$BEFORE" "PostgreSQL restarted: the table is unchanged"
check "the failure is recorded once the database is back" wait_for "the record" 10 sh -c \
	"[ \"\$(psql -X -A -t -c \"select status from analytics_refresh_runs where kind = 'refresh' order by id desc limit 1\")\" = failed ]"
like "$(psql_q -c "select sqlstate || ' ' || message from analytics_refresh_runs where kind = 'refresh' order by id desc limit 1")" \
	'^(57P01|08[0-9A-Z]{3}) ' "with the SQLSTATE of the lost connection"
ctl_json refresh full
is "$RC" 0 "PostgreSQL restarted: the next refresh succeeds without restarting the daemon"
check "and writes the change" test "$(table_md5)" != "$BEFORE"

# --- 3. a client that leaves mid-wait ------------------------------------------------
change
BEFORE=$(table_md5)
N=$(psql_q -c "select count(*) from analytics_refresh_runs")
start_waiter
kill -TERM "$WAITER"; wait "$WAITER" 2>/dev/null
check "client gone: the run goes on and succeeds" wait_for "the run" 15 sh -c \
	"[ \"\$(psql -X -A -t -c \"select count(*) || ' ' || max(status) filter (where id = (select max(id) from analytics_refresh_runs)) from analytics_refresh_runs\")\" = '$((N + 1)) succeeded' ]"
check "and writes the change" test "$(table_md5)" != "$BEFORE"
ctl_json status
is "$(jget .result.job)" null "client gone: the daemon is idle again"

# --- 3b. a refresh asked for right after the idle work connection was killed --------------
# The daemon has not noticed yet: the job finds the connection dead before it did anything,
# waits for it to come back (up to connect_timeout_s) and starts over.
change
psql_q -c "select pg_terminate_backend(pid, 5000) from pg_stat_activity where application_name = 'analyticsd/work'" >/dev/null
ctl_json refresh full
is "$RC" 0 "a refresh asked for just after its connection was killed waits for it and succeeds"
daemon_stop d1

# --- 4. the daemon SIGKILLed mid-refresh ------------------------------------------------
ANALYTICSD_TEST_SLEEP_S=3 daemon_start d2
connected
change
BEFORE=$(table_md5)
RUNS=$(psql_q -c "select count(*) from analytics_refresh_runs")
start_waiter
kill -KILL "$(daemon_pid d2)"; wait "$(daemon_pid d2)" 2>/dev/null; eval "PID_d2="
wait "$WAITER"; RC=$?
is "$RC" 69 "SIGKILL: the waiting client sees the daemon gone (exit 69)"
check "SIGKILL: the server notices the dead client and aborts its transaction" wait_for "backend gone" 10 sh -c \
	"[ \"\$(psql -X -A -t -c \"select count(*) from pg_stat_activity where application_name like 'analyticsd/%'\")\" = 0 ]"
is "$(table_md5)" "$BEFORE" "SIGKILL: nothing of the run is visible"
is "$(psql_q -c "select count(*) from analytics_refresh_runs where status = 'running'")" 0 \
	"SIGKILL: no run is left 'running' (the record was part of the run's transaction)"
is "$(psql_q -c "select count(*) from analytics_refresh_runs")" "$RUNS" "SIGKILL: the killed run left no record at all"
rm -f "$SOCK"
daemon_start d3
connected
ctl_json refresh full
is "$RC" 0 "SIGKILL: a new daemon's refresh succeeds (the run lock died with the session)"
check "and writes the change" test "$(table_md5)" != "$BEFORE"
is "$(last_run)" "succeeded -" "and is recorded"
daemon_stop d3
t_done
