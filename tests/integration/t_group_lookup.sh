#!/bin/bash
# SPDX-License-Identifier: ISC
# No group lookup on the loop (issue 15, item 2; docs/RELIABILITY.md 28): getgrnam() can
# wait on a directory service (sssd, LDAP) for seconds. At a reload it runs off the loop:
# with every lookup taking 3 s (an LD_PRELOAD shim), `reload` and `status` answer at
# once, and the groups found are applied when the lookup ends.
. "$(dirname "$0")/../lib.sh"

SHIM=$T/slow_getgr.so
cc -shared -fPIC -o "$SHIM" "$SRC_DIR/tests/shim/slow_getgr.c" -ldl ||
	{ not_ok "build the getgrnam_r shim"; t_done; exit; }
pg_start main && db_new grouplookup || exit 1

# The shim comes after the sanitizer's runtime, which must otherwise be first.
export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
export SLOW_GETGR_FILE=$T/slow SLOW_GETGR_S=3
LD_PRELOAD=$SHIM OPERATOR_GROUP=root daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"

touch "$SLOW_GETGR_FILE"
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
r=$(ms "$BIN/analyticsctl" -s "$SOCK" reload)
check "reload answers while the group lookup takes 3 s (${r} ms)" test "$r" -lt 1500
s=$(ms "$BIN/analyticsctl" -s "$SOCK" status)
check "and status answers meanwhile (${s} ms)" test "$s" -lt 1000
r2=$(ms "$BIN/analyticsctl" -s "$SOCK" reload)
check "a second reload during the lookup answers too (${r2} ms)" test "$r2" -lt 1500
rm -f "$SLOW_GETGR_FILE"
check "the lookup's answer is applied when it comes" wait_for "the lookup" 15 \
	grep -q "groups looked up again: operator found" "$T/d1.log"
# The reload that came during the lookup asked for one more.
check "and the reload asked for during it is looked up after it" wait_for "the second lookup" 15 \
	sh -c "[ \$(grep -c 'groups looked up again' '$T/d1.log') -ge 2 ]"

# Stopping while a lookup hangs: the daemon does not wait for it, and frees what it must.
touch "$SLOW_GETGR_FILE"
ctl reload >/dev/null
t0=$(date +%s%N)
daemon_stop d1
took=$(( ($(date +%s%N) - t0) / 1000000 ))
check "a stop during a hung lookup does not wait for it (${took} ms)" test "$took" -lt 2500
t_done
