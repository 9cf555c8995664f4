#!/bin/bash
# SPDX-License-Identifier: ISC
# Text from the database cannot drive the terminal that shows it: a pause reason and a
# location's timezone holding a window-title change, a bell, a screen clear and a colour
# change reach analyticsctl's human output (status, the refresh's error) and the daemon's
# stderr log with every control character escaped, and --json still carries them as JSON
# escapes (the data itself is not changed).
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new terminal || exit 1
daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1

EVIL=$(printf 'a\033]0;owned\007\033[2J\033[31mb\302\233c')
raw() { grep -c $'\033\|\007\|\302\233' "$1"; }

ctl pause --reason "$EVIL" >/dev/null
ctl status >"$T/status.out" 2>&1
is "$(raw "$T/status.out")" 0 "status prints no control character of the pause reason"
like "$(grep paused: "$T/status.out")" 'a\\x1b\]0;owned\\x07\\x1b\[2J\\x1b\[31mb\\u009bc' "it shows them escaped"
ctl_json status
is "$(jget .result.paused.reason)" "$EVIL" "--json carries the reason as it is"
ctl resume >/dev/null

psql_q -c "UPDATE locations SET timezone = '$EVIL' WHERE id = (SELECT id FROM locations ORDER BY id LIMIT 1)"
ctl refresh full >"$T/refresh.out" 2>&1
RC=$?
is "$RC" 1 "a refresh with that timezone fails"
is "$(raw "$T/refresh.out")" 0 "its error prints no control character"
like "$(cat "$T/refresh.out")" '\\x1b\[2J' "and shows them escaped"
is "$(raw "$T/d1.log")" 0 "the daemon's stderr log has none either"
# A reader sees the failed run's error without the value the database quoted in it.
if [ "$(id -u)" = 0 ]; then
	chmod 0666 "$SOCK"
	OUT=$(runuser -u nobody -- "$BIN/analyticsctl" -s "$SOCK" --json runs --limit 1)
	is "$(jq -r '.result.runs[0].message' <<<"$OUT")" 'time zone "..." not recognized' \
		"a reader's runs shows the error without the quoted value"
	OUT=$(runuser -u nobody -- "$BIN/analyticsctl" -s "$SOCK" --json status)
	is "$(jq -r '.result.last_runs.full.message' <<<"$OUT")" 'time zone "..." not recognized' \
		"and so does a reader's status"
	ctl_json runs --limit 1
	like "$(jget '.result.runs[0].message')" 'owned' "an operator sees it whole"
fi
daemon_stop d1
t_done
