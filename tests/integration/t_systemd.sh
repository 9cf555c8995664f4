#!/bin/bash
# SPDX-License-Identifier: ISC
# systemd integration without systemd as PID 1: socket activation through
# systemd-socket-activate, and sd_notify on a test NOTIFY_SOCKET.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new sd || exit 1

# sd_notify: READY=1 once serving, STOPPING=1 on SIGTERM.
socat -u UNIX-RECV:"$T/notify.sock" OPEN:"$T/notify.out",creat,append &
NOTIFY_PID=$!
wait_for "notify socket" 5 test -S "$T/notify.sock"
NOTIFY_SOCKET=$T/notify.sock daemon_start d1
check "READY=1 arrives on NOTIFY_SOCKET" wait_for READY 10 grep -q 'READY=1' "$T/notify.out"
check "a STATUS= line arrives" grep -q 'STATUS=' "$T/notify.out"
daemon_stop d1
check "STOPPING=1 arrives on SIGTERM" wait_for STOPPING 5 grep -q 'STOPPING=1' "$T/notify.out"
kill "$NOTIFY_PID" 2>/dev/null; wait "$NOTIFY_PID" 2>/dev/null

# Socket activation: the daemon serves the socket it is given, not its own.
cat >"$T/act.conf" <<CONF
control = { socket = "$T/not-this.sock"; };
CONF
systemd-socket-activate -l "$T/act.sock" --fdname=control \
	"$BIN/analyticsd" -c "$T/act.conf" 2>"$T/act.log" &
ACT_PID=$!
wait_for "activation socket" 5 test -S "$T/act.sock"
OUT=$("$BIN/analyticsctl" -s "$T/act.sock" --json status); RC=$?
is "$(jq -r .ok <<<"$OUT")" true "status answers through the socket systemd passed"
is "$RC" 3 "and exits 3: the daemon runs, but has no database here"
like "$(jq -r .result.socket <<<"$OUT")" "systemd" "the daemon says it serves the inherited socket"
is "$(test -e "$T/not-this.sock" && echo bound || echo absent)" absent "the daemon did not bind control.socket"
kill -TERM "$ACT_PID"; wait "$ACT_PID"; RC=$?
is "$RC" 0 "the activated daemon exits 0 on SIGTERM"
cp "$T/act.log" "$T/act-daemon.log" && mv "$T/act-daemon.log" "$T/act.log"
daemon_log_clean act
t_done
