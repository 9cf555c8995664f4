-- analytics_scores: the columns of customer_analytics evaluated when read (docs/METRICS.md
-- 18-19, 54-57, 81-86), from what they depend on: the instant, the first and last visit, the
-- visit counts, the 365-day spend, the expected interval in half days and the
-- organization's settings. The view customer_analytics (sql/functions/customer_analytics.sql.in)
-- calls it for every row it returns; nothing stores these columns.
--
-- Repeatable: `migrate up` runs this file again whenever it changes (its sha256 is recorded
-- in schema_repeatables), so a rule changes here, once. Its arguments and result columns
-- are its signature: changing them means dropping the old form where the view stops using
-- it (as customer_analytics.sql.in does for the form of migration 0010).
--
-- Plain SQL, so the planner inlines it into the view, with no step of its own (a lateral
-- step per row made the read twice as dear): an expression that several columns use is
-- copied into each, so the rules are written to stay cheap when copied:
--   * Whole days: the day field of the difference, which PostgreSQL keeps justified (whole
--     24-hour days, then the rest); only an instant before the visit (a reader pinning the
--     past) takes floor(epoch / 86400) (docs/METRICS.md, "Whole days").
--   * The expected interval is a whole or half number of days (a median of whole-day gaps,
--     or the integer default), passed in half days (interval_half_days), so the lapse rules
--     compare integers: lapse_ratio > 2 on the ratio rounded to 2 decimals is
--     since / expected >= 2.005, that is 400 * since >= 401 * half days; > 1.5 is >= 301.
--   * Scores by width_bucket over ascending thresholds: r_days as the settings hold them
--     ({30,60,120,240}: 5 if since <= 30 ...), f_visits_up and m_cents_up reversed from the
--     settings' descending ones ({2,3,6,12}: 5 if visits >= 12 ...), by the view, once per
--     organization.
--
-- Anyone may execute it (it computes, and reads nothing): a function a view calls is
-- checked against the reader.
CREATE OR REPLACE FUNCTION analytics_scores(at timestamptz, last_visit timestamptz,
                                 first_visit timestamptz, visits integer, visits_365 integer,
                                 net_spend_365 bigint, interval_half_days integer,
                                 lost_after integer, r_days integer[], f_visits_up integer[],
                                 m_cents_up bigint[])
    RETURNS TABLE (days_since_last_visit integer, tenure_days integer,
                   expected_interval_days numeric, expected_next_visit_at timestamptz,
                   lapse_ratio numeric, visits_per_year numeric, r_score smallint,
                   f_score smallint, m_score smallint, rfm_code text, segment text,
                   is_vip boolean)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT d.since, d.tenure,
           CASE WHEN interval_half_days % 2 = 0 THEN (interval_half_days / 2)::numeric
                ELSE interval_half_days * 0.5 END,
           last_visit + interval '12 hours' * interval_half_days,
           round((2 * d.since)::numeric / interval_half_days, 2),
           CASE WHEN visits > 0 THEN round(visits * 365::numeric / greatest(d.tenure, 30), 2) END,
           x.r, x.f, x.m,
           (x.r * 100 + x.f * 10 + x.m)::text,
           g.seg, g.seg = 'vip'
      FROM (SELECT CASE WHEN last_visit <= at THEN date_part('day', at - last_visit)::integer
                        ELSE floor(date_part('epoch', at - last_visit) / 86400)::integer
                   END AS since,
                   CASE WHEN first_visit <= at THEN date_part('day', at - first_visit)::integer
                        ELSE floor(date_part('epoch', at - first_visit) / 86400)::integer
                   END AS tenure) d
     CROSS JOIN LATERAL (
           -- Scores: the thresholds for 5, 4, 3, 2, else 1. No visit, no r_score.
           SELECT (5 - width_bucket(d.since - 1, r_days))::smallint AS r,
                  (1 + width_bucket(visits_365, f_visits_up))::smallint AS f,
                  (1 + width_bucket(net_spend_365, m_cents_up))::smallint AS m) x
     CROSS JOIN LATERAL (
           -- The segment: the first rule that matches.
           SELECT CASE WHEN visits = 0                                 THEN 'prospect'
                       WHEN d.since > lost_after                       THEN 'lost'
                       WHEN 400 * d.since >= 401 * interval_half_days  THEN 'lapsed'
                       WHEN 400 * d.since >= 301 * interval_half_days  THEN 'at_risk'
                       WHEN visits = 1                                 THEN 'new'
                       WHEN x.r >= 4 AND x.f >= 4 AND x.m >= 4         THEN 'vip'
                       WHEN x.f >= 4                                   THEN 'loyal'
                       ELSE 'active' END AS seg) g
$$;

GRANT EXECUTE ON FUNCTION analytics_scores(timestamptz, timestamptz, timestamptz, integer,
                                           integer, bigint, integer, integer, integer[],
                                           integer[], bigint[]) TO PUBLIC;
