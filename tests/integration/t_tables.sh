#!/bin/bash
# SPDX-License-Identifier: ISC
# Tables as lsblk has them: fitted to a 60-column terminal (a pseudo-terminal of that
# width, through script(1)), -r/--raw with one word per column (times as RFC 3339, a
# space in a value escaped), -P/--pairs with KEY="value" pairs; for runs, check and
# migrate status.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new tables || exit 1
daemon_start d1
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ctl refresh full >/dev/null 2>&1
ORG=$(psql_q -c "select id from organizations order by id limit 1")
ctl refresh org "$ORG" >/dev/null 2>&1
# A failure with a long message, for the ERROR column.
psql_q -c "update locations set timezone = 'Not/AZone' where id = (select id from locations order by id limit 1)"
ctl refresh full >/dev/null 2>&1
psql_q -c "update locations set timezone = 'UTC' where timezone = 'Not/AZone'"

at60() {        # at60 ARGS...: analyticsctl on a pseudo-terminal 60 columns wide
	script -qec "stty cols 60 rows 50; '$BIN/analyticsctl' -s '$SOCK' $*" /dev/null | tr -d '\r'
}
for c in "runs" "check" "migrate status"; do
	OUT=$(at60 "$c")
	echo "$OUT" | sed 's/^/# /' | head -n 12
	check "'$c' on a 60-column terminal has content" test "$(printf '%s\n' "$OUT" | wc -l)" -ge 2
	is "$(printf '%s\n' "$OUT" | awk 'length > 60' | wc -l)" 0 "'$c' fits a 60-column terminal"
done

for c in "runs" "check" "migrate status"; do
	# shellcheck disable=SC2086
	OUT=$(ctl $c -r)
	is "$(printf '%s\n' "$OUT" | awk '{ print NF }' | sort -u | wc -l)" 1 "'$c -r': every line has as many words as the header"
	# shellcheck disable=SC2086
	OUT=$(ctl $c -P)
	is "$(printf '%s\n' "$OUT" | grep -Ecv '^([A-Z0-9_]+="([^"\\]|\\.)*"( |$))+$')" 0 "'$c -P': KEY=\"value\" pairs only"
done
like "$(ctl runs -P | head -n 1)" 'STARTED="20[0-9-]+T[0-9:]+Z"' "-P gives times as RFC 3339"
like "$(ctl runs -r -o ID,STARTED,STATUS --no-headings | head -n 1)" '^[0-9]+ 20[0-9-]+T[0-9:]+Z failed$' \
	"-r with -o and --no-headings: exactly the columns asked for, one word each"
# Completion asks the daemon: run ids for rollback --to, organizations refreshed alone.
comp() { ANALYTICSD_SOCKET=$SOCK PATH="$BIN:$PATH" bash -c "source '$SRC_DIR/completion/analyticsctl.bash'; COMP_WORDS=($1); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); _analyticsctl; echo \"\${COMPREPLY[*]}\""; }
is "$(comp "analyticsctl refresh org ${ORG:0:4}")" "$ORG" "completion offers the organizations refreshed alone"
is "$(comp "analyticsctl rollback --to ''")" "$(psql_q -c "select string_agg(id::text, ' ' order by id desc) from analytics_refresh_runs where status = 'succeeded'")" \
	"and the successful runs for rollback --to"
# People by name: analyticsctl looks the uid up (the daemon never blocks on a lookup).
ctl pause --reason "names" >/dev/null
like "$(ctl status)" "paused: +yes, by $(id -un) \\(uid $(id -u), pid [0-9]+\\)" "status names who paused by user name"
like "$(ctl runs -o BY --no-headings | head -n 1)" "^$(id -un) \\(uid $(id -u), pid [0-9]+\\)" "runs names who asked"
ctl resume >/dev/null
daemon_stop d1
t_done
