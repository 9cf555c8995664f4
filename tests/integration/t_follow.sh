#!/bin/bash
# SPDX-License-Identifier: ISC
# Follow mode (refresh.follow_interval_s): the daemon runs `refresh incremental` by itself
# when changes are queued or rows are due. 30 simulated hours of writes (tests/simulate.py),
# no refresh asked for, and after each hour, once the daemon has caught up, the oracle finds
# no wrong row at that hour's as_of. Follow runs are recorded with trigger `follow`, an idle
# tick records nothing, status shows the mode, and a pause holds it until resume.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new follow || exit 1
connected() { wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"; }
queued() { psql_q -c "select count(*) from analytics_change_queue"; }
hour_end() { psql_q -c "select to_char(timestamptz '$ANCHOR' + interval '1 hour' * $1, 'YYYY-MM-DD HH24:MI:SSOF')"; }
# caught_up AS_OF: nothing queued, no job, nothing due, and a follow run at AS_OF.
caught_up() {
	[ "$(psql -X -A -t -c "select (select count(*) from analytics_change_queue) = 0
	        and not exists (select from customer_analytics_stored where next_change_at <= timestamptz '$1')
	        and exists (select from analytics_refresh_runs where trigger = 'follow' and status = 'succeeded'
	                     and as_of = timestamptz '$1')")" = t ] &&
	"$BIN/analyticsctl" -s "$SOCK" --json status | jq -e '.result.current == null and (.result.queued | length) == 0' >/dev/null
}

export ANALYTICSD_TEST_AS_OF=@$T/as_of
: >"$T/as_of"
FOLLOW_INTERVAL_S=1 daemon_start d1
connected
ctl_json status
is "$(jget .result.follow.enabled)" true "status shows follow mode on"
is "$(jget .result.follow.interval_ms)" 1000 "with its interval, in milliseconds"
like "$(ctl status)" "follow: +refresh incremental every 1 s" "the human status says so too"

ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ANCHOR=$(psql_q -c "select to_char(min(created_at) + interval '3 years', 'YYYY-MM-DD HH24:MI:SSOF') from organizations")
echo "$ANCHOR" >"$T/as_of"
ctl loyalty rebuild >/dev/null
check "the daemon refreshes the loaded data by itself" wait_for "the first follow run" 60 caught_up "$ANCHOR"
is "$(psql_q -c "select count(*) from customer_analytics")" \
	"$(psql_q -c "select count(*) from (select organization_id, square_customer_id from square_existing_clients union select organization_id, customer_id from bookings where customer_id is not null) k")" \
	"every customer has a row"

# Idle ticks record nothing.
RUNS=$(psql_q -c "select count(*) from analytics_refresh_runs")
sleep 3
is "$(psql_q -c "select count(*) from analytics_refresh_runs")" "$RUNS" "idle ticks record no run"

WRONG=0
for h in $(seq 1 30); do
	END=$(hour_end "$h")
	echo "$END" >"$T/as_of"
	python3 "$TESTS_DIR/simulate.py" "$h" "$END" | psql_q -v ON_ERROR_STOP=1 >/dev/null || not_ok "hour $h's writes apply"
	if ! wait_for "hour $h caught up" 60 caught_up "$END"; then
		not_ok "hour $h: the daemon caught up by itself"; WRONG=$((WRONG + 1)); continue
	fi
	if ! python3 "$TESTS_DIR/oracle.py" "$PGDATABASE" "$END" >"$T/oracle.out" 2>&1; then
		WRONG=$((WRONG + 1)); echo "# hour $h:"; sed 's/^/# /' "$T/oracle.out" | head -n 10
	fi
done
is "$WRONG" 0 "after each of 30 simulated hours, follow mode alone left every row equal to the oracle's"
is "$(psql_q -c "select string_agg(distinct mode || '/' || trigger, ',') from analytics_refresh_runs where kind = 'refresh'")" \
	"incremental/follow" "every refresh was an incremental run of follow mode"

# Paused: follow mode waits (quietly), and catches up after resume.
ctl pause --reason "testing follow" >/dev/null
END=$(hour_end 31)
echo "$END" >"$T/as_of"
python3 "$TESTS_DIR/simulate.py" 31 "$END" | psql_q -v ON_ERROR_STOP=1 >/dev/null
sleep 3
like "$(queued)" '^[1-9][0-9]*$' "while paused, follow mode leaves the queue alone"
ctl resume >/dev/null
check "after resume it catches up" wait_for "caught up after resume" 60 caught_up "$END"
check "the oracle agrees" python3 "$TESTS_DIR/oracle.py" "$PGDATABASE" "$END"
ctl_json check
is "$(jget '.result.checks[] | select(.name == "exactness") | .status')" pass "check's exactness audit passes"

# Turned off by a reload.
sed -i 's/follow_interval_s = 1;/follow_interval_s = 0;/' "$T/d1.conf"
ctl reload >/dev/null
ctl_json status
is "$(jget .result.follow.enabled)" false "a reload with follow_interval_s = 0 turns it off"
daemon_stop d1
t_done
