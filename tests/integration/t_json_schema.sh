#!/bin/bash
# SPDX-License-Identifier: ISC
# --json is an interface: every command's output, events and final object,
# errors included, is valid against its schema in docs/json/ (checked with
# python3's jsonschema by docs/json/validate.py), and carries the shapes
# the schemas promise: scope and requester objects, one "rows" object,
# run_id null until there is a run, integer milliseconds, RFC 3339 times.
. "$(dirname "$0")/../lib.sh"

if ! python3 -c 'import jsonschema' 2>/dev/null; then
	echo "# skipped: python3's jsonschema is missing (Debian: python3-jsonschema)"
	t_done; exit
fi
pg_start main && db_new json_schema || exit 1
ORG=11111111-1111-4111-8111-000000000001
ME=$(id -u)
RFC3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'

# jrun NAME ARGS...: analyticsctl --json ARGS into $T/NAME.json; sets OUT and RC.
jrun() {
	local name=$1; shift
	"$BIN/analyticsctl" -s "$SOCK" --json "$@" >"$T/$name.json" 2>"$T/$name.err"; RC=$?
	OUT=$(cat "$T/$name.json")
}
# valid SCHEMA NAME DESC: every object of $T/NAME.json is valid against docs/json/SCHEMA.json.
valid() {
	if python3 "$SRC_DIR/docs/json/validate.py" "$SRC_DIR/docs/json/$1.json" <"$T/$2.json" \
		>"$T/valid.out" 2>&1; then
		ok "$3"
	else
		not_ok "$3"; sed 's/^/#   /' "$T/valid.out" | head -n 20; head -c 1500 "$T/$2.json" | sed 's/^/#   /'
	fi
}
# invalid SCHEMA DESC < JSON: the validator must refuse it (a schema that can fail).
invalid() {
	if python3 "$SRC_DIR/docs/json/validate.py" "$SRC_DIR/docs/json/$1.json" >"$T/valid.out" 2>&1; then
		not_ok "$2"; sed 's/^/#   /' "$T/valid.out"
	else
		ok "$2"
	fi
}
# on NAME FILTER: jq FILTER over every object of $T/NAME.json, slurped.
on() { jq -r -s "$2" "$T/$1.json"; }
status_is() { "$BIN/analyticsctl" -s "$SOCK" --json status | jq -e "$1" >/dev/null; }

# Refreshes and rebuilds sleep 2 s in their transaction (the test-only hook),
# so that a request can be queued behind one.
ANALYTICSD_TEST_SLEEP_S=2 daemon_start d1
wait_for "connected" 20 status_is '.result.database.state == "connected"'

jrun status0 status
valid status status0 "status before any migration"
is "$(jget '.result.uptime_ms | type')" number "status: uptime_ms is a number"
is "$(jget '.result.uptime_ms | . == floor')" true "and an integer (milliseconds)"
like "$(jget .result.started_at)" "$RFC3339" "status: started_at is RFC 3339"
like "$(jget .result.database.since)" "$RFC3339" "and so is the database's since"
jrun migrate_status0 migrate status
valid migrate migrate_status0 "migrate status, nothing applied"

jrun migrate migrate up
is "$RC" 0 "migrate up"
valid migrate migrate "migrate up: its events and outcome"
is "$(jget .result.run_id)" null "a migration has no run record: run_id null"
jrun migrate_status migrate status
valid migrate migrate_status "migrate status, every migration applied"
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1

# A waiting refresh: its events as JSON lines, then the outcome.
"$BIN/analyticsctl" -s "$SOCK" --json refresh full >"$T/full.json" 2>"$T/full.err" &
FULL=$!
wait_for "the refresh to run" 10 status_is '.result.current.kind == "refresh"'
# Queued behind it: a rebuild, whose run does not exist yet.
jrun queued loyalty rebuild --no-wait
valid loyalty queued "loyalty rebuild --no-wait (queued)"
is "$(jget .result.state)" queued "the rebuild is queued behind the refresh"
is "$(jget '.result | has("run_id")')" true "a queued job has run_id"
is "$(jget .result.run_id)" null "and it is null, not 0"
is "$(jget .result.requested_by.uid)" "$ME" "requested_by.uid is who asked"
like "$(jget .result.requested_by.pid)" '^[1-9][0-9]*$' "requested_by.pid is a pid"
is "$(jget '.result.scope | tojson')" '{}' "a rebuild of every organization has an empty scope"
jrun joined refresh recent --days 1 --no-wait
valid refresh joined "refresh --no-wait (joined)"
is "$(jget .result.state)" joined "a recent refresh joins the running full one"
jrun status_busy status
valid status status_busy "status with a job running and one queued"
is "$(jget '.result.job.elapsed_ms | type')" number "status: the job's elapsed_ms is a number"
is "$(jget '.result.queued[0].run_id')" null "status: the queued job's run_id is null"
wait "$FULL"; is "$?" 0 "refresh full succeeds"
valid refresh full "refresh full: accepted, progress events, outcome"
like "$(on full '[.[] | select(.event == "progress")] | length')" '^[1-9][0-9]*$' "progress events came before the result"
is "$(on full '[.[] | select(.event == "progress") | .elapsed_ms | type == "number" and . == floor] | all')" true \
	"every progress event's elapsed_ms is an integer"
is "$(on full '.[0].event')" accepted "the first line is the accepted event"
is "$(on full '.[0].requested_by.uid')" "$ME" "which names the requester by uid"
is "$(on full 'last | .result.rows | keys | join(",")')" "deleted,inserted,unchanged,updated" \
	"the outcome's rows: inserted, updated, deleted, unchanged"
like "$(on full 'last | .result.run_id')" '^[1-9][0-9]*$' "the outcome names its run"
like "$(on full 'last | .result.duration_ms')" '^[0-9]+$' "and its duration in ms"
wait_for "the queued rebuild to end" 60 status_is '.result.current == null and (.result.queued | length) == 0'

jrun recent refresh recent --days 1
valid refresh recent "refresh recent --days 1"
is "$(jget .result.scope.days)" 1 "scope.days is 1 for refresh recent --days 1"
is "$(on recent '[.[] | select(.event == "progress")][0].scope.days')" 1 "and in its progress events"
jrun org refresh org "$ORG"
valid refresh org "refresh org"
is "$(jget .result.scope.organization_id)" "$ORG" "scope.organization_id names the organization"
jrun incremental refresh incremental
valid refresh incremental "refresh incremental"
if [ "$(jget .result.status)" = nothing_to_do ]; then
	is "$(jget .result.run_id)" null "nothing to do: no run, run_id null"
else
	like "$(jget .result.run_id)" '^[1-9][0-9]*$' "an incremental run names its run"
fi
jrun loyalty loyalty rebuild --org "$ORG"
valid loyalty loyalty "loyalty rebuild --org"
is "$(jget .result.scope.organization_id)" "$ORG" "a rebuild's scope names its organization"
is "$(jget '[.result.tables[]] as $t | [.result.rows | keys[] as $k | .[$k] == ($t | map(.[$k]) | add)] | all')" true \
	"its tables' counts, in the rows shape, add up to the run's rows"

jrun runs runs --limit 50
valid runs runs "runs"
is "$(jget '[.result.runs[] | select(.scope.days == 1)] | length')" 1 "runs: the recent run's scope is {days: 1}"
is "$(jget '[.result.runs[] | .requested_by.uid == '"$ME"'] | all')" true "runs: requested_by.uid on every run"
is "$(jget '[.result.runs[] | .rows | type] | unique | join(",")')" object "runs: every run's counts are one rows object"
is "$(jget '[.result.runs[] | has("rows_inserted") or has("id")] | any')" false "and none is flattened or named id"
jrun check check
valid check check "check"
jrun metrics metrics
valid metrics metrics "metrics"
like "$(jget .result.started_at)" "$RFC3339" "metrics: started_at is RFC 3339"
like "$(jget '.result.runs[0].last_finished_at')" "$RFC3339" "metrics: a run's last_finished_at too"
is "$(jget '.result.follow_interval_ms')" 0 "metrics: follow_interval_ms"

jrun dry rollback --dry-run
valid rollback dry "rollback --dry-run"
is "$(jget '.result.runs[0].rows | keys | join(",")')" "deleted,inserted,unchanged,updated" \
	"a dry run's runs have the one rows shape"
DRY=$(jget '.result.rows | tojson')
jrun rollback rollback
valid rollback rollback "rollback: events and outcome"
is "$(jget '.result.rows | tojson')" "$DRY" "it did what the dry run said, in the same shape"
jrun status_paused status
valid status status_paused "status while paused"
like "$(jget .result.paused.paused_by.uid)" '^[0-9]+$' "status: paused_by is a requester"
jrun pause pause --reason "json schema test"
valid pause pause "pause"
is "$(jget .result.paused_by.uid)" "$ME" "pause: paused_by.uid"
like "$(jget .result.paused_at)" "$RFC3339" "pause: paused_at is RFC 3339"
jrun resume resume
valid resume resume "resume"
is "$(jget .result.resumed_by.uid)" "$ME" "resume: resumed_by.uid"
jrun reload reload
valid reload reload "reload"
jrun cancel cancel
valid cancel cancel "cancel (nothing to cancel)"

# Errors: the daemon's, analyticsctl's usage, an unreachable daemon, a refusal.
jrun bad_org refresh org 11111111-1111-4111-8111-999999999999
is "$RC" 64 "refresh of an unknown organization: exit 64"
valid refresh bad_org "the daemon's error envelope"
jrun usage refresh sideways
is "$RC" 64 "a usage error: exit 64"
valid refresh usage "analyticsctl's usage error envelope"
"$BIN/analyticsctl" -s "$T/nobody-listens.sock" --json status >"$T/down.json" 2>/dev/null; RC=$?
is "$RC" 69 "an unreachable daemon: exit 69"
valid status down "the unavailable error envelope"
if [ "$ME" = 0 ] && id nobody >/dev/null 2>&1; then
	chmod 0666 "$SOCK"      # stand-in for membership of the socket's group
	runuser -u nobody -- "$BIN/analyticsctl" -s "$SOCK" --json pause >"$T/denied.json" 2>/dev/null; RC=$?
	is "$RC" 77 "a reader's pause: exit 77"
	valid pause denied "the not_authorized error envelope"
fi

# The schemas can fail: the old shapes and a stray member are refused.
invalid status "a status with a member the schema does not know is refused" \
	< <(jq -c '.result.surprise = 1' "$T/status0.json")
invalid refresh "a progress event with elapsed in seconds (the old shape) is refused" \
	<<<'{"event":"progress","kind":"refresh","mode":"full","scope":{},"phase":"computing","run_id":null,"elapsed_ms":"0.5"}'
invalid refresh "a scope as a string (the old shape) is refused" \
	< <(jq -c -s 'last | .result.scope = "days=1"' "$T/recent.json")
invalid runs "a run with flattened row counts is refused" \
	< <(jq -c '.result.runs[0] |= (del(.rows) + {rows_inserted: 0})' "$T/runs.json")
invalid loyalty "a queued job with run_id 0 is refused" \
	< <(jq -c '.result.run_id = 0' "$T/queued.json")

# The daemon's own runs (follow mode) are requested by the daemon.
sed -i 's/follow_interval_s = 0;/follow_interval_s = 1;/' "$T/d1.conf"
ctl reload >/dev/null
psql_q -c "insert into bookings (organization_id, location_id, customer_id, status, start_at)
           select organization_id, location_id, customer_id, 'ACCEPTED', now() + interval '1 day'
             from bookings where customer_id is not null limit 1" >/dev/null
follow_run() { "$BIN/analyticsctl" -s "$SOCK" --json runs | jq -e '.result.runs[0].trigger == "follow"'; }
check "follow mode records a run" wait_for "a follow run" 30 follow_run
jrun follow runs --limit 1
valid runs follow "runs with a follow run"
is "$(jget '.result.runs[0].requested_by | tojson')" '{"daemon":true}' "a follow run's requester is the daemon"
jrun status_follow status
is "$(jget .result.follow.interval_ms)" 1000 "status: follow's interval_ms"
valid status status_follow "status with follow mode on"

daemon_stop d1
t_done
