#!/bin/bash
# SPDX-License-Identifier: ISC
# status keeps answering while the database is down at start, comes up,
# goes away and comes back; the daemon reconnects by itself.
. "$(dirname "$0")/../lib.sh"

pg_start flaky && db_new flaky || exit 1
pg_stop flaky
daemon_start d1

ctl_json status
is "$RC" 3 "status answers while the database is down at start, exit 3 (the daemon runs without its database)"
is "$(jget .result.database.state | grep -cE '^(down|connecting)$')" 1 "status says the database is not connected"
like "$(jget .result.database.error)" "." "status says why the database is not connected"
is "$(jget .result.schema)" null "no schema is reported without a database"

ctl_json migrate up
is "$RC" 69 "migrate without a database exits 69 (unavailable)"

pg_resume flaky
check "the daemon connects once the database comes up" \
	wait_for "connected" 40 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
ctl_json status
is "$(jget .result.schema.version)" 0 "status reads the schema once connected"

pg_stop flaky
check "status notices the database is gone" \
	wait_for "down" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state != \"connected\"'"
ctl_json status
is "$RC" 3 "status still answers after the database went away (exit 3)"

pg_resume flaky
check "the daemon reconnects after the database comes back" \
	wait_for "reconnected" 40 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\" and .result.work_connection.state == \"connected\"'"
ctl_json migrate up
is "$RC" 0 "migrate works after the reconnection, without a restart"
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ctl_json refresh full
is "$RC" 0 "so does the first refresh"
like "$(jget .result.rows.inserted)" '^[1-9][0-9]+$' "and it writes the rows"

daemon_stop d1
t_done
