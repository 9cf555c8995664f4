#!/bin/bash
# SPDX-License-Identifier: ISC
# analyticsctl metrics: the Prometheus text format, valid by promtool, with the figures an
# alert needs (up, database, schema, pause, last success and failure per kind and mode,
# runs by outcome, the change queue, rows due), written atomically with --output, and
# analyticsd_up 0 when the daemon does not answer.
. "$(dirname "$0")/../lib.sh"

if ! command -v promtool >/dev/null; then
	echo "# skipped: promtool (Debian package prometheus) is not installed; make deps installs it"
	t_done; exit
fi
pg_start main && db_new metrics || exit 1
daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
metric() { printf '%s\n' "$M" | awk -v k="$1" '$1 == k { print $2 }'; }

M=$(ctl metrics); RC=$?
is "$RC" 0 "metrics before any migration"
check "promtool accepts it" sh -c "printf '%s\n' \"\$1\" | promtool check metrics" _ "$M"
is "$(metric analyticsd_up)" 1 "analyticsd_up is 1"
is "$(metric analyticsd_schema_version)" 0 "no migration applied yet"
like "$(metric analyticsd_schema_pending_migrations)" '^[1-9][0-9]*$' "and the pending migrations counted"

ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ctl refresh full >/dev/null 2>&1
psql_q -c "insert into bookings (organization_id, location_id, customer_id, status, start_at)
           select organization_id, location_id, customer_id, 'ACCEPTED', now() + interval '1 day'
             from bookings where customer_id is not null limit 3"
ctl pause --reason "metrics test" >/dev/null
M=$(ctl metrics); RC=$?
is "$RC" 0 "metrics after runs"
check "promtool accepts it" sh -c "printf '%s\n' \"\$1\" | promtool check metrics" _ "$M"
sed 's/^/# /' <<<"$M" | head -n 80
is "$(metric analyticsd_database_up)" 1 "the database is up"
is "$(metric analyticsd_schema_pending_migrations)" 0 "nothing pending after migrate"
like "$(metric 'analyticsd_build_info{version="'"$("$BIN/analyticsctl" --version | awk '{ print $2 }')"'"}')" '^1$' "build info names the version"
is "$(metric 'analyticsd_runs_total{kind="refresh",mode="full",status="succeeded"}')" 1 "runs by kind, mode and status"
like "$(metric 'analyticsd_last_success_timestamp_seconds{kind="refresh",mode="full"}')" '^[0-9]{10}\.[0-9]+$' \
	"the last success of a full refresh as Unix time"
like "$(metric 'analyticsd_last_run_rows{kind="refresh",mode="full",change="inserted"}')" '^[1-9][0-9]*$' \
	"the last run's rows inserted"
is "$(metric analyticsd_paused)" 1 "paused is 1 while paused"
like "$(metric analyticsd_paused_since_timestamp_seconds)" '^[0-9]{10}' "and since when"
like "$(metric analyticsd_queue_entries)" '^[1-9][0-9]*$' "the change queue's entries"
like "$(metric analyticsd_queue_oldest_age_seconds)" '^[0-9.e+-]+$' "and the age of the oldest"
like "$(metric analyticsd_rows_due)" '^[0-9]+$' "the rows due by the clock"
is "$(metric analyticsd_follow_interval_seconds)" 0 "follow mode's interval (off here)"

ctl_json status
like "$(jget .result.last_runs.full.last_success_at)" '^20[0-9-]+T[0-9:]+Z$' "status gives each mode's last success"
# The queue's figures are read in the background every 5 s.
check "status gives the queue's entries, as the metrics do" wait_for "the queue's figures" 15 \
	sh -c "[ \"\$('$BIN/analyticsctl' -s '$SOCK' --json status | jq -r .result.queue.entries)\" = '$(metric analyticsd_queue_entries)' ]"
ctl_json status
like "$(jget .result.queue.oldest_queued_at)" '^20[0-9-]+T[0-9:]+Z$' "and when the oldest was queued"
is "$(jget .result.queue.rows_due)" "$(metric analyticsd_rows_due)" "and the rows due"
like "$(ctl status)" "queue: +[1-9][0-9]* changes, the oldest queued 20[0-9-]+T[0-9:]+Z; [0-9]+ rows? due by the clock" \
	"the human status has a queue line"
like "$(jget .result.queue.read_at)" '^20[0-9-]+T[0-9:]+Z$' "with when it was read"
# status stops counting at 1000 (it answers in milliseconds); the metrics count them all.
psql_q -c "update bookings set updated_at = now() where id in (select id from bookings order by id limit 1200)"
check "status's queue count stops at 1000, and says so" wait_for "a capped count" 15 \
	sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.queue | .entries == 1000 and .entries_capped'"
check "the metrics count every entry" test "$(ctl metrics | awk '$1 == "analyticsd_queue_entries" { print $2 }')" -gt 1000
like "$(ctl status)" "queue: +1000\+ changes, the oldest queued no later than" "the human status says 1000+"

# Counters only grow: a rollback does not take the run it undid out of runs_total; it
# counts as a rollback run, and the undone run in runs_rolled_back_total.
ctl resume >/dev/null
ctl rollback >/dev/null 2>&1
M=$(ctl metrics)
is "$(metric 'analyticsd_runs_total{kind="refresh",mode="full",status="succeeded"}')" 1 \
	"after a rollback of it the full refresh still counts as a success"
is "$(metric 'analyticsd_runs_rolled_back_total{kind="refresh",mode="full"}')" 1 "and as one run rolled back"
like "$(printf '%s\n' "$M" | grep '^analyticsd_runs_total{kind="rollback"')" ' 1$' "the rollback counts as a run of its own"
check "promtool accepts it" sh -c "printf '%s\n' \"\$1\" | promtool check metrics" _ "$M"

# --output: a file for node_exporter's textfile collector, replaced whole.
mkdir -p "$T/textfile"
ctl metrics --output "$T/textfile/analyticsd.prom"; RC=$?
is "$RC" 0 "metrics --output FILE succeeds"
check "the file passes promtool" sh -c "promtool check metrics <'$T/textfile/analyticsd.prom'"
is "$(stat -c %a "$T/textfile/analyticsd.prom")" 644 "it is readable by the collector"
is "$(ls "$T/textfile" | wc -l)" 1 "no temporary file is left beside it"
daemon_stop d1
"$BIN/analyticsctl" -s "$SOCK" metrics --output "$T/textfile/analyticsd.prom" 2>/dev/null; RC=$?
is "$RC" 69 "with the daemon down, metrics exits 69"
is "$(awk '$1 == "analyticsd_up" { print $2 }' "$T/textfile/analyticsd.prom")" 0 \
	"and the file says analyticsd_up 0, so an alert fires instead of going stale"
check "that file passes promtool too" sh -c "promtool check metrics <'$T/textfile/analyticsd.prom'"
check "the example alert rules (docs/alerts.yml) pass promtool check rules" promtool check rules "$SRC_DIR/docs/alerts.yml"
check "each rule fires and stays silent as tests/alerts_test.yml says (promtool test rules)" \
	promtool test rules "$SRC_DIR/tests/alerts_test.yml"
for a in $(sed -n 's/^ *- alert: *//p' "$SRC_DIR/docs/alerts.yml"); do
	# A case is an eval of the rule: "exp_alerts: []" (silent) or a list (firing).
	CASES=$(awk -v a="$a" '/alertname:/ { cur = $2 } /exp_alerts:/ && cur == a { print ($2 == "[]" ? "silent" : "fires") }' \
		"$SRC_DIR/tests/alerts_test.yml" | sort -u | tr '\n' ' ')
	is "$CASES" "fires silent " "$a has a case that fires and one that stays silent"
done
t_done
