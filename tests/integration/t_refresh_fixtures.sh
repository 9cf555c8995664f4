#!/bin/bash
# SPDX-License-Identifier: ISC
# refresh full on a small hand-written data set (tests/fixtures/refresh_small.sql) yields
# exactly the hand-computed customer_analytics of tests/fixtures/refresh_small_expected.sql:
# every column of every row, the key set, and nothing else; a second full refresh changes
# nothing; refresh org yields the same rows.
. "$(dirname "$0")/../lib.sh"

FIXTURES=$TESTS_DIR/fixtures
AS_OF='2026-06-15 12:00:00+00'
ORG1=00000000-0000-4000-8000-000000000001
ORG2=00000000-0000-4000-8000-000000000002

pg_start main && db_new refresh_fixtures || exit 1
export ANALYTICSD_TEST_AS_OF=$AS_OF
daemon_start d1
wait_for "database connection" 10 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\"'"

ctl_json migrate up
is "$RC" 0 "migrate up succeeds"
check "the fixture data loads" psql_q -f "$FIXTURES/refresh_small.sql"
check "the expected values load" psql_q -f "$FIXTURES/refresh_small_expected.sql"

# The 86 compared columns (all but computed_at), in docs/METRICS.md order, with their group.
COLUMNS="(VALUES
 (1,'identity','organization_id'),(2,'identity','square_customer_id'),(3,'identity','display_name'),
 (4,'identity','email_normalized'),(5,'identity','phone_e164'),(6,'identity','creation_source'),
 (7,'identity','email_unsubscribed'),(8,'identity','client_created_at'),(9,'identity','has_client_record'),
 (10,'lifecycle','first_booking_at'),(11,'lifecycle','first_visit_location_id'),
 (12,'lifecycle','first_booking_created_at'),(13,'lifecycle','last_visit_at'),(14,'lifecycle','next_booking_at'),
 (15,'lifecycle','last_booking_created_at'),(16,'lifecycle','last_cancelled_at'),(17,'lifecycle','last_no_show_at'),
 (18,'lifecycle','days_since_last_visit'),(19,'lifecycle','tenure_days'),
 (20,'counts','total_bookings'),(21,'counts','total_accepted_bookings'),(22,'counts','visits_total'),
 (23,'counts','upcoming_count'),(24,'counts','cancelled_by_customer_count'),(25,'counts','cancelled_by_seller_count'),
 (26,'counts','declined_count'),(27,'counts','no_show_count'),(28,'counts','pending_count'),
 (29,'counts','no_show_rate'),(30,'counts','cancel_rate'),
 (31,'windows','visits_30d'),(32,'windows','visits_90d'),(33,'windows','visits_365d'),(34,'windows','visits_prev_365d'),
 (35,'windows','no_shows_365d'),(36,'windows','cancellations_365d'),(37,'windows','bookings_created_30d'),
 (38,'spend','gross_spend_cents'),(39,'spend','tips_cents'),(40,'spend','refunded_cents'),(41,'spend','net_spend_cents'),
 (42,'spend','net_spend_30d_cents'),(43,'spend','net_spend_90d_cents'),(44,'spend','net_spend_365d_cents'),
 (45,'spend','paid_visits'),(46,'spend','avg_ticket_cents'),(47,'spend','avg_tip_pct'),(48,'spend','last_payment_at'),
 (49,'spend','unpaid_visits'),(50,'spend','projected_12m_value_cents'),
 (51,'intervals','avg_days_between_visits'),(52,'intervals','median_days_between_visits'),(53,'intervals','last_gap_days'),
 (54,'intervals','expected_interval_days'),(55,'intervals','expected_next_visit_at'),(56,'intervals','lapse_ratio'),
 (57,'intervals','visits_per_year'),(58,'intervals','avg_lead_time_hours'),
 (59,'preferences','favourite_location_id'),(60,'preferences','favourite_staff_id'),
 (61,'preferences','favourite_staff_share'),(62,'preferences','favourite_service_id'),
 (63,'preferences','favourite_weekday'),(64,'preferences','favourite_hour'),(65,'preferences','distinct_locations'),
 (66,'preferences','distinct_staff'),(67,'preferences','avg_duration_minutes'),(68,'preferences','avg_party_size'),
 (69,'preferences','total_covers'),(70,'preferences','online_booking_share'),(71,'preferences','first_booking_source'),
 (72,'rebooking','rebook_rate_24h'),(73,'rebooking','last_visit_rebooked'),
 (74,'referral','referred_by_customer_id'),(75,'referral','referrals_made'),(76,'referral','referrals_converted'),
 (77,'loyalty','loyalty_points_earned'),(78,'loyalty','loyalty_points_earned_365d'),
 (79,'loyalty','loyalty_points_balance'),(80,'loyalty','loyalty_last_earned_at'),
 (81,'segment','r_score'),(82,'segment','f_score'),(83,'segment','m_score'),(84,'segment','rfm_code'),
 (85,'segment','segment'),(86,'segment','is_vip')) AS m (pos, grp, col)"

# The fixture itself: every expected key lists each of the 86 columns exactly once.
is "$(psql_q -c "
	SELECT count(*) FROM (SELECT DISTINCT organization_id, square_customer_id FROM expected_values) k
	 CROSS JOIN $COLUMNS
	 WHERE (SELECT count(*) FROM expected_values e WHERE e.organization_id = k.organization_id
	          AND e.square_customer_id = k.square_customer_id AND e.col = m.col) <> 1")" 0 \
	"the expected values give every column of every expected row exactly once"
is "$(psql_q -c "SELECT count(*) FROM expected_values e WHERE NOT EXISTS (SELECT FROM $COLUMNS WHERE m.col = e.col)")" 0 \
	"the expected values name only known columns"

ctl_json refresh full
is "$RC" 0 "refresh full exits 0"
is "$(jget .result.status)" succeeded "refresh full succeeds"
is "$(psql_q -c "SELECT count(*) FILTER (WHERE computed_at <> '$AS_OF'::timestamptz) FROM customer_analytics")" 0 \
	"every row is computed at the fixed as_of ($AS_OF)"

# The table has exactly the 86 columns (plus computed_at).
is "$(psql_q -c "
	SELECT coalesce(string_agg(m.col, ' ' ORDER BY m.pos), '') FROM $COLUMNS
	 WHERE NOT EXISTS (SELECT FROM information_schema.columns c WHERE c.table_schema = current_schema()
	                     AND c.table_name = 'customer_analytics' AND c.column_name = m.col)")" "" \
	"customer_analytics has every column of docs/METRICS.md"

# Keys: exactly the expected ones.
is "$(psql_q -c "
	SELECT coalesce(string_agg(organization_id || '/' || square_customer_id, ' '), '') FROM (
	    SELECT organization_id, square_customer_id FROM customer_analytics
	    EXCEPT SELECT organization_id, square_customer_id FROM expected_values) x")" "" \
	"no row exists whose key is not expected"
is "$(psql_q -c "
	SELECT coalesce(string_agg(organization_id || '/' || square_customer_id, ' '), '') FROM (
	    SELECT organization_id, square_customer_id FROM expected_values
	    EXCEPT SELECT organization_id, square_customer_id FROM customer_analytics) x")" "" \
	"every expected row exists"
NROWS=$(psql_q -c "SELECT count(DISTINCT (organization_id, square_customer_id)) FROM expected_values")
is "$(psql_q -c "SELECT count(*) FROM customer_analytics")" "$NROWS" "customer_analytics has $NROWS rows"

# Every value, compared by the column's type: numbers numerically, timestamps as timestamptz,
# booleans, uuids, text exactly; NULL only equals NULL. A fractional column may keep fewer
# decimals than the expected value (at least 2, docs/METRICS.md): it then must equal the expected
# value rounded to its own scale; differences below 1e-12 (the last digit of a 16-20 digit
# quotient of intermediate results, e.g. avg(numeric) / 3600) are not errors either.
# avg_tip_pct, lapse_ratio and visits_per_year are defined with exactly 2 decimals and must
# match exactly.
# One "ok" per customer and column group when the whole group matches, one "not ok" per
# mismatching value otherwise.
COMPARE="
WITH cols AS (
    SELECT column_name::text AS col, data_type::text AS data_type FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'customer_analytics'),
act AS (
    SELECT organization_id, square_customer_id, to_jsonb(ca) AS j FROM customer_analytics ca),
cmp AS (
    SELECT e.organization_id, e.square_customer_id, e.col, m.pos, m.grp, e.value AS want,
           c.data_type, a.j IS NOT NULL AS row_exists, c.col IS NOT NULL AS col_exists,
           a.j ->> e.col AS got
      FROM expected_values e
      JOIN $COLUMNS ON m.col = e.col
      LEFT JOIN cols c ON c.col = e.col
      LEFT JOIN act a ON a.organization_id = e.organization_id
                     AND a.square_customer_id = e.square_customer_id),
judged AS (
    SELECT *,
           CASE
             WHEN NOT row_exists OR NOT col_exists THEN false
             WHEN got IS NULL OR want IS NULL THEN got IS NULL AND want IS NULL
             WHEN data_type IN ('smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision') THEN
                  got::numeric = want::numeric
                  OR (col NOT IN ('avg_tip_pct', 'lapse_ratio', 'visits_per_year')
                      AND (abs(got::numeric - want::numeric) < 1e-12
                           OR (least(scale(got::numeric), scale(want::numeric)) >= 2
                               AND round(got::numeric, least(scale(got::numeric), scale(want::numeric)))
                                 = round(want::numeric, least(scale(got::numeric), scale(want::numeric))))))
             WHEN data_type = 'timestamp with time zone' THEN got::timestamptz = want::timestamptz
             WHEN data_type = 'timestamp without time zone' THEN got::timestamp = want::timestamp
             WHEN data_type = 'date' THEN got::date = want::date
             WHEN data_type = 'boolean' THEN got::boolean = want::boolean
             WHEN data_type = 'uuid' THEN got::uuid = want::uuid
             ELSE got = want
           END AS same
      FROM cmp),
labelled AS (
    SELECT *, CASE organization_id WHEN '$ORG1' THEN 'org1' WHEN '$ORG2' THEN 'org2'
                   ELSE organization_id::text END || '/' || square_customer_id AS who
      FROM judged)
SELECT line FROM (
    SELECT who, min(pos) AS pos, 0 AS sub,
           'ok' || chr(9) || who || ' ' || grp || ' (' || count(*) || ' columns)' AS line
      FROM labelled GROUP BY who, grp HAVING bool_and(same)
    UNION ALL
    SELECT who, pos, 1,
           'not ok' || chr(9) || who || ' ' || col || ': got '
           || CASE WHEN NOT row_exists THEN '(no row)' WHEN NOT col_exists THEN '(no column)'
                   ELSE coalesce(got, 'NULL') END
           || ' want ' || coalesce(want, 'NULL')
      FROM labelled WHERE NOT same) x
 ORDER BY who, pos, sub"

compare_all() {
	local kind text n=0
	while IFS=$'\t' read -r kind text; do
		n=$((n + 1))
		if [ "$kind" = ok ]; then ok "$text"; else not_ok "$text"; fi
	done < <(psql_q -c "$COMPARE" 2>"$T/compare.err"; echo "rc=$?" >"$T/compare.rc")
	if [ "$(cat "$T/compare.rc")" != rc=0 ] || [ "$n" -eq 0 ]; then
		not_ok "the comparison query runs"
		sed 's/^/#   /' "$T/compare.err" | head -n 20
	fi
}
compare_all

# Idempotence: a second full refresh rewrites nothing.
ROWS_MD5="SELECT md5(coalesce(string_agg((to_jsonb(ca) - 'computed_at')::text, E'\n'
                                         ORDER BY organization_id, square_customer_id), ''))
            FROM customer_analytics ca"
BEFORE=$(psql_q -c "$ROWS_MD5")
ctl_json refresh full
is "$RC" 0 "a second refresh full exits 0"
is "$(jget .result.status)" succeeded "a second refresh full succeeds"
is "$(jget .result.rows.inserted)" 0 "a second refresh full inserts nothing"
is "$(jget .result.rows.updated)" 0 "a second refresh full updates nothing"
is "$(jget .result.rows.deleted)" 0 "a second refresh full deletes nothing"
is "$(jget .result.rows.unchanged)" "$NROWS" "a second refresh full leaves all $NROWS rows unchanged"
is "$(psql_q -c "$ROWS_MD5")" "$BEFORE" "a second refresh full leaves the rows identical"

# refresh org yields the same rows as full, for each organization.
for org in "$ORG1" "$ORG2"; do
	ctl_json refresh org "$org"
	is "$RC" 0 "refresh org $org exits 0"
	is "$(jget .result.status)" succeeded "refresh org $org succeeds"
	is "$(jget '.result.rows.inserted + .result.rows.updated + .result.rows.deleted')" 0 \
		"refresh org $org changes no row"
	is "$(psql_q -c "$ROWS_MD5")" "$BEFORE" "after refresh org $org the rows are identical to full's"
done

daemon_stop d1
t_done
