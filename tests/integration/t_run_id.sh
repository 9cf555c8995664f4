#!/bin/bash
# SPDX-License-Identifier: ISC
# One run id: a run that fails is the run that started. Its record keeps the id its
# start took and its own start (to the microsecond), and the journal's outcome
# (ANALYTICS_RUN_ID), the JSON error (run_id), analyticsctl's message, `runs` and the
# application_logs row all name that one run.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new runid || exit 1
daemon_start d
ctl migrate up >/dev/null
ORG=00000000-0000-4000-8000-000000000000
LOC=00000000-0000-4000-8000-0000000000a1
# A location's time zone PostgreSQL does not know fails the compute (SQLSTATE 22023).
psql_q -c "insert into organizations (id, name) values ('$ORG', 'o');
  insert into locations (id, organization_id, name, timezone) values ('$LOC', '$ORG', 'l', 'Not/AZone');
  insert into square_existing_clients (organization_id, square_customer_id) values ('$ORG', 'c1');
  insert into bookings (organization_id, location_id, customer_id, status, start_at)
  values ('$ORG', '$LOC', 'c1', 'ACCEPTED', now() - interval '1 day')"

for n in 1 2; do
	ctl_json refresh full
	is "$RC" 1 "failing refresh $n exits 1"
	ID=$(jget '.error.run_id')
	is "$(jget '.error.code')" failed "its error is 'failed'"
	check "the JSON error names run $ID" test "$ID" -gt 0
	STARTED_ID=$(grep -o 'run [0-9]* started by' "$T/d.log" | tail -n 1 | awk '{ print $2 }')
	is "$ID" "$STARTED_ID" "the run that failed is the run that started (journal: run $STARTED_ID started)"
	OUTCOME=$(grep 'ANALYTICS_OUTCOME=failed' "$T/d.log" | tail -n 1)
	like "$OUTCOME" "ANALYTICS_RUN_ID=$ID " "the journal's outcome names run $ID"
	REC=$(psql_q -F ' ' -c "select status, sqlstate, started_at <> date_trunc('second', started_at),
	                               extract(epoch from finished_at - started_at) * 1000
	                          from analytics_refresh_runs where id = $ID")
	like "$REC" "^failed 22023 t " "run $ID is recorded as failed, with the SQLSTATE and a start to the microsecond"
	JMS=$(printf '%s' "$OUTCOME" | sed -n 's/.*ANALYTICS_DURATION_MS=\([0-9]*\).*/\1/p')
	RMS=$(printf '%s' "$REC" | awk '{ print $4 }')
	check "the record's duration ($RMS ms) is the run's (the journal's $JMS ms), not from a second cut" \
		awk -v r="$RMS" -v j="$JMS" 'BEGIN { exit !(r >= 0 && r <= j + 500) }'
done
is "$(psql_q -c "select count(*) from analytics_refresh_runs")" 2 "two runs, two records: no id skipped or doubled"
ctl_json runs
is "$(jget '[.result.runs[] | select(.status == "failed") | .run_id // .id | tostring] | join(",")')" "2,1" "runs lists runs 2 and 1 as failed"
is "$(psql_q -c "select string_agg(payload->>'run_id', ',' order by id) from application_logs where status = 'error'")" \
	"1,2" "the application_logs rows name the same runs"

"$BIN/analyticsctl" -s "$SOCK" refresh full 2>"$T/err" >/dev/null
like "$(cat "$T/err")" "\\(run 3\\)$" "analyticsctl's message names the run"
daemon_stop d
t_done
