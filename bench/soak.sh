#!/bin/bash
# SPDX-License-Identifier: ISC
# make soak (bench/soak.sh BUILD_DIR): the daemon as it runs in production, for a long
# while, under a steady write load and hostile readers. Follow mode at its default
# interval (60 s), the clock real (no pinned as_of); pgbench writes bookings and payments
# from several clients the whole time; one reader pipelines status requests and reads its
# replies slowly; 100 idle connections come back whenever they are dropped. Every
# SOAK_SAMPLE_S it records the change queue (entries, oldest), the sizes of
# customer_analytics, the queue and the undo log (bloat), the daemon's RSS, the WAL
# written, and how long an operator's pause and resume and a status take; every 2 s, the
# age of the oldest queued change (staleness, summarized as p50/p99/max). It prints the
# samples and a summary as Markdown, for docs/RELIABILITY.md ("Soak").
#   SOAK_S=3600          how long the load lasts
#   SOAK_SAMPLE_S=60     between samples
#   SOAK_SCALE=0.1       bench/gen.sql's default sizes times this (20k customers)
#   SOAK_CLIENTS=4 SOAK_RATE=20   pgbench clients and transactions a second in all
#   SOAK_KEEP=1          keep the temp directory
set -euo pipefail
BIN=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
SOAK_S=${SOAK_S:-3600}
SAMPLE_S=${SOAK_SAMPLE_S:-60}
SCALE=${SOAK_SCALE:-0.1}
CLIENTS=${SOAK_CLIENTS:-4}
RATE=${SOAK_RATE:-20}
scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN { printf "%d", n * s }'; }

T=$(mktemp -d "${TMPDIR:-/tmp}/analyticsd-soak.XXXXXX")
chmod 755 "$T"
. "$SRC/tools/cluster.sh"
PIDS=""
cleanup() {
	set +e
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for c in $T_CLUSTERS; do pg_stop "$c"; done
	if [ -n "${SOAK_KEEP:-}" ]; then echo "soak: kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
say() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# shellcheck disable=SC2034 # read by tools/cluster.sh
PG_SERVER_OPTS="-c shared_buffers=512MB -c max_wal_size=4GB -c fsync=on -c full_page_writes=on"
pg_start soak
export PGDATABASE=soak
export PGOPTIONS="-c client_min_messages=warning"
"$PGBIN/createdb" soak
q() { "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

SOCK=$T/control.sock
cat >"$T/analyticsd.conf" <<CONF
database = { conninfo = ""; };
control  = { socket = "$SOCK"; max_clients = 256; };
CONF
"$BIN/analyticsd" -c "$T/analyticsd.conf" 2>"$T/analyticsd.log" &
DAEMON=$!
PIDS="$PIDS $DAEMON"
ctl() { "$BIN/analyticsctl" -s "$SOCK" --timeout 0 "$@"; }
for _ in $(seq 100); do ctl migrate up >/dev/null 2>&1 && break; sleep 0.1; done

ANCHOR=$(q "select to_char(date_trunc('hour', now()), 'YYYY-MM-DD HH24:MI:SSOF')")
say "generating $(scaled 200000) customers, $(scaled 2000000) bookings at $ANCHOR"
"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -v customers="$(scaled 200000)" \
	-v bookings="$(scaled 2000000)" -v payments="$(scaled 1500000)" -v orgs=10 \
	-v anchor="'$ANCHOR'" -f "$SRC/bench/gen.sql" >/dev/null
q "VACUUM ANALYZE" >/dev/null
ctl refresh full >/dev/null 2>&1
say "loaded and refreshed: $(q "select count(*) from customer_analytics") rows"

# The writes: an application's ordinary traffic, by number into id lists made once.
q "CREATE TABLE soak_clients AS SELECT row_number() OVER () AS n, c.organization_id,
          c.square_customer_id, (SELECT l.id FROM locations l
                                  WHERE l.organization_id = c.organization_id LIMIT 1) AS location_id
     FROM square_existing_clients c;
   CREATE TABLE soak_bookings AS SELECT row_number() OVER () AS n, id FROM bookings;
   CREATE TABLE soak_payments AS SELECT row_number() OVER () AS n, id FROM payments;
   CREATE INDEX ON soak_clients (n); CREATE INDEX ON soak_bookings (n);
   CREATE INDEX ON soak_payments (n)" >/dev/null
NC=$(q "select count(*) from soak_clients")
NB=$(q "select count(*) from soak_bookings")
NP=$(q "select count(*) from soak_payments")
cat >"$T/write.sql" <<SQL
\\set c random(1, $NC)
\\set b random(1, $NB)
\\set p random(1, $NP)
\\set r random(1, 4)
INSERT INTO bookings (organization_id, location_id, customer_id, status, start_at, created_at,
                      updated_at, duration_minutes, party_size)
SELECT organization_id, location_id, square_customer_id,
       CASE WHEN :r = 1 THEN 'PENDING' ELSE 'ACCEPTED' END,
       now() + interval '1 hour' * (:r * 7 - 14), now(), now(), 45, 1
  FROM soak_clients WHERE n = :c;
UPDATE bookings SET status = CASE WHEN :r = 2 THEN 'NO_SHOW' ELSE 'ACCEPTED' END, updated_at = now()
 WHERE id = (SELECT id FROM soak_bookings WHERE n = :b);
INSERT INTO payments (organization_id, customer_id, amount_cents, status, created_at, updated_at)
SELECT organization_id, square_customer_id, 1000 + :r * 250, 'COMPLETED', now(), now()
  FROM soak_clients WHERE n = :c;
UPDATE payments SET refunded_cents = refunded_cents + 1, updated_at = now()
 WHERE id = (SELECT id FROM soak_payments WHERE n = :p);
SQL
say "load: pgbench, $CLIENTS clients, $RATE transactions/s for $SOAK_S s"
"$PGBIN/pgbench" -n -c "$CLIENTS" -R "$RATE" -T "$SOAK_S" -f "$T/write.sql" \
	>"$T/pgbench.log" 2>&1 &
PIDS="$PIDS $!"

# A reader that pipelines status and reads a kilobyte a second; 100 idle connections.
python3 - "$SOCK" "$SOAK_S" >"$T/pipeliner.log" 2>&1 <<'PY' &
import socket, sys, time
end = time.time() + int(sys.argv[2]); drops = 0
while time.time() < end:
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.setblocking(False)
    try:
        while time.time() < end:
            try: s.send(b'{"cmd":"status"}\n' * 32)
            except BlockingIOError: pass
            try:
                if s.recv(1024) == b"": break
            except BlockingIOError: pass
            time.sleep(1)
    except OSError:
        pass
    drops += 1; s.close()
print("dropped", drops)
PY
PIDS="$PIDS $!"
python3 - "$SOCK" "$SOAK_S" >"$T/idle.log" 2>&1 <<'PY' &
import select, socket, sys, time
end = time.time() + int(sys.argv[2]); socks = []; reconnects = 0
while time.time() < end:
    while len(socks) < 100:
        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); socks.append(s)
    for s in select.select(socks, [], [], 1)[0]:
        if s.recv(4096) == b"":
            socks.remove(s); s.close(); reconnects += 1
print("reconnects", reconnects)
PY
PIDS="$PIDS $!"

# Staleness, sampled every 2 s: the age of the oldest change not yet in customer_analytics
# (a run consumes the queue entries it applied in the transaction that writes the rows).
(
	end=$(( $(date +%s) + SOAK_S ))
	while [ "$(date +%s)" -lt "$end" ]; do
		q "select coalesce(extract(epoch from now() - min(queued_at)), 0)::numeric(10,1)
		     from analytics_change_queue" 2>/dev/null || true
		sleep 2
	done
) >"$T/staleness" &
PIDS="$PIDS $!"

ms() { local t0; t0=$(date +%s%N); "$@" >/dev/null 2>&1; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
WAL0=$(q "select pg_current_wal_lsn()")
RSS0=$(awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON/status")
echo "| minute | queue entries | oldest queued (s) | customer_analytics MiB | queue MiB | undo log MiB | daemon RSS MiB | WAL MiB since the last | status ms | pause + resume ms |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
START=$(date +%s) PREV=$WAL0
while [ $(( $(date +%s) - START )) -lt "$SOAK_S" ]; do
	sleep "$SAMPLE_S"
	row=$(q "select count(*), coalesce(extract(epoch from now() - min(queued_at))::int, 0),
	                pg_total_relation_size('customer_analytics_stored'),
	                pg_total_relation_size('analytics_change_queue'),
	                pg_total_relation_size('analytics_undo_log'),
	                pg_wal_lsn_diff(pg_current_wal_lsn(), '$PREV'), pg_current_wal_lsn()
	           from analytics_change_queue")
	IFS='|' read -r n oldest ca qs undo wal lsn <<<"$row"
	PREV=$lsn
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON/status")
	st=$(ms ctl status)
	pr=$(ms sh -c "'$BIN/analyticsctl' -s '$SOCK' pause --reason soak && '$BIN/analyticsctl' -s '$SOCK' resume")
	echo "| $(( ($(date +%s) - START) / 60 )) | $n | $oldest | $(mb "$ca") | $(mb "$qs") | $(mb "$undo") | $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') | $(mb "$wal") | $st | $pr |"
done | tee "$T/samples.md"
wait_s=$(( SAMPLE_S * 2 > 90 ? SAMPLE_S * 2 : 90 ))   # past a follow run (60 s) and its work
say "load over; waiting up to $wait_s s for follow mode to catch up"
for _ in $(seq "$wait_s"); do [ "$(q "select count(*) from analytics_change_queue")" = 0 ] && break; sleep 1; done
echo
echo "Summary: $(grep -E '^(tps|number of transactions actually processed)' "$T/pgbench.log" | tr '\n' ' ')"
echo "- daemon RSS: $(awk -v k="$RSS0" 'BEGIN { printf "%.1f", k / 1024 }') MiB before the load, max $(awk -F'|' 'NR > 0 { if ($8 + 0 > m) m = $8 + 0 } END { print m }' "$T/samples.md") MiB"
echo "- queue: max $(awk -F'|' '{ if ($3 + 0 > m) m = $3 + 0 } END { print m }' "$T/samples.md") entries, oldest entry max $(awk -F'|' '{ if ($4 + 0 > m) m = $4 + 0 } END { print m }' "$T/samples.md") s; $(q "select count(*) from analytics_change_queue") left $wait_s s after the load"
pct() { awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p) + 1; if (i > NR) i = NR; print v[i] }'; }
sort -n "$T/staleness" >"$T/staleness.sorted"
echo "- staleness (the oldest queued change's age, every 2 s, $(wc -l <"$T/staleness") samples): p50 $(pct 0.5 <"$T/staleness.sorted") s, p99 $(pct 0.99 <"$T/staleness.sorted") s, max $(tail -n1 "$T/staleness.sorted") s"
echo "- WAL: $(mb "$(q "select pg_wal_lsn_diff(pg_current_wal_lsn(), '$WAL0')")") MiB in all"
echo "- runs: $(q "select count(*) filter (where status = 'succeeded') || ' succeeded, ' || count(*) filter (where status <> 'succeeded') || ' not' from analytics_refresh_runs")"
echo "- hostile readers: $(cat "$T/pipeliner.log") (the pipelining reader's connections); idle $(cat "$T/idle.log")"
