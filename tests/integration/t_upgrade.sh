#!/bin/bash
# SPDX-License-Identifier: ISC
# An installation upgrades in place across migration 0013 (columns evaluated when read) and
# back down. The previous release (the commit before 0013 came, built from this repository's
# history) makes a database with data and runs at schema 0012; this release migrates it up
# with no value changed and no full recompute, its oracle agrees, a pre-upgrade run cannot
# be rolled back (a clear refusal) while a post-upgrade one can, and migrate down gives the
# previous release back its table, which its own oracle and its own runs accept.
. "$(dirname "$0")/../lib.sh"

ADDED=$(git -C "$SRC_DIR" log --diff-filter=A --format=%H -- \
	sql/migrations/0013_read_time_columns.up.sql 2>/dev/null | tail -n 1)
if [ -z "$ADDED" ]; then
	echo "# no git history here: the previous release cannot be built; nothing tested"
	t_done
	exit 0
fi
NEW_BIN=$BIN
OLD=$T/old
mkdir -p "$OLD/src"
git -C "$SRC_DIR" archive "$ADDED^" | tar -x -C "$OLD/src"
if make -C "$OLD/src" -j2 BUILD="$OLD/build" TEST_HOOKS=1 all >"$T/old-build.log" 2>&1; then
	ok "the previous release ($(git -C "$SRC_DIR" rev-parse --short "$ADDED^")) builds"
else
	not_ok "the previous release builds"; tail -n 20 "$T/old-build.log" | sed 's/^/# /'; t_done
fi
OLD_BIN=$OLD/build

pg_start main && db_new upgrade || exit 1
connected() { wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"; }
oracle() {      # oracle ORACLE_PY INSTANT [--between]: the whole table against the oracle
	local py=$1; shift
	python3 "$py" "$PGDATABASE" "$@" >"$T/oracle.out" 2>&1
	local rc=$?
	if [ "$rc" -ne 0 ]; then sed 's/^/# /' "$T/oracle.out" | head -n 20; fi
	return "$rc"
}
# The 87 columns as text, in key order, as readers see them at the instant given.
readers_see() {
	psql_q -c "set analytics.now = '$1'; select md5(string_agg(t::text, E'\n' order by organization_id, square_customer_id))
	           from (select organization_id, square_customer_id, $COLS from customer_analytics) t"
}
layout() {      # the columns of customer_analytics, but the clock's
	psql_q -c "select string_agg(attname || ' ' || format_type(atttypid, NULL), ', ' order by attnum)
	             from pg_attribute where attrelid = 'customer_analytics'::regclass and attnum > 0
	              and not attisdropped and attname not in ('next_event_at', 'next_change_at')"
}
ANALYTICSD_TEST_AS_OF=@$T/as_of
export ANALYTICSD_TEST_AS_OF
AS_OF1='2026-11-20 09:30:00+00'
AS_OF2='2026-11-21 14:10:00+00'
AS_OF3='2026-11-22 08:00:00+00'

# --- the previous release, schema 0012 ---------------------------------------------------
echo "$AS_OF1" >"$T/as_of"
BIN=$OLD_BIN daemon_start old
BIN=$OLD_BIN
connected
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ctl loyalty rebuild >/dev/null
ctl_json refresh full
is "$RC" 0 "the previous release refreshes in full"
psql_q -c "insert into bookings (organization_id, location_id, customer_id, status, start_at, created_at, updated_at)
           select organization_id, location_id, customer_id, 'ACCEPTED', timestamptz '$AS_OF1' + interval '3 days',
                  timestamptz '$AS_OF1' - interval '1 hour', timestamptz '$AS_OF1' - interval '1 hour'
             from bookings where customer_id is not null order by id limit 5" >/dev/null
ctl_json refresh incremental
is "$RC" 0 "and incrementally"
PRE_RUN=$(psql_q -c "select max(id) from analytics_refresh_runs")
check "its oracle agrees" oracle "$OLD/src/tests/oracle.py" "$AS_OF1"
OLD_LAYOUT=$(layout)
OLD_FULL=$(psql_q -c "select string_agg(attname || ' ' || format_type(atttypid, NULL), ', ' order by attnum)
                        from pg_attribute where attrelid = 'customer_analytics'::regclass and attnum > 0
                         and not attisdropped")
COLS=$(psql_q -c "select string_agg(attname, ', ' order by attnum) from pg_attribute
                  where attrelid = 'customer_analytics'::regclass and attnum > 0 and not attisdropped
                    and attname not in ('organization_id', 'square_customer_id', 'next_event_at', 'next_change_at')")
BEFORE=$(readers_see "$AS_OF1")
like "$BEFORE" "^[0-9a-f]{32}$" "(what readers see, as a digest)"
ROWS=$(psql_q -c "select count(*) from customer_analytics")
daemon_stop old

# --- this release: migrate up in place ------------------------------------------------------
BIN=$NEW_BIN
echo "$AS_OF1" >"$T/as_of"
daemon_start new
connected
ctl_json migrate up
is "$RC" 0 "this release migrates the database up"
is "$(psql_q -c "select relkind from pg_class where oid = 'customer_analytics'::regclass")" v \
	"customer_analytics is now a view"
is "$(layout)" "$OLD_LAYOUT" "with the table's 87 columns, names, order and types"
is "$(readers_see "$AS_OF1")" "$BEFORE" "and every value readers see at the last run's instant as it was"
DUE=$(psql_q -c "select count(*) from customer_analytics_stored where next_change_at = '-infinity'")
check "only the rows whose anchor the old columns leave open are due at once ($DUE of $ROWS)" \
	test "$DUE" -lt $((ROWS / 10))
check "this release's oracle agrees with every row not due, with no run" \
	oracle "$SRC_DIR/tests/oracle.py" "$AS_OF1" --between

echo "$AS_OF2" >"$T/as_of"
ctl_json refresh incremental
is "$RC" 0 "an incremental run after the upgrade"
N=$(psql_q -c "select rows_inserted + rows_updated + rows_deleted + rows_unchanged
                 from analytics_refresh_runs order by id desc limit 1")
check "recomputes a small part of the table, no full recompute ($N of $ROWS rows)" \
	test "$N" -lt $((ROWS / 5))
check "and the oracle agrees at its as_of" oracle "$SRC_DIR/tests/oracle.py" "$AS_OF2"
POST_RUN=$(psql_q -c "select max(id) from analytics_refresh_runs")
AFTER_RUN=$(readers_see "$AS_OF2")

ctl_json rollback
is "$RC" 0 "a run made after the upgrade rolls back"
ctl_json rollback --to "$((PRE_RUN - 1))"
is "$RC" 1 "a run made before the upgrade does not"
like "$(jget .error.message)" "run $PRE_RUN .*cannot be rolled back: .*before schema migration 0013" "the refusal names the run and the migration"
ctl resume >/dev/null
ctl_json refresh incremental
is "$(readers_see "$AS_OF2")" "$AFTER_RUN" "a run after the rollback makes the same rows again"
check "and the oracle agrees" oracle "$SRC_DIR/tests/oracle.py" "$AS_OF2"

# --- back down: the previous release's table -------------------------------------------------
ctl_json migrate down
until [ "$RC" != 0 ] || [ "$(jget .result.version)" -le 12 ]; do ctl_json migrate down; done
is "$RC" 0 "migrate down to 0012"
is "$(jget .result.version)" 12 "(the schema of the previous release)"
is "$(psql_q -c "select relkind from pg_class where oid = 'customer_analytics'::regclass")" r \
	"customer_analytics is a table again"
is "$(psql_q -c "select string_agg(attname || ' ' || format_type(atttypid, NULL), ', ' order by attnum)
                   from pg_attribute where attrelid = 'customer_analytics'::regclass and attnum > 0
                    and not attisdropped")" "$OLD_FULL" "in the previous layout, the clock's columns included"
is "$(readers_see "$AS_OF2")" "$AFTER_RUN" "holding what readers saw at the last run's instant"
is "$(psql_q -c "select to_regclass('customer_analytics_stored') is null and to_regclass('analytics_org_defaults') is null")" t \
	"and nothing of 0013's left"
daemon_stop new

BIN=$OLD_BIN
daemon_start old2
connected
check "the previous release's oracle agrees at the last run's as_of" oracle "$OLD/src/tests/oracle.py" "$AS_OF2"
ctl_json rollback
is "$RC" 1 "it does not roll back a run of the read-time layout"
echo "$AS_OF3" >"$T/as_of"
ctl_json refresh incremental
is "$RC" 0 "it runs incrementally on the table it got back"
check "and its oracle agrees" oracle "$OLD/src/tests/oracle.py" "$AS_OF3"
daemon_stop old2

BIN=$NEW_BIN
daemon_start new2
connected
ctl_json migrate up
is "$RC" 0 "and this release migrates up again"
check "its oracle agrees with every row not due at the previous release's last run" \
	oracle "$SRC_DIR/tests/oracle.py" "$AS_OF3" --between
daemon_stop new2
t_done
