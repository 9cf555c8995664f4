#!/bin/bash
# SPDX-License-Identifier: ISC
# Correctness oracle (tests/oracle.py): an independent computation of every column
# (tests/oracle.py, straight from docs/METRICS.md in Python) compared value by
# value with what analyticsd wrote, on the generated demo data.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new oracle || exit 1
AS_OF='2026-11-20 09:30:00+00'
ANALYTICSD_TEST_AS_OF=$AS_OF daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
# A ledger for loyalty_points_balance: the restaurant's booking entries, plus a manual
# adjustment on a customer with a client record.
ctl loyalty rebuild >/dev/null
psql_q -c "insert into loyalty_point_events (organization_id, customer_id, program_id, delta, reason)
           select c.organization_id, c.id, '22222222-2222-4222-8222-000000000002', 7, 'manual'
             from customers c join square_existing_clients s on s.organization_id = c.organization_id
              and analytics_normalize_email(s.email) = c.email_normalized
            where c.organization_id = '11111111-1111-4111-8111-000000000002' order by c.id limit 1"

for mode in full "org 11111111-1111-4111-8111-000000000002" "recent --days 30"; do
	# shellcheck disable=SC2086
	ctl_json refresh $mode
	is "$RC" 0 "refresh $mode succeeds"
	python3 "$TESTS_DIR/oracle.py" "$PGDATABASE" "$AS_OF" >"$T/oracle.out" 2>&1; RC=$?
	sed 's/^/# /' "$T/oracle.out"
	is "$RC" 0 "after refresh $mode every value equals the oracle's"
	if [ "$mode" = full ]; then
		# Damage the table: the oracle must notice (it can fail).
		psql_q -c "update customer_analytics_stored set tips_cents = tips_cents + 1 where square_customer_id = (select min(square_customer_id) from customer_analytics)"
		python3 "$TESTS_DIR/oracle.py" "$PGDATABASE" "$AS_OF" >"$T/oracle.out" 2>&1; RC=$?
		is "$RC" 1 "the oracle notices a damaged value"
		like "$(cat "$T/oracle.out")" "tips_cents: 1 rows" "and names its column"
		ctl refresh full >/dev/null
	fi
done
like "$(psql_q -c "select count(*) from customer_analytics where loyalty_points_balance <> 0")" '^[1-9][0-9]+$' \
	"the oracle compared real loyalty balances (many rows are not 0)"

# Evaluated when read: at an instant after the run (no write since), every row the clock
# does not name as due equals the oracle's at that instant; and an organization's new
# thresholds, lost_after_days and default_interval_days take effect at once, with no run
# and nothing queued. Its phone_country_code, which phone_e164 stores, is queued.
LATER='2026-12-03 17:45:00+00'
oracle_at() {
	python3 "$TESTS_DIR/oracle.py" "$PGDATABASE" "$@" >"$T/oracle.out" 2>&1; RC=$?
	sed 's/^/# /' "$T/oracle.out"
}
oracle_at "$LATER" --between
is "$RC" 0 "13 days after the run every row not due equals the oracle's at that instant"
like "$(psql_q -c "set analytics.now = '$LATER'; select count(*) from customer_analytics where days_since_last_visit is not null")" \
	'^[1-9][0-9]*$' "(rows with day counts were compared)"
ORG=11111111-1111-4111-8111-000000000001
SEG0=$(psql_q -c "select string_agg(segment || ' ' || n, ', ' order by segment) from
	(select segment, count(*) n from customer_analytics where organization_id = '$ORG' group by 1) s")
Q0=$(psql_q -c "select count(*) from analytics_change_queue")
psql_q -c "insert into analytics_org_settings (organization_id, rfm_r_days, rfm_f_visits, rfm_m_cents,
	lost_after_days, default_interval_days)
	values ('$ORG', '{10,20,40,80}', '{4,3,2,1}', '{20000,10000,5000,1000}', 120, 21)
	on conflict (organization_id) do update set rfm_r_days = excluded.rfm_r_days,
	rfm_f_visits = excluded.rfm_f_visits, rfm_m_cents = excluded.rfm_m_cents,
	lost_after_days = excluded.lost_after_days, default_interval_days = excluded.default_interval_days"
is "$(psql_q -c "select count(*) from analytics_change_queue")" "$Q0" "new thresholds queue nothing"
SEG1=$(psql_q -c "select string_agg(segment || ' ' || n, ', ' order by segment) from
	(select segment, count(*) n from customer_analytics where organization_id = '$ORG' group by 1) s")
check "and move segments at once ($SEG0 -> $SEG1)" test "$SEG0" != "$SEG1"
oracle_at "$AS_OF"
is "$RC" 0 "with no run, every value equals the oracle's under the new settings"
oracle_at "$LATER" --between
is "$RC" 0 "and at a later instant"
# A read by key finds the row by the stored table's primary key, whatever the view adds.
KEY=$(psql_q -c "select square_customer_id from customer_analytics_stored where organization_id = '$ORG' and last_visit_at is not null order by 1 limit 1")
like "$(psql_q -c "explain (costs off) select * from customer_analytics
                    where organization_id = '$ORG' and square_customer_id = '$KEY'")" \
	'Index Scan using customer_analytics_stored_pkey on customer_analytics_stored' \
	"a read by key uses the primary key"
# analytics_scores states the rules in forms that stay cheap when the planner copies them
# (sql/functions/analytics_scores.sql): over every day count to 1000 and expected interval
# to 200 days in half days, and every threshold position, they agree with the plain rules.
is "$(psql_q -c "
	select count(*) from generate_series(-3, 1000) s, generate_series(2, 400) h,
	  lateral analytics_scores(timestamptz '2026-01-01 00:00+00', timestamptz '2026-01-01 00:00+00' - interval '1 day' * s - interval '7 hours',
	                           timestamptz '2020-01-01 00:00+00', 5, s % 20, (s * 37)::bigint % 150000, h, 365,
	                           '{30,60,120,240}', '{2,3,6,12}', '{5000,20000,50000,100000}') a
	 where a.days_since_last_visit is distinct from s
	    or a.lapse_ratio is distinct from round(s::numeric / (h / 2.0), 2)
	    or a.expected_interval_days::text is distinct from (h / 2.0)::float8::numeric::text
	    or a.r_score is distinct from (case when s <= 30 then 5 when s <= 60 then 4 when s <= 120 then 3 when s <= 240 then 2 else 1 end)::smallint
	    or a.f_score is distinct from (case when s % 20 >= 12 then 5 when s % 20 >= 6 then 4 when s % 20 >= 3 then 3 when s % 20 >= 2 then 2 else 1 end)::smallint
	    or a.m_score is distinct from (case when (s * 37) % 150000 >= 100000 then 5 when (s * 37) % 150000 >= 50000 then 4 when (s * 37) % 150000 >= 20000 then 3 when (s * 37) % 150000 >= 5000 then 2 else 1 end)::smallint
	    or (a.segment in ('lapsed', 'at_risk')) is distinct from (s <= 365 and round(s::numeric / (h / 2.0), 2) > 1.5)
	    or (a.segment = 'lapsed') is distinct from (s <= 365 and round(s::numeric / (h / 2.0), 2) > 2)")" 0 \
	"the read-time rules agree with their plain statement on 400k cases"
# Unpinned, the instant is the transaction's.
is "$(PGOPTIONS= "$PGBIN/psql" -X -A -t -c "select days_since_last_visit from customer_analytics
                    where organization_id = '$ORG' and square_customer_id = '$KEY'")" \
	"$(psql_q -c "select floor(extract(epoch from now() - last_visit_at) / 86400)::int
	               from customer_analytics_stored where organization_id = '$ORG' and square_customer_id = '$KEY'")" \
	"with analytics.now unset, the day count is as of the transaction"
psql_q -c "update analytics_org_settings set phone_country_code = '44' where organization_id = '$ORG'"
is "$(psql_q -c "select count(*) from analytics_change_queue where organization_id = '$ORG' and customer_id is null")" \
	1 "a new phone_country_code queues the organization"
daemon_stop d1

# The stream is grouped by a hash of the key. With only its top 2 bits kept, each group
# holds a quarter of the customers, as a group does when two keys share a hash: the compute
# must still compute each customer from its own rows. And with slices of one row, each
# batch outlasts the FETCH of the next, which waits parked until the slices are done.
ANALYTICSD_TEST_AS_OF=$AS_OF ANALYTICSD_TEST_GROUP_BITS=2 ANALYTICSD_TEST_SLICE_ROWS=1 daemon_start d2
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"
like "$(cat "$T/d2.log")" "ANALYTICSD_TEST_GROUP_BITS=2 is in force" "the grouping hook is in force"
like "$(cat "$T/d2.log")" "ANALYTICSD_TEST_SLICE_ROWS=1 is in force" "the slice hook is in force"
psql_q -c "update customer_analytics_stored set visits_total = visits_total + 1, favourite_service_id = 'x'"
for mode in full "org 11111111-1111-4111-8111-000000000002"; do
	# shellcheck disable=SC2086
	ctl_json refresh $mode
	is "$RC" 0 "refresh $mode with four groups succeeds"
	[ "$mode" = full ] && like "$(jget '.result.rows.updated')" '^[1-9][0-9]+$' \
		"and rewrites the damaged rows"
	python3 "$TESTS_DIR/oracle.py" "$PGDATABASE" "$AS_OF" >"$T/oracle.out" 2>&1; RC=$?
	sed 's/^/# /' "$T/oracle.out"
	is "$RC" 0 "after refresh $mode with four groups every value equals the oracle's"
done
like "$(grep -o 'batches streamed, [0-9]* of them came before' "$T/d2.log" | head -1)" \
	'streamed, [1-9][0-9]* of them came before' "a batch waited, parked, for the one ahead"
# The full refresh streamed every key with a booking or a completed payment it names:
# four keys to a group, each still aggregated once.
keys=$(psql_q -c "select count(*) from (select organization_id, customer_id from bookings
	where customer_id is not null union select organization_id, customer_id from payments
	where customer_id is not null and status = 'COMPLETED') k")
is "$(grep -o 'compute: [0-9]* customers aggregated' "$T/d2.log" | head -1)" \
	"compute: $keys customers aggregated" "the full refresh aggregated each of the $keys keys once"
daemon_stop d2
t_done
