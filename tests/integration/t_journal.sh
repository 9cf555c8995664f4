#!/bin/bash
# SPDX-License-Identifier: ISC
# journald: the structured fields of analyticsd(8), LOGGING, and the MESSAGE_IDs, captured
# from the native protocol on a journal socket of our own in a private mount
# namespace (never the host's /run).
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "# skipped: needs root for a private mount namespace"
	t_done; exit
fi
pg_start main && db_new jr || exit 1
mkdir -p "$T/run"
cat >"$T/inner.sh" <<INNER
set -u
mount --bind "$T/run" /run || exit 1
mkdir -p /run/systemd/journal
socat -u UNIX-RECV:/run/systemd/journal/socket,mode=666 OPEN:"$T/journal.out",creat,append &
J=\$!
for i in \$(seq 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
ANALYTICSD_LOG_TARGET=journal ANALYTICSD_TEST_AS_OF='2026-11-20 09:30:00+00' \
	"$BIN/analyticsd" -c "$T/j.conf" 2>"$T/j.log" &
D=\$!
for i in \$(seq 100); do "$BIN/analyticsctl" -s "$T/j.sock" --json status 2>/dev/null | grep -q '"state": "connected"' && break; sleep 0.1; done
"$BIN/analyticsctl" -s "$T/j.sock" migrate up >/dev/null
"$BIN/analyticsctl" -s "$T/j.sock" refresh full >/dev/null 2>&1
"$PGBIN/psql" -X -q -c "insert into organizations (id, name) values ('00000000-0000-4000-8000-000000000000', 'journal test')"
"$BIN/analyticsctl" -s "$T/j.sock" refresh org 00000000-0000-4000-8000-000000000000 >/dev/null 2>&1
"$BIN/analyticsctl" -s "$T/j.sock" rollback >/dev/null 2>&1
"$BIN/analyticsctl" -s "$T/j.sock" resume >/dev/null 2>&1
"$BIN/analyticsctl" -s "$T/j.sock" pause --reason "vendor import running" >/dev/null 2>&1
kill -TERM \$D; wait \$D; echo "daemon exit \$?" >"$T/j.exit"
sleep 0.3; kill \$J
INNER
echo "control = { socket = \"$T/j.sock\"; }; refresh = { work_mem = \"64MB\"; };" >"$T/j.conf"
unshare -m --propagation private bash "$T/inner.sh"
is "$(cat "$T/j.exit")" "daemon exit 0" "the daemon ran and stopped cleanly"
J=$(tr '\0' '\n' <"$T/journal.out")
like "$J" "MESSAGE_ID=0409a45d3d0a408f905324f7dfc34c3c" "run started has its MESSAGE_ID"
like "$J" "MESSAGE_ID=c3ad658584f6424ebb265aaee9715bf5" "run succeeded has its MESSAGE_ID"
like "$J" "MESSAGE_ID=4b5118dd26d44042b89e57660cb9b9c1" "rolled back has its MESSAGE_ID"
like "$J" "MESSAGE_ID=509535ac0a4340649ecec1a49f439b4f" "database connection established has its MESSAGE_ID"
like "$J" "ANALYTICS_RUN_ID=1" "ANALYTICS_RUN_ID is a field"
like "$J" "ANALYTICS_MODE=full" "ANALYTICS_MODE is a field"
like "$J" "ANALYTICS_TRIGGER=manual" "ANALYTICS_TRIGGER is a field"
like "$J" "ANALYTICS_OUTCOME=succeeded" "ANALYTICS_OUTCOME is a field"
like "$J" "ANALYTICS_DURATION_MS=[0-9]+" "ANALYTICS_DURATION_MS is a field"
like "$J" "ANALYTICS_ROWS_CHANGED=[0-9]+" "ANALYTICS_ROWS_CHANGED is a field"
like "$J" "ANALYTICS_ORG_ID=00000000-0000-4000-8000-000000000000" "ANALYTICS_ORG_ID is a field for org runs"
like "$J" "PRIORITY=[0-7]" "entries carry PRIORITY"
check "no entry names the logging wrapper as its source" sh -c "! printf '%s' \"\$1\" | grep -q 'CODE_FILE=daemon/log.c'" _ "$J"
like "$J" "CODE_FILE=daemon/job.c" "a run's events name the job module as their source"
like "$J" "CODE_FUNC=outcome_event" "with the function"
like "$J" "ANALYTICS_REASON=vendor import running" "a pause carries its reason as a field"
like "$J" "MESSAGE=analytics paused by uid [0-9]+ pid [0-9]+: vendor import running" "and in its message, with who"
like "$J" "ANALYTICS_REQUESTED_BY=uid [0-9]+ pid [0-9]+" "who is a field too"
like "$J" "ANALYTICS_REASON=rollback [0-9]+ undid run" "a rollback's pause names the rollback as its reason"
check "nothing went to stderr but sanitizer-free silence" sh -c "! grep -q 'refresh full run' '$T/j.log'"
t_done
