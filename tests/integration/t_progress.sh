#!/bin/bash
# SPDX-License-Identifier: ISC
# A long run's progress: while a refresh computes, its progress events carry the
# customers done of those in scope ("work"), the total being the scope its dry run gives,
# done never above it and all of it by the end; on a terminal, analyticsctl shows the
# count, a percentage and a bar.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new progress || exit 1
daemon_start d0
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ctl refresh full >/dev/null 2>&1
SCOPE=$("$BIN/analyticsctl" -s "$SOCK" --json refresh recent --dry-run | jq -r -s 'last | .result.would.scope')
daemon_stop d0

# A 2 s sleep inside the run, in its computing phase: heartbeats come meanwhile.
ANALYTICSD_TEST_SLEEP_S=2 daemon_start d1
ctl_json refresh recent
is "$RC" 0 "the recent refresh succeeds"
printf '%s\n' "$OUT" | grep '"event":"progress"' >"$T/events"
WORK=$(jq -r -s '[.[] | select(.work != null)]' <"$T/events")
check "progress events carry the work's count" test "$(jq 'length' <<<"$WORK")" -ge 2
is "$(jq -r '[.[].work.total] | unique | join(",")' <<<"$WORK")" "$SCOPE" "its total is the scope ($SCOPE)"
is "$(jq -r '[.[] | select(.work.done > .work.total)] | length' <<<"$WORK")" 0 "done never passes it"
is "$(jq -r 'last | .work.done == .work.total' <<<"$WORK")" true "and all of it is done at the end"
is "$(jq -r -s '[.[] | select(.phase == "waiting for the run lock") | .work] | unique | map(tostring) | join(",")' <"$T/events")" \
	"null" "before the work there is no count"
TTY=$(script -qec "'$BIN/analyticsctl' -s '$SOCK' refresh recent" /dev/null | tr '\r' '\n')
like "$TTY" "computing 0 of $SCOPE customers \\(0%\\) \\[\\.{20}\\]" "on a terminal: the count, a percentage and a bar"
daemon_stop d1
t_done
