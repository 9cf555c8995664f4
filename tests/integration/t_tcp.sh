#!/bin/bash
# SPDX-License-Identifier: ISC
# Connections that connect, over TCP (issue 15, item 1 and 2; docs/RELIABILITY.md 20, 24-27):
# - host=::1,127.0.0.1 with the server on 127.0.0.1 only: libpq fails over to the second
#   address under a new socket that may reuse the first one's descriptor number, and the
#   daemon follows it (it used to retry "connection timed out" forever);
# - a host name is resolved off the loop and handed to libpq as hostaddr: host=localhost;
# - a first host that accepts and never answers: after connect_timeout_s the next host is
#   tried (libpq leaves the timeout to the caller in non-blocking mode);
# - a DNS outage (a name server that never answers): status answers at once while the name
#   is looked up, and the next host is tried when the lookup times out;
# - target_session_attrs=read-write skips a read-only server;
# - sslmode=prefer falls back to a plain connection when the server refuses TLS in its
#   pg_hba.conf (libpq opens a new socket for the retry).
. "$(dirname "$0")/../lib.sh"

PORT=$((20000 + $$ % 20000))
PG_SERVER_OPTS="-c listen_addresses=127.0.0.1 -c port=$PORT" pg_start tcp || exit 1
export PGPORT=$PORT             # the Unix socket is named by the port too
db_new tcp || exit 1
psql_q -c "select 1" >/dev/null || { not_ok "the TCP cluster answers on its Unix socket"; t_done; exit; }
psql -X -A -t -h 127.0.0.1 -p "$PORT" -c "select 1" >/dev/null 2>&1
is "$?" 0 "the server answers on 127.0.0.1:$PORT"
psql -X -A -t -h ::1 -p "$PORT" -c "select 1" >/dev/null 2>&1
check "and not on ::1" test "$?" -ne 0

both_connected() {
	"$BIN/analyticsctl" -s "$SOCK" --json status |
		jq -e '.result.database.state == "connected" and .result.work_connection.state == "connected"'
}

CONNINFO="host=::1,127.0.0.1 port=$PORT dbname=tcp user=$PGUSER" daemon_start d1
check "both connections come up over the second address" wait_for "connected" 20 both_connected
ctl migrate up >/dev/null
ctl_json refresh full
is "$RC" 0 "a refresh runs over TCP"
daemon_stop d1

# A name, resolved by the daemon (/etc/hosts here), handed to libpq as an address.
if grep -Eq '^127\.0\.0\.1[[:space:]].*\blocalhost\b' /etc/hosts; then
	CONNINFO="host=localhost port=$PORT dbname=tcp user=$PGUSER" daemon_start d2
	check "host=localhost: connected" wait_for "connected" 20 both_connected
	like "$(cat "$T/d2.log")" "trying localhost \(127\.0\.0\.1\)" "the daemon resolved the name and tried its address"
	ctl_json refresh full
	is "$RC" 0 "a refresh runs over the resolved address"
	daemon_stop d2
else
	ok "# skip host=localhost: /etc/hosts does not map it to 127.0.0.1"
fi

# Listeners that never answer: a server that accepts and stays silent (TCP), a name
# server that reads and stays silent (UDP). Both exit when the test does.
HUNG=$((PORT + 1)) DNS=$((PORT + 2))
python3 - "$HUNG" "$DNS" <<'PY' &
import socket, sys, time
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", int(sys.argv[1]))); t.listen(64)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", int(sys.argv[2])))
u.setblocking(False); t.setblocking(False)
held = []
end = time.time() + 300
while time.time() < end:
    try: held.append(t.accept()[0])
    except BlockingIOError: pass
    try: u.recv(512)
    except BlockingIOError: pass
    time.sleep(0.02)
PY
SILENT_PID=$!
trap 'kill $SILENT_PID 2>/dev/null; t_cleanup' EXIT
wait_for "the silent listeners" 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $HUNG), 1)"

# A first host that never answers: the next host after connect_timeout_s (2 s).
start=$(date +%s)
CONNECT_TIMEOUT_S=2 CONNINFO="host=127.0.0.1,127.0.0.1 port=$HUNG,$PORT dbname=tcp user=$PGUSER" daemon_start d3
check "a silent first host: both connections come up over the second" wait_for "connected" 20 both_connected
took=$(( $(date +%s) - start ))
check "after the silent host's timeout (took ${took} s)" test "$took" -ge 2
daemon_stop d3

# A DNS outage: the first host is a name nobody answers for.
printf 'nameserver 127.0.0.1:%s\noptions timeout:30 attempts:1\n' "$DNS" >"$T/resolv.conf"
export ANALYTICSD_TEST_RESOLV_CONF=$T/resolv.conf
CONNECT_TIMEOUT_S=3 CONNINFO="host=db.analyticsd.invalid,127.0.0.1 port=$PORT dbname=tcp user=$PGUSER" daemon_start d4
worst=0 states=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
	t0=$(date +%s%N)
	s=$("$BIN/analyticsctl" -s "$SOCK" --json status | jq -r '.result.database.state')
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	[ "$ms" -gt "$worst" ] && worst=$ms
	states="$states $s"
	sleep 0.1
done
like "$states" "connecting" "while the name is looked up, the connection is connecting"
check "and status answers at once meanwhile (slowest of 10: ${worst} ms)" test "$worst" -lt 1000
check "the lookup times out and the second host connects" wait_for "connected" 20 both_connected
daemon_stop d4
CONNECT_TIMEOUT_S=2 CONNINFO="host=db.analyticsd.invalid port=$PORT dbname=tcp user=$PGUSER" daemon_start d5
check "a name alone that nobody resolves: the connection says why" wait_for "the error" 15 \
	sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -r '.result.database.error' | grep -q 'db.analyticsd.invalid: name resolution timed out after 2 s'"
daemon_stop d5
unset ANALYTICSD_TEST_RESOLV_CONF

# target_session_attrs=read-write: the first server is read-only, the second is not.
RO=$((PORT + 3))
PG_SERVER_OPTS="-c listen_addresses=127.0.0.1 -c port=$RO -c default_transaction_read_only=on" pg_start ro || exit 1
export PGPORT=$PORT
CONNINFO="host=127.0.0.1,127.0.0.1 port=$RO,$PORT dbname=tcp user=$PGUSER target_session_attrs=read-write" daemon_start d6
check "target_session_attrs=read-write: connected past the read-only server" wait_for "connected" 20 both_connected
ctl_json refresh full
is "$RC" 0 "and a refresh writes there"
daemon_stop d6

# sslmode=prefer: the server has TLS but its pg_hba.conf rejects TLS connections.
SSLP=$((PORT + 4))
if openssl req -x509 -nodes -newkey rsa:2048 -subj /CN=localhost -days 2 \
	-keyout "$T/server.key" -out "$T/server.crt" >/dev/null 2>&1; then
	chmod 600 "$T/server.key"
	[ "$(id -u)" = 0 ] && chown postgres: "$T/server.key" "$T/server.crt"
	PG_SERVER_OPTS="-c listen_addresses=127.0.0.1 -c port=$SSLP -c ssl=on -c ssl_cert_file=$T/server.crt -c ssl_key_file=$T/server.key" \
		pg_start sslp || exit 1
	hba=$T/sslp.pg/pg_hba.conf
	{ echo "local all all trust"; echo "hostssl all all 127.0.0.1/32 reject"
	  echo "hostnossl all all 127.0.0.1/32 trust"; } >"$hba"
	as_pg "$PGBIN/pg_ctl" -D "$T/sslp.pg" reload >/dev/null
	export PGPORT=$SSLP
	db_new sslp >/dev/null
	psql -X -A -t "host=127.0.0.1 port=$SSLP dbname=sslp sslmode=require" -c "select 1" >/dev/null 2>&1
	check "the server refuses a TLS connection" test "$?" -ne 0
	CONNINFO="host=127.0.0.1 port=$SSLP dbname=sslp user=$PGUSER sslmode=prefer" daemon_start d7
	check "sslmode=prefer: connected without TLS after the refusal" wait_for "connected" 20 both_connected
	ctl_json migrate up
	is "$RC" 0 "and the connection works"
	daemon_stop d7
	export PGPORT=$PORT
else
	ok "# skip sslmode=prefer: openssl cannot make a certificate"
fi
kill $SILENT_PID 2>/dev/null
t_done
