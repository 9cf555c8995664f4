#!/bin/bash
# SPDX-License-Identifier: ISC
# Readers and operators are different people: a member of the reader group (the socket's
# group, control.reader_group) may connect and read, and is refused every changing command
# with 77; a member of the operator group (control.operator_group, and a reader too) may do
# both; anyone else cannot even connect.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "# skipped: needs root to create throwaway users and groups"
	t_done; exit
fi
SUFFIX=$$
R_GROUP=adtr$SUFFIX O_GROUP=adto$SUFFIX R_USER=adur$SUFFIX O_USER=aduo$SUFFIX N_USER=adun$SUFFIX
groups_cleanup() {
	for u in "$R_USER" "$O_USER" "$N_USER"; do userdel "$u" 2>/dev/null; done
	for g in "$R_GROUP" "$O_GROUP"; do groupdel "$g" 2>/dev/null; done
}
trap 'groups_cleanup; t_cleanup' EXIT
groupadd "$R_GROUP" && groupadd "$O_GROUP" &&
	useradd -M -N -g nogroup -G "$R_GROUP" "$R_USER" &&
	useradd -M -N -g nogroup -G "$R_GROUP,$O_GROUP" "$O_USER" &&
	useradd -M -N -g nogroup "$N_USER" || { not_ok "throwaway users and groups"; t_done; exit; }

pg_start main && db_new groups || exit 1
READER_GROUP=$R_GROUP OPERATOR_GROUP=$O_GROUP daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
chmod 0755 "$T"
is "$(stat -c '%G %a' "$SOCK")" "$R_GROUP 660" "the socket belongs to the reader group, mode 0660"
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ctl refresh full >/dev/null 2>&1

as() { local u=$1; shift; runuser -u "$u" -- "$BIN/analyticsctl" -s "$SOCK" "$@"; }

# Every command that changes nothing is a reader's.
for c in "status" "runs" "metrics" "migrate status" "rollback --dry-run" "capture status" \
	 "refresh incremental --dry-run"; do
	# shellcheck disable=SC2086
	as "$R_USER" $c >/dev/null 2>&1; is "$?" 0 "a reader may run $c"
done
as "$R_USER" check >/dev/null 2>&1; RC=$?
check "a reader may run check (exit $RC, not refused)" test "$RC" -le 1
for c in "migrate" "migrate down" "refresh full" "refresh incremental" "rollback" \
	 "loyalty rebuild" "pause" "resume" "reload"; do
	# shellcheck disable=SC2086
	as "$R_USER" $c >/dev/null 2>"$T/refused.err"; RC=$?
	is "$RC" 77 "a reader's '$c' is refused with 77"
done
like "$(cat "$T/refused.err")" "members of group '$O_GROUP'" "the refusal names the operator group"
is "$(psql_q -c "select count(*) from analytics_refresh_runs")" 1 "and none of them ran"

as "$O_USER" status >/dev/null 2>&1; is "$?" 0 "an operator may read"
as "$O_USER" pause --reason "operator test" >/dev/null 2>&1; is "$?" 0 "an operator may pause"
as "$O_USER" resume >/dev/null 2>&1; is "$?" 0 "and resume"
as "$O_USER" refresh full >/dev/null 2>&1; is "$?" 0 "and refresh"

as "$N_USER" status >/dev/null 2>"$T/nogroup.err"; RC=$?
check "a user in neither group cannot connect (exit $RC)" test "$RC" -ne 0
like "$(cat "$T/nogroup.err")" "are you in the socket's group, $R_GROUP\\?" \
	"the refusal names the socket's group as it is ($R_GROUP), not the default's"
daemon_stop d1
t_done
