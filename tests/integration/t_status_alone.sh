#!/bin/bash
# SPDX-License-Identifier: ISC
# status never waits behind another reader: while a check waits on a lock (a session holds
# customer_analytics exclusively), status answers at once, with its database part, from a
# connection of its own. And check has one of its own too: pause, resume and capture status
# answer meanwhile, and a second check waits in line and is answered after the first.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new alone || exit 1
daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\" and .result.schema != null'"
ctl migrate up >/dev/null
"$PGBIN/psql" -X -q -c "begin; lock table customer_analytics in access exclusive mode; select pg_sleep(20)" >/dev/null 2>&1 &
LOCKER=$!
wait_for "the lock" 10 sh -c "[ \"\$(psql -X -A -t -c \"select count(*) from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'customer_analytics' and l.mode = 'AccessExclusiveLock'\")\" -ge 1 ]"
"$BIN/analyticsctl" -s "$SOCK" --json --timeout 0 check >/dev/null 2>&1 &
CHECK=$!
wait_for "check to wait on the lock" 10 sh -c "[ \"\$(psql -X -A -t -c \"select count(*) from pg_stat_activity where application_name = 'analyticsd/check' and wait_event_type = 'Lock'\")\" -ge 1 ]"
OUT=$("$BIN/analyticsctl" -s "$SOCK" --json --timeout 3 status); RC=$?
is "$RC" 0 "status answers while a check waits on a lock"
is "$(jq -r '.result.schema.version' <<<"$OUT")" "$(psql_q -c "select max(version) from schema_migrations")" \
	"with its database part (its own connection is not behind the check)"
OUT=$("$BIN/analyticsctl" -s "$SOCK" --json --timeout 3 pause --reason "while a check waits"); RC=$?
is "$RC" 0 "pause answers while a check waits on a lock (check has a connection of its own)"
OUT=$("$BIN/analyticsctl" -s "$SOCK" --json --timeout 3 resume); RC=$?
is "$RC" 0 "and so does resume"
OUT=$("$BIN/analyticsctl" -s "$SOCK" --json --timeout 3 capture status); RC=$?
is "$RC" 0 "and capture status"
"$BIN/analyticsctl" -s "$SOCK" --json --timeout 0 check >"$T/check2.json" 2>&1 &
CHECK2=$!
sleep 0.5
is "$(wc -c <"$T/check2.json")" 0 "a second check waits in line behind the first"
kill "$LOCKER" 2>/dev/null; wait "$LOCKER" 2>/dev/null
wait "$CHECK"
wait "$CHECK2"
is "$(jq -r '.ok' "$T/check2.json")" true "the second check is answered once the first is done"
daemon_stop d1
t_done
