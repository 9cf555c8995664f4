#!/bin/bash
# SPDX-License-Identifier: ISC
# Test hooks exist only in a test build: a plain build (PLAIN_BIN, which
# `make check` builds without TEST_HOOKS) started with ANALYTICSD_TEST_AS_OF
# refreshes at the real transaction time and says it ignores the variable;
# the test build (BIN) honours it.
. "$(dirname "$0")/../lib.sh"

if [ -z "${PLAIN_BIN:-}" ]; then
	echo "# skipped: PLAIN_BIN (a build without TEST_HOOKS) is not set; make check sets it"
	t_done; exit
fi
PLAIN_BIN=$(cd "$PLAIN_BIN" && pwd)

pg_start main && db_new hooks || exit 1
connected() { wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"; }

# The plain build.
TEST_BIN=$BIN
BIN=$PLAIN_BIN
ANALYTICSD_TEST_AS_OF=2001-01-01T00:00:00Z ANALYTICSD_TEST_SLEEP_S=30 daemon_start plain
connected
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
BEFORE=$(psql_q -c "select now()")
START=$(date +%s)
ctl_json refresh full
is "$RC" 0 "the plain build refreshes"
check "without sleeping 30 s inside the run (ANALYTICSD_TEST_SLEEP_S ignored)" test $(( $(date +%s) - START )) -lt 25
is "$(psql_q -c "select count(*) from customer_analytics where computed_at < '$BEFORE'::timestamptz")" 0 \
	"no row has a computed_at before the refresh started (not 2001)"
is "$(psql_q -c "select count(*) from customer_analytics where computed_at > now()")" 0 \
	"and none after it"
is "$(psql_q -c "select count(distinct computed_at) from customer_analytics")" 1 \
	"every row has the one transaction time"
is "$(psql_q -c "select (as_of = started_at or abs(extract(epoch from as_of - started_at)) < 1)::text
	from analytics_refresh_runs order by id desc limit 1")" true "the run's as_of is its real start"
check "the log says the variables are ignored" grep -q "ANALYTICSD_TEST_AS_OF is set but ignored" "$T/plain.log"
daemon_stop plain

# The test build honours the same variable.
BIN=$TEST_BIN
ANALYTICSD_TEST_AS_OF=2001-01-01T00:00:00Z daemon_start hooked
connected
ctl_json refresh full
is "$RC" 0 "the test build refreshes"
is "$(psql_q -c "select as_of at time zone 'UTC' from analytics_refresh_runs order by id desc limit 1")" \
	"2001-01-01 00:00:00" "with the pinned as_of"
check "and logs that the hook is in force" grep -q "ANALYTICSD_TEST_AS_OF=2001-01-01T00:00:00Z is in force" "$T/hooked.log"
daemon_stop hooked
t_done
