#!/bin/bash
# SPDX-License-Identifier: ISC
# sd_notify from the daemon as systemd 252 wants it (READY, STATUS,
# WATCHDOG at half the interval, RELOADING with MONOTONIC_USEC, STOPPING),
# and reload: a broken configuration keeps the daemon on the old one.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new rn || exit 1
socat -u UNIX-RECV:"$T/notify.sock" OPEN:"$T/notify.out",creat,append &
NOTIFY_PID=$!
wait_for "notify socket" 5 test -S "$T/notify.sock"

export NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000
CONTROL_EXTRA='max_request_bytes = 1024;' daemon_start d1
unset NOTIFY_SOCKET WATCHDOG_USEC
check "READY=1 arrives" wait_for READY 10 grep -q 'READY=1' "$T/notify.out"
sleep 2
N=$(grep -o 'WATCHDOG=1' "$T/notify.out" | wc -l)
check "WATCHDOG=1 arrives about every 200 ms for WATCHDOG_USEC=400000 ($N in ~2 s)" \
	test "$N" -ge 6 -a "$N" -le 16

big() { (printf '{"cmd":"status","pad":"'; head -c 2000 /dev/zero | tr '\0' x; printf '"}\n') | socat -t 5 - UNIX-CONNECT:"$SOCK" | jq -r '.ok // .error.code'; }
is "$(big)" too_large "with max_request_bytes = 1024 a 2 kB request is refused"

# A valid new configuration: reload applies it.
sed -i 's/max_request_bytes = 1024;/max_request_bytes = 4096;/' "$T/d1.conf"
: >"$T/notify.out"
ctl_json reload
is "$RC" 0 "reload of a valid configuration succeeds"
is "$(big)" true "the reloaded limit applies"
check "RELOADING=1 comes with MONOTONIC_USEC in one datagram" grep -q 'RELOADING=1MONOTONIC_USEC=[0-9]' <(tr '\n' ' ' <"$T/notify.out" | sed 's/ //g')
check "READY=1 follows the reload" sh -c "tr '\n' ' ' <'$T/notify.out' | grep -q 'RELOADING=1.*READY=1'"

# A broken one: reload fails, names file and line, and the old one stays.
cp "$T/d1.conf" "$T/d1.conf.good"
printf 'control = { max_clients = "many"; };\n' >>"$T/d1.conf"
ctl_json reload
is "$RC" 1 "reload of a broken configuration fails (exit 1)"
like "$(jq -r .error.message <<<"$OUT")" "d1.conf:[0-9]+: " "the failure names the file and line"
is "$(big)" true "the daemon keeps the previous configuration"
ctl_json status
is "$RC" 0 "and keeps serving"

# SIGHUP does the same.
cp "$T/d1.conf.good" "$T/d1.conf"
sed -i 's/max_request_bytes = 4096;/max_request_bytes = 1024;/' "$T/d1.conf"
: >"$T/notify.out"
kill -HUP "$(daemon_pid d1)"
check "SIGHUP reloads (RELOADING=1, then READY=1)" wait_for "reload" 5 sh -c "tr '\n' ' ' <'$T/notify.out' | grep -q 'RELOADING=1.*READY=1'"
is "$(big)" too_large "the configuration loaded on SIGHUP applies"
check "STATUS= tells the state" grep -a -q 'STATUS=Idle; last success unknown; database connected' "$T/notify.out"
# STATUS= with a job, its phase, the pause and the last success.
ctl migrate up >/dev/null
ctl refresh full >/dev/null 2>&1
check "STATUS= names the running job and its phase" grep -a -q 'STATUS=Running refresh full: computing; last success unknown; database connected' "$T/notify.out"
ctl pause --reason "notify test" >/dev/null
check "STATUS= says paused, and when a refresh last succeeded" \
	grep -a -q 'STATUS=Paused; last success 20[0-9-]*T[0-9:]*Z; database connected' "$T/notify.out"
daemon_stop d1
check "STOPPING=1 arrives on SIGTERM" wait_for STOPPING 5 grep -q 'STOPPING=1' "$T/notify.out"
kill "$NOTIFY_PID" 2>/dev/null; wait "$NOTIFY_PID" 2>/dev/null
t_done
