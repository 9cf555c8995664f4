#!/bin/bash
# SPDX-License-Identifier: ISC
# Bad input and limits (docs/RELIABILITY.md): wrong argument
# types, ids that are not uuids, SQL-looking strings (stored as text, never
# run), a 10 MiB line, and hundreds of clients at once. Each gets a clear
# error or is cut off at its limit; the daemon's memory stays bounded and
# everyone else is served.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new limits || exit 1
daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.work_connection.state == \"connected\"'"
ctl migrate up >/dev/null
PID=$(daemon_pid d1)
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status"; }

# One request line in, the reply lines out (python: exact bytes, no shell quoting).
ask() {
	python3 - "$SOCK" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n"); s.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk: break
    data += chunk
print(data.decode(errors="replace").strip())
PY
}
code() { jq -r 'select(.ok != null) | if .ok then "ok" else .error.code end' <<<"$1" | tail -n 1; }

# --- wrong types and values ------------------------------------------------------
while IFS='|' read -r req want what; do
	is "$(code "$(ask "$req")")" "$want" "$what"
done <<'CASES'
{"cmd":"refresh","args":{"mode":1}}|bad_request|a number where a mode string belongs
{"cmd":"refresh","args":{"mode":"full","wait":"yes"}}|bad_request|a string where a boolean belongs
{"cmd":"runs","args":{"limit":"5"}}|bad_request|a string where an integer belongs
{"cmd":"runs","args":{"limit":1e9}}|bad_request|an out-of-range limit
{"cmd":"runs","args":{"limit":-1}}|bad_request|a negative limit
{"cmd":"rollback","args":{"to":"1; drop table customer_analytics"}}|bad_request|SQL where a run id belongs
{"cmd":"status","args":[1,2]}|bad_request|args that are not an object
{"cmd":42}|bad_request|a command that is not a string
{"args":{}}|bad_request|no command at all
{"cmd":"refresh","args":{"mode":"org","org":"not-a-uuid"}}|bad_request|an organization id that is not a uuid
{"cmd":"refresh","args":{"mode":"org","org":"'; drop table customer_analytics; --"}}|bad_request|SQL where an organization id belongs
{"cmd":"loyalty","args":{"action":"rebuild","org":"11111111-1111-4111-8111-00000000000g"}}|bad_request|a uuid with a non-hex digit
{"cmd":"loyalty","args":{"action":"drop"}}|bad_request|an unknown loyalty action
{"cmd":"migrate","args":{"action":"sideways"}}|bad_request|an unknown migrate action
{"cmd":"status\u0000"}|bad_request|a command with a NUL in it
{"cmd":"refresh","args":{"mode":"full","trigger":"x'); drop table customer_analytics; --"}}|bad_request|SQL as a trigger name (names are [a-z0-9_-])
CASES

# SQL-looking text where free text is allowed is stored as text, never run.
EVIL="x'); drop table customer_analytics; --"
ctl_json pause --reason "$EVIL"
is "$RC" 0 "pause accepts any reason text"
is "$(psql_q -c "select reason from analytics_control")" "$EVIL" "and stores it verbatim (a query parameter)"
ctl resume >/dev/null
is "$(psql_q -c "select to_regclass('customer_analytics') is not null")" t "customer_analytics is still there"

# --- a 10 MiB line ---------------------------------------------------------------------
RSS0=$(rss_kib)
OUT=$(python3 - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
line = b'{"cmd":"status","pad":"' + b"x" * (10 << 20) + b'"}\n'
sent = 0
try:
    while sent < len(line):
        sent += s.send(line[sent:sent + 65536])
except (BrokenPipeError, ConnectionResetError):
    pass                                  # cut off: what matters is the answer
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk: break
        data += chunk
except (ConnectionResetError, socket.timeout):
    pass
print(data.decode(errors="replace").strip())
print("sent", sent, file=sys.stderr)
PY
)
is "$(code "$OUT")" too_large "a 10 MiB line is refused as too_large"
like "$(jq -r .error.message <<<"$OUT")" "65536" "and the message names the limit"
RSS1=$(rss_kib)
check "the daemon did not buffer it (RSS $RSS0 -> $RSS1 KiB)" test $((RSS1 - RSS0)) -lt 8192

# --- hundreds of clients at once ------------------------------------------------------------
RESULT=$(python3 - "$SOCK" <<'PY'
import socket, sys, json, selectors
N = 300
sel = selectors.DefaultSelector()
socks = []
for i in range(N):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.setblocking(False)
    socks.append(s)
for s in socks:
    try:
        s.send(b'{"cmd":"status"}\n')
    except (BrokenPipeError, ConnectionResetError):
        pass
    sel.register(s, selectors.EVENT_READ, b"")
replies = {}
import time
deadline = time.time() + 30
while sel.get_map() and time.time() < deadline:
    for key, _ in sel.select(timeout=1):
        s = key.fileobj
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if chunk:
            sel.modify(s, selectors.EVENT_READ, key.data + chunk)
            if b"\n" in key.data + chunk:
                replies[s] = (key.data + chunk).split(b"\n")[0]
                sel.unregister(s)
        else:
            replies[s] = key.data.split(b"\n")[0]
            sel.unregister(s)
codes = {}
for s in socks:
    r = replies.get(s)
    try:
        j = json.loads(r) if r else None
        c = "ok" if j and j.get("ok") else (j["error"]["code"] if j else "closed")
    except Exception:
        c = "garbled"
    codes[c] = codes.get(c, 0) + 1
    s.close()
print(" ".join(f"{k}={v}" for k, v in sorted(codes.items())))
PY
)
like "$RESULT" '^(busy=[0-9]+ )?(closed=[0-9]+ )?ok=[0-9]+$' \
	"300 clients at once: each is answered, refused as busy, or cut off past the limit ($RESULT)"
like "$RESULT" 'ok=([6-9][0-9]|[1-9][0-9][0-9])$' "at least control.max_clients (64) of them are served"
RSS2=$(rss_kib)
check "memory stays bounded after 300 clients (RSS $RSS1 -> $RSS2 KiB)" test $((RSS2 - RSS1)) -lt 16384
ctl_json status
is "$RC" 0 "the daemon still serves after all of that"
daemon_stop d1
t_done
