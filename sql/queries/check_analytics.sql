-- analyticsctl check: the analytics sanity checks (analyticsctl(8) "check", the seed's
-- eight steps and more). One row per check: name, status (pass|warn|fail),
-- a detail for people, and up to 5 offending keys ("org/customer").
-- Time-dependent definitions use each row's computed_at as its as_of, so a
-- check compares a row with what its own run should have produced.
WITH keys AS (
    SELECT organization_id, square_customer_id FROM square_existing_clients
    UNION
    SELECT organization_id, customer_id FROM bookings WHERE customer_id IS NOT NULL
),
missing AS (
    SELECT k.organization_id || '/' || k.square_customer_id AS key
      FROM keys k
     WHERE NOT EXISTS (SELECT 1 FROM customer_analytics ca
                        WHERE ca.organization_id = k.organization_id
                          AND ca.square_customer_id = k.square_customer_id)
),
extra AS (
    SELECT ca.organization_id || '/' || ca.square_customer_id AS key
      FROM customer_analytics ca
     WHERE NOT EXISTS (SELECT 1 FROM keys k
                        WHERE k.organization_id = ca.organization_id
                          AND k.square_customer_id = ca.square_customer_id)
),
bad_segment AS (
    SELECT organization_id || '/' || square_customer_id AS key
      FROM customer_analytics
     WHERE segment IS NULL
        OR segment NOT IN ('prospect', 'lost', 'lapsed', 'at_risk', 'new', 'vip', 'loyal', 'active')
        OR is_vip IS DISTINCT FROM (segment = 'vip')
        OR (segment = 'prospect') IS DISTINCT FROM (visits_total = 0)
),
bad_ticket AS (
    SELECT organization_id || '/' || square_customer_id AS key
      FROM customer_analytics
     WHERE avg_ticket_cents IS DISTINCT FROM
           CASE WHEN paid_visits > 0
                THEN round(gross_spend_cents::numeric / paid_visits)::bigint END
),
first_visit AS (
    SELECT b.organization_id, b.customer_id, min(b.start_at) AS first_at
      FROM bookings b
      JOIN customer_analytics ca
        ON ca.organization_id = b.organization_id AND ca.square_customer_id = b.customer_id
     WHERE b.status = 'ACCEPTED' AND b.start_at <= ca.computed_at
     GROUP BY b.organization_id, b.customer_id
),
bad_first AS (
    SELECT ca.organization_id || '/' || ca.square_customer_id AS key
      FROM customer_analytics ca
      LEFT JOIN first_visit f
        ON f.organization_id = ca.organization_id AND f.customer_id = ca.square_customer_id
     WHERE ca.first_booking_at IS DISTINCT FROM f.first_at
),
dangling_referrer AS (
    SELECT c.organization_id || '/' || c.square_customer_id AS key
      FROM square_existing_clients c
     WHERE c.referred_by_customer_id IS NOT NULL
       AND c.referred_by_customer_id <> c.square_customer_id
       AND NOT EXISTS (SELECT 1 FROM keys k
                        WHERE k.organization_id = c.organization_id
                          AND k.square_customer_id = c.referred_by_customer_id)
),
referrals AS (
    SELECT organization_id, referred_by_customer_id AS referrer, count(*) AS n
      FROM square_existing_clients
     WHERE referred_by_customer_id IS NOT NULL
       AND referred_by_customer_id <> square_customer_id
     GROUP BY 1, 2
),
bad_referral AS (
    SELECT ca.organization_id || '/' || ca.square_customer_id AS key
      FROM customer_analytics ca
      LEFT JOIN referrals r
        ON r.organization_id = ca.organization_id AND r.referrer = ca.square_customer_id
     WHERE ca.referrals_made IS DISTINCT FROM coalesce(r.n, 0)
        OR ca.referred_by_customer_id = ca.square_customer_id
        OR ca.referrals_converted > ca.referrals_made
),
daily AS (
    SELECT coalesce(sum(new_customers), 0) AS new_total
      FROM analytics_appointments_by_location_daily
),
first_visitors AS (
    SELECT count(*) AS n FROM customer_analytics WHERE first_booking_at IS NOT NULL
)
SELECT 'row_count' AS name,
       CASE WHEN (SELECT count(*) FROM missing) + (SELECT count(*) FROM extra) = 0
            THEN 'pass' ELSE 'fail' END AS status,
       format('%s rows; %s customers without a row, %s rows without a customer',
              (SELECT count(*) FROM customer_analytics),
              (SELECT count(*) FROM missing), (SELECT count(*) FROM extra)) AS detail,
       (SELECT coalesce(jsonb_agg(key), '[]') FROM
          (SELECT key FROM missing UNION ALL SELECT key FROM extra ORDER BY 1 LIMIT 5) s) AS keys
UNION ALL
SELECT 'segments',
       CASE WHEN (SELECT count(*) FROM bad_segment) = 0 THEN 'pass' ELSE 'fail' END,
       coalesce((SELECT string_agg(segment || ' ' || n, ', ' ORDER BY n DESC)
                   FROM (SELECT segment, count(*) AS n FROM customer_analytics GROUP BY 1) s),
                'no rows')
         || format('; %s rows with an invalid segment', (SELECT count(*) FROM bad_segment)),
       (SELECT coalesce(jsonb_agg(key), '[]') FROM (SELECT key FROM bad_segment ORDER BY 1 LIMIT 5) s)
UNION ALL
SELECT 'avg_ticket',
       CASE WHEN (SELECT count(*) FROM bad_ticket) = 0 THEN 'pass' ELSE 'fail' END,
       format('%s rows where avg_ticket_cents is not gross_spend_cents / paid_visits',
              (SELECT count(*) FROM bad_ticket)),
       (SELECT coalesce(jsonb_agg(key), '[]') FROM (SELECT key FROM bad_ticket ORDER BY 1 LIMIT 5) s)
UNION ALL
SELECT 'first_booking_at',
       CASE WHEN (SELECT count(*) FROM bad_first) = 0 THEN 'pass' ELSE 'fail' END,
       format('%s rows where first_booking_at is not the first visit',
              (SELECT count(*) FROM bad_first)),
       (SELECT coalesce(jsonb_agg(key), '[]') FROM (SELECT key FROM bad_first ORDER BY 1 LIMIT 5) s)
UNION ALL
SELECT 'referrals',
       CASE WHEN (SELECT count(*) FROM bad_referral) > 0 THEN 'fail'
            WHEN (SELECT count(*) FROM dangling_referrer) > 0 THEN 'warn'
            ELSE 'pass' END,
       format('%s rows with inconsistent referral counts; %s clients name a referrer that '
              'does not exist in their organization',
              (SELECT count(*) FROM bad_referral), (SELECT count(*) FROM dangling_referrer)),
       (SELECT coalesce(jsonb_agg(key), '[]') FROM
          (SELECT key FROM bad_referral UNION ALL SELECT key FROM dangling_referrer
            ORDER BY 1 LIMIT 5) s)
UNION ALL
SELECT 'daily_view',
       CASE WHEN (SELECT new_total FROM daily) = (SELECT n FROM first_visitors)
            THEN 'pass' ELSE 'fail' END,
       format('new_customers in analytics_appointments_by_location_daily add up to %s; '
              '%s customers have a first visit',
              (SELECT new_total FROM daily), (SELECT n FROM first_visitors)),
       '[]'::jsonb;
