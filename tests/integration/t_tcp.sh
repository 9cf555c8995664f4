#!/bin/bash
# Multi-host and dual-stack conninfo over TCP: with host=::1,127.0.0.1 and the server
# listening on 127.0.0.1 only, libpq fails over to the second address (under a new socket
# that may reuse the first one's descriptor number), and the daemon follows it: both
# connections come up, and a refresh runs. (It used to retry "connection timed out"
# forever.)
. "$(dirname "$0")/../lib.sh"

PORT=$((20000 + $$ % 20000))
PG_SERVER_OPTS="-c listen_addresses=127.0.0.1 -c port=$PORT" pg_start tcp || exit 1
export PGPORT=$PORT             # the Unix socket is named by the port too
db_new tcp || exit 1
psql_q -c "select 1" >/dev/null || { not_ok "the TCP cluster answers on its Unix socket"; t_done; exit; }
psql -X -A -t -h 127.0.0.1 -p "$PORT" -c "select 1" >/dev/null 2>&1
is "$?" 0 "the server answers on 127.0.0.1:$PORT"
psql -X -A -t -h ::1 -p "$PORT" -c "select 1" >/dev/null 2>&1
check "and not on ::1" test "$?" -ne 0

CONNINFO="host=::1,127.0.0.1 port=$PORT dbname=tcp user=$PGUSER" daemon_start d1
check "both connections come up over the second address" wait_for "connected" 20 \
	sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\" and .result.work_connection.state == \"connected\"'"
ctl migrate up >/dev/null
ctl_json refresh full
is "$RC" 0 "a refresh runs over TCP"
daemon_stop d1
t_done
