#!/bin/bash
# SPDX-License-Identifier: ISC
# Descriptors exhausted: with ulimit -n 16 and 20 clients holding connections, accept()
# fails with EMFILE. The daemon stops accepting for a while and retries on a timer,
# logging once per episode: no busy loop, no flood of log lines, the clients it has keep
# being served, and new ones are accepted again once descriptors are free.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new emfile || exit 1
# A subshell's limit is inherited by the daemon started in it (and valgrind's own
# descriptors would not fit under 16: give it room when it runs under valgrind).
LIMIT=16
[ -n "${VALGRIND_PLAIN_BUILD:-}" ] && LIMIT=1040
( ulimit -n "$LIMIT"; daemon_start d1; echo "$(daemon_pid d1)" >"$T/d1.pid"; wait ) &
SUB=$!
wait_for "the daemon" 20 test -s "$T/d1.pid"
PID=$(cat "$T/d1.pid")
SOCK=$T/d1.sock
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
[ -n "${VALGRIND_PLAIN_BUILD:-}" ] && { echo "# skipped: descriptor exhaustion is not tried under valgrind"; kill -TERM "$PID"; wait "$SUB"; t_done; exit; }

HOLD=""
for i in $(seq 20); do
	(sleep 8 | socat - UNIX-CONNECT:"$SOCK" >/dev/null 2>&1) &
	HOLD="$HOLD $!"
done
sleep 1
cpu() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
C0=$(cpu); sleep 2; C1=$(cpu)
TICKS=$((C1 - C0))
check "the daemon does not spin while descriptors are exhausted ($TICKS ticks of CPU in 2 s)" test "$TICKS" -lt 50
N=$(grep -c "accept on the control socket failed" "$T/d1.log")
check "it logs the episode once, not per failed accept ($N lines)" test "$N" -ge 1 -a "$N" -le 2
for p in $HOLD; do kill "$p" 2>/dev/null; done
wait $HOLD 2>/dev/null
check "once descriptors are free it accepts again" wait_for "status" 10 \
	sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.ok'"
like "$(cat "$T/d1.log")" "accepting connections again after [0-9]+ refused" "and says when the episode ended"
kill -TERM "$PID"; wait "$SUB"
daemon_log_clean d1
t_done
