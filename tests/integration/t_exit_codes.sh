#!/bin/bash
# SPDX-License-Identifier: ISC
# Exit codes and messages that tell the truth: a refresh on a database never migrated says
# so and how to migrate; an organization that does not exist is a usage error (64) and no
# run is recorded; a socket the user may not open is "not authorized" (77); a client that
# gives up on a job it waits for is dropped at once, not when the job ends.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new exits || exit 1
ANALYTICSD_TEST_SLEEP_S=3 daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
runs() { psql_q -c "select count(*) from analytics_refresh_runs"; }

ctl_json refresh full
is "$RC" 1 "a refresh on a database never migrated fails (exit 1)"
like "$(jget .error.message)" "is the schema migrated\? analyticsctl migrate status" "and says how to find out"

# Help is not an error; a usage error says where help is, once, and names the command once.
for words in "help" "help refresh" "refresh --help" "runs -h" "--help"; do
	# shellcheck disable=SC2086
	out=$("$BIN/analyticsctl" -s "$SOCK" $words 2>&1); rc=$?
	is "$rc" 0 "analyticsctl $words exits 0"
	like "$out" "^Usage: analyticsctl" "and prints a usage"
done
like "$("$BIN/analyticsctl" help refresh)" "--days N" "help refresh lists refresh's options"
out=$("$BIN/analyticsctl" -s "$SOCK" refresh org 2>&1); rc=$?
is "$rc" 64 "refresh org without an id is a usage error (exit 64)"
is "$out" "analyticsctl: refresh: org needs an organization id
Try 'analyticsctl help refresh'." "in two lines: what is wrong, and where help is"
# Under --json, errors are JSON too, and a waiting job's progress streams as JSON lines.
out=$("$BIN/analyticsctl" -s "$SOCK" refresh sideways --json 2>/dev/null); rc=$?
is "$rc" 64 "a usage error under --json exits 64"
is "$(printf '%s' "$out" | jq -r '[.ok, .error.code] | join(" ")')" "false usage" "and prints {ok: false, error: {code: usage}}"
out=$("$BIN/analyticsctl" -s "$T/nobody.sock" --json status 2>/dev/null); rc=$?
is "$rc" 69 "an unreachable daemon under --json exits 69"
is "$(printf '%s' "$out" | jq -r .error.code)" unavailable "and prints error code unavailable"
out=$("$BIN/analyticsctl" -s "$SOCK" status --json); rc=$?
is "$rc" 0 "options may follow the command (status --json)"
is "$(printf '%s' "$out" | jq -r .ok)" true "and apply (JSON out)"

"$BIN/analyticsctl" -s "$SOCK" --json migrate up >"$T/migrate.jsonl" 2>/dev/null
is "$?" 0 "migrate up under --json"
check "streams its progress first, one JSON object per line" \
	sh -c "head -n 1 '$T/migrate.jsonl' | jq -e '.event != null'"
is "$(jq -r -s 'last | .ok' "$T/migrate.jsonl")" true "and ends with its result"
ctl_json runs --limit=1
is "$RC" 0 "--opt=value is accepted (runs --limit=1)"
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
NOBODY_ORG=99999999-9999-4999-8999-999999999999
ctl_json refresh org "$NOBODY_ORG"
is "$RC" 64 "refresh org with an organization nobody has is a usage error (exit 64)"
like "$(jget .error.message)" "there is no organization $NOBODY_ORG" "naming it"
is "$(runs)" 0 "and records no run"
ctl_json loyalty rebuild --org "$NOBODY_ORG"
is "$RC" 64 "so is loyalty rebuild --org of an organization nobody has"
is "$(runs)" 0 "which records no run either"
ctl_json refresh org 11111111-1111-4111-8111-000000000001
is "$RC" 0 "an organization that exists is refreshed"
ORG_RUN=$(jget .result.run_id)
# Tables (libsmartcols): the columns asked for, in that order, full ids, no headings.
is "$(ctl runs --limit 1 --no-headings -o status,id,scope | tr -s ' ')" \
	"succeeded $ORG_RUN org=11111111-1111-4111-8111-000000000001" \
	"runs -o STATUS,ID,SCOPE --no-headings: those columns, the organization's full id"
like "$(ctl runs --limit 1)" "^ID +KIND +MODE +SCOPE" "runs has headings by default"
like "$(ctl runs --limit 1)" "Z \([0-9]+ s ago\)" "and times in UTC with their age"
ctl runs -o nosuch >/dev/null 2>"$T/cols.err"
is "$?" 64 "an unknown column is a usage error"
like "$(cat "$T/cols.err")" "unknown column 'nosuch' \(columns: ID KIND" "naming the columns there are"

# A waiting client that goes away stops being a waiter at once.
"$BIN/analyticsctl" -s "$SOCK" --timeout 0 refresh full >/dev/null 2>&1 &
CLIENT=$!
wait_for "the client to wait" 10 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.current.waiters == 1'"
kill -KILL "$CLIENT"; wait "$CLIENT" 2>/dev/null
check "the daemon drops the gone client's wait before the run ends" wait_for "waiters 0" 2 \
	sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.current.waiters == 0'"
wait_for "the run to end" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.current == null'"
is "$(psql_q -c "select status from analytics_refresh_runs where mode = 'full' order by id desc limit 1")" succeeded \
	"the run it asked for still ran to the end"

if [ "$(id -u)" = 0 ]; then
	chmod 0660 "$SOCK"
	runuser -u nobody -- "$BIN/analyticsctl" -s "$SOCK" status >/dev/null 2>"$T/denied.err"; RC=$?
	is "$RC" 77 "a user the socket refuses gets exit 77 (not authorized), not 69"
	like "$(cat "$T/denied.err")" "Permission denied" "with the reason"
fi
daemon_stop d1
t_done
