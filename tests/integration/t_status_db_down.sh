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

# Down for longer than connect_timeout_s (5 s here): a warning, once per connection.
check "a database never reached is warned about past connect_timeout_s" \
	wait_for "the warning" 30 grep -q "warning: database connection 'ctl' has not come up for [0-9]* s: .*; retrying" "$T/d1.log"
sleep 3
is "$(grep -c "warning: database connection 'ctl' has not come up" "$T/d1.log")" 1 "once, not at every retry"
like "$(grep "has not come up" "$T/d1.log" | head -n 1)" "MESSAGE_ID=32903e6ecb974d6988ad016265f6d1e5|ANALYTICS_DB_CONNECTION=" \
	"with its MESSAGE_ID's fields"

pg_resume flaky
check "the daemon connects once the database comes up" \
	wait_for "connected" 40 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
ctl_json status
is "$(jget .result.schema.version)" 0 "status reads the schema once connected"
like "$(grep "connection 'ctl' established" "$T/d1.log" | tail -n 1)" "notice: " "its recovery is a notice"

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
