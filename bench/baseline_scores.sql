-- The scores as analyticsd 0.2.0 stored them (migration 0010's analytics_scores), frozen with
-- bench/baseline_compute.sql, which calls them: the living rules are evaluated when read
-- (sql/functions/analytics_scores.sql) and no longer have this form. bench/run.sh creates
-- it in the bench's database.
CREATE OR REPLACE FUNCTION bench_baseline_scores(as_of timestamptz, last_visit timestamptz,
                                 first_visit timestamptz, visits integer, visits_365 integer,
                                 net_spend_365 bigint, expected_interval numeric,
                                 lost_after integer, r_days integer[], f_visits integer[],
                                 m_cents bigint[])
    RETURNS TABLE (days_since_last_visit integer, tenure_days integer, lapse_ratio numeric,
                   r_score smallint, f_score smallint, m_score smallint, rfm_code text,
                   segment text, is_vip boolean, visits_per_year numeric,
                   next_tick_at timestamptz)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT d.since, d.tenure, x.lapse, x.r, x.f, x.m,
           x.r::text || x.f::text || x.m::text,
           g.seg, g.seg = 'vip',
           CASE WHEN visits > 0 THEN round(visits * 365::numeric / greatest(d.tenure, 30), 2) END,
           -- Whole days (docs/METRICS.md): the counts go up when as_of reaches these.
           least(last_visit + interval '24 hours' * (d.since + 1),
                 first_visit + interval '24 hours' * (d.tenure + 1))
      FROM (SELECT floor(extract(epoch FROM as_of - last_visit) / 86400)::integer AS since,
                   floor(extract(epoch FROM as_of - first_visit) / 86400)::integer AS tenure
            OFFSET 0) d
     CROSS JOIN LATERAL (
           -- lapse_ratio is stored rounded, and the segment rules read the rounded value;
           -- scores: thresholds for 5, 4, 3, 2, else 1.
           SELECT round(d.since::numeric / expected_interval, 2) AS lapse,
                  (CASE WHEN d.since IS NULL THEN NULL
                        WHEN d.since <= r_days[1] THEN 5
                        WHEN d.since <= r_days[2] THEN 4
                        WHEN d.since <= r_days[3] THEN 3
                        WHEN d.since <= r_days[4] THEN 2
                        ELSE 1 END)::smallint AS r,
                  (CASE WHEN visits_365 >= f_visits[1] THEN 5
                        WHEN visits_365 >= f_visits[2] THEN 4
                        WHEN visits_365 >= f_visits[3] THEN 3
                        WHEN visits_365 >= f_visits[4] THEN 2
                        ELSE 1 END)::smallint AS f,
                  (CASE WHEN net_spend_365 >= m_cents[1] THEN 5
                        WHEN net_spend_365 >= m_cents[2] THEN 4
                        WHEN net_spend_365 >= m_cents[3] THEN 3
                        WHEN net_spend_365 >= m_cents[4] THEN 2
                        ELSE 1 END)::smallint AS m
            OFFSET 0) x
     CROSS JOIN LATERAL (
           -- The segment: the first rule that matches.
           SELECT CASE WHEN visits = 0                          THEN 'prospect'
                       WHEN d.since > lost_after                THEN 'lost'
                       WHEN x.lapse > 2                         THEN 'lapsed'
                       WHEN x.lapse > 1.5                       THEN 'at_risk'
                       WHEN visits = 1                          THEN 'new'
                       WHEN x.r >= 4 AND x.f >= 4 AND x.m >= 4  THEN 'vip'
                       WHEN x.f >= 4                            THEN 'loyal'
                       ELSE 'active' END AS seg) g
$$;
