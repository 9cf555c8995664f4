#!/bin/sh
# SPDX-License-Identifier: ISC
# Run every test: the cmocka unit tests, then each integration test file
# (tests/integration/t_*.sh, one behaviour each). Ends with one line
# "N passed, N failed" over all of them; exit 1 if anything failed.
#   tests/run.sh BUILD_DIR [t_name ...]
set -u
BIN=${1:?usage: tests/run.sh BUILD_DIR [test ...]}; shift
export BIN
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0 failed_names=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() {   # count NAME RC: add this file's results from $log
	p=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\2/p' "$log" | tail -n 1)
	if [ -z "$p" ]; then            # cmocka's own summary
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	fi
	p=${p:-0} f=${f:-0}
	# A crash or early exit is a failure even if no assertion said so.
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)) fail=$((fail + f))
	if [ "$f" -gt 0 ]; then
		failed_names="$failed_names $1"
		echo "FAIL $1 ($p passed, $f failed)"
		grep -v '^ok ' "$log" | sed 's/^/    /'
	elif [ "$p" -eq 0 ] && grep -q '^# skipped' "$log"; then
		echo "skip $1 ($(sed -n 's/^# skipped: //p' "$log" | head -n 1))"
	else
		echo "ok   $1 ($p passed)"
	fi
}

if [ $# -eq 0 ]; then
	for t in "$BIN"/tests/test_*; do
		[ -x "$t" ] || continue
		"$t" >"$log" 2>&1
		count "unit/$(basename "$t")" $?
	done
	set -- "$here"/integration/t_*.sh
fi
for t in "$@"; do
	[ -f "$t" ] || t=$here/integration/$t.sh
	bash "$t" >"$log" 2>&1
	rc=$?       # before the name's command substitutions reset $?
	count "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" "$rc"
done

[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
