#!/bin/bash
# SPDX-License-Identifier: ISC
# Concurrent writers with faults: four sessions write every kind of change at once
# (tests/simulate.py's hours: new, cancelled, no-show and moved bookings, hard deletes,
# payments, refunds, client edits, referrals, the loyalty ledger; more_writes below: payments
# deleted alone or losing their payer, clients deleted, referrals withdrawn, ledger entries
# corrected and removed, many bookings in one statement, transactions that fail; and one
# TRUNCATE payments) while follow mode refreshes. Meanwhile a run in progress is struck four
# ways: its backend terminated (with the daemon's others, and the writers'), the daemon
# SIGKILLed (another one takes over), PostgreSQL restarted, and its backend terminated after
# it wrote customer_analytics. Afterwards the daemon catches up by itself, the oracle finds
# no wrong row in the whole table, nothing is left queued and no run is left `running`.
. "$(dirname "$0")/../lib.sh"

# Under valgrind (make check-valgrind) the daemon is ~20 times slower: the waits for it
# stretch, the writers' time does not.
SLOW=1
[ -n "${VALGRIND_PLAIN_BUILD:-}" ] && SLOW=20
WRITERS=4
WRITE_MAX_S=300         # a safety net: the writers stop by themselves then, should this script die

pg_start main && db_new chaos || exit 1
connected() { wait_for "connected" $((30 * SLOW)) sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\" and .result.work_connection.state == \"connected\"'"; }
oracle() {      # oracle AS_OF: the whole table against the independent computation
	python3 "$TESTS_DIR/oracle.py" "$PGDATABASE" "$1" >"$T/oracle.out" 2>&1
	local rc=$?
	sed 's/^/# /' "$T/oracle.out" | head -n 20
	return "$rc"
}
queued() { psql_q -c "select count(*) from analytics_change_queue"; }
runs_with() { psql_q -c "select count(*) from analytics_refresh_runs where status = '$1'"; }
# more_runs STATUS N: more than N runs with STATUS are recorded.
more_runs() { [ "$(runs_with "$1")" -gt "$2" ]; }
# counters: inserts, updates and deletes so far of each source table the writers change.
counters() {
	psql_q -F ' ' -c "select relname, n_tup_ins, n_tup_upd, n_tup_del from pg_stat_user_tables
	                   where relname in ('bookings', 'payments', 'square_existing_clients', 'loyalty_point_events')
	                   order by relname"
}
# run_in_progress: the id of a run the daemon is computing (inside its transaction, held
# there by the test sleep), as soon as there is one.
run_in_progress() {
	local id i=0
	while [ "$i" -lt $((300 * SLOW)) ]; do
		id=$("$BIN/analyticsctl" -s "$SOCK" --json status 2>/dev/null |
			jq -r 'select(.result.job.phase == "computing") | .result.job.run_id // empty' 2>/dev/null)
		if [ -n "$id" ]; then echo "$id"; return 0; fi
		i=$((i + 1)); sleep 0.1
	done
	echo "# no run in progress within $((30 * SLOW)) s" >&2
	return 1
}
# terminate PATTERN: pg_terminate_backend of every session whose application_name is LIKE it;
# prints how many.
terminate() {
	psql_q -c "select count(*) filter (where pg_terminate_backend(pid)) from pg_stat_activity
	            where application_name like '$1' and pid <> pg_backend_pid()"
}

# Setup, without follow mode: migrate, the demo data, the ledger, a full refresh at its anchor.
export ANALYTICSD_TEST_AS_OF=@$T/as_of
: >"$T/as_of"
daemon_start d0
connected
check "setup: migrate up" ctl migrate up
check "setup: the demo data" psql_q -f "$SRC_DIR/sql/demo_data.sql"
ANCHOR=$(psql_q -c "select to_char(min(created_at) + interval '3 years', 'YYYY-MM-DD HH24:MI:SSOF') from organizations")
echo "$ANCHOR" >"$T/as_of"
check "setup: a loyalty rebuild (the customers the ledger names)" ctl loyalty rebuild
ctl_json refresh full
is "$RC" 0 "setup: a full refresh at the anchor"
daemon_stop d0

# The writers' hours are the 24 after the anchor (hour numbers go on, their times wrap), and
# every run from here on is at their end: the as_of moves once, so the first follow run also
# recomputes the rows the day made due, and at the end the oracle compares at one known
# as_of.
mapfile -t ENDS < <(psql_q -c "select to_char(timestamptz '$ANCHOR' + interval '1 hour' * g, 'YYYY-MM-DD HH24:MI:SSOF')
                                 from generate_series(1, 24) g")
FINAL=${ENDS[23]}
echo "$FINAL" >"$T/as_of"

# What simulate.py does not write: SQL for hour $1 ending at $2, each write its own
# transaction, rows picked by md5 of the hour as simulate.py picks them.
more_writes() {
	local h=$1 end=$2
	cat <<-SQL
	-- A payment deleted on its own; its booking stays.
	BEGIN;
	DELETE FROM payments WHERE id = (SELECT id FROM payments ORDER BY md5('$h:paydel:' || id) LIMIT 1);
	COMMIT;
	-- A payment forgets its payer: attributed through its booking from now on.
	BEGIN;
	UPDATE payments SET customer_id = NULL, updated_at = timestamptz '$end' - interval '5 minutes'
	 WHERE id = (SELECT id FROM payments WHERE customer_id IS NOT NULL AND booking_id IS NOT NULL
	              ORDER BY md5('$h:payer:' || id) LIMIT 1);
	COMMIT;
	-- A referrer's client record deleted (its referred clients still name it), and a client
	-- record that names a referrer deleted.
	BEGIN;
	DELETE FROM square_existing_clients
	 WHERE (organization_id, square_customer_id) =
	       (SELECT organization_id, referred_by_customer_id FROM square_existing_clients
	         WHERE referred_by_customer_id IS NOT NULL
	         ORDER BY md5('$h:referrerdel:' || square_customer_id) LIMIT 1);
	COMMIT;
	BEGIN;
	DELETE FROM square_existing_clients
	 WHERE (organization_id, square_customer_id) =
	       (SELECT organization_id, square_customer_id FROM square_existing_clients
	         WHERE referred_by_customer_id IS NOT NULL
	         ORDER BY md5('$h:referreddel:' || square_customer_id) LIMIT 1);
	COMMIT;
	-- A referral withdrawn.
	BEGIN;
	UPDATE square_existing_clients SET referred_by_customer_id = NULL
	 WHERE (organization_id, square_customer_id) =
	       (SELECT organization_id, square_customer_id FROM square_existing_clients
	         WHERE referred_by_customer_id IS NOT NULL
	         ORDER BY md5('$h:unrefer:' || square_customer_id) LIMIT 1);
	COMMIT;
	-- The ledger: a manual entry corrected, another removed.
	BEGIN;
	UPDATE loyalty_point_events SET delta = delta - 7
	 WHERE (organization_id, id) = (SELECT organization_id, id FROM loyalty_point_events
	                                 WHERE reason = 'manual' ORDER BY md5('$h:ledgerfix:' || id) LIMIT 1);
	COMMIT;
	BEGIN;
	DELETE FROM loyalty_point_events
	 WHERE (organization_id, id) = (SELECT organization_id, id FROM loyalty_point_events
	                                 WHERE reason = 'manual' ORDER BY md5('$h:ledgerdel:' || id) LIMIT 1);
	COMMIT;
	-- Every upcoming booking of one customer cancelled in one statement.
	BEGIN;
	UPDATE bookings SET status = 'CANCELLED_BY_SELLER', updated_at = timestamptz '$end' - interval '3 minutes'
	 WHERE (organization_id, customer_id) =
	       (SELECT organization_id, customer_id FROM bookings
	         WHERE status = 'ACCEPTED' AND start_at > timestamptz '$end' AND customer_id IS NOT NULL
	         ORDER BY md5('$h:cancelall:' || id) LIMIT 1)
	   AND status IN ('ACCEPTED', 'PENDING') AND start_at > timestamptz '$end';
	COMMIT;
	-- A transaction that fails after it wrote: nothing of it may count, its queue entries
	-- included.
	BEGIN;
	UPDATE bookings SET status = 'NO_SHOW' WHERE id = (SELECT id FROM bookings ORDER BY md5('$h:doomed:' || id) LIMIT 1);
	INSERT INTO payments (organization_id, amount_cents, status)
	VALUES ('11111111-1111-4111-8111-000000000001', -1, 'COMPLETED');
	COMMIT;
	SQL
}

# writer W: hours W+1, W+1+WRITERS, ... until told to stop, a pause after each so that the
# amount written grows with the time the faults take, not with the machine's speed. A
# statement that fails rolls its transaction back and psql goes on; a lost connection ends
# that hour's psql, and the writer goes on with its next hour. Writer 0 truncates payments
# once.
writer() {
	local w=$1 i=0 h rc deadline=$((SECONDS + WRITE_MAX_S))
	while [ ! -e "$T/stop" ] && [ "$SECONDS" -lt "$deadline" ]; do
		h=$((i * WRITERS + w + 1)); i=$((i + 1))
		{ python3 "$TESTS_DIR/simulate.py" "$h" "${ENDS[$(((h - 1) % 24))]}"
		  more_writes "$h" "${ENDS[$(((h - 1) % 24))]}"; } 2>>"$T/writer$w.err" |
			PGAPPNAME=chaos-writer-$w "$PGBIN/psql" -X -q -v ON_ERROR_STOP=0 >/dev/null 2>>"$T/writer$w.err"
		rc=$?
		echo "$rc" >>"$T/writer$w.log"
		# A TRUNCATE leaves no trace of whose rows it removed: it queues the whole table, and
		# the run that takes it, wherever the faults leave it, recomputes every customer. So it
		# comes early, after one hour: a capture missed before it would be mended by it.
		if [ "$w" = 0 ] && [ "$rc" = 0 ] && [ ! -e "$T/truncated" ] &&
			PGAPPNAME=chaos-writer-$w psql_q -c "TRUNCATE payments" >/dev/null 2>>"$T/writer$w.err"; then
			touch "$T/truncated"
		fi
		sleep 0.2
	done
}
oks() { cat "$T"/writer*.log 2>/dev/null | grep -c '^0$'; }
fails() { cat "$T"/writer*.log 2>/dev/null | grep -vc '^0$'; }
more_oks() { [ "$(oks)" -gt "$1" ]; }
WPIDS=()
stop_writers() {
	touch "$T/stop"
	for p in "${WPIDS[@]}"; do wait "$p"; done
	WPIDS=()
}
trap 'touch "$T/stop"; for p in "${WPIDS[@]}"; do kill "$p" 2>/dev/null; done; t_cleanup' EXIT

# Every run sleeps 2 s inside its transaction, after scoping, so that a fault can strike one
# in progress; follow mode asks every second.
export ANALYTICSD_TEST_SLEEP_S=2 FOLLOW_INTERVAL_S=1
counters >"$T/counters.before"
START=$SECONDS
daemon_start d1
connected
for w in $(seq 0 $((WRITERS - 1))); do writer "$w" & WPIDS+=("$!"); done
wait_for "the writers to commit" $((20 * SLOW)) more_oks $((WRITERS - 1))
check "writer 0 truncates payments" wait_for "the truncate" $((20 * SLOW)) test -e "$T/truncated"

# --- every backend of the daemon terminated mid-run, and the writers' ------------------------
F=$(runs_with failed)
RUN=$(run_in_progress)
like "$(terminate 'analyticsd%')" '^[1-9]' "the daemon's backends are terminated"
like "$RUN" '^[0-9]+$' "during a run ($RUN)"
echo "# writer backends terminated: $(terminate 'chaos-writer-%')"
check "the run is recorded as failed once the daemon has reconnected" wait_for "the failure record" $((20 * SLOW)) \
	more_runs failed "$F"
like "$(psql_q -c "select sqlstate from analytics_refresh_runs where status = 'failed' order by id desc limit 1")" \
	'^(57P01|08[0-9A-Z]{3})$' "with the SQLSTATE of the lost connection"
check "the daemon reconnects by itself" connected
S=$(runs_with succeeded)
check "and refreshes again: a follow run succeeds" wait_for "a follow run" $((30 * SLOW)) \
	more_runs succeeded "$S"

# --- the daemon SIGKILLed mid-run; another one takes over --------------------------------------
RUN=$(run_in_progress)
OLD=$(psql_q -c "select string_agg(pid::text, ',') from pg_stat_activity where application_name like 'analyticsd%'")
kill -KILL "$(daemon_pid d1)"; wait "$(daemon_pid d1)" 2>/dev/null; eval "PID_d1="
like "$RUN" '^[0-9]+$' "the daemon is SIGKILLed during a run ($RUN)"
echo "# writer backends terminated: $(terminate 'chaos-writer-%')"
rm -f "$SOCK"
daemon_start d2
connected
# The killed daemon's work backend notices only when its statement ends.
check "the killed daemon's backends go away" wait_for "its backends" $((20 * SLOW)) sh -c \
	"[ \"\$(psql -X -A -t -c 'select count(*) from pg_stat_activity where pid in (${OLD:-0})')\" = 0 ]"
is "$(psql_q -c "select count(*) from analytics_refresh_runs where id = ${RUN:-0}")" 0 \
	"the killed run left no record (it was part of its transaction)"

# --- PostgreSQL restarted mid-run -------------------------------------------------------------
F=$(runs_with failed)
RUN=$(run_in_progress)
pg_stop main
like "$RUN" '^[0-9]+$' "PostgreSQL is stopped during a run ($RUN)"
sleep 1
pg_resume main
check "PostgreSQL back: the daemon reconnects by itself" connected
check "the interrupted run is recorded as failed" wait_for "the failure record" $((20 * SLOW)) \
	more_runs failed "$F"
OKS=$(oks)
check "the writers go on after the restart" wait_for "more commits" 20 more_oks $((OKS + WRITERS))

S=$(runs_with succeeded)
check "and refreshes again: a follow run succeeds" wait_for "a follow run" $((30 * SLOW)) \
	more_runs succeeded "$S"

# --- the work backend terminated after a run wrote the table ---------------------------------
# A run's writes last milliseconds, too short to strike by polling. So the queue is held in
# SHARE mode (the writers' captures wait too) until the next run, having deleted, updated and
# inserted its rows of customer_analytics, waits there to consume its entries; then its
# backend is terminated, and every row it wrote must vanish with it.
echo "# writer backends terminated: $(terminate 'chaos-writer-%')"
F=$(runs_with failed)
HIT=$(psql_q 2>&1 <<-SQL
	BEGIN;
	LOCK analytics_change_queue IN SHARE MODE;
	DO \$\$
	DECLARE
	    p int;
	    wrote bool;
	BEGIN
	    FOR i IN 1 .. $((3000 * SLOW)) LOOP
	        PERFORM pg_stat_clear_snapshot();
	        SELECT pid INTO p FROM pg_stat_activity
	         WHERE application_name = 'analyticsd/work' AND wait_event_type = 'Lock'
	           AND query ~ 'DELETE FROM analytics_change_queue';
	        IF p IS NOT NULL THEN
	            SELECT exists (SELECT FROM pg_locks WHERE pid = p AND granted AND mode = 'RowExclusiveLock'
	                             AND relation = 'customer_analytics_stored'::regclass) INTO wrote;
	            PERFORM pg_terminate_backend(p);
	            RAISE NOTICE 'terminated a run waiting to consume the queue; it had written customer_analytics: %', wrote;
	            RETURN;
	        END IF;
	        PERFORM pg_sleep(0.01);
	    END LOOP;
	END
	\$\$;
	COMMIT;
	SQL
)
like "$HIT" 'it had written customer_analytics: t' "a run's backend is terminated after the run wrote customer_analytics"
check "that run is recorded as failed" wait_for "the failure record" $((20 * SLOW)) \
	more_runs failed "$F"
sleep 1
stop_writers
echo "# writers: $(oks) hours committed, $(fails) cut short; $(cat "$T"/writer*.err | grep -c ERROR) statement errors; $((SECONDS - START)) s"
check "every writer committed hours" sh -c "for w in $(seq -s ' ' 0 $((WRITERS - 1))); do grep -q '^0\$' '$T'/writer\$w.log || exit 1; done"
like "$(fails)" '^[1-9]' "the faults cut writers short ($(fails) hours)"
sleep 1         # the server's counters lag up to a second behind
counters >"$T/counters.after"
CHANGES=$(join "$T/counters.before" "$T/counters.after" | awk '{ printf "%s %d/%d/%d, ", $1, $5 - $2, $6 - $3, $7 - $4 }')
echo "# rows inserted/updated/deleted by the writers: $CHANGES"
like "$CHANGES" '^([a-z_]+ [1-9][0-9]*/[1-9][0-9]*/[1-9][0-9]*, ){4}$' \
	"the writers inserted, updated and deleted rows of every source table"

# --- the outcome ------------------------------------------------------------------------------
check "the daemon is connected" connected
# caught_up: nothing queued, no job running or waiting.
caught_up() {
	[ "$(psql -X -A -t -c "select count(*) from analytics_change_queue")" = 0 ] &&
	"$BIN/analyticsctl" -s "$SOCK" --json status | jq -e '.result.current == null and (.result.queued | length) == 0' >/dev/null
}
check "follow mode catches up by itself" wait_for "caught up" $((60 * SLOW)) caught_up
ctl_json refresh incremental
is "$RC" 0 "an incremental refresh afterwards succeeds"
is "$(jget .result.status)" nothing_to_do "and finds nothing left to do"
check "the oracle finds no wrong row in the whole table at $FINAL" oracle "$FINAL"
is "$(queued)" 0 "nothing is left queued"
is "$(psql_q -c "select count(*) from analytics_refresh_runs where status = 'running'")" 0 "no run is left running"
like "$(psql_q -c "select count(*) from analytics_refresh_runs where trigger = 'follow' and status = 'succeeded' and as_of = timestamptz '$FINAL'")" \
	'^[1-9]' "follow runs succeeded between the faults"
echo "# runs: $(psql_q -c "select string_agg(status || coalesce(' ' || sqlstate, '') || ': ' || n, ', ') from (select status, sqlstate, count(*) n from analytics_refresh_runs where trigger = 'follow' group by 1, 2 order by 1, 2) x")"
daemon_log_clean d1
daemon_stop d2
echo "# $((SECONDS - START)) s since the writers started"
t_done
