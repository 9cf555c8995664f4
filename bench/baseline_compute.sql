-- SPDX-License-Identifier: ISC
-- The benchmark's frozen baseline (issue 18): sql/queries/refresh_compute.sql as it was on
-- 2026-11-28 (analyticsd 0.2.0), before any work on the compute's speed. bench/run.sh
-- measures the alternatives (B0 a SELECT, B1 CREATE TABLE AS, B2/B3 a materialized view)
-- with this query, not with the daemon's current one, so that what a faster compute gains
-- stays visible against a fixed yardstick. Never edit it; the daemon does not read it.
--
-- Compute the new customer_analytics rows of every key in ca_scope that still qualifies (a
-- client record or a booking), into ca_new: the table's 87 columns and its clock
-- (next_event_at, next_change_at), same names, same order.
-- Every definition is METRICS.md's; the comments name the column numbers there.
--
-- as_of is the run's single "now", fixed in ca_run (sql/queries/run_as_of.sql). "N days" is
-- N x 24 hours, written here as hours, so no result depends on the session's TimeZone;
-- local times use the location's timezone, else the organization's, explicitly.
--
-- Set-based, no per-row subqueries: the bookings and payments of the keys in scope are
-- collected once (joined to ca_scope first), aggregated per customer in separate CTEs, and
-- the aggregates are joined by key at the end. Only two semi-joins go back to the source
-- tables: the visits of referred clients and the payments naming a visit.
--
-- Inside the statement square_customer_id carries COLLATE "C": grouping and sorting by a
-- customer id is then a byte comparison instead of a locale-aware one (twice as fast, and
-- the same groups, since equality is unaffected). The final joins back to ca_scope say
-- COLLATE "C" explicitly for the same reason. Sort and partition keys put the customer id
-- before the organization id: sorts then decide on the (abbreviated) first key almost
-- always, where an organization id first would tie on nearly every comparison.
CREATE TEMP TABLE ca_new ON COMMIT DROP AS
WITH
run AS (
    SELECT as_of,
           as_of - interval '720 hours'   AS since_30d,
           as_of - interval '2160 hours'  AS since_90d,
           as_of - interval '8760 hours'  AS since_365d,
           as_of - interval '17520 hours' AS since_730d
      FROM ca_run
     LIMIT 1
),

-- The organizations in scope with their settings (analytics_org_params, migration 0008: a
-- missing row or a NULL column means the METRICS.md default).
org AS (
    SELECT s.organization_id, p.*
      FROM (SELECT DISTINCT organization_id FROM ca_scope) s
      CROSS JOIN LATERAL analytics_org_params(s.organization_id) p
),

-- Every booking of the customers in scope, with its visit flag and local start time (the
-- location's timezone, else the organization's).
bk AS MATERIALIZED (
    SELECT b.customer_id COLLATE "C" AS square_customer_id,
           b.organization_id,
           b.id,
           b.location_id,
           b.status,
           b.start_at,
           b.created_at,
           b.updated_at,
           b.duration_minutes,
           b.service_id,
           b.staff_id,
           b.party_size,
           b.source,
           b.loyalty_points_awarded,
           (b.status = 'ACCEPTED' AND b.start_at <= r.as_of) AS is_visit,
           b.start_at AT TIME ZONE coalesce(l.timezone, o.timezone, 'UTC') AS local_start
      FROM ca_scope k
      JOIN bookings b
        ON b.organization_id = k.organization_id
       AND b.customer_id = k.square_customer_id
      CROSS JOIN run r
      LEFT JOIN locations l ON l.id = b.location_id
      LEFT JOIN organizations o ON o.id = b.organization_id
),

-- What needs the customer's bookings in start order, in one sort of a narrow projection
-- (customer, start_at DESC, id DESC):
--   later_min_created: the earliest created_at among the customer's non-DECLINED bookings
--                      that start strictly later; a visit was rebooked within 24 hours when
--                      that is at most its start_at + 24 hours (72-73);
--   later_visits:      how many visits start strictly later (0 = the last visit, 73);
--   earlier_visits:    how many visits come after this row in that order (earlier start, or
--                      the same start and a smaller id); the visit with none is the first
--                      visit: earliest start_at, ties by the smallest id (11, 71).
-- "Strictly later" is the frame up to 1 microsecond before this start_at in descending
-- order, i.e. start_at >= this one + 1 us: exact, as timestamptz has microsecond
-- resolution, and unlike EXCLUDE GROUP it lets the aggregates advance incrementally.
bk_seq AS (
    SELECT square_customer_id,
           organization_id,
           count(*) FILTER (WHERE is_visit
                              AND later_min_created <= start_at + interval '24 hours')
                                                                        AS rebooked_visits,
           -- Depends on the last visit's start_at only, so ties there cannot disagree.
           bool_or(coalesce(later_min_created <= start_at + interval '24 hours', false))
               FILTER (WHERE is_visit AND later_visits = 0)             AS last_visit_rebooked,
           -- One row is the first visit; min() just picks it (there is no min(uuid)).
           min(location_id::text)
               FILTER (WHERE is_visit AND earlier_visits = 0)           AS first_visit_location,
           min(source)
               FILTER (WHERE is_visit AND earlier_visits = 0)           AS first_booking_source
      FROM (SELECT square_customer_id, organization_id, is_visit, start_at, location_id, source,
                   min(created_at) FILTER (WHERE status <> 'DECLINED') OVER later AS later_min_created,
                   count(*) FILTER (WHERE is_visit) OVER later                   AS later_visits,
                   count(*) FILTER (WHERE is_visit) OVER earlier                 AS earlier_visits
              FROM bk
            WINDOW later   AS (PARTITION BY square_customer_id, organization_id
                               ORDER BY start_at DESC
                               RANGE BETWEEN UNBOUNDED PRECEDING AND '1 microsecond' PRECEDING),
                   earlier AS (PARTITION BY square_customer_id, organization_id
                               ORDER BY start_at DESC, id DESC
                               ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)) w
     GROUP BY square_customer_id, organization_id
),

-- The payment set P of the customers in scope: COMPLETED payments attributed to
-- coalesce(payments.customer_id, the customer of payments.booking_id). Two branches so
-- that each can use its index when the scope is small.
pay AS MATERIALIZED (
    SELECT p.customer_id COLLATE "C" AS square_customer_id,
           p.organization_id,
           p.id, p.booking_id, p.amount_cents, p.tip_cents, p.refunded_cents, p.created_at
      FROM ca_scope k
      JOIN payments p
        ON p.organization_id = k.organization_id
       AND p.customer_id = k.square_customer_id
     WHERE p.status = 'COMPLETED'
    UNION ALL
    SELECT bk.square_customer_id,
           p.organization_id,
           p.id, p.booking_id, p.amount_cents, p.tip_cents, p.refunded_cents, p.created_at
      FROM bk
      JOIN payments p
        ON p.booking_id = bk.id
       AND p.organization_id = bk.organization_id
     WHERE p.customer_id IS NULL
       AND p.status = 'COMPLETED'
),

-- Spend (38-44, 48); sums over nothing become 0 in base.
pay_agg AS (
    SELECT p.square_customer_id,
           p.organization_id,
           sum(p.amount_cents)                                  AS gross_spend_cents,
           sum(p.tip_cents)                                     AS tips_cents,
           sum(p.refunded_cents)                                AS refunded_cents,
           sum(p.amount_cents + p.tip_cents - p.refunded_cents) AS net_spend_cents,
           sum(p.amount_cents + p.tip_cents - p.refunded_cents)
               FILTER (WHERE p.created_at > r.since_30d
                         AND p.created_at <= r.as_of)           AS net_spend_30d_cents,
           sum(p.amount_cents + p.tip_cents - p.refunded_cents)
               FILTER (WHERE p.created_at > r.since_90d
                         AND p.created_at <= r.as_of)           AS net_spend_90d_cents,
           sum(p.amount_cents + p.tip_cents - p.refunded_cents)
               FILTER (WHERE p.created_at > r.since_365d
                         AND p.created_at <= r.as_of)           AS net_spend_365d_cents,
           max(p.created_at)                                    AS last_payment_at,
           -- The clock: a payment enters the spend windows when created and leaves them 30,
           -- 90 and 365 days later; the first of these still to come.
           min(CASE WHEN p.created_at > r.as_of      THEN p.created_at
                    WHEN p.created_at > r.since_30d  THEN p.created_at + interval '720 hours'
                    WHEN p.created_at > r.since_90d  THEN p.created_at + interval '2160 hours'
                    WHEN p.created_at > r.since_365d THEN p.created_at + interval '8760 hours'
               END)                                             AS next_pay_change
      FROM pay p
      CROSS JOIN run r
     GROUP BY p.square_customer_id, p.organization_id
),

-- paid_visits (45) = count(DISTINCT coalesce(booking_id, payment id)) over P, as two hashed
-- groupings (a count(DISTINCT) would sort all payments).
paid_visit_count AS (
    SELECT square_customer_id, organization_id, count(*) AS paid_visits
      FROM (SELECT DISTINCT square_customer_id, organization_id, coalesce(booking_id, id)
              FROM pay) v
     GROUP BY square_customer_id, organization_id
),

-- Visits paid by a payment in the customer's own P (unpaid_visits, 49): a COMPLETED payment
-- of the same organization naming the booking, whose payer is this customer or not given
-- (then it is attributed through this very booking).
paid_visit AS (
    SELECT b.square_customer_id, b.organization_id, count(*) AS n
      FROM bk b
     WHERE b.is_visit
       AND EXISTS (SELECT FROM payments p
                    WHERE p.booking_id = b.id
                      AND p.organization_id = b.organization_id
                      AND p.status = 'COMPLETED'
                      AND (p.customer_id IS NULL
                           OR p.customer_id = b.square_customer_id COLLATE "C"))
     GROUP BY b.square_customer_id, b.organization_id
),

-- Everything that is a plain aggregate over the customer's bookings.
bk_agg AS (
    SELECT b.square_customer_id,
           b.organization_id,
           min(b.start_at) FILTER (WHERE b.is_visit)                                  AS first_booking_at,
           min(b.created_at)                                                          AS first_booking_created_at,
           max(b.start_at) FILTER (WHERE b.is_visit)                                  AS last_visit_at,
           min(b.start_at) FILTER (WHERE b.status IN ('ACCEPTED', 'PENDING')
                                     AND b.start_at > r.as_of)                        AS next_booking_at,
           max(b.created_at)                                                          AS last_booking_created_at,
           max(b.updated_at) FILTER (WHERE b.status IN ('CANCELLED_BY_CUSTOMER',
                                                        'CANCELLED_BY_SELLER'))       AS last_cancelled_at,
           max(b.start_at) FILTER (WHERE b.status = 'NO_SHOW')                        AS last_no_show_at,
           count(*)                                                                   AS total_bookings,
           count(*) FILTER (WHERE b.status = 'ACCEPTED')                              AS total_accepted_bookings,
           count(*) FILTER (WHERE b.is_visit)                                         AS visits_total,
           count(*) FILTER (WHERE b.status IN ('ACCEPTED', 'PENDING')
                              AND b.start_at > r.as_of)                               AS upcoming_count,
           count(*) FILTER (WHERE b.status = 'CANCELLED_BY_CUSTOMER')                 AS cancelled_by_customer_count,
           count(*) FILTER (WHERE b.status = 'CANCELLED_BY_SELLER')                   AS cancelled_by_seller_count,
           count(*) FILTER (WHERE b.status = 'DECLINED')                              AS declined_count,
           count(*) FILTER (WHERE b.status = 'NO_SHOW')                               AS no_show_count,
           count(*) FILTER (WHERE b.status = 'PENDING')                               AS pending_count,
           -- RES: resolved = started, and ACCEPTED, NO_SHOW or cancelled.
           count(*) FILTER (WHERE b.start_at <= r.as_of
                              AND b.status IN ('ACCEPTED', 'NO_SHOW', 'CANCELLED_BY_CUSTOMER',
                                               'CANCELLED_BY_SELLER'))                AS resolved,
           count(*) FILTER (WHERE b.start_at <= r.as_of AND b.status = 'NO_SHOW')     AS resolved_no_shows,
           count(*) FILTER (WHERE b.start_at <= r.as_of
                              AND b.status = 'CANCELLED_BY_CUSTOMER')                 AS resolved_customer_cancels,
           count(*) FILTER (WHERE b.is_visit
                              AND b.start_at > r.since_30d)                            AS visits_30d,
           count(*) FILTER (WHERE b.is_visit
                              AND b.start_at > r.since_90d)                            AS visits_90d,
           count(*) FILTER (WHERE b.is_visit
                              AND b.start_at > r.since_365d)                           AS visits_365d,
           count(*) FILTER (WHERE b.is_visit
                              AND b.start_at >  r.since_730d
                              AND b.start_at <= r.since_365d)                          AS visits_prev_365d,
           count(*) FILTER (WHERE b.status = 'NO_SHOW'
                              AND b.start_at >  r.since_365d
                              AND b.start_at <= r.as_of)                              AS no_shows_365d,
           count(*) FILTER (WHERE b.status IN ('CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_SELLER')
                              AND b.start_at >  r.since_365d
                              AND b.start_at <= r.as_of)                              AS cancellations_365d,
           count(*) FILTER (WHERE b.created_at >  r.since_30d
                              AND b.created_at <= r.as_of)                            AS bookings_created_30d,
           -- Bookings entered after their start (walk-ins) are left out.
           avg(extract(epoch FROM b.start_at - b.created_at))
               FILTER (WHERE b.is_visit AND b.created_at <= b.start_at) / 3600        AS avg_lead_time_hours,
           avg(b.duration_minutes) FILTER (WHERE b.is_visit)                          AS avg_duration_minutes,
           avg(b.party_size) FILTER (WHERE b.is_visit)                                AS avg_party_size,
           sum(b.party_size) FILTER (WHERE b.is_visit)                                AS total_covers,
           count(*) FILTER (WHERE b.source IN ('FIRST_PARTY_BUYER', 'THIRD_PARTY_BUYER'))
                                                                                      AS online_bookings,
           sum(b.loyalty_points_awarded) FILTER (WHERE b.is_visit)                    AS loyalty_points_earned,
           sum(b.loyalty_points_awarded) FILTER (WHERE b.is_visit
                              AND b.start_at > r.since_365d)                           AS loyalty_points_earned_365d,
           max(b.start_at) FILTER (WHERE b.is_visit AND b.loyalty_points_awarded > 0) AS loyalty_last_earned_at,
           -- The clock (next_change_at): when a booking next changes a value by time alone.
           -- A booking that starts later moves between upcoming, visits and resolved (and
           -- into the windows on start_at) when it starts; a DECLINED one counts only in
           -- total_bookings.
           min(b.start_at) FILTER (WHERE b.start_at > r.as_of
                                     AND b.status <> 'DECLINED')                      AS next_start,
           -- A started booking leaves the windows it counts in N days after its start: a
           -- visit the 30, 90, 365-day windows and then visits_prev_365d's at 730 days, a
           -- no-show or cancellation the 365-day ones. The first exit still to come is the
           -- next change.
           min(CASE WHEN b.is_visit THEN
                        CASE WHEN b.start_at > r.since_30d  THEN b.start_at + interval '720 hours'
                             WHEN b.start_at > r.since_90d  THEN b.start_at + interval '2160 hours'
                             WHEN b.start_at > r.since_365d THEN b.start_at + interval '8760 hours'
                             WHEN b.start_at > r.since_730d THEN b.start_at + interval '17520 hours'
                        END
                    WHEN b.status IN ('NO_SHOW', 'CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_SELLER')
                     AND b.start_at <= r.as_of AND b.start_at > r.since_365d
                    THEN b.start_at + interval '8760 hours'
               END)                                                                   AS next_window_exit,
           -- bookings_created_30d: entered when created, left 30 days later.
           min(CASE WHEN b.created_at > r.as_of THEN b.created_at
                    WHEN b.created_at > r.since_30d THEN b.created_at + interval '720 hours'
               END)                                                                   AS next_created_change
      FROM bk b
      CROSS JOIN run r
     GROUP BY b.square_customer_id, b.organization_id
),

-- Favourites (59-64) over the visits: highest count, then latest visit, then smallest value
-- (ids compared bytewise, COLLATE "C"); NULL ids are not candidates. The window count of
-- groups gives distinct_locations and distinct_staff (65-66).
fav_location AS (
    SELECT DISTINCT ON (square_customer_id, organization_id)
           square_customer_id, organization_id, location_id, n_values
      FROM (SELECT square_customer_id, organization_id, location_id,
                   count(*) AS n, max(start_at) AS latest,
                   count(*) OVER (PARTITION BY square_customer_id, organization_id) AS n_values
              FROM bk
             WHERE is_visit AND location_id IS NOT NULL
             GROUP BY square_customer_id, organization_id, location_id) g
     ORDER BY square_customer_id, organization_id, n DESC, latest DESC, location_id
),
fav_staff AS (
    SELECT DISTINCT ON (square_customer_id, organization_id)
           square_customer_id, organization_id, staff_id, n, n_values
      FROM (SELECT square_customer_id, organization_id, staff_id,
                   count(*) AS n, max(start_at) AS latest,
                   count(*) OVER (PARTITION BY square_customer_id, organization_id) AS n_values
              FROM bk
             WHERE is_visit AND staff_id IS NOT NULL
             GROUP BY square_customer_id, organization_id, staff_id) g
     ORDER BY square_customer_id, organization_id, n DESC, latest DESC, staff_id COLLATE "C"
),
fav_service AS (
    SELECT DISTINCT ON (square_customer_id, organization_id)
           square_customer_id, organization_id, service_id
      FROM (SELECT square_customer_id, organization_id, service_id,
                   count(*) AS n, max(start_at) AS latest
              FROM bk
             WHERE is_visit AND service_id IS NOT NULL
             GROUP BY square_customer_id, organization_id, service_id) g
     ORDER BY square_customer_id, organization_id, n DESC, latest DESC, service_id COLLATE "C"
),
fav_weekday AS (
    SELECT DISTINCT ON (square_customer_id, organization_id)
           square_customer_id, organization_id, weekday
      FROM (SELECT square_customer_id, organization_id,
                   date_part('isodow', local_start)::smallint AS weekday,
                   count(*) AS n, max(start_at) AS latest
              FROM bk
             WHERE is_visit
             GROUP BY 1, 2, 3) g
     ORDER BY square_customer_id, organization_id, n DESC, latest DESC, weekday
),
fav_hour AS (
    SELECT DISTINCT ON (square_customer_id, organization_id)
           square_customer_id, organization_id, hour
      FROM (SELECT square_customer_id, organization_id,
                   date_part('hour', local_start)::smallint AS hour,
                   count(*) AS n, max(start_at) AS latest
              FROM bk
             WHERE is_visit
             GROUP BY 1, 2, 3) g
     ORDER BY square_customer_id, organization_id, n DESC, latest DESC, hour
),

-- Intervals (51-53) over the distinct local visit days d1 < ... < dn. The visits in day
-- order, each with the gap to the one before: a gap of 0 is a repeat visit on the same day,
-- so the non-zero gaps are exactly the n - 1 gaps between consecutive distinct days, and a
-- row with a NULL or non-zero gap starts a distinct day. The median of the gaps is the mean
-- of the two middle ones when their number is even (percentile_cont(0.5)): x.5 at most,
-- exact in float8.
visit_gap AS (
    SELECT square_customer_id, organization_id, local_day,
           local_day - lag(local_day) OVER (customer ORDER BY local_day) AS gap,
           max(local_day) OVER customer                                  AS last_day
      FROM (SELECT square_customer_id, organization_id, local_start::date AS local_day
              FROM bk
             WHERE is_visit) v
    WINDOW customer AS (PARTITION BY square_customer_id, organization_id)
),
gap_agg AS (
    SELECT square_customer_id, organization_id,
           count(*) FILTER (WHERE gap IS DISTINCT FROM 0)    AS n_days,
           (max(local_day) - min(local_day))::numeric
               / nullif(count(*) FILTER (WHERE gap > 0), 0)  AS avg_days_between_visits,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY gap)
               FILTER (WHERE gap > 0)                        AS median_days_between_visits,
           max(gap) FILTER (WHERE gap > 0 AND local_day = last_day) AS last_gap_days
      FROM visit_gap
     GROUP BY square_customer_id, organization_id
),

-- Referrals (75-76): the organization's clients naming a customer in scope, self-referral
-- ignored; converted = the referred client has at least one visit.
referral AS MATERIALIZED (
    SELECT c.organization_id,
           c.referred_by_customer_id AS referrer_id,
           c.square_customer_id      AS referred_id
      FROM ca_scope k
      JOIN square_existing_clients c
        ON c.organization_id = k.organization_id
       AND c.referred_by_customer_id = k.square_customer_id
     WHERE c.square_customer_id <> c.referred_by_customer_id
),
referral_made AS (
    SELECT organization_id, referrer_id, count(*) AS n
      FROM referral
     GROUP BY organization_id, referrer_id
),
-- Per referred client: converted (has a visit), or when it will be (its first ACCEPTED
-- booking still to start: the referrer's clock).
referral_state AS (
    SELECT x.organization_id, x.referrer_id,
           bool_or(v.start_at <= r.as_of)                AS converted,
           min(v.start_at) FILTER (WHERE v.start_at > r.as_of) AS converts_at
      FROM referral x
      CROSS JOIN run r
      LEFT JOIN bookings v
        ON v.organization_id = x.organization_id
       AND v.customer_id = x.referred_id
       AND v.status = 'ACCEPTED'
     GROUP BY x.organization_id, x.referrer_id, x.referred_id
),
referral_converted AS (
    SELECT organization_id, referrer_id,
           count(*) FILTER (WHERE converted)                    AS n,
           min(converts_at) FILTER (WHERE converted IS NOT TRUE) AS next_conversion
      FROM referral_state
     GROUP BY organization_id, referrer_id
),

-- One row per key that still qualifies, with its raw metrics; sums and counts over nothing
-- become 0 here.
base AS (
    SELECT k.organization_id,
           k.square_customer_id,
           r.as_of,
           g.phone_country_code, g.default_interval_days, g.lost_after_days,
           g.r_days, g.f_visits, g.m_cents,
           c.square_customer_id IS NOT NULL AS has_client_record,
           c.given_name, c.family_name, c.email, c.phone, c.creation_source,
           c.email_unsubscribed, c.created_at AS client_created_at, c.referred_by_customer_id,
           a.first_booking_at, sq.first_visit_location::uuid AS first_visit_location_id,
           a.first_booking_created_at, a.last_visit_at, a.next_booking_at,
           a.last_booking_created_at, a.last_cancelled_at, a.last_no_show_at,
           coalesce(a.total_bookings, 0)              AS total_bookings,
           coalesce(a.total_accepted_bookings, 0)     AS total_accepted_bookings,
           coalesce(a.visits_total, 0)                AS visits_total,
           coalesce(a.upcoming_count, 0)              AS upcoming_count,
           coalesce(a.cancelled_by_customer_count, 0) AS cancelled_by_customer_count,
           coalesce(a.cancelled_by_seller_count, 0)   AS cancelled_by_seller_count,
           coalesce(a.declined_count, 0)              AS declined_count,
           coalesce(a.no_show_count, 0)               AS no_show_count,
           coalesce(a.pending_count, 0)               AS pending_count,
           a.resolved, a.resolved_no_shows, a.resolved_customer_cancels,
           coalesce(a.visits_30d, 0)                  AS visits_30d,
           coalesce(a.visits_90d, 0)                  AS visits_90d,
           coalesce(a.visits_365d, 0)                 AS visits_365d,
           coalesce(a.visits_prev_365d, 0)            AS visits_prev_365d,
           coalesce(a.no_shows_365d, 0)               AS no_shows_365d,
           coalesce(a.cancellations_365d, 0)          AS cancellations_365d,
           coalesce(a.bookings_created_30d, 0)        AS bookings_created_30d,
           coalesce(p.gross_spend_cents, 0)           AS gross_spend_cents,
           coalesce(p.tips_cents, 0)                  AS tips_cents,
           coalesce(p.refunded_cents, 0)              AS refunded_cents,
           coalesce(p.net_spend_cents, 0)             AS net_spend_cents,
           coalesce(p.net_spend_30d_cents, 0)         AS net_spend_30d_cents,
           coalesce(p.net_spend_90d_cents, 0)         AS net_spend_90d_cents,
           coalesce(p.net_spend_365d_cents, 0)        AS net_spend_365d_cents,
           coalesce(pc.paid_visits, 0)                AS paid_visits,
           p.last_payment_at,
           coalesce(a.visits_total, 0) - coalesce(pv.n, 0) AS unpaid_visits,
           coalesce(ga.n_days, 0)                     AS n_days,
           ga.avg_days_between_visits, ga.median_days_between_visits::numeric AS median_days_between_visits,
           ga.last_gap_days,
           a.avg_lead_time_hours,
           fl.location_id AS favourite_location_id,
           fs.staff_id    AS favourite_staff_id,
           fs.n           AS favourite_staff_visits,
           fsv.service_id AS favourite_service_id,
           fw.weekday     AS favourite_weekday,
           fh.hour        AS favourite_hour,
           coalesce(fl.n_values, 0)                   AS distinct_locations,
           coalesce(fs.n_values, 0)                   AS distinct_staff,
           a.avg_duration_minutes, a.avg_party_size,
           coalesce(a.total_covers, 0)                AS total_covers,
           a.online_bookings,
           sq.first_booking_source,
           sq.rebooked_visits, sq.last_visit_rebooked,
           coalesce(rm.n, 0)                          AS referrals_made,
           coalesce(rc.n, 0)                          AS referrals_converted,
           coalesce(a.loyalty_points_earned, 0)       AS loyalty_points_earned,
           coalesce(a.loyalty_points_earned_365d, 0)  AS loyalty_points_earned_365d,
           a.loyalty_last_earned_at,
           a.next_start, a.next_window_exit, a.next_created_change, p.next_pay_change,
           rc.next_conversion
      FROM ca_scope k
      CROSS JOIN run r
      JOIN org g ON g.organization_id = k.organization_id
      LEFT JOIN square_existing_clients c
        ON c.organization_id = k.organization_id AND c.square_customer_id = k.square_customer_id
      LEFT JOIN bk_agg a
        ON a.square_customer_id = k.square_customer_id COLLATE "C"
       AND a.organization_id = k.organization_id
      LEFT JOIN bk_seq sq
        ON sq.square_customer_id = k.square_customer_id COLLATE "C"
       AND sq.organization_id = k.organization_id
      LEFT JOIN paid_visit pv
        ON pv.square_customer_id = k.square_customer_id COLLATE "C"
       AND pv.organization_id = k.organization_id
      LEFT JOIN pay_agg p
        ON p.square_customer_id = k.square_customer_id COLLATE "C"
       AND p.organization_id = k.organization_id
      LEFT JOIN paid_visit_count pc
        ON pc.square_customer_id = k.square_customer_id COLLATE "C"
       AND pc.organization_id = k.organization_id
      LEFT JOIN fav_location fl
        ON fl.square_customer_id = k.square_customer_id COLLATE "C"
       AND fl.organization_id = k.organization_id
      LEFT JOIN fav_staff fs
        ON fs.square_customer_id = k.square_customer_id COLLATE "C"
       AND fs.organization_id = k.organization_id
      LEFT JOIN fav_service fsv
        ON fsv.square_customer_id = k.square_customer_id COLLATE "C"
       AND fsv.organization_id = k.organization_id
      LEFT JOIN fav_weekday fw
        ON fw.square_customer_id = k.square_customer_id COLLATE "C"
       AND fw.organization_id = k.organization_id
      LEFT JOIN fav_hour fh
        ON fh.square_customer_id = k.square_customer_id COLLATE "C"
       AND fh.organization_id = k.organization_id
      LEFT JOIN gap_agg ga
        ON ga.square_customer_id = k.square_customer_id COLLATE "C"
       AND ga.organization_id = k.organization_id
      LEFT JOIN referral_made rm
        ON rm.organization_id = k.organization_id AND rm.referrer_id = k.square_customer_id
      LEFT JOIN referral_converted rc
        ON rc.organization_id = k.organization_id AND rc.referrer_id = k.square_customer_id
     WHERE c.square_customer_id IS NOT NULL
        OR a.total_bookings IS NOT NULL
),

-- Derived metrics: the average ticket and the expected interval, then everything that
-- follows from the day counts (analytics_scores, migration 0008, which the clock path of an
-- incremental run uses too: refresh_clock.sql).
-- (OFFSET 0 keeps the step a subquery of its own, so that an expression used by several
-- later ones is computed once per row rather than copied into each of them.)
derived AS (
    SELECT b.*,
           round(b.gross_spend_cents::numeric / nullif(b.paid_visits, 0))::bigint     AS avg_ticket_cents,
           CASE WHEN b.n_days >= 3 THEN b.median_days_between_visits
                ELSE b.default_interval_days::numeric END                            AS expected_interval_days
      FROM base b
    OFFSET 0
),
segmented AS (
    SELECT d.*, sc.*,
           -- When the sources next move a value with time alone: a booking starting or
           -- leaving a window, a payment entering or leaving one, a referred client's first
           -- visit (least() skips the NULLs).
           least(d.next_start, d.next_window_exit, d.next_created_change, d.next_pay_change,
                 d.next_conversion)                                                  AS next_event_at
      FROM derived d
      CROSS JOIN LATERAL bench_baseline_scores(d.as_of, d.last_visit_at, d.first_booking_at,
                                          d.visits_total::integer, d.visits_365d::integer,
                                          d.net_spend_365d_cents::bigint,
                                          d.expected_interval_days, d.lost_after_days,
                                          d.r_days, d.f_visits, d.m_cents) sc
)

SELECT
    -- Identity (1-9)
    s.organization_id,
    s.square_customer_id,
    nullif(concat_ws(' ', nullif(btrim(s.given_name,  E' \t\n\x0B\f\r'), ''),
                          nullif(btrim(s.family_name, E' \t\n\x0B\f\r'), '')), '')
                                                                  AS display_name,
    analytics_normalize_email(s.email)                            AS email_normalized,
    analytics_normalize_phone(s.phone, s.phone_country_code)      AS phone_e164,
    s.creation_source,
    s.email_unsubscribed,
    s.client_created_at,
    s.has_client_record,
    -- Lifecycle dates (10-19)
    s.first_booking_at,
    s.first_visit_location_id,
    s.first_booking_created_at,
    s.last_visit_at,
    s.next_booking_at,
    s.last_booking_created_at,
    s.last_cancelled_at,
    s.last_no_show_at,
    s.days_since_last_visit,
    s.tenure_days,
    -- Counts by status (20-30)
    s.total_bookings::integer                                     AS total_bookings,
    s.total_accepted_bookings::integer                            AS total_accepted_bookings,
    s.visits_total::integer                                       AS visits_total,
    s.upcoming_count::integer                                     AS upcoming_count,
    s.cancelled_by_customer_count::integer                        AS cancelled_by_customer_count,
    s.cancelled_by_seller_count::integer                          AS cancelled_by_seller_count,
    s.declined_count::integer                                     AS declined_count,
    s.no_show_count::integer                                      AS no_show_count,
    s.pending_count::integer                                      AS pending_count,
    s.resolved_no_shows::numeric / nullif(s.resolved, 0)          AS no_show_rate,
    s.resolved_customer_cancels::numeric / nullif(s.resolved, 0)  AS cancel_rate,
    -- Time windows (31-37)
    s.visits_30d::integer                                         AS visits_30d,
    s.visits_90d::integer                                         AS visits_90d,
    s.visits_365d::integer                                        AS visits_365d,
    s.visits_prev_365d::integer                                   AS visits_prev_365d,
    s.no_shows_365d::integer                                      AS no_shows_365d,
    s.cancellations_365d::integer                                 AS cancellations_365d,
    s.bookings_created_30d::integer                               AS bookings_created_30d,
    -- Spend (38-50)
    s.gross_spend_cents::bigint                                   AS gross_spend_cents,
    s.tips_cents::bigint                                          AS tips_cents,
    s.refunded_cents::bigint                                      AS refunded_cents,
    s.net_spend_cents::bigint                                     AS net_spend_cents,
    s.net_spend_30d_cents::bigint                                 AS net_spend_30d_cents,
    s.net_spend_90d_cents::bigint                                 AS net_spend_90d_cents,
    s.net_spend_365d_cents::bigint                                AS net_spend_365d_cents,
    s.paid_visits::integer                                        AS paid_visits,
    s.avg_ticket_cents,
    round(s.tips_cents::numeric / nullif(s.gross_spend_cents, 0), 2) AS avg_tip_pct,
    s.last_payment_at,
    s.unpaid_visits::integer                                      AS unpaid_visits,
    s.avg_ticket_cents * s.visits_365d                            AS projected_12m_value_cents,
    -- Intervals (51-58)
    s.avg_days_between_visits,
    s.median_days_between_visits,
    s.last_gap_days,
    s.expected_interval_days,
    s.last_visit_at + interval '24 hours' * s.expected_interval_days::float8
                                                                  AS expected_next_visit_at,
    s.lapse_ratio,
    s.visits_per_year,
    s.avg_lead_time_hours,
    -- Preferences (59-71)
    s.favourite_location_id,
    s.favourite_staff_id,
    s.favourite_staff_visits::numeric / nullif(s.visits_total, 0) AS favourite_staff_share,
    s.favourite_service_id,
    s.favourite_weekday,
    s.favourite_hour,
    s.distinct_locations::integer                                 AS distinct_locations,
    s.distinct_staff::integer                                     AS distinct_staff,
    s.avg_duration_minutes,
    s.avg_party_size,
    s.total_covers::integer                                       AS total_covers,
    s.online_bookings::numeric / nullif(s.total_bookings, 0)      AS online_booking_share,
    s.first_booking_source,
    -- Rebooking (72-73)
    s.rebooked_visits::numeric / nullif(s.visits_total, 0)        AS rebook_rate_24h,
    s.last_visit_rebooked,
    -- Referral (74-76): a self-referral is no referral; an unknown referrer is kept.
    nullif(s.referred_by_customer_id, s.square_customer_id)       AS referred_by_customer_id,
    s.referrals_made::integer                                     AS referrals_made,
    s.referrals_converted::integer                                AS referrals_converted,
    -- Loyalty (77-80)
    s.loyalty_points_earned::bigint                               AS loyalty_points_earned,
    s.loyalty_points_earned_365d::bigint                          AS loyalty_points_earned_365d,
    -- The ledger summed for the customers row with this client's normalised contact
    -- (analytics_loyalty_balances, migration 0005); 0 without one.
    coalesce(lb.balance, 0)::bigint                               AS loyalty_points_balance,
    s.loyalty_last_earned_at,
    -- Segment (81-86)
    s.r_score,
    s.f_score,
    s.m_score,
    s.rfm_code,
    s.segment,
    s.is_vip,
    -- Bookkeeping (87)
    s.as_of                                                       AS computed_at,
    -- The clock (not METRICS.md columns): see migration 0008.
    s.next_event_at,
    least(s.next_tick_at, s.next_event_at)                        AS next_change_at
  FROM segmented s
  LEFT JOIN analytics_loyalty_balances lb
    ON lb.organization_id = s.organization_id
   AND lb.email_key = coalesce(analytics_normalize_email(s.email), '')
   AND lb.phone_key = coalesce(analytics_normalize_phone(s.phone, s.phone_country_code), '');
