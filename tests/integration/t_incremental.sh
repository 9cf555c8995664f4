#!/bin/bash
# SPDX-License-Identifier: ISC
# refresh incremental keeps every row exact: 30 simulated hours of an ordinary platform's
# writes (tests/simulate.py: new, cancelled and no-show bookings, hard deletes, a booking
# moved to another customer, payments and refunds, client edits, referrals, a manual loyalty
# adjustment, an organization's settings and timezone, a location's timezone), one
# `refresh incremental` an hour with the run's as_of pinned to the hour, and after every run
# the oracle finds no wrong row in the whole table at that as_of. Then: writes committed
# during a run are neither lost nor applied twice; between runs (instants up to three days
# after the last one, nothing written since) every row the clock does not name as due equals
# the oracle's at that instant, the columns evaluated when read included; a failed or rolled-back run loses no
# queued key, and a paused daemon catches up in one run after resume.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new incremental || exit 1
connected() { wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"; }
oracle() {      # oracle AS_OF DESC: the whole table against the independent computation
	python3 "$TESTS_DIR/oracle.py" "$PGDATABASE" "$1" >"$T/oracle.out" 2>&1
	local rc=$?
	if [ "$rc" -ne 0 ]; then sed 's/^/# /' "$T/oracle.out" | head -n 20; fi
	return "$rc"
}
oracle_between() {      # oracle_between INSTANT: no run since the last one, no write either
	python3 "$TESTS_DIR/oracle.py" "$PGDATABASE" "$1" --between >"$T/oracle.out" 2>&1
	local rc=$?
	if [ "$rc" -ne 0 ]; then sed 's/^/# /' "$T/oracle.out" | head -n 20; fi
	return "$rc"
}
queued() { psql_q -c "select count(*) from analytics_change_queue"; }
runs() { psql_q -c "select count(*) from analytics_refresh_runs"; }
hour_end() { psql_q -c "select to_char(timestamptz '$ANCHOR' + interval '1 hour' * $1, 'YYYY-MM-DD HH24:MI:SSOF')"; }

# The daemon's as_of is read from a file as each run starts (a test hook), so that time
# moves on between runs without a restart.
ANALYTICSD_TEST_AS_OF=@$T/as_of
export ANALYTICSD_TEST_AS_OF
: >"$T/as_of"
daemon_start d1
connected
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
# The demo data's anchor (its "now"): the organizations were created 3 years before it.
ANCHOR=$(psql_q -c "select to_char(min(created_at) + interval '3 years', 'YYYY-MM-DD HH24:MI:SSOF') from organizations")
echo "$ANCHOR" >"$T/as_of"
ctl loyalty rebuild >/dev/null
like "$(queued)" '^[1-9][0-9]*$' "loading data and a loyalty rebuild queue their changes"

ctl_json refresh full
is "$RC" 0 "a full refresh at the anchor"
is "$(queued)" 0 "the full refresh consumed the queue it covered"
check "the oracle agrees after the full refresh" oracle "$ANCHOR"

BEFORE=$(runs)
START=$(date +%s%N)
ctl_json refresh incremental
MS=$(( ($(date +%s%N) - START) / 1000000 ))
is "$RC" 0 "an incremental refresh with nothing queued and nothing due succeeds"
is "$(jget .result.status)" nothing_to_do "and says there was nothing to do ($MS ms)"
is "$(runs)" "$BEFORE" "and records no run"

# 30 simulated hours, one timer run an hour.
WRONG_RUNS=0 WRONG_BETWEEN=0 WRONG_DUE=0 MAX_SHARE=0 TOTAL=$(psql_q -c "select count(*) from customer_analytics")
for h in $(seq 1 30); do
	END=$(hour_end "$h")
	if [ $((h % 5)) = 0 ]; then     # 47 minutes, or 2 days, after the last run
		AT=$(psql_q -c "select to_char(timestamptz '$(hour_end $((h - 1)))' + interval '$([ "$h" = 10 ] && echo '2 days' || echo '47 minutes')', 'YYYY-MM-DD HH24:MI:SSOF')")
		if ! oracle_between "$AT"; then WRONG_BETWEEN=$((WRONG_BETWEEN + 1)); echo "# $AT: wrong rows between runs"; fi
		sed -n 's/^keys:.*left out: /# between runs, at '"$AT"', due and left out: /p' "$T/oracle.out"
	fi
	python3 "$TESTS_DIR/simulate.py" "$h" "$END" | psql_q -v ON_ERROR_STOP=1 >/dev/null || not_ok "hour $h's writes apply"
	echo "$END" >"$T/as_of"
	ctl_json refresh incremental --trigger timer
	[ "$RC" -eq 0 ] || { not_ok "hour $h: refresh incremental exits 0 (got $RC: $OUT)"; break; }
	if ! oracle "$END"; then WRONG_RUNS=$((WRONG_RUNS + 1)); echo "# hour $h: wrong rows after the run"; fi
	# The list of rows due (migration 0015) finds what a read of the whole table finds: soon,
	# within the day of its horizon, and beyond it.
	N=$(psql_q -c "select count(*) from (values (interval '30 minutes'), (interval '20 hours'), (interval '3 days')) v(d)
	                where (select count(*) from analytics_rows_due(timestamptz '$END' + d))
	                   <> (select count(*) from customer_analytics_stored where next_change_at <= timestamptz '$END' + d)")
	[ "$N" = 0 ] || { WRONG_DUE=$((WRONG_DUE + 1)); echo "# hour $h: the list of rows due is wrong"; }
	SCOPE=$(psql_q -c "select rows_inserted + rows_updated + rows_deleted + rows_unchanged
	                     from analytics_refresh_runs order by id desc limit 1")
	echo "# hour $h: $SCOPE rows recomputed"
	# Hours 7, 13 and 19 change an organization's settings, a location's timezone and an
	# organization's timezone: each recomputes all the customers concerned.
	case $h in 7|13|19) ;; *) [ "$SCOPE" -gt "$MAX_SHARE" ] && MAX_SHARE=$SCOPE ;; esac
	[ "$(queued)" = 0 ] || not_ok "hour $h: the queue is empty after the run"
done
is "$WRONG_RUNS" 0 "after each of 30 hourly incremental runs every row equals the oracle's at its as_of"
is "$WRONG_BETWEEN" 0 "at 6 instants between runs every row not due equals the oracle's at that instant"
is "$WRONG_DUE" 0 "after each run, analytics_rows_due finds the rows a scan of the table finds, within the day and beyond it"
is "$(psql_q -c "select count(*) from analytics_due where due_at <= timestamptz '$END'")" 0 \
	"and the last run consumed every entry due by its as_of"
check "each run but those of a settings or timezone change recomputed a small part of the table (at most $MAX_SHARE of $TOTAL rows)" \
	test "$MAX_SHARE" -lt $((TOTAL / 5))
is "$(psql_q -c "select count(distinct trigger) || ' ' || min(mode) from analytics_refresh_runs where id > (select max(id) - 30 from analytics_refresh_runs)")" \
	"1 incremental" "the 30 runs were incremental timer runs"

# A write committed while a run is in progress: not lost (its entry stays for the next
# run), not applied twice (the next run consumes it and the queue is empty).
daemon_stop d1
ANALYTICSD_TEST_SLEEP_S=3 daemon_start d2
connected
END=$(hour_end 31)
python3 "$TESTS_DIR/simulate.py" 31 "$END" | psql_q -v ON_ERROR_STOP=1 >/dev/null
echo "$END" >"$T/as_of"
"$BIN/analyticsctl" -s "$SOCK" --json refresh incremental >"$T/slow.json" 2>/dev/null &
SLOW=$!
wait_for "the run to compute" 10 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.job.phase == \"computing\"'"
# A booking for a customer the run did not capture (a key no entry named).
LATE=$(psql_q -c "select square_customer_id from customer_analytics_stored ca
                   where next_change_at is null
                     and not exists (select from analytics_change_queue q where q.customer_id = ca.square_customer_id)
                   order by square_customer_id limit 1")
like "$LATE" . "a customer the run does not cover ($LATE)"
psql_q -c "insert into bookings (organization_id, location_id, customer_id, status, start_at, created_at, updated_at)
           select organization_id, (select id from locations l where l.organization_id = ca.organization_id order by id limit 1),
                  square_customer_id, 'ACCEPTED', timestamptz '$END' - interval '10 minutes',
                  timestamptz '$END' - interval '20 minutes', timestamptz '$END' - interval '20 minutes'
             from customer_analytics ca where square_customer_id = '$LATE'"
wait "$SLOW"; is "$?" 0 "the run during which the write committed succeeds"
is "$(psql_q -c "select count(*) from analytics_change_queue where customer_id = '$LATE'")" 1 \
	"the write committed during the run is still queued (not lost)"
daemon_stop d2
daemon_start d3
connected
ctl_json refresh incremental
is "$RC" 0 "the next run succeeds"
is "$(queued)" 0 "and consumes the entry once (the queue is empty)"
check "the oracle agrees: the late write is applied" oracle "$END"

# A failed run (statement_timeout) and a rolled-back run lose no queued key.
END=$(hour_end 32)
python3 "$TESTS_DIR/simulate.py" 32 "$END" | psql_q -v ON_ERROR_STOP=1 >/dev/null
echo "$END" >"$T/as_of"
Q=$(queued)
daemon_stop d3
DATABASE_EXTRA='statement_timeout_s = 1;' ANALYTICSD_TEST_SLEEP_S=3 daemon_start d4
connected
ctl_json refresh incremental
is "$RC" 1 "a run that hits statement_timeout fails"
is "$(queued)" "$Q" "the failed run left every queued entry in place"
daemon_stop d4
daemon_start d5
connected
TABLE_MD5() { psql_q -c "select md5(string_agg(ca::text, '|' order by organization_id, square_customer_id)) from customer_analytics ca"; }
MD5_BEFORE=$(TABLE_MD5)
ctl_json refresh incremental
is "$RC" 0 "the next run applies the changes"
CHANGED=$(jget '.result.rows.inserted + .result.rows.updated + .result.rows.deleted')
ctl_json rollback
is "$RC" 0 "the run is rolled back"
is "$(TABLE_MD5)" "$MD5_BEFORE" "the rollback restored the table exactly"
like "$(queued)" '^[1-9][0-9]*$' "and queued the keys it put back ($CHANGED rows changed by the run)"
ctl_json refresh incremental --trigger timer
is "$RC" 75 "after the rollback, timer runs wait for resume (paused)"
ctl resume >/dev/null
ctl_json refresh incremental
is "$RC" 0 "after resume the next run recomputes what the rollback undid"
check "the oracle agrees after the rollback and the next run" oracle "$END"

# Paused for several hours of writes: one run after resume catches up.
ctl pause --reason "maintenance" >/dev/null
for h in 33 34 35 36; do
	END=$(hour_end "$h")
	if [ $((h % 5)) = 0 ]; then     # 47 minutes, or 2 days, after the last run
		AT=$(psql_q -c "select to_char(timestamptz '$(hour_end $((h - 1)))' + interval '$([ "$h" = 10 ] && echo '2 days' || echo '47 minutes')', 'YYYY-MM-DD HH24:MI:SSOF')")
		if ! oracle_between "$AT"; then WRONG_BETWEEN=$((WRONG_BETWEEN + 1)); echo "# $AT: wrong rows between runs"; fi
		sed -n 's/^keys:.*left out: /# between runs, at '"$AT"', due and left out: /p' "$T/oracle.out"
	fi
	python3 "$TESTS_DIR/simulate.py" "$h" "$END" | psql_q -v ON_ERROR_STOP=1 >/dev/null
	echo "$END" >"$T/as_of"
	ctl_json refresh incremental --trigger timer
	[ "$RC" -eq 75 ] || not_ok "hour $h: a timer run while paused is refused with 75 (got $RC)"
done
Q=$(queued)
ctl resume >/dev/null
ctl_json refresh incremental --trigger timer
is "$RC" 0 "after four paused hours one run succeeds"
is "$(queued)" 0 "it consumed the backlog of $Q entries"
check "the oracle agrees after catching up" oracle "$END"

# check audits exactness: a sample and the latest run's rows, recomputed at its as_of.
ctl_json check
is "$(jget '.result.checks[] | select(.name == "exactness") | .status')" pass "check's exactness audit passes"
like "$(jget '.result.checks[] | select(.name == "exactness") | .detail')" "rows recomputed at .*: all equal" \
	"and says how many rows it recomputed"
VICTIM=$(psql_q -c "select organization_id || '/' || square_customer_id from customer_analytics
                     where computed_at = timestamptz '$END' order by square_customer_id limit 1")
psql_q -c "update customer_analytics_stored set visits_30d = visits_30d + 1
            where organization_id || '/' || square_customer_id = '$VICTIM'"
ctl_json check
is "$RC" 1 "a wrong value makes check fail (exit 1)"
is "$(jget '.result.checks[] | select(.name == "exactness") | .keys[0]')" "$VICTIM" "naming the key"
like "$(jget '.result.checks[] | select(.name == "exactness") | .detail')" "visits_30d" "and the column"
# A key with a queued change is stale by design until the next run: not a failure.
psql_q -c "insert into analytics_change_queue (organization_id, customer_id)
           select split_part('$VICTIM', '/', 1)::uuid, split_part('$VICTIM', '/', 2)"
ctl_json check
is "$(jget '.result.checks[] | select(.name == "exactness") | .status')" pass "a queued key is left out of the audit"
ctl_json refresh incremental
is "$(jget .result.rows.updated)" 1 "the next run mends it"
daemon_stop d5
t_done
