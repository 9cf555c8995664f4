#!/bin/bash
# SPDX-License-Identifier: ISC
# Every kind of job (refresh, rollback, loyalty rebuild, migrate) is queued,
# joined and waited on the same way, and ends the same way: a migrate
# aborted by SIGTERM answers shutting_down (exit 75), as a refresh does.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new jobs || exit 1
export ANALYTICSD_TEST_AS_OF='2026-11-20 09:30:00+00'
ORG=11111111-1111-4111-8111-000000000001
connected() { wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"; }
idle() { wait_for "the jobs to end" 60 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.current == null and (.result.queued | length) == 0'"; }

# Refreshes sleep 3 s inside their transaction (the test-only hook), so
# that the requests below arrive while one runs.
ANALYTICSD_TEST_SLEEP_S=3 daemon_start d1
connected
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1

"$BIN/analyticsctl" -s "$SOCK" --json refresh full >"$T/refresh.json" 2>/dev/null &
REFRESH=$!
wait_for "the refresh to run" 10 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.current.kind == \"refresh\"'"

# A rollback waits behind it (and hears its own outcome), a rebuild is queued.
"$BIN/analyticsctl" -s "$SOCK" --json rollback >"$T/rollback.json" 2>"$T/rollback.err" &
ROLLBACK=$!
wait_for "the rollback to be queued" 10 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.queued[0].kind == \"rollback\"'"
ctl_json loyalty rebuild --force --no-wait
is "$RC" 0 "loyalty rebuild --no-wait returns at once"
is "$(jget .result.state)" queued "a loyalty rebuild requested during a refresh is queued"
is "$(jget .result.kind)" loyalty_rebuild "and says which kind of job it is"
ctl_json loyalty rebuild --org "$ORG" --force --no-wait
is "$(jget .result.state)" queued "a rebuild of one organization joins the queued rebuild of all"
is "$(jget '.result.scope | tojson')" '{}' "the one it joined (every organization: an empty scope)"
ctl_json migrate up --no-wait
is "$(jget .result.state)" queued "migrate up is queued too"
ctl_json migrate up --no-wait
is "$(jget .result.state)" queued "a second migrate up joins it"
ctl_json status
is "$(jget '[.result.queued[].kind] | join(",")')" "rollback,loyalty_rebuild,migrate" \
	"status lists the queued jobs of every kind, in order"
is "$(jget .result.job.kind)" refresh "and the running one"
ctl_json refresh full --no-wait
is "$(jget .result.state)" joined "a refresh the running one covers joins it"
like "$(ctl status)" "queued: +rollback rollback \(latest\)" "the human status names the queued kinds"

wait "$REFRESH"; is "$?" 0 "the refresh succeeds"
wait "$ROLLBACK"; is "$?" 0 "the queued rollback ran after it, and its waiter got the outcome"
REFRESH_ID=$(jq -r -s "last | .result.run_id" "$T/refresh.json")
is "$(jq -r -s 'last | .result.undone | join(",")' "$T/rollback.json")" "$REFRESH_ID" \
	"a rollback queued behind a refresh undoes the latest run when it starts"
is "$(jq -r -s "last | .result.kind" "$T/rollback.json")" rollback "the rollback's reply names its kind"
idle
is "$(psql_q -c "select string_agg(kind || ':' || status, ',' order by id) from analytics_refresh_runs")" \
	"refresh:rolled_back,rollback:succeeded,loyalty_rebuild:succeeded" \
	"the jobs ran once each, in the order asked, and the joined ones not again"
is "$(psql_q -c "select count(*) from analytics_refresh_runs a join analytics_refresh_runs b on a.id < b.id
	where a.started_at < b.finished_at and b.started_at < a.finished_at")" 0 "no two jobs ever overlapped"

# Not on a terminal (a timer's journal), progress is a line per phase, not one a second.
ctl refresh full --force >/dev/null 2>"$T/progress.err"
is "$(grep -c ': computing' "$T/progress.err")" 1 "a 3 s phase is one progress line, not one a second"
like "$(cat "$T/progress.err")" "applying" "and every phase is there"
idle

# Queued jobs are bounded, whatever their kind.
"$BIN/analyticsctl" -s "$SOCK" --json --timeout 0 refresh full --force >/dev/null 2>&1 &
BG=$!
wait_for "a refresh to run" 10 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.current.kind == \"refresh\"'"
for i in 1 2 3 4 5 6 7 8; do ctl_json rollback --to "$i" --no-wait; done
is "$(jget .result.state)" queued "eight rollbacks to different runs are queued"
ctl_json rollback --to 9 --no-wait
is "$RC" 75 "a ninth distinct job is refused as busy (exit 75)"
ctl_json rollback --to 3 --no-wait
is "$(jget .result.state)" queued "the same rollback joins the queued one"
wait "$BG"
idle

# SIGTERM while a migration waits for a lock: shutting_down, as for a refresh. 0009's down
# script alters bookings (the later ones touch no table), so the schema goes down to 0009
# first.
while [ "$(psql_q -c "select max(version) from schema_migrations")" -gt 9 ]; do
	ctl_json migrate down
	[ "$RC" = 0 ] || break
done
VERSION=$(psql_q -c "select max(version) from schema_migrations")
is "$VERSION" 9 "the schema is at 0009, whose down script waits for the bookings lock"
"$PGBIN/psql" -X -q -c "begin; lock table bookings in access share mode; select pg_sleep(60)" >/dev/null 2>&1 &
LOCKER=$!
wait_for "the lock" 10 sh -c "[ \"\$(psql -X -A -t -c \"select count(*) from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'bookings' and l.mode = 'AccessShareLock' and l.pid <> pg_backend_pid()\")\" -ge 1 ]"
"$BIN/analyticsctl" -s "$SOCK" --json migrate down >"$T/migrate.json" 2>/dev/null &
MIGRATE=$!
wait_for "migrate down to wait for the lock" 10 sh -c "[ \"\$(psql -X -A -t -c \"select count(*) from pg_stat_activity where application_name like 'analyticsd%' and wait_event_type = 'Lock'\")\" -ge 1 ]"
PID=$(daemon_pid d1)
kill -TERM "$PID"
wait "$PID"; is "$?" 0 "the daemon exits 0 on SIGTERM during a migration"
eval "PID_d1="
daemon_log_clean d1
wait "$MIGRATE"; is "$?" 75 "the waiting migrate is told the daemon is shutting down (exit 75)"
is "$(jq -r -s "last | .error.code" "$T/migrate.json")" shutting_down "with the code shutting_down"
kill "$LOCKER" 2>/dev/null; wait "$LOCKER" 2>/dev/null
is "$(psql_q -c "select max(version) from schema_migrations")" "$VERSION" "the aborted migration left the schema as it was"
t_done
