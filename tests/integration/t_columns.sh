#!/bin/bash
# SPDX-License-Identifier: ISC
# The column registry (include/analytics_columns.h) is the table and the view: the
# migrations make customer_analytics_stored with the registry's stored columns and the view
# customer_analytics with the 87 columns readers see, each by name, type and position; the
# compute (the built refresh_compute.sql, with ca_agg as the registry makes it) yields
# exactly the stored columns, no more; and the update and the insert the build made name
# every stored column but the key (and computed_at, for the comparison).
. "$(dirname "$0")/../lib.sh"

GEN=$BIN/gen-sql
SQL=$BIN/gen/sql
[ -x "$GEN" ] || { not_ok "the build made $GEN"; t_done; }

pg_start main && db_new columns || exit 1
daemon_start d1
wait_for "database connection" 10 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
ctl_json migrate up
is "$RC" 0 "migrate up succeeds"

# A relation against the registry's columns (gen-sql --table or --view), by name, type and
# position; any difference is a line.
against() {
	local rel=$1 reg
	reg=$("$GEN" "$2" | awk -F'\t' '{ printf "%s(%d,%s,%s)", (NR > 1 ? "," : ""), NR, "\x27" $1 "\x27", "\x27" $2 "\x27" }')
	psql_q -v ON_ERROR_STOP=1 -c "
	WITH reg(pos, name, type) AS (VALUES $reg),
	tab AS (SELECT row_number() OVER (ORDER BY attnum) AS pos, attname::text AS name, atttypid
	          FROM pg_attribute
	         WHERE attrelid = '$rel'::regclass AND attnum > 0 AND NOT attisdropped)
	SELECT coalesce(r.name, t.name) || ': registry ' || coalesce(r.pos || ' ' || r.type, 'none') ||
	       ', relation ' || coalesce(t.pos || ' ' || format_type(t.atttypid, NULL), 'none')
	  FROM reg r FULL JOIN tab t ON t.name = r.name
	 WHERE r.name IS NULL OR t.name IS NULL OR r.type::regtype <> t.atttypid OR r.pos <> t.pos" 2>&1
}
n=$("$GEN" --view | wc -l)
is "$n" 87 "the registry shows readers 87 columns"
is "$(against customer_analytics --view)" "" \
	"the view customer_analytics has the registry's 87 columns, by name, type and position"
is "$(against customer_analytics_stored --table)" "" \
	"customer_analytics_stored has the registry's stored columns, by name, type and position"
is "$(psql_q -c "select relkind from pg_class where oid = 'customer_analytics'::regclass")" v \
	"customer_analytics is a view"

# The compute, in psql as the daemon runs it: ca_agg as the build makes it, one key (which
# no longer qualifies: the columns are what counts).
out=$(psql_q -v ON_ERROR_STOP=1 <<SQL 2>&1
BEGIN;
CREATE TEMP TABLE ca_run ON COMMIT DROP AS SELECT now() AS as_of;
CREATE TEMP TABLE ca_scope ON COMMIT DROP AS
  SELECT '00000000-0000-4000-8000-0000000000c1'::uuid AS organization_id,
         'c1'::text AS square_customer_id;
\i $SQL/refresh_agg_create.sql
\i $SQL/refresh_compute.sql
\pset format unaligned
\pset tuples_only on
SELECT 'ca_new ' || string_agg(attname, ',' ORDER BY attname)
  FROM pg_attribute WHERE attrelid = 'ca_new'::regclass AND attnum > 0 AND NOT attisdropped;
ROLLBACK;
SQL
)
want=$("$GEN" --table | cut -f1 | LC_ALL=C sort | paste -sd, -)
got=$(printf '%s\n' "$out" | sed -n 's/^ca_new //p' | tr ',' '\n' | LC_ALL=C sort | paste -sd, -)
if [ -n "$got" ] && [ "$got" = "$want" ]; then
	ok "the compute makes exactly the registry's columns"
else
	not_ok "the compute makes exactly the registry's columns"
	echo "# psql: $(printf '%s' "$out" | grep -v '^ca_new' | head -n 5)"
	echo "# only in the compute: $(comm -13 <(tr , '\n' <<<"$want") <(tr , '\n' <<<"$got") | paste -sd' ')"
	echo "# only in the registry: $(comm -23 <(tr , '\n' <<<"$want") <(tr , '\n' <<<"$got") | paste -sd' ')"
fi

# The statements the build made list the registry's columns: every value column in the
# update's SET, every column in the insert, each once.
values=$("$GEN" --table | cut -f1 | sed -n '3,$p' | LC_ALL=C sort | paste -sd, -)
set_list=$(awk '/SET \(/ { on = 1; next } /\) = \(/ { exit } on' "$SQL/refresh_update.sql" |
	tr -d ' \n' | tr ',' '\n' | LC_ALL=C sort | paste -sd, -)
is "$set_list" "$values" "the update sets every column but the key, once"
ins_list=$(awk '/INSERT INTO customer_analytics_stored \(/ { on = 1; next } /^\)/ { exit } on' \
	"$SQL/refresh_insert.sql" | tr -d ' \n' | tr ',' '\n' | LC_ALL=C sort | paste -sd, -)
is "$ins_list" "$want" "the insert names every column, once"

# A marker the generator does not know fails the build rather than leaving a hole.
printf 'SELECT\n    -- @list nosuchset\n' >"$T/bad.sql.in"
if "$GEN" "$T/bad.sql.in" >/dev/null 2>"$T/gen.err"; then
	not_ok "an unknown marker fails"
else
	like "$(cat "$T/gen.err")" "bad.sql.in:2: unknown marker" "an unknown marker fails, naming the line"
fi

t_done
