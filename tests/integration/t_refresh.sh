#!/bin/bash
# SPDX-License-Identifier: ISC
# Refresh modes on the demo data: counts, idempotence, recent and org equal
# full on their scope, run records and application_logs rows.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new refresh || exit 1
export ANALYTICSD_TEST_AS_OF='2026-11-20 09:30:00+00'   # one "now" for every run
daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1

# The table's content without computed_at, as one checksum; $1 filters rows.
table_md5() {
	psql_q -c "select md5(coalesce(string_agg(r::text, '|' order by r::text), ''))
	             from (select (to_jsonb(ca) - 'computed_at') as r
	                     from customer_analytics ca ${1:-}) s"
}

ctl_json refresh full
is "$RC" 0 "refresh full succeeds"
is "$(jget .result.status)" succeeded "the outcome says succeeded"
N=$(psql_q -c "select count(*) from customer_analytics")
is "$(jget .result.rows.inserted)" "$N" "the first full refresh inserts every row"
is "$N" "$(psql_q -c "select count(*) from (select organization_id, square_customer_id from square_existing_clients union select organization_id, customer_id from bookings where customer_id is not null) k")" \
	"one row per client record or booking customer"
RUN1=$(jget .result.run_id)

ctl_json refresh full
is "$(jget '[.result.rows.inserted, .result.rows.updated, .result.rows.deleted] | add')" 0 \
	"a second full refresh changes nothing"
is "$(jget .result.rows.unchanged)" "$N" "and counts every row unchanged"
BASE=$(table_md5)

# Change a little: a new booking, a cancelled one, a refund, a vanished client.
ORG=11111111-1111-4111-8111-000000000001
psql_q <<'SQL'
update bookings set status = 'CANCELLED_BY_CUSTOMER', updated_at = '2026-11-20 09:00+00'
 where id = (select id from bookings where status = 'ACCEPTED' and customer_id is not null
              order by id limit 1);
insert into bookings (organization_id, location_id, customer_id, status, start_at, created_at, updated_at)
select organization_id, location_id, customer_id, 'ACCEPTED', '2026-11-19 10:00+00', '2026-11-18 10:00+00', '2026-11-18 10:00+00'
  from bookings where customer_id is not null order by id desc limit 1;
update payments set refunded_cents = amount_cents, updated_at = '2026-11-20 08:00+00'
 where id = (select id from payments where status = 'COMPLETED' and refunded_cents = 0 order by id limit 1);
SQL
GONE=$(psql_q -c "select c.organization_id || '/' || c.square_customer_id from square_existing_clients c
	where not exists (select 1 from bookings b where b.organization_id = c.organization_id and b.customer_id = c.square_customer_id)
	  and not exists (select 1 from square_existing_clients r where r.referred_by_customer_id = c.square_customer_id)
	order by 1 limit 1")
psql_q -c "delete from square_existing_clients where organization_id || '/' || square_customer_id = '$GONE'"

ctl_json refresh recent --days 30
is "$RC" 0 "refresh recent succeeds"
is "$(jget .result.scope.days)" 30 "recent reports its scope"
RECENT_CHANGED=$(jget '.result.rows.updated + .result.rows.inserted')
like "$RECENT_CHANGED" '^[1-9]' "recent rewrites the changed customers"

# recent's rows must be what full computes: a full refresh afterwards may
# only touch rows outside recent's scope (the vanished client; no others).
psql_q -c "create table after_recent as select * from customer_analytics"
ctl_json refresh full
is "$RC" 0 "refresh full after recent succeeds"
is "$(psql_q -c "select count(*) from customer_analytics ca join after_recent r using (organization_id, square_customer_id)
	where (to_jsonb(ca) - 'computed_at') is distinct from (to_jsonb(r) - 'computed_at')
	  and r.computed_at = (select max(computed_at) from after_recent)")" 0 \
	"every row recent wrote is identical to what full computes"
is "$(jget .result.rows.deleted)" 1 "full deletes the customer whose only record vanished"

# org: rewrite one organization from scratch and compare with full's rows.
BEFORE_ORG=$(table_md5 "where organization_id = '$ORG'")
psql_q -c "update customer_analytics_stored set visits_total = visits_total + 100 where organization_id = '$ORG'"
ctl_json refresh org "$ORG"
is "$RC" 0 "refresh org succeeds"
is "$(jget .result.rows.updated)" "$(psql_q -c "select count(*) from customer_analytics where organization_id = '$ORG'  ")" \
	"refresh org repairs exactly the rows that differ"
is "$(table_md5 "where organization_id = '$ORG'")" "$BEFORE_ORG" "org's rows equal full's"

ctl_json refresh org "$ORG"
is "$(jget '.result.rows.updated + .result.rows.inserted + .result.rows.deleted')" 0 "a second org refresh changes nothing"

# Run records and application_logs.
is "$(psql_q -c "select count(*) from analytics_refresh_runs where kind = 'refresh' and status = 'succeeded'")" 6 \
	"every run is recorded as succeeded"
is "$(psql_q -c "select rows_inserted from analytics_refresh_runs where id = $RUN1")" "$N" "the run record keeps its counts"
is "$(psql_q -c "select count(*) from application_logs where log_type = 'cron' and status = 'success'
	and payload->>'cron_name' = 'refresh-customer-analytics'")" 6 "one application_logs row per run"
is "$(psql_q -c "select as_of from analytics_refresh_runs where id = $RUN1")" "2026-11-20 09:30:00+00" "the run records its as_of"

ctl_json runs --limit 3
is "$(jget '.result.runs | length')" 3 "runs --limit 3 lists three runs"
is "$(jget '.result.runs[0].mode')" org "runs lists the newest first"

ctl_json status
is "$(jget '.result.last_runs.full.status')" succeeded "status shows the last full run"
is "$(jget '.result.last_runs.org.status')" succeeded "status shows the last org run"

# recent's window: a booking that started in the last N days puts its customer in scope;
# one that starts later does not (it changes nothing until it is edited or starts). Two
# clients with no other activity, their rows damaged after a full refresh: recent --days 1
# repairs only the one whose booking has started.
psql_q <<SQL
insert into square_existing_clients (organization_id, square_customer_id, created_at)
values ('$ORG', 'window_future', '2025-01-01'), ('$ORG', 'window_started', '2025-01-01');
insert into bookings (organization_id, location_id, customer_id, status, start_at, created_at, updated_at)
select '$ORG', (select id from locations where organization_id = '$ORG' order by id limit 1),
       c, 'ACCEPTED', s::timestamptz, '2026-10-01 10:00+00', '2026-10-01 10:00+00'
  from (values ('window_future', '2026-12-10 10:00+00'), ('window_started', '2026-11-20 08:00+00')) v (c, s);
SQL
ctl_json refresh full
psql_q -c "update customer_analytics_stored set visits_total = 99 where square_customer_id like 'window_%'"
ctl_json refresh recent --days 1
is "$RC" 0 "refresh recent --days 1 succeeds"
is "$(psql_q -c "select string_agg(square_customer_id || '=' || visits_total, ' ' order by square_customer_id)
	from customer_analytics where square_customer_id like 'window_%'")" \
	"window_future=99 window_started=1" "recent takes a booking that started in the window, not one that starts later"
ctl_json refresh full
is "$(psql_q -c "select visits_total from customer_analytics where square_customer_id = 'window_future'")" 0 \
	"full repairs the customer recent left out"

# An empty id is a value, not NULL, on its way through the daemon's compute (binary text of
# length 0): a client's only visit has staff '', service '' and source '', which are its
# favourites and first source, as PostgreSQL's own grouping made them.
psql_q <<SQL
insert into square_existing_clients (organization_id, square_customer_id, created_at)
values ('$ORG', 'empty_ids', '2025-01-01');
insert into bookings (organization_id, location_id, customer_id, status, start_at, created_at,
                      updated_at, staff_id, service_id, source)
select '$ORG', (select id from locations where organization_id = '$ORG' order by id limit 1),
       'empty_ids', 'ACCEPTED', '2026-10-02 10:00+00', '2026-10-01 10:00+00',
       '2026-10-01 10:00+00', '', '', '';
SQL
ctl_json refresh full
is "$(psql_q -c "select format('%L %L %s %L', favourite_staff_id, favourite_service_id, distinct_staff,
	first_booking_source) from customer_analytics where square_customer_id = 'empty_ids'")" \
	"'' '' 1 ''" "an empty staff, service and source are values, not NULL"

# Requests pipelined on one connection: the second starts after the first
# ended, as a run of its own (it must not join the run that just ended).
OUT=$(printf '%s\n' '{"cmd":"refresh","args":{"mode":"full"}}' '{"cmd":"refresh","args":{"mode":"full"}}' '{"cmd":"migrate","args":{"action":"up"}}' \
	| socat -t 30 - UNIX-CONNECT:"$SOCK" | jq -c 'select(has("ok")) | [.ok, .result.run_id]' | tr '\n' ' ')
like "$OUT" '^\[true,([0-9]+)\] \[true,([0-9]+)\] \[true,null\] $' "three pipelined requests get three final replies"
is "$(echo "$OUT" | grep -oE '[0-9]+' | uniq | wc -l)" 2 "the two pipelined refreshes are two runs"

ctl_json refresh org not-a-uuid
is "$RC" 64 "refresh org with a bad id is a usage error"

# A row that appears between the run's look for missing keys and its insert (only a run
# writes the table; a trigger stands in for a writer that does not take the run lock):
# the run fails with the primary key's error instead of keeping a row it did not compute,
# and nothing of it stays.
KEY=$(psql_q -c "select square_customer_id from customer_analytics order by 1 limit 1")
psql_q <<SQL >/dev/null
delete from customer_analytics_stored where square_customer_id = '$KEY';
create function t_refresh_intruder() returns trigger language plpgsql as \$\$
begin
    if pg_trigger_depth() = 1 then
        insert into customer_analytics_stored select (new).*;
    end if;
    return new;
end \$\$;
create trigger t_refresh_intruder before insert on customer_analytics_stored
    for each row execute function t_refresh_intruder();
SQL
BEFORE=$(table_md5)
UNDO=$(psql_q -c "select count(*) from analytics_undo_log")
ctl_json refresh full
is "$RC" 1 "a row that appeared since the run looked: the refresh fails"
is "$(jget .error.code)" failed "the reply says failed"
like "$(jget .error.message)" customer_analytics_stored_pkey "and names the key"
is "$(psql_q -c "select sqlstate from analytics_refresh_runs where kind = 'refresh' order by id desc limit 1")" \
	23505 "the run's record has the primary key's SQLSTATE"
is "$(table_md5)" "$BEFORE" "and the table is as it was"
is "$(psql_q -c "select count(*) from analytics_undo_log")" "$UNDO" "and the undo log too"
psql_q -c "drop trigger t_refresh_intruder on customer_analytics_stored; drop function t_refresh_intruder()" >/dev/null
ctl_json refresh full
is "$(jget .result.rows.inserted)" 1 "without the intruder the next full refresh inserts the row"

daemon_stop d1
t_done
