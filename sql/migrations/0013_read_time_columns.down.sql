-- 0013 down: customer_analytics is a table again, in 0012's layout: the 87 columns in their
-- order, then next_event_at and next_change_at, with 0003's and 0008's constraints and
-- indexes. The columns evaluated when read are stored as the view gives them at the as_of
-- of the latest successful full or incremental refresh (now, if there is none), which is
-- what 0012's refreshes keep every row exact at; next_change_at gets the next whole-day
-- boundary back. The daily view is pointed at the table, the view's SELECT grants go to it.
--
-- Refreshes made since 0013 was applied cannot be undone by 0012's rollback: their undo
-- logs hold rows of 0013's layout. Their logs go, and they are marked as no longer kept.

SELECT set_config('analytics.now',
                  coalesce((SELECT as_of FROM analytics_refresh_runs
                             WHERE kind = 'refresh' AND mode IN ('full', 'incremental')
                               AND status = 'succeeded'
                             ORDER BY id DESC LIMIT 1), now())::text,
                  true);

-- analytics_scores as 0012 had it (sql/functions/ puts its own back at the next migrate up):
-- the next day boundary below is its, and the view made from the registry no longer uses it.
CREATE OR REPLACE FUNCTION analytics_scores(as_of timestamptz, last_visit timestamptz,
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

DELETE FROM analytics_undo_log u
 USING analytics_refresh_runs r, schema_migrations m
 WHERE m.version = 13 AND r.id = u.run_id AND r.started_at >= m.applied_at;
UPDATE analytics_refresh_runs r
   SET undo_kept = false
  FROM schema_migrations m
 WHERE m.version = 13 AND r.kind = 'refresh' AND r.undo_kept AND r.started_at >= m.applied_at;

ALTER VIEW customer_analytics RENAME TO customer_analytics_0013;
CREATE TABLE customer_analytics AS
SELECT v.*,
       s.next_change_at                            AS next_event_at,
       least(sc.next_tick_at, s.next_change_at)    AS next_change_at
  FROM customer_analytics_0013 v
  JOIN customer_analytics_stored s USING (organization_id, square_customer_id)
 CROSS JOIN LATERAL analytics_scores(current_setting('analytics.now')::timestamptz,
                                     v.last_visit_at, v.first_booking_at, v.visits_total,
                                     v.visits_365d, v.net_spend_365d_cents,
                                     v.expected_interval_days, 0, '{0,0,0,0}', '{0,0,0,0}',
                                     '{0,0,0,0}') sc
 ORDER BY organization_id, square_customer_id;

-- Whoever could read the view reads the table; the daily view reads the table.
DO $$
DECLARE
    g record;
    c record;
BEGIN
    FOR g IN SELECT DISTINCT a.grantee
               FROM pg_class r, aclexplode(r.relacl) a
              WHERE r.oid = 'customer_analytics_0013'::regclass
                AND a.privilege_type = 'SELECT' AND a.grantee <> r.relowner
    LOOP
        EXECUTE format('GRANT SELECT ON customer_analytics TO %s',
                       CASE WHEN g.grantee = 0 THEN 'PUBLIC'
                            ELSE quote_ident(pg_get_userbyid(g.grantee)) END);
    END LOOP;
    EXECUTE 'CREATE OR REPLACE VIEW analytics_appointments_by_location_daily AS '
         || replace(pg_get_viewdef('analytics_appointments_by_location_daily'::regclass),
                    'customer_analytics_stored', 'customer_analytics');
    -- The stored table's constraints but its primary key (made again below).
    FOR c IN SELECT conname, pg_get_constraintdef(oid) AS def
               FROM pg_constraint
              WHERE conrelid = 'customer_analytics_stored'::regclass AND contype IN ('c', 'f')
    LOOP
        EXECUTE format('ALTER TABLE customer_analytics ADD CONSTRAINT %I %s', c.conname, c.def);
    END LOOP;
    FOR c IN SELECT attname FROM pg_attribute
              WHERE attrelid = 'customer_analytics_stored'::regclass AND attnum > 0
                AND NOT attisdropped AND attnotnull
    LOOP
        EXECUTE format('ALTER TABLE customer_analytics ALTER COLUMN %I SET NOT NULL', c.attname);
    END LOOP;
END
$$;

DROP VIEW customer_analytics_0013;
DROP TABLE customer_analytics_stored;
DROP VIEW analytics_org_defaults;

-- 0003's and 0008's constraints on the columns 0013 evaluated when read.
ALTER TABLE customer_analytics
    ALTER COLUMN expected_interval_days SET NOT NULL,
    ALTER COLUMN f_score SET NOT NULL,
    ALTER COLUMN m_score SET NOT NULL,
    ALTER COLUMN segment SET NOT NULL,
    ALTER COLUMN is_vip SET NOT NULL,
    ADD CONSTRAINT customer_analytics_r_score_check CHECK (r_score BETWEEN 1 AND 5),
    ADD CONSTRAINT customer_analytics_f_score_check CHECK (f_score BETWEEN 1 AND 5),
    ADD CONSTRAINT customer_analytics_m_score_check CHECK (m_score BETWEEN 1 AND 5),
    ADD CONSTRAINT customer_analytics_rfm_code_check CHECK (rfm_code ~ '^[1-5]{3}$'),
    ADD CONSTRAINT customer_analytics_segment_check CHECK (segment IN (
        'prospect', 'lost', 'lapsed', 'at_risk', 'new', 'vip', 'loyal', 'active')),
    ADD PRIMARY KEY (organization_id, square_customer_id);
CREATE INDEX customer_analytics_org_segment_idx
    ON customer_analytics (organization_id, segment);
CREATE INDEX customer_analytics_org_last_visit_idx
    ON customer_analytics (organization_id, last_visit_at DESC);
CREATE INDEX customer_analytics_next_change_idx ON customer_analytics (next_change_at)
    WHERE next_change_at IS NOT NULL;
CREATE INDEX customer_analytics_contact_idx ON customer_analytics
    (organization_id, coalesce(email_normalized, ''), coalesce(phone_e164, ''));
COMMENT ON TABLE customer_analytics IS
    'Per-customer metrics, one row per (organization, Square customer) with a client record or '
    'a booking; columns defined in METRICS.md. Written only by analyticsd refreshes.';
COMMENT ON COLUMN customer_analytics.next_event_at IS
    'When this row''s source data next changes a value with time alone (NULL: never).';
COMMENT ON COLUMN customer_analytics.next_change_at IS
    'When this row''s values next change with time alone (NULL: never); refresh incremental '
    'recomputes the rows due at its as_of.';

REVOKE EXECUTE ON FUNCTION analytics_scores(timestamptz, timestamptz, timestamptz, integer,
                                            integer, bigint, numeric, integer, integer[],
                                            integer[], bigint[]) FROM PUBLIC;
DROP FUNCTION IF EXISTS analytics_scores(timestamptz, timestamptz, timestamptz, integer, integer,
                                         bigint, integer, integer, integer[], integer[], bigint[]);

-- analytics_org_params as 0012 had it (sql/functions/ puts its own back at the next
-- migrate up), and 0011's capture of the settings.
CREATE OR REPLACE FUNCTION analytics_org_params(org uuid)
    RETURNS TABLE (phone_country_code text, default_interval_days integer,
                   lost_after_days integer, r_days integer[], f_visits integer[],
                   m_cents bigint[])
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(s.phone_country_code, '1'),
           coalesce(s.default_interval_days, 42),
           coalesce(s.lost_after_days, 365),
           coalesce(s.rfm_r_days, '{30,60,120,240}'::integer[]),
           coalesce(s.rfm_f_visits, '{12,6,3,2}'::integer[]),
           coalesce(s.rfm_m_cents, '{100000,50000,20000,5000}'::bigint[])
      FROM (SELECT org) k
      LEFT JOIN analytics_org_settings s ON s.organization_id = k.org
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
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO public.analytics_change_queue (organization_id)
        SELECT DISTINCT organization_id FROM analytics_new;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO public.analytics_change_queue (organization_id)
        SELECT DISTINCT organization_id FROM analytics_old;
    END IF;
    RETURN NULL;
END
$$;
