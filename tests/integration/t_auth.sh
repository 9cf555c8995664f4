#!/bin/bash
# SPDX-License-Identifier: ISC
# SO_PEERCRED authorization: anyone who can open the socket may read; only
# root, the daemon's user and the operator group may change things.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "# skipped: needs root to run analyticsctl as another user"
	t_done; exit
fi
pg_start main && db_new auth || exit 1

as_nobody() { runuser -u nobody -- "$BIN/analyticsctl" -s "$SOCK" "$@"; }

OPERATOR_GROUP=analyticsd-nonexistent daemon_start d1
chmod 0666 "$SOCK"      # stand-in for membership of the socket's group
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"

OUT=$(as_nobody --json status); RC=$?
is "$RC" 0 "an unprivileged user may read status"
OUT=$(as_nobody --json migrate up 2>/dev/null); RC=$?
is "$RC" 77 "an unprivileged user's migrate is refused with exit 77"
is "$(jq -r -s "last | .error.code" <<<"$OUT")" not_authorized "the refusal is not_authorized"
like "$(jq -r -s "last | .error.message" <<<"$OUT")" "uid $(id -u nobody)" "the refusal names who asked"
is "$(psql_q -c "select to_regclass('schema_migrations') is null")" t "nothing was migrated"
OUT=$(as_nobody --json capture off 2>/dev/null); RC=$?
is "$RC" 77 "an unprivileged user's capture off is refused with exit 77"
OUT=$(as_nobody --json capture on 2>/dev/null); RC=$?
is "$RC" 77 "and so is capture on"
OUT=$(as_nobody --json capture status 2>/dev/null)
like "$(jq -r -s 'last | .error.message' <<<"$OUT")" 'comes with migration 11' \
	"capture status only reads: it is not refused (it answers that nothing is migrated)"
daemon_stop d1

# Members of control.operator_group may change things.
OPERATOR_GROUP=$(id -gn nobody) daemon_start d2
chmod 0666 "$SOCK"
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
OUT=$(as_nobody --json migrate up); RC=$?
is "$RC" 0 "a member of the operator group may migrate"
daemon_stop d2
t_done
