-- Compute the new customer_analytics rows of every key in ca_scope that still qualifies (a
-- client record or a booking), into ca_new: the table's 87 columns and its clock
-- (next_event_at, next_change_at), same names, same order.
-- Every definition is METRICS.md's; the comments name the column numbers there.
--
-- What needs the customer's own bookings and payments (counts, windows, spend, favourites,
-- intervals, rebooking, the sources' clock) is aggregated once per customer in the daemon
-- (daemon/agg.c, over the rows of refresh_stream_open.sql) and read here from ca_agg. This
-- statement adds what joins other tables or follows from those aggregates: identity,
-- referrals, the loyalty ledger, the organization's settings, ratios and rounding, and the
-- scores and segment (analytics_scores, which the clock path uses too).
--
-- as_of is the run's single "now", fixed in ca_run (sql/queries/run_as_of.sql). "N days" is
-- N x 24 hours, written here as hours, so no result depends on the session's TimeZone.
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
           -- Once here: the loyalty join below reads them too.
           analytics_normalize_email(c.email)                     AS email_normalized,
           analytics_normalize_phone(c.phone, g.phone_country_code) AS phone_e164,
           a.first_booking_at, a.first_visit_location_id,
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
           coalesce(a.gross_spend_cents, 0)           AS gross_spend_cents,
           coalesce(a.tips_cents, 0)                  AS tips_cents,
           coalesce(a.refunded_cents, 0)              AS refunded_cents,
           coalesce(a.net_spend_cents, 0)             AS net_spend_cents,
           coalesce(a.net_spend_30d_cents, 0)         AS net_spend_30d_cents,
           coalesce(a.net_spend_90d_cents, 0)         AS net_spend_90d_cents,
           coalesce(a.net_spend_365d_cents, 0)        AS net_spend_365d_cents,
           coalesce(a.paid_visits, 0)                 AS paid_visits,
           a.last_payment_at,
           coalesce(a.visits_total, 0) - coalesce(a.visits_paid, 0) AS unpaid_visits,
           coalesce(a.n_days, 0)                      AS n_days,
           -- The averages as avg() makes them: the sum over the count, in numeric.
           a.span_days::numeric / nullif(a.n_gaps, 0) AS avg_days_between_visits,
           a.median_gap::numeric                      AS median_days_between_visits,
           a.last_gap_days,
           -- Seconds with 6 decimals, as extract(epoch ...) gives them.
           a.lead_usec_sum::numeric * 0.000001 / nullif(a.lead_n, 0) / 3600
                                                      AS avg_lead_time_hours,
           a.favourite_location_id,
           a.favourite_staff_id,
           nullif(a.favourite_staff_visits, 0)        AS favourite_staff_visits,
           a.favourite_service_id,
           a.favourite_weekday,
           a.favourite_hour,
           coalesce(a.distinct_locations, 0)          AS distinct_locations,
           coalesce(a.distinct_staff, 0)              AS distinct_staff,
           a.duration_sum::numeric / nullif(a.duration_n, 0) AS avg_duration_minutes,
           a.party_sum::numeric / nullif(a.party_n, 0) AS avg_party_size,
           coalesce(a.party_sum, 0)                   AS total_covers,
           a.online_bookings,
           a.first_booking_source,
           a.rebooked_visits, a.last_visit_rebooked,
           coalesce(rm.n, 0)                          AS referrals_made,
           coalesce(rc.n, 0)                          AS referrals_converted,
           coalesce(a.loyalty_points_earned, 0)       AS loyalty_points_earned,
           coalesce(a.loyalty_points_earned_365d, 0)  AS loyalty_points_earned_365d,
           a.loyalty_last_earned_at,
           a.next_start, a.next_window_exit, a.next_created_change, a.next_pay_change,
           rc.next_conversion
      FROM ca_scope k
      CROSS JOIN run r
      JOIN org g ON g.organization_id = k.organization_id
      LEFT JOIN square_existing_clients c
        ON c.organization_id = k.organization_id AND c.square_customer_id = k.square_customer_id
      LEFT JOIN ca_agg a
        ON a.organization_id = k.organization_id
       AND a.square_customer_id = k.square_customer_id COLLATE "C"
      LEFT JOIN referral_made rm
        ON rm.organization_id = k.organization_id AND rm.referrer_id = k.square_customer_id
      LEFT JOIN referral_converted rc
        ON rc.organization_id = k.organization_id AND rc.referrer_id = k.square_customer_id
     WHERE c.square_customer_id IS NOT NULL
        OR a.total_bookings > 0
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
      CROSS JOIN LATERAL analytics_scores(d.as_of, d.last_visit_at, d.first_booking_at,
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
    s.email_normalized,
    s.phone_e164,
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
   AND lb.email_key = coalesce(s.email_normalized, '')
   AND lb.phone_key = coalesce(s.phone_e164, '');
