# SPDX-License-Identifier: ISC
# Test harness shared by tests/integration/t_*.sh (sourced, bash).
#
# Real things only: a throwaway PostgreSQL cluster (initdb + pg_ctl in a temp
# directory, as the postgres user when we are root), the real analyticsd
# binary, driven by the real analyticsctl. Each assertion prints "ok - ..." or
# "not ok - ..."; tests/run.sh counts them.
set -u

BIN=${BIN:?BIN must name the directory with analyticsd and analyticsctl}
BIN=$(cd "$BIN" && pwd)
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$TESTS_DIR/.." && pwd)

# The README's lines after the first one holding $1 up to the next blank line (blank lines
# right after the marker are skipped), unindented: the tests run what the README says.
readme_block() {
	awk -v m="$1" '
		index($0, m) && !on { on = 1; next }
		on && /^[[:space:]]*$/ { if (n) exit; next }
		on { sub(/^[[:space:]]+/, ""); print; n++ }' "$SRC_DIR/README.md"
}

. "$SRC_DIR/tools/cluster.sh"

# A test that pins the daemon's instant (ANALYTICSD_TEST_AS_OF, exported; "@FILE" names a
# file holding it) reads customer_analytics at that instant too: the columns evaluated when
# read follow the session setting analytics.now, as they do in the daemon's own runs.
psql_q() {
	local at=${ANALYTICSD_TEST_AS_OF:-}
	[ "${at#@}" != "$at" ] && at=$(cat "${at#@}" 2>/dev/null)
	if [ -n "$at" ]; then
		PGOPTIONS="${PGOPTIONS:-} -c analytics.now=${at// /\\ }" \
			"$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$@"
	else
		"$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$@"
	fi
}

T=$(mktemp -d "${TMPDIR:-/tmp}/analyticsd-test.XXXXXX")
chmod 755 "$T"                  # the postgres user must reach its cluster
T_PASS=0
T_FAIL=0
T_DAEMONS=""
T_CLUSTERS=""

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=66}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ANALYTICSD_LOG_TARGET=stderr

ok()     { T_PASS=$((T_PASS + 1)); echo "ok - $*"; }
not_ok() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $*"; }

# check DESC CMD...: passes when CMD exits 0.
check() {
	local desc=$1; shift
	if "$@" >"$T/last.out" 2>&1; then ok "$desc"; else
		not_ok "$desc"; sed 's/^/#   /' "$T/last.out" | head -n 20; fi
}
# is GOT WANT DESC
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi
}
# like GOT REGEX DESC
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then ok "$3"; else
		not_ok "$3"; echo "#   got:  '$1'" | head -n 20; echo "#   want: /$2/"; fi
}


# daemon_start NAME [extra config lines]: analyticsd with its own socket, log
# and config; sets SOCK. Waits until the socket answers. CONNECT_TIMEOUT_S (5), DATABASE_EXTRA,
# CONTROL_EXTRA and REFRESH_EXTRA add settings to those groups;
# FOLLOW_INTERVAL_S turns follow mode on (default off).
daemon_start() {
	local name=$1; shift
	SOCK=$T/$name.sock
	{
		echo "database = { conninfo = \"${CONNINFO:-}\"; connect_timeout_s = ${CONNECT_TIMEOUT_S:-5}; ${DATABASE_EXTRA:-} };"
		echo "control = { socket = \"$SOCK\"; operator_group = \"${OPERATOR_GROUP:-analyticsd}\"; reader_group = \"${READER_GROUP:-}\"; ${CONTROL_EXTRA:-} };"
		# Follow mode off unless a test turns it on: runs happen when tests ask.
		echo "refresh = { follow_interval_s = ${FOLLOW_INTERVAL_S:-0}; ${REFRESH_EXTRA:-} };"
		echo "log = { level = \"debug\"; };"
		for line in "$@"; do echo "$line"; done
	} >"$T/$name.conf"
	"$BIN/analyticsd" -c "$T/$name.conf" 2>>"$T/$name.log" &
	eval "PID_$name=$!"
	T_DAEMONS="$T_DAEMONS $name"
	wait_for "socket of $name" 10 test -S "$SOCK"
}
daemon_pid() { eval "echo \${PID_$1:-}"; }

# daemon_stop NAME: SIGTERM, expect exit 0 and a clean sanitizer log.
daemon_stop() {
	local name=$1 pid rc
	pid=$(daemon_pid "$name")
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"; rc=$?
	eval "PID_$name="
	is "$rc" 0 "analyticsd '$name' exits 0 on SIGTERM"
	daemon_log_clean "$name"
}
daemon_log_clean() {
	# Sanitizer reports, and valgrind's (make check-valgrind: "==PID== ...").
	if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error|UndefinedBehaviorSanitizer|^==[0-9]+== [A-Z]' "$T/$1.log"; then
		not_ok "analyticsd '$1' log free of sanitizer reports"
		grep -E -A 15 'Sanitizer|runtime error|^==[0-9]+== [A-Z]' "$T/$1.log" | head -n 40 | sed 's/^/#   /'
	else
		ok "analyticsd '$1' log free of sanitizer reports"
	fi
}

ctl() { "$BIN/analyticsctl" -s "$SOCK" "$@"; }
# ctl_json ARGS...: run analyticsctl --json, leave output in $OUT, status in $RC.
ctl_json() { OUT=$("$BIN/analyticsctl" -s "$SOCK" --json "$@" 2>"$T/ctl.err"); RC=$?; }
# jget FILTER: on the last JSON document of $OUT (progress events come before the result).
jget() { printf '%s' "$OUT" | jq -r -s "last | $1"; }

# wait_for DESC SECONDS CMD...: poll until CMD succeeds.
wait_for() {
	local desc=$1 secs=$2 i=0; shift 2
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ "$i" -gt $((secs * 10)) ]; then echo "# timed out waiting for $desc"; return 1; fi
		sleep 0.1
	done
}

t_cleanup() {
	local name pid
	for name in $T_DAEMONS; do
		pid=$(daemon_pid "$name")
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	done
	for name in $T_CLUSTERS; do pg_stop "$name"; done
	if [ "$T_FAIL" -gt 0 ] && [ -n "${KEEP_FAILED:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap t_cleanup EXIT

# t_done: the summary line tests/run.sh reads, and the exit status.
t_done() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}
