#!/bin/bash
# SPDX-License-Identifier: ISC
# While a refresh runs: status answers, requests join or queue, a second
# daemon on the same database is refused (busy), and a failed run leaves the
# table untouched and is recorded as failed.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new runs || exit 1
export ANALYTICSD_TEST_AS_OF='2026-11-20 09:30:00+00'
ORG=11111111-1111-4111-8111-000000000001
connected() { wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$1' --json status | jq -e '.result.database.state == \"connected\"'"; }

# d1 refreshes slowly (a pg_sleep inside every run: the test-only hook).
ANALYTICSD_TEST_SLEEP_S=3 daemon_start d1
S1=$SOCK
daemon_start d2
S2=$SOCK
connected "$S1" && connected "$S2"
SOCK=$S1; ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1

table_md5() { psql_q -c "select md5(coalesce(string_agg((to_jsonb(ca) - 'computed_at')::text, '|' order by organization_id, square_customer_id), '')) from customer_analytics ca"; }

SOCK=$S1
# --timeout 2 during a 3 s statement: the daemon's heartbeat keeps it waiting.
"$BIN/analyticsctl" -s "$S1" --json --timeout 2 refresh org "$ORG" >"$T/full1.json" &
FULL1=$!
wait_for "the run to start" 10 sh -c "'$BIN/analyticsctl' -s '$S1' --json status | jq -e '.result.current.state == \"running\"'"

ctl_json --timeout 2 status
is "$RC" 0 "status answers while a refresh runs"
is "$(jget .result.job.kind)" refresh "status shows the running job"
like "$(jget .result.job.phase)" "." "status shows the run's phase"
is "$(jget .result.current.mode)" org "status shows the current run's mode"

# The same request joins the running refresh.
"$BIN/analyticsctl" -s "$S1" --json refresh org "$ORG" >"$T/org.json" &
JOIN=$!
# A request the running one does not cover is queued (once).
ctl_json refresh recent --days 7 --no-wait
is "$RC" 0 "refresh --no-wait returns at once"
is "$(jget .result.state)" queued "a refresh not covered by the running one is queued"
ctl_json refresh recent --days 3 --no-wait
is "$(jget .result.state)" queued "a narrower recent joins the queued one"
ctl_json status
is "$(jget '.result.queued | length')" 1 "status shows exactly one queued run"

# The other daemon on the same database must not run a second refresh.
SOCK=$S2
ctl_json refresh full
is "$RC" 75 "a second daemon's refresh while one runs is refused (exit 75)"
is "$(jq -r -s "last | .error.code" <<<"$OUT")" busy "the refusal says busy"
ctl_json migrate down
is "$RC" 75 "migrate down is refused while a run is in progress (exit 75)"
ctl_json rollback
is "$RC" 75 "rollback is refused while a run is in progress (exit 75)"
SOCK=$S1

wait "$FULL1"; is "$?" 0 "the first refresh succeeds, its client kept waiting by progress heartbeats"
ctl_json refresh full
is "$RC" 0 "a full refresh after them succeeds"
wait "$JOIN"; is "$?" 0 "the joined request succeeds"
is "$(jq -r -s "last | .result.run_id" "$T/org.json")" "$(jq -r -s "last | .result.run_id" "$T/full1.json")" \
	"the joined request reports the run it joined"
wait_for "the queued run" 20 sh -c "psql -X -A -t -c \"select count(*) from analytics_refresh_runs where mode = 'recent' and status = 'succeeded'\" | grep -qx 1"
is "$(psql_q -c "select count(*) from analytics_refresh_runs where mode = 'recent'")" 1 "the queued recent refresh ran once"
is "$(psql_q -c "select count(*) from analytics_refresh_runs a join analytics_refresh_runs b on a.id < b.id
	where a.started_at < b.finished_at and b.started_at < a.finished_at")" 0 "no two runs ever overlapped"

# A failed run: statement_timeout shorter than the run.
psql_q -c "update bookings set status = 'NO_SHOW' where id = (select id from bookings where status = 'ACCEPTED' order by id limit 1)"
BEFORE=$(table_md5)
daemon_stop d1
DATABASE_EXTRA='statement_timeout_s = 1;' ANALYTICSD_TEST_SLEEP_S=3 daemon_start d3
connected "$SOCK" || true
ctl_json refresh full
is "$RC" 1 "a refresh that hits statement_timeout fails with exit 1"
like "$(jq -r -s "last | .error.message" <<<"$OUT")" "57014" "the failure names the SQLSTATE"
is "$(table_md5)" "$BEFORE" "the failed run left customer_analytics untouched"
is "$(psql_q -c "select status || ' ' || sqlstate from analytics_refresh_runs order by id desc limit 1")" "failed 57014" \
	"the failed run is recorded with its SQLSTATE"
is "$(psql_q -c "select status || ' ' || (payload->>'sqlstate') from application_logs order by id desc limit 1")" "error 57014" \
	"and has an application_logs row"
daemon_stop d3
SOCK=$S2
ctl_json refresh full
is "$RC" 0 "the next run succeeds"
daemon_stop d2
t_done
