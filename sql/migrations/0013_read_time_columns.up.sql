-- 0013 columns evaluated when read (SPEC 2.2, 3.1; docs/CAPTURE.md, "Stored, and evaluated
-- when read").
--
-- days_since_last_visit and tenure_days move once a day with no data changing, and every
-- ratio, score and segment that reads them follows; so did expected_interval_days and the
-- scores when an organization changed a threshold. Stored, they made a run rewrite every
-- customer with a visit about twice a day, with an undo row and WAL each, and a reader saw
-- them as of the last run. They are no longer stored:
--
-- 1. The table becomes customer_analytics_stored: the columns a run computes from the
--    sources, computed_at, the clock (next_change_at) and one anchor,
--    visit_interval_half_days (twice the median gap once the customer has visits on three
--    local days, else NULL: the part of expected_interval_days that is data, in half days;
--    the organization's default_interval_days fills in when it is NULL). next_change_at now covers only what data makes happen at a known
--    time (next_event_at's former part): a booking starting, a booking or payment leaving a
--    window, a referred client's first visit. next_event_at goes.
-- 2. customer_analytics is a view with the 87 columns, names, order and types it had: the
--    stored ones as they are, and those that depend only on them, the organization's
--    settings and the instant, evaluated by the view. The view's living definition is the
--    repeatable sql/functions/customer_analytics.sql.in, made from the column registry,
--    with sql/functions/analytics_scores.sql; `migrate up` applies both right after this
--    migration. The view made here, with 0010's analytics_scores, serves until then. The
--    instant is the reader's transaction time, or the session setting
--    analytics.now when set (SET analytics.now = '2026-11-20 15:30+00'); the daemon pins it
--    to the run's as_of in its own transactions. The view reads the stored table and
--    analytics_org_settings with its owner's rights, so a reader needs SELECT on the view
--    alone: the SELECT grants of the table are copied to it here, and analytics_scores,
--    arithmetic only, may be executed by anyone (a function a view calls is checked
--    against the reader).
-- 3. analytics_org_defaults, a one-row view, holds docs/METRICS.md's defaults of the
--    organization settings, for the view above and analytics_org_params alike.
-- 4. An organization's settings queue its customers only when its phone_country_code
--    changes (the only setting a stored value reads: phone_e164).
--
-- In place: no stored value changes, and nothing is recomputed, except the rows whose
-- anchor the old columns leave open (visits on exactly two days or on three or more, with
-- a median gap equal to the organization's default interval): they are due at once, and the
-- next incremental run recomputes them. The UPDATE below rewrites every row once.
--
-- Rollback: the undo logs of refreshes made before this migration hold rows of the old
-- layout; rollback_plan.sql refuses them by the time this migration was applied.
--
-- No BEGIN/COMMIT: the migration runner wraps each file in one transaction.

ALTER TABLE customer_analytics RENAME TO customer_analytics_stored;
ALTER INDEX customer_analytics_pkey RENAME TO customer_analytics_stored_pkey;
COMMENT ON TABLE customer_analytics_stored IS
    'The stored columns of customer_analytics (a view over this table and the organization '
    'settings, migration 0013). Written only by analyticsd refreshes.';

ALTER TABLE customer_analytics_stored ADD COLUMN visit_interval_half_days integer;
COMMENT ON COLUMN customer_analytics_stored.visit_interval_half_days IS
    'Twice the median of the gaps between visit days once there are visits on three local '
    'days, else NULL: expected_interval_days, in half days, when not NULL (docs/METRICS.md, 54).';

UPDATE customer_analytics_stored t
   SET visit_interval_half_days =
           CASE WHEN t.expected_interval_days IS DISTINCT FROM p.default_interval_days
                THEN (2 * t.expected_interval_days)::integer END,
       next_change_at =
           CASE WHEN t.median_days_between_visits = p.default_interval_days
                 AND t.expected_interval_days = p.default_interval_days
                THEN '-infinity' ELSE t.next_event_at END
  FROM (SELECT o.organization_id, g.default_interval_days
          FROM (SELECT DISTINCT organization_id FROM customer_analytics_stored) o
          CROSS JOIN LATERAL analytics_org_params(o.organization_id) g) p
 WHERE p.organization_id = t.organization_id;

ALTER TABLE customer_analytics_stored
    DROP COLUMN days_since_last_visit,
    DROP COLUMN tenure_days,
    DROP COLUMN expected_interval_days,
    DROP COLUMN expected_next_visit_at,
    DROP COLUMN lapse_ratio,
    DROP COLUMN visits_per_year,
    DROP COLUMN r_score,
    DROP COLUMN f_score,
    DROP COLUMN m_score,
    DROP COLUMN rfm_code,
    DROP COLUMN segment,
    DROP COLUMN is_vip,
    DROP COLUMN next_event_at;
COMMENT ON COLUMN customer_analytics_stored.next_change_at IS
    'When this row''s source data next changes a stored value with time alone (NULL: never); '
    'refresh incremental recomputes the rows due at its as_of.';

CREATE VIEW analytics_org_defaults AS
SELECT '1'::text                                   AS phone_country_code,
       42                                          AS default_interval_days,
       365                                         AS lost_after_days,
       '{30,60,120,240}'::integer[]                AS rfm_r_days,
       '{12,6,3,2}'::integer[]                     AS rfm_f_visits,
       '{100000,50000,20000,5000}'::bigint[]       AS rfm_m_cents;
COMMENT ON VIEW analytics_org_defaults IS
    'What a missing analytics_org_settings row or a NULL setting means (docs/METRICS.md).';

-- The instant is fixed once per statement (OFFSET 0 keeps it a step of its own rather than
-- an expression copied into every use), and analytics_scores is inlined: its own OFFSET 0
-- steps compute each day count once per row.
CREATE VIEW customer_analytics AS
SELECT t.organization_id, t.square_customer_id, t.display_name, t.email_normalized,
       t.phone_e164, t.creation_source, t.email_unsubscribed, t.client_created_at,
       t.has_client_record,
       t.first_booking_at, t.first_visit_location_id, t.first_booking_created_at,
       t.last_visit_at, t.next_booking_at, t.last_booking_created_at, t.last_cancelled_at,
       t.last_no_show_at,
       sc.days_since_last_visit, sc.tenure_days,
       t.total_bookings, t.total_accepted_bookings, t.visits_total, t.upcoming_count,
       t.cancelled_by_customer_count, t.cancelled_by_seller_count, t.declined_count,
       t.no_show_count, t.pending_count, t.no_show_rate, t.cancel_rate,
       t.visits_30d, t.visits_90d, t.visits_365d, t.visits_prev_365d, t.no_shows_365d,
       t.cancellations_365d, t.bookings_created_30d,
       t.gross_spend_cents, t.tips_cents, t.refunded_cents, t.net_spend_cents,
       t.net_spend_30d_cents, t.net_spend_90d_cents, t.net_spend_365d_cents, t.paid_visits,
       t.avg_ticket_cents, t.avg_tip_pct, t.last_payment_at, t.unpaid_visits,
       t.projected_12m_value_cents,
       t.avg_days_between_visits, t.median_days_between_visits, t.last_gap_days,
       x.expected_interval_days,
       t.last_visit_at + interval '24 hours' * x.expected_interval_days::float8
                                                       AS expected_next_visit_at,
       sc.lapse_ratio, sc.visits_per_year, t.avg_lead_time_hours,
       t.favourite_location_id, t.favourite_staff_id, t.favourite_staff_share,
       t.favourite_service_id, t.favourite_weekday, t.favourite_hour, t.distinct_locations,
       t.distinct_staff, t.avg_duration_minutes, t.avg_party_size, t.total_covers,
       t.online_booking_share, t.first_booking_source,
       t.rebook_rate_24h, t.last_visit_rebooked,
       t.referred_by_customer_id, t.referrals_made, t.referrals_converted,
       t.loyalty_points_earned, t.loyalty_points_earned_365d, t.loyalty_points_balance,
       t.loyalty_last_earned_at,
       sc.r_score, sc.f_score, sc.m_score, sc.rfm_code, sc.segment, sc.is_vip,
       t.computed_at
  FROM customer_analytics_stored t
 CROSS JOIN (SELECT coalesce(nullif(current_setting('analytics.now', true), '')::timestamptz,
                             now()) AS at
             OFFSET 0) n
 CROSS JOIN analytics_org_defaults d
  LEFT JOIN analytics_org_settings s ON s.organization_id = t.organization_id
 CROSS JOIN LATERAL (
       SELECT CASE WHEN h % 2 = 0 THEN (h / 2)::numeric ELSE h * 0.5 END AS expected_interval_days
         FROM (SELECT coalesce(t.visit_interval_half_days,
                               2 * coalesce(s.default_interval_days, d.default_interval_days)) AS h
              ) hh) x
 CROSS JOIN LATERAL analytics_scores(n.at, t.last_visit_at, t.first_booking_at,
                                     t.visits_total, t.visits_365d, t.net_spend_365d_cents,
                                     x.expected_interval_days,
                                     coalesce(s.lost_after_days, d.lost_after_days),
                                     coalesce(s.rfm_r_days, d.rfm_r_days),
                                     coalesce(s.rfm_f_visits, d.rfm_f_visits),
                                     coalesce(s.rfm_m_cents, d.rfm_m_cents)) sc;

COMMENT ON VIEW customer_analytics IS
    'Per-customer metrics, one row per (organization, Square customer) with a client record or '
    'a booking; columns defined in docs/METRICS.md. Day counts, the ratios over them, scores '
    'and segment are evaluated when read, at now() or the session setting analytics.now.';

GRANT EXECUTE ON FUNCTION analytics_scores(timestamptz, timestamptz, timestamptz, integer,
                                           integer, bigint, numeric, integer, integer[],
                                           integer[], bigint[]) TO PUBLIC;

-- Whoever could read the table reads the view.
DO $$
DECLARE
    g record;
BEGIN
    FOR g IN SELECT DISTINCT a.grantee
               FROM pg_class c, aclexplode(c.relacl) a
              WHERE c.oid = 'customer_analytics_stored'::regclass
                AND a.privilege_type = 'SELECT' AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('GRANT SELECT ON customer_analytics TO %s',
                       CASE WHEN g.grantee = 0 THEN 'PUBLIC'
                            ELSE quote_ident(pg_get_userbyid(g.grantee)) END);
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION public.analytics_capture_org_settings() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT (SELECT c.capture_enabled FROM public.analytics_control c) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    -- A NULL setting is the default: only a code set, changed or cleared moves a value.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.analytics_change_queue (organization_id)
        SELECT DISTINCT organization_id FROM analytics_new
         WHERE phone_country_code IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO public.analytics_change_queue (organization_id)
        SELECT DISTINCT coalesce(n.organization_id, o.organization_id)
          FROM analytics_new n
          FULL JOIN analytics_old o ON o.organization_id = n.organization_id
         WHERE n.phone_country_code IS DISTINCT FROM o.phone_country_code;
    ELSE
        INSERT INTO public.analytics_change_queue (organization_id)
        SELECT DISTINCT organization_id FROM analytics_old
         WHERE phone_country_code IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;
