#!/bin/bash
# SPDX-License-Identifier: ISC
# make bench: analyticsd's refresh against the floor and the alternatives (docs/BENCHMARKS.md).
#
#   bench/run.sh BUILD_DIR
#
# Environment (all optional):
#   BENCH_SCALE=1       multiplies the default data size: 200k customers, 2M bookings,
#                       1.5M payments, 50 organizations (BENCH_CUSTOMERS, BENCH_BOOKINGS,
#                       BENCH_PAYMENTS, BENCH_ORGS override each one)
#   BENCH_REPS=3        repetitions of every timed figure; the median is reported
#   BENCH_OUT=docs/BENCHMARKS.md   where the results table goes (between its bench
#                       markers; the rest of the file is left alone); "-" prints only
#   BENCH_KEEP=1        keep the temp directory (cluster, logs, EXPLAIN output)
#   BENCH_PGBENCH_S=3   seconds of each pgbench run (the capture triggers' cost)
#   BENCH_PGBENCH_REPS=11 pairs of pgbench runs, with and without the triggers (a run's
#                       latency drifts by several percent on a virtual machine; the
#                       figure is the median of the pairs' ratios)
#   BENCH_FOLLOW_S=10, BENCH_FOLLOW_RATE=5, BENCH_FOLLOW_LOAD_S=60
#                       follow mode's interval, the write load (writes a second) and how
#                       long it lasts, for the staleness figure
#
# Starts a private PostgreSQL cluster with the settings in PG_SETTINGS below (written into
# the results), loads bench/gen.sql, and measures with psql's \timing (client wall time of
# one statement) and the daemon's own duration_ms of each run.
set -euo pipefail
BIN=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
SCALE=${BENCH_SCALE:-1}
scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN { printf "%d", n * s }'; }
CUSTOMERS=${BENCH_CUSTOMERS:-$(scaled 200000)}
BOOKINGS=${BENCH_BOOKINGS:-$(scaled 2000000)}
PAYMENTS=${BENCH_PAYMENTS:-$(scaled 1500000)}
ORGS=${BENCH_ORGS:-50}
REPS=${BENCH_REPS:-3}
OUT=${BENCH_OUT:-$SRC/docs/BENCHMARKS.md}
# The alternatives (B0 to B3, F1) are measured with the frozen baseline of the compute
# (issue 18), the daemon with its own.
BASELINE=$SRC/bench/baseline_compute.sql
# The data's "now"; the daemon's as_of is pinned to it, so every run sees the same data.
ANCHOR='2026-06-01 12:00:00+00'

# Server settings, the same for every figure. Parallel query is off: the daemon's compute
# reads temp tables, which parallel workers cannot, so the floors are measured on the same
# single core. work_mem equals the daemon's refresh.work_mem default; jit is off as in a run.
PG_SETTINGS=(
	shared_buffers=2GB
	work_mem=256MB
	maintenance_work_mem=512MB
	effective_cache_size=8GB
	random_page_cost=1.1
	max_wal_size=16GB
	checkpoint_timeout=1h
	wal_compression=off
	jit=off
	max_parallel_workers_per_gather=0
	fsync=on
	synchronous_commit=on
	full_page_writes=on
	autovacuum=off
)

T=$(mktemp -d "${TMPDIR:-/tmp}/analyticsd-bench.XXXXXX")
chmod 755 "$T"
. "$SRC/tools/cluster.sh"
DAEMON_PID=""
cleanup() {
	set +e
	[ -n "$DAEMON_PID" ] && { kill -TERM "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID"; }
	for c in $T_CLUSTERS; do pg_stop "$c"; done
	if [ -n "${BENCH_KEEP:-}" ]; then echo "bench: kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
say() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- cluster -------------------------------------------------------------------------------
PG_SERVER_OPTS=""
for s in "${PG_SETTINGS[@]}"; do PG_SERVER_OPTS+=" -c $s"; done
pg_start bench
export PGDATABASE=bench
export PGOPTIONS="-c client_min_messages=warning"
"$PGBIN/createdb" bench

PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -A -t -c "$1"; }
# timed [psql args...]: runs them with \timing and prints the total milliseconds of all
# statements (every "Time:" line summed).
timed() {
	"${PSQL[@]}" -c 'SET work_mem = '"'256MB'"'; SET jit = off' -c '\timing on' "$@" |
		awk '/^Time: / { t += $2 } END { printf "%.1f\n", t }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
	print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
secs() { awk -v a="$1" 'BEGIN { printf "%.2f s", a / 1000 }'; }
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

# --- daemon --------------------------------------------------------------------------------
SOCK=$T/control.sock
# follow_interval_s: 0 (off) until the follow-mode figure, which starts a daemon of its own.
daemon_conf() {
	cat <<CONF
database = { conninfo = ""; };
control  = { socket = "$SOCK"; };
refresh  = { follow_interval_s = $1; };
CONF
}
daemon_conf 0 >"$T/analyticsd.conf"
ctl() { "$BIN/analyticsctl" -s "$SOCK" --timeout 0 "$@"; }
# The daemon's as_of is read from this file as each run starts (a test hook of the
# TEST_HOOKS=1 build), so that the clock can move on between runs.
echo "$ANCHOR" >"$T/as_of"
export ANALYTICSD_TEST_AS_OF=@$T/as_of
# daemon_up CONF SOCKET LOG: start a daemon (DAEMON_PID) and migrate its database. Both of
# the daemon's connections must be up before migrate is accepted.
daemon_up() {
	"$BIN/analyticsd" -c "$1" 2>"$3" &
	DAEMON_PID=$!
	for _ in $(seq 100); do
		"$BIN/analyticsctl" -s "$2" --timeout 0 migrate up >/dev/null 2>"$T/migrate.err" &&
			return 0
		sleep 0.1
	done
	cat "$T/migrate.err" "$3"
	exit 1
}
daemon_up "$T/analyticsd.conf" "$SOCK" "$T/analyticsd.log"
rss_base=$(awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status")

# --- data ----------------------------------------------------------------------------------
say "generating $CUSTOMERS customers, $BOOKINGS bookings, $PAYMENTS payments, $ORGS organizations"
gen_ms=$(timed -v customers="$CUSTOMERS" -v bookings="$BOOKINGS" -v payments="$PAYMENTS" \
	-v orgs="$ORGS" -v anchor="'$ANCHOR'" -f "$SRC/bench/gen.sql")
# A year of hourly runs already recorded, as on a server that has run for a while (status
# reads the last run of each mode from this history).
q "INSERT INTO analytics_refresh_runs (kind, mode, scope, trigger, requested_by, started_at,
	finished_at, status, rows_updated, rows_unchanged, as_of)
	SELECT 'refresh', 'recent', 'days=90', 'timer', 'analyticsd', t, t + interval '20 seconds',
	       'succeeded', 100, 50000, t
	  FROM generate_series('$ANCHOR'::timestamptz - interval '365 days',
	                       '$ANCHOR'::timestamptz - interval '1 hour', interval '1 hour') t" >/dev/null
# The frozen baseline calls the scores as analyticsd 0.2.0 stored them: migration 0010's
# analytics_scores, which the rules evaluated when read (migration 0013) replaced, created
# here under a name of its own.
sed -n '/^CREATE OR REPLACE FUNCTION analytics_scores(/,/^\$\$;/p' \
	"$SRC/sql/migrations/0010_scores_once.up.sql" |
	sed 's/FUNCTION analytics_scores(/FUNCTION bench_baseline_scores(/' | "${PSQL[@]}" >/dev/null
q "VACUUM ANALYZE" >/dev/null
read -r n_clients n_bookings n_payments n_keys < <(q "SELECT
	(SELECT count(*) FROM square_existing_clients), (SELECT count(*) FROM bookings),
	(SELECT count(*) FROM payments),
	(SELECT count(*) FROM (SELECT organization_id, square_customer_id FROM square_existing_clients
	                       UNION SELECT organization_id, customer_id FROM bookings
	                        WHERE customer_id IS NOT NULL) k)" | tr '|' ' ')
say "loaded in $(secs "$gen_ms"): $n_keys customer keys"

# --- the compute as a plain SELECT ---------------------------------------------------------
# The frozen baseline (bench/baseline_compute.sql, the compute of analyticsd 0.2.0) with its
# two inputs (the temp tables ca_scope and ca_run of a run) supplied as CTEs of the same
# names: the full scope, and as_of = the anchor.
# select_sql SCOPE_QUERY: that SELECT on stdout.
select_sql() {
	printf 'WITH ca_run AS (SELECT %s::timestamptz AS as_of),\n' "'$ANCHOR'"
	printf 'ca_scope AS MATERIALIZED (%s),\n' "$1"
	sed -e '/^CREATE TEMP TABLE ca_new/d' -e '0,/^WITH$/{/^WITH$/d}' "$BASELINE" |
		sed '$ s/;$//'
}
FULL_SCOPE="SELECT organization_id, square_customer_id FROM square_existing_clients
UNION SELECT organization_id, customer_id FROM bookings WHERE customer_id IS NOT NULL"
select_sql "$FULL_SCOPE" >"$T/select.sql"
{ echo "EXPLAIN (ANALYZE, TIMING OFF)"; cat "$T/select.sql"; } >"$T/b0.sql"
{ echo "CREATE TABLE bench_b1 AS"; cat "$T/select.sql"; } >"$T/b1.sql"
{ echo "CREATE MATERIALIZED VIEW bench_mv AS"; cat "$T/select.sql"; echo "WITH NO DATA"; } >"$T/mv.sql"

rep() {   # rep CMD...: the command REPS times, each after a checkpoint; prints the median
	local v=()
	for _ in $(seq "$REPS"); do
		q "CHECKPOINT" >/dev/null
		v+=("$("$@")")
	done
	median "${v[@]}"
}

say "F0: reading the inputs once"
f0() { timed -c "EXPLAIN (ANALYZE, TIMING OFF) SELECT organization_id, customer_id, count(*)
	FROM bookings GROUP BY 1, 2" -c "EXPLAIN (ANALYZE, TIMING OFF) SELECT organization_id,
	customer_id, count(*) FROM payments GROUP BY 1, 2"; }
F0=$(rep f0)
# F1: the definition's plain per-customer aggregates alone (the bk_agg step of the
# baseline: about 40 FILTERed counts, sums, minima and maxima) over all
# bookings in one HashAggregate, with nothing joined: what SQL costs per aggregate.
{
	echo "EXPLAIN (ANALYZE, TIMING OFF) WITH run AS (SELECT '$ANCHOR'::timestamptz AS as_of,"
	echo "  '$ANCHOR'::timestamptz - interval '720 hours' AS since_30d,"
	echo "  '$ANCHOR'::timestamptz - interval '2160 hours' AS since_90d,"
	echo "  '$ANCHOR'::timestamptz - interval '8760 hours' AS since_365d,"
	echo "  '$ANCHOR'::timestamptz - interval '17520 hours' AS since_730d),"
	echo "bk AS (SELECT b.customer_id COLLATE \"C\" AS square_customer_id, b.*,"
	echo "  (b.status = 'ACCEPTED' AND b.start_at <= r.as_of) AS is_visit FROM bookings b, run r),"
	awk '/^bk_agg AS \($/ { on = 1 } on { print } on && /^\),$/ { exit }' "$BASELINE" |
		sed '$ s/,$//'
	echo "SELECT * FROM bk_agg"
} >"$T/f1.sql"
say "F1: the plain aggregates alone"
F1=$(rep timed -f "$T/f1.sql")
say "B0: the bare aggregate"
B0=$(rep timed -f "$T/b0.sql")
# Once more with per-node timing: the plan (kept in the temp directory) and where the time
# goes, by step of refresh_compute.sql (bench/plan_steps.py).
"${PSQL[@]}" -c 'SET work_mem = '"'256MB'" -c "EXPLAIN (ANALYZE, BUFFERS) $(cat "$T/select.sql")" \
	>"$T/explain-b0.txt"
"${PSQL[@]}" -A -t -c 'SET work_mem = '"'256MB'" -c "EXPLAIN (ANALYZE, FORMAT JSON) $(cat "$T/select.sql")" |
	python3 "$SRC/bench/plan_steps.py" >"$T/steps.md"
say "B1: CREATE TABLE AS"
b1() { q "DROP TABLE IF EXISTS bench_b1"; timed -f "$T/b1.sql"; }
B1=$(rep b1)
say "B2, B3: materialized view"
"${PSQL[@]}" -f "$T/mv.sql"
q "CREATE UNIQUE INDEX ON bench_mv (organization_id, square_customer_id)"
B2=$(rep timed -c "REFRESH MATERIALIZED VIEW bench_mv")
B3=$(rep timed -c "REFRESH MATERIALIZED VIEW CONCURRENTLY bench_mv")
q "DROP MATERIALIZED VIEW bench_mv; DROP TABLE bench_b1"

# --- analyticsd ----------------------------------------------------------------------------
# run_ctl ARGS...: one run; prints "duration_ms rows_written rows_total".
run_ctl() {
	ctl --json "$@" | jq -r -s 'last | .result | [.duration_ms, .rows.inserted + .rows.updated + .rows.deleted,
		.rows.inserted + .rows.updated + .rows.unchanged] | @tsv' | tr '\t' ' '
}
PROBE_STOP=$T/probe.stop
probe_start() {
	rm -f "$PROBE_STOP"
	python3 "$SRC/bench/status_probe.py" "$SOCK" "$PROBE_STOP" >>"$T/probe.out" &
	PROBE_PID=$!
}
probe_stop() { touch "$PROBE_STOP"; wait "$PROBE_PID"; }

say "analyticsd full refresh into an empty table (status probed meanwhile)"
full_empty() {
	q "TRUNCATE customer_analytics_stored, analytics_undo_log" >/dev/null
	q "CHECKPOINT" >/dev/null
	probe_start
	read -r ms _ _ < <(run_ctl refresh full)
	probe_stop
	echo "$ms"
}
v=(); for _ in $(seq "$REPS"); do v+=("$(full_empty)"); done
A_EMPTY=$(median "${v[@]}")
# All probes together: the percentiles of every round trip made during the refreshes.
read -r probe_n probe_p50 probe_p99 probe_max probe_failed < <(awk '
	{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	  n += f["n"]; p50 = (f["p50"] > p50) ? f["p50"] : p50; p99 = (f["p99"] > p99) ? f["p99"] : p99
	  mx = (f["max"] > mx) ? f["max"] : mx; bad += f["failed"] }
	END { print n, p50, p99, mx, bad }' "$T/probe.out")

say "analyticsd full refresh on unchanged data"
v=(); w=(); same_written=0
for _ in $(seq "$REPS"); do
	q "CHECKPOINT" >/dev/null
	lsn0=$(q "SELECT pg_current_wal_lsn()")
	read -r ms rows _ < <(run_ctl refresh full)
	w+=("$(q "SELECT pg_current_wal_lsn() - '$lsn0'::pg_lsn")")
	v+=("$ms"); same_written=$((same_written + rows))
done
A_SAME=$(median "${v[@]}")
A_SAME_WAL=$(median "${w[@]}")
# The daemon's peak after the full refreshes, to compare with a daemon that made the same
# two kinds on a tenth of the data (below).
rss_full=$(awk '/^VmHWM/ { print $2 }' "/proc/$DAEMON_PID/status")

# Where a full refresh's time goes: one more run on unchanged data with every statement's
# duration in the server's log (log_min_duration_statement = 0), summed by the SQL file it
# came from, and the daemon's CPU time during the run (utime + stime, in clock ticks).
say "where a full refresh's time goes"
q "ALTER SYSTEM SET log_min_duration_statement = 0" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
log0=$(wc -l <"$T/bench.pg/server.log")
cpu0=$(awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat")
read -r prof_ms _ _ < <(run_ctl refresh full)
cpu1=$(awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat")
q "ALTER SYSTEM RESET log_min_duration_statement" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
tail -n +"$((log0 + 1))" "$T/bench.pg/server.log" |
	python3 "$SRC/bench/stmt_times.py" "$SRC/sql/queries:$BIN/gen/sql" "$prof_ms" \
		"$(( (cpu1 - cpu0) * 1000 / $(getconf CLK_TCK) ))" >"$T/stmts.md"

# --- recent after a 1% change --------------------------------------------------------------
# Repetition r changes the latest booking of the customers with c % 100 = r (1%): an
# ACCEPTED one becomes a NO_SHOW and anything else ACCEPTED, updated an hour before as_of.
# Once a repetition is measured, its changes are dated two days back (which no metric
# reads: updated_at only counts for cancelled bookings), so that each --days 1 run sees
# its own 1% and not the earlier ones too.
say "recent after changing 1% of the customers' bookings"
change_1pct() {
	q "UPDATE bookings b SET status = CASE WHEN b.status = 'ACCEPTED' THEN 'NO_SHOW' ELSE 'ACCEPTED' END,
	          updated_at = '$ANCHOR'::timestamptz - interval '1 hour'
	     FROM (SELECT DISTINCT ON (customer_id) id FROM bookings
	            WHERE customer_id IS NOT NULL AND substr(customer_id, 5)::bigint % 100 = $1
	              AND start_at <= '$ANCHOR'
	            ORDER BY customer_id, created_at DESC, id) x
	    WHERE b.id = x.id" >/dev/null
	q "DROP TABLE IF EXISTS bench_touched; CREATE TABLE bench_touched AS
	   SELECT DISTINCT organization_id, customer_id AS square_customer_id FROM bookings
	    WHERE updated_at = '$ANCHOR'::timestamptz - interval '1 hour'
	      AND substr(customer_id, 5)::bigint % 100 = $1; ANALYZE bench_touched" >/dev/null
}
select_sql "SELECT organization_id, square_customer_id FROM bench_touched" >"$T/touched.sql"
sed -i '1i EXPLAIN (ANALYZE, TIMING OFF)' "$T/touched.sql"
v=(); s=(); d1=(); s1=(); bt=(); n_touched=0
for r in $(seq "$REPS"); do
	change_1pct $((r * 2))
	n_touched=$(q "SELECT count(*) FROM bench_touched")
	q "CHECKPOINT" >/dev/null
	bt+=("$(timed -f "$T/touched.sql")")
	q "CHECKPOINT" >/dev/null
	read -r ms _ total < <(run_ctl refresh recent --days 1)
	d1+=("$ms"); s1+=("$total")
	change_1pct $((r * 2 + 1))
	q "CHECKPOINT" >/dev/null
	read -r ms _ total < <(run_ctl refresh recent)
	v+=("$ms"); s+=("$total")
	q "UPDATE bookings SET updated_at = '$ANCHOR'::timestamptz - interval '2 days'
	    WHERE updated_at = '$ANCHOR'::timestamptz - interval '1 hour'" >/dev/null
done
R90=$(median "${v[@]}"); R90_SCOPE=$(median "${s[@]}")
R1=$(median "${d1[@]}"); R1_SCOPE=$(median "${s1[@]}")
BT=$(median "${bt[@]}")
read -r ms after_recent _ < <(run_ctl refresh full)

# --- incremental ---------------------------------------------------------------------------
# After the full refresh the table is exact at the anchor and the queue empty. Repetition r
# changes another 1% of the customers (the capture triggers queue them) and moves the clock
# on one hour, to anchor + r hours: the run recomputes the changed customers and the rows
# whose data events (a booking starting, a window exit) came in that hour.
#
# inc_run PREV AS_OF: one incremental run at AS_OF after a CHECKPOINT (so that the first
# change of each page writes its full image, as in production); prints "ms scope written
# undo_bytes wal_bytes clock_rows": undo_bytes is the run's undo log (its old rows as
# stored, compressed), wal_bytes everything the run made the server log; clock_rows is what
# the layout before migration 0013 rewrote for the same hour, counted on this data: the rows
# due by an event plus those whose day counts moved between PREV and AS_OF.
inc_run() {
	local prev=$1 at=$2 clock lsn0 ms written total wal undo
	clock=$(q "SELECT count(*) FROM customer_analytics_stored
	            WHERE next_change_at <= '$at'
	               OR floor(extract(epoch FROM '$at'::timestamptz - last_visit_at) / 86400)
	                  <> floor(extract(epoch FROM '$prev'::timestamptz - last_visit_at) / 86400)
	               OR floor(extract(epoch FROM '$at'::timestamptz - first_booking_at) / 86400)
	                  <> floor(extract(epoch FROM '$prev'::timestamptz - first_booking_at) / 86400)")
	echo "$at" >"$T/as_of"
	q "CHECKPOINT" >/dev/null
	lsn0=$(q "SELECT pg_current_wal_lsn()")
	read -r ms written total < <(run_ctl refresh incremental)
	wal=$(q "SELECT pg_current_wal_lsn() - '$lsn0'::pg_lsn")
	undo=$(q "SELECT coalesce(sum(pg_column_size(old_row)), 0) FROM analytics_undo_log
	           WHERE run_id = (SELECT max(id) FROM analytics_refresh_runs)")
	echo "$ms $total $written $undo $wal $clock"
}
say "incremental after a 1% change and one hour of the clock"
v=(); s=(); ws=(); us=(); wl=(); cl=()
for r in $(seq "$REPS"); do
	change_1pct $((50 + r))
	q "UPDATE bookings SET updated_at = '$ANCHOR'::timestamptz - interval '2 days'
	    WHERE updated_at = '$ANCHOR'::timestamptz - interval '1 hour'" >/dev/null
	read -r ms total w_rows undo wal clock < <(inc_run \
		"$(q "SELECT '$ANCHOR'::timestamptz + interval '1 hour' * $((r - 1))")" \
		"$(q "SELECT '$ANCHOR'::timestamptz + interval '1 hour' * $r")")
	v+=("$ms"); s+=("$total"); ws+=("$w_rows"); us+=("$undo"); wl+=("$wal"); cl+=("$clock")
done
INC=$(median "${v[@]}"); INC_SCOPE=$(median "${s[@]}"); INC_WRITTEN=$(median "${ws[@]}")
INC_UNDO=$(median "${us[@]}"); INC_WAL=$(median "${wl[@]}"); INC_CLOCKROWS=$(median "${cl[@]}")
# The first of those runs is the first incremental run since the full refresh: it also
# lists the next day's rows due afresh (analytics_due, migration 0015), as one run a day does.
REFILL_MS=${v[0]}; REFILL_WAL=${wl[0]}
# The same clock, nothing queued, nothing due: the whole request as the client sees it.
v=()
for _ in $(seq $((REPS * 5))); do
	t0=$(date +%s%N)
	status=$(ctl --json refresh incremental | jq -r -s 'last | .result.status')
	v+=("$(( ($(date +%s%N) - t0) / 1000 ))")
done
INC_IDLE_US=$(median "${v[@]}")
INC_IDLE_STATUS=$status
# Hours of the clock alone (nothing changed), for what time costs by itself.
v=(); s=(); ws=(); us=(); wl=(); cl=()
for r in $(seq "$REPS"); do
	read -r ms total w_rows undo wal clock < <(inc_run \
		"$(q "SELECT '$ANCHOR'::timestamptz + interval '1 hour' * $((REPS + r - 1))")" \
		"$(q "SELECT '$ANCHOR'::timestamptz + interval '1 hour' * $((REPS + r))")")
	v+=("$ms"); s+=("$total"); ws+=("$w_rows"); us+=("$undo"); wl+=("$wal"); cl+=("$clock")
done
CLK=$(median "${v[@]}"); CLK_SCOPE=$(median "${s[@]}"); CLK_WRITTEN=$(median "${ws[@]}")
CLK_UNDO=$(median "${us[@]}"); CLK_WAL=$(median "${wl[@]}"); CLK_CLOCKROWS=$(median "${cl[@]}")

# --- reading the view ----------------------------------------------------------------------
# Every row and column of the view customer_analytics (the columns evaluated when read
# included) against every row and column of the table it reads, as COPY writes them out.
say "reading the view against the stored table"
READ_VIEW=$(rep timed -c "COPY (SELECT * FROM customer_analytics) TO '/dev/null'")
READ_STORED=$(rep timed -c "COPY (SELECT * FROM customer_analytics_stored) TO '/dev/null'")
echo "$ANCHOR" >"$T/as_of"
read -r ms _ _ < <(run_ctl refresh full)

# --- the undo log's cost -------------------------------------------------------------------
# In one transaction that is rolled back: the scope and compute of a full run one day after
# the anchor (every customer with a visit then changes), and the update of the table with
# and without its undo log. Then the same for the insert into an empty table. The rows are
# computed by the frozen baseline, which makes the daemon's rows in one SQL statement
# (the daemon's compute streams through C and cannot run in psql).
say "the undo log's overhead"
# A run id no run has: the undo rows below must not meet those of a real run (the FK to
# the runs was dropped by migration 0006).
run_id=$(q "SELECT max(id) + 1000 FROM analytics_refresh_runs")
upd_plain=$(awk '/^UPDATE customer_analytics_stored t/ { on = 1 } /^RETURNING/ { on = 0 } on' \
	"$BIN/gen/sql/refresh_update.sql")
ins_plain=$(awk '/^INSERT INTO customer_analytics_stored/ { on = 1 } /^RETURNING/ { on = 0 } on' \
	"$BIN/gen/sql/refresh_insert.sql")
sed "s/\\\$1::bigint/$run_id::bigint/" "$BIN/gen/sql/refresh_update.sql" >"$T/upd_undo.sql"
sed "s/\\\$1::bigint/$run_id::bigint/" "$BIN/gen/sql/refresh_insert.sql" >"$T/ins_undo.sql"
cat >"$T/undo.sql" <<SQL
SET work_mem = '256MB';
SET jit = off;
BEGIN;
CREATE TEMP TABLE ca_run ON COMMIT DROP AS SELECT '$ANCHOR'::timestamptz + interval '1 day' AS as_of;
CREATE TEMP TABLE ca_scope ON COMMIT DROP AS $FULL_SCOPE
UNION SELECT organization_id, square_customer_id FROM customer_analytics_stored;
\\i $BASELINE
-- The frozen baseline makes the columns of the layout before migration 0013; the update and
-- the insert name those of this one.
ALTER TABLE ca_new ADD COLUMN visit_interval_half_days integer;
SELECT 'rows', count(*) FROM ca_new;
SAVEPOINT s;
\\timing on
\\echo with-undo-update
\\i $T/upd_undo.sql
\\timing off
SELECT 'undo-bytes', sum(pg_column_size(u.old_row)), count(*) FROM analytics_undo_log u WHERE run_id = $run_id;
ROLLBACK TO s;
CHECKPOINT;
\\timing on
\\echo plain-update
$upd_plain;
\\timing off
ROLLBACK TO s;
TRUNCATE customer_analytics_stored;
\\i $SRC/sql/queries/refresh_missing.sql
SAVEPOINT t;
CHECKPOINT;
\\timing on
\\echo with-undo-insert
\\i $T/ins_undo.sql
\\timing off
ROLLBACK TO t;
CHECKPOINT;
\\timing on
\\echo plain-insert
$ins_plain;
\\timing off
ROLLBACK;
SQL
undo_once() {
	"${PSQL[@]}" -A -t -f "$T/undo.sql" | awk '
		/^(with-undo|plain)-/ { k = $0 } /^Time: / { t[k] = $2 } /^undo-bytes/ { split($0, a, "|"); b = a[2]; nu = a[3] } /^rows/ { split($0, a, "|"); n = a[2] }
		END { printf "%s %s %s %s %s %s %s\n", t["with-undo-update"], t["plain-update"],
		      t["with-undo-insert"], t["plain-insert"], b, n, nu }'
}
uu=(); up=(); iu=(); ip=()
for _ in $(seq "$REPS"); do
	read -r a b c d UNDO_BYTES n_ins n_upd < <(undo_once); uu+=("$a"); up+=("$b"); iu+=("$c"); ip+=("$d")
done
U_UPD=$(median "${uu[@]}"); P_UPD=$(median "${up[@]}")
U_INS=$(median "${iu[@]}"); P_INS=$(median "${ip[@]}")

rss_peak=$(awk '/^VmHWM/ { print $2 }' "/proc/$DAEMON_PID/status")
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=""

# --- peak memory at a tenth of the data ----------------------------------------------------
# "Flat as the data grows", shown in the same run: a second daemon, on a database of its own
# holding a tenth of this data (the same generator), makes the same two kinds of full
# refresh as the first did (into an empty table, then on unchanged data), and both peaks
# are read after them.
SMALL_DB=bench_small
SMALL_SOCK=$T/control-small.sock
small_ctl() { "$BIN/analyticsctl" -s "$SMALL_SOCK" --timeout 0 "$@"; }
say "peak memory at a tenth of the data"
"$PGBIN/createdb" "$SMALL_DB"
cat >"$T/analyticsd-small.conf" <<CONF
database = { conninfo = "dbname=$SMALL_DB"; };
control  = { socket = "$SMALL_SOCK"; };
refresh  = { follow_interval_s = 0; };
CONF
echo "$ANCHOR" >"$T/as_of_small"
ANALYTICSD_TEST_AS_OF=@$T/as_of_small \
	daemon_up "$T/analyticsd-small.conf" "$SMALL_SOCK" "$T/analyticsd-small.log"
PGDATABASE=$SMALL_DB "${PSQL[@]}" -v customers=$((CUSTOMERS / 10)) -v bookings=$((BOOKINGS / 10)) \
	-v payments=$((PAYMENTS / 10)) -v orgs="$ORGS" -v anchor="'$ANCHOR'" -f "$SRC/bench/gen.sql" >/dev/null
PGDATABASE=$SMALL_DB q "VACUUM ANALYZE" >/dev/null
small_bookings=$(PGDATABASE=$SMALL_DB q "SELECT count(*) FROM bookings")
small_ctl refresh full >/dev/null
small_ctl refresh full >/dev/null
small_keys=$(PGDATABASE=$SMALL_DB q "SELECT count(*) FROM customer_analytics_stored")
rss_small=$(awk '/^VmHWM/ { print $2 }' "/proc/$DAEMON_PID/status")
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=""

# --- the capture triggers on the write path ------------------------------------------------
# pgbench, one client, single-row transactions (the platform's own writes), each script
# BENCH_PGBENCH_S seconds with the triggers and without them (disabled by name: the foreign
# key triggers stay), as BENCH_PGBENCH_REPS pairs of adjacent runs in alternating order;
# with synchronous_commit on (as configured) and off. The cost is the median of the pairs'
# ratios: a commit's latency here is mostly the virtual disk's flush, which drifts by
# several percent from one minute to the next, and a pair's two runs share the drift.
# Then one 100k-row UPDATE of bookings, with and without.
say "write-path cost of the capture triggers (pgbench)"
PGBENCH_S=${BENCH_PGBENCH_S:-3}
PGBENCH_REPS=${BENCH_PGBENCH_REPS:-11}
q "CREATE TABLE bench_clients AS
     SELECT row_number() OVER (ORDER BY c.organization_id, c.square_customer_id) AS n,
            c.organization_id, c.square_customer_id,
            (SELECT l.id FROM locations l WHERE l.organization_id = c.organization_id
              ORDER BY l.id LIMIT 1) AS location_id
       FROM square_existing_clients c;
   CREATE UNIQUE INDEX ON bench_clients (n);
   CREATE TABLE bench_booking_ids AS
     SELECT row_number() OVER (ORDER BY id) AS n, id FROM bookings WHERE customer_id IS NOT NULL;
   CREATE UNIQUE INDEX ON bench_booking_ids (n);
   CREATE TABLE bench_payment_ids AS
     SELECT row_number() OVER (ORDER BY id) AS n, id FROM payments;
   CREATE UNIQUE INDEX ON bench_payment_ids (n);
   ANALYZE bench_clients, bench_booking_ids, bench_payment_ids" >/dev/null
read -r n_bc n_bb n_bp < <(q "SELECT (SELECT count(*) FROM bench_clients),
	(SELECT count(*) FROM bench_booking_ids), (SELECT count(*) FROM bench_payment_ids)" | tr '|' ' ')
cat >"$T/bookings_insert.sql" <<SQL
\set k random(1, $n_bc)
INSERT INTO bookings (organization_id, location_id, customer_id, status, start_at, created_at, updated_at)
SELECT organization_id, location_id, square_customer_id, 'ACCEPTED', now() + interval '3 days', now(), now()
  FROM bench_clients WHERE n = :k;
SQL
cat >"$T/bookings_update.sql" <<SQL
\set k random(1, $n_bb)
UPDATE bookings SET status = CASE status WHEN 'ACCEPTED' THEN 'NO_SHOW' ELSE 'ACCEPTED' END, updated_at = now()
 WHERE id = (SELECT id FROM bench_booking_ids WHERE n = :k);
SQL
cat >"$T/payments_insert.sql" <<SQL
\set k random(1, $n_bb)
INSERT INTO payments (organization_id, booking_id, customer_id, amount_cents, status, created_at, updated_at)
SELECT b.organization_id, b.id, NULL, 1000, 'COMPLETED', now(), now()
  FROM bookings b WHERE b.id = (SELECT id FROM bench_booking_ids WHERE n = :k);
SQL
cat >"$T/payments_update.sql" <<SQL
\set k random(1, $n_bp)
UPDATE payments SET refunded_cents = refunded_cents + 1, updated_at = now()
 WHERE id = (SELECT id FROM bench_payment_ids WHERE n = :k);
SQL
capture() {     # capture ENABLE|DISABLE: the capture triggers of bookings and payments
	# ENABLE puts them back as migration 0011 leaves them: ENABLE ALWAYS.
	for t in bookings payments; do
		for e in insert update delete; do
			q "ALTER TABLE $t ${1/ENABLE/ENABLE ALWAYS} TRIGGER analytics_capture_$e" >/dev/null
		done
	done
}
# pgbench_lat SCRIPT: the average latency in ms of one run
pgbench_lat() {
	"$PGBIN/pgbench" -n -c 1 -T "$PGBENCH_S" -f "$1" 2>/dev/null |
		awk '/^latency average/ { print $4 }'
}
declare -A LAT
for sc in on off; do
	for w in bookings_insert bookings_update payments_insert payments_update; do
		on=(); off=(); pair=()
		for r in $(seq "$PGBENCH_REPS"); do
			for mode in $([ $((r % 2)) = 1 ] && echo "ENABLE DISABLE" || echo "DISABLE ENABLE"); do
				capture "$mode"
				lat=$(PGOPTIONS="-c synchronous_commit=$sc" pgbench_lat "$T/$w.sql")
				if [ "$mode" = ENABLE ]; then on+=("$lat"); else off+=("$lat"); fi
			done
			pair+=("$(awk -v a="${on[-1]}" -v b="${off[-1]}" 'BEGIN { printf "%.4f", a / b }')")
		done
		capture ENABLE
		LAT[$sc,$w,on]=$(median "${on[@]}"); LAT[$sc,$w,off]=$(median "${off[@]}")
		LAT[$sc,$w,pair]=$(median "${pair[@]}")
		LAT[$sc,$w,range]=$(printf '%s\n' "${pair[@]}" | sort -g |
			awk '{ a[NR] = $1 } END { printf "%+.0f%% to %+.0f%%", (a[1] - 1) * 100, (a[NR] - 1) * 100 }')
	done
done
bulk() {        # bulk ENABLE|DISABLE: one 100k-row UPDATE of bookings, rolled back
	capture "$1"
	q "CHECKPOINT" >/dev/null
	timed -c "BEGIN" -c "UPDATE bookings SET updated_at = updated_at + interval '1 microsecond'
	                      WHERE id IN (SELECT id FROM bench_booking_ids WHERE n <= 100000)" -c "ROLLBACK"
}
BULK_ON=$(rep bulk ENABLE); BULK_OFF=$(rep bulk DISABLE)
capture ENABLE
# What pgbench queued is not part of what follows.
q "TRUNCATE analytics_change_queue" >/dev/null

# --- follow mode ---------------------------------------------------------------------------
# A daemon with follow_interval_s = BENCH_FOLLOW_S under a steady load of BENCH_FOLLOW_RATE
# single-booking writes a second for BENCH_FOLLOW_LOAD_S seconds. A write's staleness: from
# its commit until the end of the first follow run that started after it.
FOLLOW_S=${BENCH_FOLLOW_S:-10}
FOLLOW_RATE=${BENCH_FOLLOW_RATE:-5}
FOLLOW_LOAD_S=${BENCH_FOLLOW_LOAD_S:-60}
say "follow mode: $FOLLOW_RATE writes/s for $FOLLOW_LOAD_S s, interval $FOLLOW_S s"
daemon_conf "$FOLLOW_S" >"$T/analyticsd.conf"
"$BIN/analyticsd" -c "$T/analyticsd.conf" 2>>"$T/analyticsd.log" &
DAEMON_PID=$!
for _ in $(seq 100); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
q "CREATE TABLE bench_writes (committed_at timestamptz)" >/dev/null
awk -v q="'" -v n=$((FOLLOW_LOAD_S * FOLLOW_RATE)) -v nc="$n_bc" -v pause="$(awk -v r="$FOLLOW_RATE" 'BEGIN { print 1 / r }')" 'BEGIN {
	srand(42)
	for (i = 0; i < n; i++) {
		printf "WITH b AS (INSERT INTO bookings (organization_id, location_id, customer_id, status, start_at, created_at, updated_at)"
		printf " SELECT organization_id, location_id, square_customer_id, %sACCEPTED%s, now() + interval %s2 days%s, now(), now()", q, q, q, q
		printf " FROM bench_clients WHERE n = %d RETURNING 1)", 1 + int(rand() * nc)
		printf " INSERT INTO bench_writes SELECT clock_timestamp() FROM b;\nSELECT pg_sleep(%s);\n", pause
	}
}' >"$T/writer.sql"
"${PSQL[@]}" -f "$T/writer.sql" >/dev/null
sleep $((FOLLOW_S + 3))
read -r ST_N ST_P50 ST_P99 ST_MAX ST_RUNS < <(q "WITH s AS (
	SELECT extract(epoch FROM (SELECT min(r.finished_at) FROM analytics_refresh_runs r
	                            WHERE r.trigger = 'follow' AND r.status = 'succeeded'
	                              AND r.started_at >= w.committed_at) - w.committed_at) AS s
	  FROM bench_writes w)
	SELECT count(s), round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s)::numeric, 1),
	       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY s)::numeric, 1),
	       round(max(s)::numeric, 1),
	       (SELECT count(*) FROM analytics_refresh_runs WHERE trigger = 'follow')
	  FROM s" | tr '|' ' ')
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=""

# --- results -------------------------------------------------------------------------------
pgver=$(q "SHOW server_version")
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
{
	echo "Measured $(date -u +%Y-%m-%d) by \`make bench\` (bench/run.sh), medians of $REPS repetitions."
	echo
	echo "- Machine: $(nproc) CPUs ($cpu), $mem RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), PostgreSQL $pgver."
	echo "- Data (bench/gen.sql): $n_clients client records, $n_keys customer keys, $n_bookings bookings, $n_payments payments, $ORGS organizations; generated and loaded in $(secs "$gen_ms"). analytics_refresh_runs holds a year of hourly runs (8,760) before the first refresh."
	echo "- Server settings: $(printf '`%s` ' "${PG_SETTINGS[@]}")"
	echo
	echo "| figure | time | ratio | target |"
	echo "|---|---:|---:|---|"
	echo "| F0: read the inputs once (GROUP BY customer over bookings, then payments) | $(secs "$F0") | 1.00 x F0 | |"
	echo "| F1: the ~40 plain per-customer aggregates of bookings alone (one GROUP BY, nothing joined) | $(secs "$F1") | $(ratio "$F1" "$F0") x F0 | |"
	echo "| B0: the frozen baseline compute (bench/baseline_compute.sql) as a bare SELECT (EXPLAIN ANALYZE, TIMING OFF) | $(secs "$B0") | $(ratio "$B0" "$F0") x F0 | |"
	echo "| B1: CREATE TABLE AS of that SELECT | $(secs "$B1") | $(ratio "$B1" "$B0") x B0 | |"
	echo "| B2: REFRESH MATERIALIZED VIEW | $(secs "$B2") | $(ratio "$B2" "$B1") x B1 | |"
	echo "| B3: REFRESH MATERIALIZED VIEW CONCURRENTLY (unchanged data) | $(secs "$B3") | $(ratio "$B3" "$B1") x B1 | |"
	echo "| analyticsd full, empty table | $(secs "$A_EMPTY") | $(ratio "$A_EMPTY" "$B1") x B1, $(ratio "$A_EMPTY" "$B3") x B3, $(ratio "$A_EMPTY" "$F0") x F0 | <= 0.4 x B1 (aim 0.25); <= 20 x F0 (aim 10) |"
	echo "| analyticsd full, unchanged data | $(secs "$A_SAME") | $(ratio "$A_SAME" "$B0") x B0, $(ratio "$A_SAME" "$B1") x B1, $(ratio "$A_SAME" "$F0") x F0 | <= 0.4 x B1 (aim 0.25); <= 20 x F0 (aim 10) |"
	echo "| ... rows written by those $REPS runs | $same_written | | 0 |"
	echo "| ... WAL per run | $(awk -v b="$A_SAME_WAL" 'BEGIN { printf "%.1f KiB", b / 1024 }') | | |"
	echo "| analyticsd recent --days 1 after a 1% change ($R1_SCOPE customers in scope) | $(secs "$R1") | $(ratio "$R1" "$A_SAME") x full | <= 0.10 x full (aim 0.05) |"
	echo "| ... the bare aggregate of the $n_touched touched customers | $(secs "$BT") | recent = $(ratio "$R1" "$BT") x this | |"
	echo "| analyticsd recent (default 90 days) after a 1% change ($R90_SCOPE customers in scope) | $(secs "$R90") | $(ratio "$R90" "$A_SAME") x full | |"
	echo "| ... rows a full refresh then still wrote | $after_recent | | 0 |"
	echo "| analyticsd incremental after a 1% change and one hour of the clock ($INC_SCOPE customers recomputed) | $(secs "$INC") | $(ratio "$INC" "$A_SAME") x full | <= 0.04 x full (aim 0.02) |"
	echo "| ... rows written; the layout before migration 0013 rewrote, for the same hour | $INC_WRITTEN; $INC_CLOCKROWS | $(ratio "$INC_WRITTEN" "$INC_CLOCKROWS") x | |"
	echo "| ... undo log (old rows, compressed); WAL | $(kib "$INC_UNDO"); $(kib "$INC_WAL") | | |"
	echo "| ... the first of those runs, which also listed a day's rows due afresh (one run a day does): time; WAL | $(secs "$REFILL_MS"); $(kib "$REFILL_WAL") | $(ratio "$REFILL_MS" "$A_SAME") x full | |"
	echo "| analyticsd incremental, one hour of the clock alone ($CLK_SCOPE customers recomputed: their data events came) | $(secs "$CLK") | $(ratio "$CLK" "$A_SAME") x full | <= 0.02 x full |"
	echo "| ... rows written; the layout before migration 0013 rewrote, for the same hour | $CLK_WRITTEN; $CLK_CLOCKROWS | $(ratio "$CLK_WRITTEN" "$CLK_CLOCKROWS") x | <= 0.125 x |"
	echo "| ... undo log (old rows, compressed); WAL | $(kib "$CLK_UNDO"); $(kib "$CLK_WAL") | $(awk -v w="$CLK_WAL" 'BEGIN { printf "%.2f x 180 MB", w / 180e6 }') | <= 0.125 x the 180-193 MB an hour wrote before migration 0013 |"
	echo "| read every row of the view customer_analytics (COPY to /dev/null) against the table it reads | $(secs "$READ_VIEW") / $(secs "$READ_STORED") | $(ratio "$READ_VIEW" "$READ_STORED") x | <= 1.5 x |"
	echo "| analyticsd incremental with nothing queued or due ($INC_IDLE_STATUS), analyticsctl's whole round trip | $(awk -v u="$INC_IDLE_US" 'BEGIN { printf "%.1f ms", u / 1000 }') | | <= 50 ms |"
	for sc in on off; do
		for w in bookings_insert bookings_update payments_insert payments_update; do
			echo "| capture triggers, single-row ${w/_/ } (pgbench, synchronous_commit=$sc): median latency with / without; median of $PGBENCH_REPS pairs (their range) | ${LAT[$sc,$w,on]} / ${LAT[$sc,$w,off]} ms | $(awk -v r="${LAT[$sc,$w,pair]}" 'BEGIN { printf "%+.1f%%", (r - 1) * 100 }') (${LAT[$sc,$w,range]}) | $([ "$sc" = on ] && echo '<= +10% (aim +5%)') |"
		done
	done
	echo "| capture triggers, one UPDATE of 100k bookings: with / without | $(secs "$BULK_ON") / $(secs "$BULK_OFF") | $(awk -v a="$BULK_ON" -v b="$BULK_OFF" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }') | <= +30% |"
	echo "| follow mode (interval $FOLLOW_S s), staleness of $ST_N writes at $FOLLOW_RATE/s ($ST_RUNS follow runs) | p50 $ST_P50 s, p99 $ST_P99 s, max $ST_MAX s | | p99 <= interval + 2 s |"
	echo "| update of the $n_upd rows that changed a day later, with the undo log | $(secs "$U_UPD") | $(ratio "$U_UPD" "$P_UPD") x plain UPDATE ($(secs "$P_UPD")); undo log $(awk -v b="$UNDO_BYTES" -v n="$n_upd" 'BEGIN { printf "%.0f", b / n }') bytes a row (its compressed old row) | |"
	echo "| insert of $n_ins rows with the undo log | $(secs "$U_INS") | $(ratio "$U_INS" "$P_INS") x plain INSERT ($(secs "$P_INS")) | |"
	echo "| status round trip during full refreshes ($probe_n, $probe_failed failed) | p50 $probe_p50 ms, p99 $probe_p99 ms, max $probe_max ms | | p99 < 5 ms |"
	echo "| analyticsd peak RSS (VmHWM; $(mib "$rss_base") after start) | $(mib "$rss_peak") | | < 32 MiB, flat as the data grows |"
	echo "| ... after the full refreshes: with this data / with a tenth of it (a second daemon and database: $small_keys customer keys, $small_bookings bookings, two full refreshes) | $(mib "$rss_full") / $(mib "$rss_small") | $(ratio "$rss_full" "$rss_small") x | flat as the data grows |"
	echo
	echo "Where analyticsd's full refresh on unchanged data goes (one more run, $(secs "$prof_ms"), with every statement's server-side duration logged; bench/stmt_times.py):"
	echo
	cat "$T/stmts.md"
	echo
	echo "Where B0's time goes (the frozen baseline; EXPLAIN ANALYZE with per-node timing, bench/plan_steps.py):"
	echo
	cat "$T/steps.md"
} >"$T/results.md"
cat "$T/results.md"
cp "$T/explain-b0.txt" "$T/results.md" "${BENCH_SAVE_DIR:-$T}/" 2>/dev/null || true
if [ "$OUT" != "-" ]; then
	if [ -f "$OUT" ] && grep -q '^<!-- bench:begin -->$' "$OUT"; then
		awk -v f="$T/results.md" '
			/^<!-- bench:begin -->$/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
			/^<!-- bench:end -->$/ { skip = 0 }
			!skip' "$OUT" >"$T/out.md"
		cp "$T/out.md" "$OUT"
	else
		{ echo "<!-- bench:begin -->"; cat "$T/results.md"; echo "<!-- bench:end -->"; } >"$OUT"
	fi
	echo "bench: results written to $OUT"
fi
