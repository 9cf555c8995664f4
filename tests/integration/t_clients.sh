#!/bin/bash
# SPDX-License-Identifier: ISC
# Control connections that hold up against their own users (docs/RELIABILITY.md):
# - a reader that pipelines requests and never reads its replies: the daemon stops reading
#   its requests once a little output is unsent, its memory stays flat, and it drops the
#   connection when its output has not moved for idle_timeout_s;
# - blank lines are not activity: a connection that sends only them is closed when idle;
# - a full house of readers (several users, each at its cap) leaves slots for operators:
#   root's commands are served, readers past their share and a user past its cap are told
#   busy.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "# skipped: needs root to connect as other users"
	t_done; exit
fi
# Under valgrind (make check-valgrind) the daemon answers slower: the waits stretch.
W=1
[ -n "${VALGRIND_PLAIN_BUILD:-}" ] && W=4
STEP=$((3 * W / 2))     # seconds between the holders' arrivals
pg_start main && db_new clients || exit 1
# The RSS bound is the daemon's, not its tools': ASan's quarantine of freed memory kept
# small, valgrind's free list (20 MB) allowed for.
RSS_MAX_KIB=8192
[ -n "${VALGRIND_PLAIN_BUILD:-}" ] && RSS_MAX_KIB=32768
ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=1" CONTROL_EXTRA="max_clients = 16; idle_timeout_s = 3;" \
	daemon_start d1
chmod 0666 "$SOCK"      # stand-in for membership of the socket's group
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
ctl migrate up >/dev/null
PID=$(daemon_pid d1)
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status"; }

# --- a pipelining reader that never reads ------------------------------------------
BEFORE=$(rss_kib)
runuser -u nobody -- python3 - "$SOCK" >"$T/pipe.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.setblocking(False)
req = b'{"cmd":"metrics"}\n' * 64
sent, start, closed_at = 0, time.time(), None
while time.time() - start < 12:
    try:
        sent += s.send(req)
    except BlockingIOError:
        time.sleep(0.01)
    except OSError:
        closed_at = time.time() - start
        break
# How much the daemon wrote back, and whether it closed the connection.
got = b""
s.setblocking(True); s.settimeout(2)
try:
    while True:
        chunk = s.recv(1 << 16)
        if not chunk:
            closed_at = closed_at or time.time() - start
            break
        got += chunk
except OSError:
    closed_at = closed_at or time.time() - start
print(sent // len(b'{"cmd":"metrics"}\n'), got.count(b'\n'), "closed" if closed_at else "open")
PY
PIPE=$!
sleep 1
START=$(date +%s%N)
ctl status >/dev/null
is "$?" 0 "status answers while a reader pipelines without reading"
STATUS_MS=$(( ($(date +%s%N) - START) / 1000000 ))
echo "# status took $STATUS_MS ms"
wait "$PIPE"
read -r SENT REPLIES STATE <"$T/pipe.out"
AFTER=$(rss_kib)
echo "# the reader sent $SENT requests; $REPLIES replies were written; RSS $BEFORE -> $AFTER KiB"
TAKEN=$(grep -c "request 'metrics' from uid $(id -u nobody) " "$T/d1.log")
echo "# the daemon took $TAKEN of them"
check "the daemon stopped reading it: it took at most a few hundred of its requests ($TAKEN)" \
	test "$TAKEN" -lt 2000
is "$STATE" closed "the daemon dropped the connection once its output stopped moving"
check "its RSS grew by less than $((RSS_MAX_KIB / 1024)) MiB ($BEFORE -> $AFTER KiB)" \
	test $((AFTER - BEFORE)) -lt "$RSS_MAX_KIB"

# --- blank lines are not activity ------------------------------------------------------
python3 - "$SOCK" >"$T/blank.out" 2>&1 <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(0.3)
start = time.time()
while time.time() - start < 10:
    try:
        s.sendall(b"\n")
        if s.recv(1) == b"":
            break
    except socket.timeout:
        continue
    except OSError:
        break
print(round(time.time() - start))
PY
check "a connection sending only blank lines is closed after idle_timeout_s ($(cat "$T/blank.out") s)" \
	test "$(cat "$T/blank.out")" -lt 8

daemon_stop d1

# --- slots: readers, users and operators -------------------------------------------------
CONTROL_EXTRA="max_clients = 16; idle_timeout_s = 30;" daemon_start d2
chmod 0666 "$SOCK"
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
# hold USER N SECONDS: N connections as USER, held; prints how many were refused busy and why.
hold() {
	runuser -u "$1" -- python3 - "$SOCK" "$2" "$(($3 * W))" "$W" <<'PY'
import select, socket, sys, time
socks = []
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); socks.append(s)
    time.sleep(0.02)
time.sleep(0.5 * int(sys.argv[4]))
busy, why = 0, ""
for s in socks:
    if select.select([s], [], [], 0)[0]:
        data = s.recv(4096)
        if b'"busy"' in data:
            busy += 1
            why = data.decode().split('"message":"')[1].split('"')[0]
print(busy, why, flush=True)
time.sleep(float(sys.argv[3]))
PY
}
hold nobody 5 8 >"$T/h1.out" &
H1=$!
sleep "$STEP"
read -r BUSY WHY <"$T/h1.out"
is "$BUSY" 1 "a user's fifth connection is refused (a quarter of max_clients = 16)"
like "$WHY" 'too many connections of uid' "with the reason"
hold daemon 4 6 >"$T/h2.out" &
H2=$!
hold bin 4 6 >"$T/h3.out" &
H3=$!
sleep "$STEP"
hold sys 4 4 >"$T/h4.out" &
H4=$!
sleep "$STEP"
read -r BUSY WHY <"$T/h4.out"
is "$BUSY" 4 "readers past max_clients minus the operators' slots are refused"
like "$WHY" 'kept for operators' "with the reason"
# The readers just refused still hold their connections until they read the reply or the
# daemon's second of grace ends, and count until then (STEP is one second): root may be
# told busy (75) for that second, not longer, while every reader admitted holds its slot
# for three more.
for _ in $(seq $((20 * W))); do
	ctl_json status
	[ "$RC" = 75 ] || break
	sleep 0.1
done
is "$RC" 0 "root is served past a full house of readers"
ctl_json refresh full
is "$RC" 0 "and runs a refresh"
wait "$H1" "$H2" "$H3" "$H4"
daemon_stop d2
t_done
