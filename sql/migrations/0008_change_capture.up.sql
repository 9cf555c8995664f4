-- 0008 change capture and the clock (SPEC 4.1, `refresh incremental`).
--
-- 1. analytics_change_queue: what changed since the last run, appended by statement-level
--    AFTER triggers (with transition tables) on every source a row of customer_analytics
--    depends on, in the writer's own transaction. An entry names one of:
--      a customer              (organization_id, customer_id)
--      a booking's customer    (organization_id, booking_id): a payment that names no payer
--                              is attributed to its booking's customer, looked up by the run
--                              (a booking moved or deleted since queued its customers itself)
--      a location's customers  (organization_id, location_id): its timezone changed
--      a contact's rows        (organization_id, email_key, phone_key): its loyalty ledger or
--                              its customers row changed (customer_analytics matches the
--                              ledger by normalised contact, METRICS.md "Loyalty")
--      an organization         (organization_id alone): its settings or timezone changed
--    Append only, duplicates allowed: a unique key would make a writer wait for another
--    writer's uncommitted entry, or lose its entry to one that a running refresh is about to
--    consume. The triggers run on the platform's write path, so they do the least work that
--    keeps every row exact: one flat INSERT ... SELECT per statement, no deduplication (the
--    run deduplicates), no lookup in another table where the run can do it, no index and no
--    CHECK constraint on the queue (a CHECK is prepared again for every statement that
--    inserts; the triggers below are the only writers and keep one kind per entry). A run reads the entries its snapshot sees and deletes exactly those
--    (refresh_queue_*.sql); entries committed meanwhile stay for the next run. No NOTIFY:
--    it would serialise every committing writer on one lock.
--
-- 2. customer_analytics.next_change_at: when the row's values next change with time alone
--    (a whole-day boundary, a booking starting, a visit or payment leaving a window), computed
--    by refresh_compute.sql with the metrics; next_event_at, the part of it that needs the
--    sources. Rows due at a run's as_of are recomputed by it. Rows that exist now get
--    -infinity: the first incremental run recomputes them all.
--
-- Triggers go only on real tables. Where an operator maps a source through a view of the
-- same name, the triggers must go on the underlying tables instead (docs/CAPTURE.md says
-- which entries each table must append); this migration then says so in a NOTICE.
--
-- No BEGIN/COMMIT: the migration runner wraps each file in one transaction.

CREATE TABLE analytics_change_queue (
    organization_id uuid        NOT NULL,
    customer_id     text,
    booking_id      uuid,
    location_id     uuid,
    email_key       text,
    phone_key       text,
    queued_at       timestamptz NOT NULL DEFAULT now()
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
        autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000);

COMMENT ON TABLE analytics_change_queue IS
    'Keys whose customer_analytics rows must be recomputed, appended by the capture triggers '
    'and consumed by refresh incremental (also by full, and org for its organization).';

-- ---------------------------------------------------------------------------------------
-- The capture functions, one per source table. Each serves that table's INSERT, UPDATE and
-- DELETE triggers (a trigger with transition tables has one event), and reads only the
-- transition tables it has: analytics_new (INSERT, UPDATE), analytics_old (UPDATE, DELETE).
-- ---------------------------------------------------------------------------------------

-- bookings: the old and the new customer (a booking moved to another customer changes both;
-- an UPDATE queues the customer twice when it stays, which costs less than comparing).
-- Referrers are not looked up here: the run adds the referrer of every queued customer.
CREATE FUNCTION analytics_capture_bookings() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO analytics_change_queue (organization_id, customer_id)
        SELECT organization_id, customer_id FROM analytics_new WHERE customer_id IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO analytics_change_queue (organization_id, customer_id)
        SELECT organization_id, customer_id FROM analytics_new WHERE customer_id IS NOT NULL
        UNION ALL
        SELECT organization_id, customer_id FROM analytics_old WHERE customer_id IS NOT NULL;
    ELSE
        INSERT INTO analytics_change_queue (organization_id, customer_id)
        SELECT organization_id, customer_id FROM analytics_old WHERE customer_id IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;

-- payments: the old and the new attribution, as the payment set P makes it:
-- coalesce(payments.customer_id, the customer of payments.booking_id). A payment that names
-- no payer queues its booking; the run looks up the booking's customer.
CREATE FUNCTION analytics_capture_payments() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO analytics_change_queue (organization_id, customer_id, booking_id)
        SELECT organization_id, customer_id, CASE WHEN customer_id IS NULL THEN booking_id END
          FROM analytics_new WHERE customer_id IS NOT NULL OR booking_id IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO analytics_change_queue (organization_id, customer_id, booking_id)
        SELECT organization_id, customer_id, CASE WHEN customer_id IS NULL THEN booking_id END
          FROM analytics_new WHERE customer_id IS NOT NULL OR booking_id IS NOT NULL
        UNION ALL
        SELECT organization_id, customer_id, CASE WHEN customer_id IS NULL THEN booking_id END
          FROM analytics_old WHERE customer_id IS NOT NULL OR booking_id IS NOT NULL;
    ELSE
        INSERT INTO analytics_change_queue (organization_id, customer_id, booking_id)
        SELECT organization_id, customer_id, CASE WHEN customer_id IS NULL THEN booking_id END
          FROM analytics_old WHERE customer_id IS NOT NULL OR booking_id IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;

-- square_existing_clients: the client, and the old and new referrer (whose referrals_made
-- and referrals_converted count this client).
CREATE FUNCTION analytics_capture_clients() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO analytics_change_queue (organization_id, customer_id)
        SELECT organization_id, square_customer_id FROM analytics_new
        UNION ALL
        SELECT organization_id, referred_by_customer_id FROM analytics_new
         WHERE referred_by_customer_id IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO analytics_change_queue (organization_id, customer_id)
        SELECT organization_id, square_customer_id FROM analytics_new
        UNION ALL
        SELECT organization_id, referred_by_customer_id FROM analytics_new
         WHERE referred_by_customer_id IS NOT NULL
        UNION ALL
        SELECT organization_id, square_customer_id FROM analytics_old
        UNION ALL
        SELECT organization_id, referred_by_customer_id FROM analytics_old
         WHERE referred_by_customer_id IS NOT NULL;
    ELSE
        INSERT INTO analytics_change_queue (organization_id, customer_id)
        SELECT organization_id, square_customer_id FROM analytics_old
        UNION ALL
        SELECT organization_id, referred_by_customer_id FROM analytics_old
         WHERE referred_by_customer_id IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;

-- loyalty_point_events: the contact of the customers row each entry names.
CREATE FUNCTION analytics_capture_ledger() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO analytics_change_queue (organization_id, email_key, phone_key)
        SELECT DISTINCT c.organization_id, coalesce(c.email_normalized, ''),
               coalesce(c.phone_e164, '')
          FROM analytics_new e
          JOIN customers c ON c.id = e.customer_id AND c.organization_id = e.organization_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO analytics_change_queue (organization_id, email_key, phone_key)
        SELECT DISTINCT c.organization_id, coalesce(c.email_normalized, ''),
               coalesce(c.phone_e164, '')
          FROM analytics_old e
          JOIN customers c ON c.id = e.customer_id AND c.organization_id = e.organization_id;
    END IF;
    RETURN NULL;
END
$$;

-- customers: the old and new contact (the ledger's balance follows the contact).
CREATE FUNCTION analytics_capture_customers() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO analytics_change_queue (organization_id, email_key, phone_key)
        SELECT DISTINCT organization_id, coalesce(email_normalized, ''), coalesce(phone_e164, '')
          FROM analytics_new;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO analytics_change_queue (organization_id, email_key, phone_key)
        SELECT DISTINCT organization_id, coalesce(email_normalized, ''), coalesce(phone_e164, '')
          FROM analytics_old;
    END IF;
    RETURN NULL;
END
$$;

-- analytics_org_settings: every customer of the organization, as one entry.
CREATE FUNCTION analytics_capture_org_settings() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO analytics_change_queue (organization_id)
        SELECT DISTINCT organization_id FROM analytics_new;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO analytics_change_queue (organization_id)
        SELECT DISTINCT organization_id FROM analytics_old;
    END IF;
    RETURN NULL;
END
$$;

-- locations: a changed timezone (or organization) moves the local times of the location's
-- bookings: one entry for the location, old and new.
CREATE FUNCTION analytics_capture_locations() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO analytics_change_queue (organization_id, location_id)
    SELECT o.organization_id, o.id
      FROM analytics_old o JOIN analytics_new n ON n.id = o.id
     WHERE n.timezone IS DISTINCT FROM o.timezone
        OR n.organization_id IS DISTINCT FROM o.organization_id
    UNION
    SELECT n.organization_id, n.id
      FROM analytics_old o JOIN analytics_new n ON n.id = o.id
     WHERE n.timezone IS DISTINCT FROM o.timezone
        OR n.organization_id IS DISTINCT FROM o.organization_id;
    RETURN NULL;
END
$$;

-- organizations: a changed timezone moves the local times of every booking without a
-- location timezone of its own: the whole organization, as one entry.
CREATE FUNCTION analytics_capture_organizations() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO analytics_change_queue (organization_id)
    SELECT n.id
      FROM analytics_old o JOIN analytics_new n ON n.id = o.id
     WHERE n.timezone IS DISTINCT FROM o.timezone;
    RETURN NULL;
END
$$;

-- The triggers: INSERT, UPDATE and DELETE for each table (the UPDATE one only for
-- locations and organizations), on real tables only.
DO $$
DECLARE
    src   record;
    kind  "char";
    ev    text;
    refs  text;
BEGIN
    FOR src IN
        SELECT * FROM (VALUES
            ('bookings',                'analytics_capture_bookings',      '{INSERT,UPDATE,DELETE}'),
            ('payments',                'analytics_capture_payments',      '{INSERT,UPDATE,DELETE}'),
            ('square_existing_clients', 'analytics_capture_clients',       '{INSERT,UPDATE,DELETE}'),
            ('loyalty_point_events',    'analytics_capture_ledger',        '{INSERT,UPDATE,DELETE}'),
            ('customers',               'analytics_capture_customers',     '{INSERT,UPDATE,DELETE}'),
            ('analytics_org_settings',  'analytics_capture_org_settings',  '{INSERT,UPDATE,DELETE}'),
            ('locations',               'analytics_capture_locations',     '{UPDATE}'),
            ('organizations',           'analytics_capture_organizations', '{UPDATE}')
        ) AS v (rel, fn, events)
    LOOP
        SELECT c.relkind INTO kind FROM pg_class c WHERE c.oid = to_regclass(src.rel);
        IF kind IS DISTINCT FROM 'r' THEN
            RAISE NOTICE '% is not a plain table (relkind %): no capture triggers on it; put them on the underlying tables (docs/CAPTURE.md)',
                         src.rel, kind;
            CONTINUE;
        END IF;
        FOREACH ev IN ARRAY src.events::text[] LOOP
            refs := CASE ev WHEN 'INSERT' THEN 'NEW TABLE AS analytics_new'
                            WHEN 'DELETE' THEN 'OLD TABLE AS analytics_old'
                            ELSE 'OLD TABLE AS analytics_old NEW TABLE AS analytics_new' END;
            EXECUTE format('CREATE TRIGGER %I AFTER %s ON %s REFERENCING %s '
                           'FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                           'analytics_capture_' || lower(ev), ev, to_regclass(src.rel)::text,
                           refs, src.fn);
        END LOOP;
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------
-- The clock.
--   next_event_at   when the row's source data next moves a value by time alone: a booking
--                   starting, a visit, booking or payment leaving a window, a referred
--                   client's first visit (these need the customer's bookings and payments)
--   next_change_at  the earlier of that and the next whole-day boundary of
--                   days_since_last_visit and tenure_days
-- A run recomputes a due row from its sources when its event has come
-- (refresh_scope_incremental.sql); when only a day boundary has, the scores follow from the
-- stored row (refresh_clock.sql), through analytics_scores below, which refresh_compute.sql
-- uses too: one definition of each of those columns.
-- ---------------------------------------------------------------------------------------
ALTER TABLE customer_analytics ADD COLUMN next_event_at timestamptz DEFAULT '-infinity';
ALTER TABLE customer_analytics ALTER COLUMN next_event_at DROP DEFAULT;
ALTER TABLE customer_analytics ADD COLUMN next_change_at timestamptz DEFAULT '-infinity';
ALTER TABLE customer_analytics ALTER COLUMN next_change_at DROP DEFAULT;
COMMENT ON COLUMN customer_analytics.next_event_at IS
    'When this row''s source data next changes a value with time alone (NULL: never).';
COMMENT ON COLUMN customer_analytics.next_change_at IS
    'When this row''s values next change with time alone (NULL: never); refresh incremental '
    'recomputes the rows due at its as_of.';

-- The due rows of a run, found without a scan.
CREATE INDEX customer_analytics_next_change_idx ON customer_analytics (next_change_at)
    WHERE next_change_at IS NOT NULL;
-- The rows a contact entry names (organization and normalised contact, as the ledger view).
CREATE INDEX customer_analytics_contact_idx ON customer_analytics
    (organization_id, coalesce(email_normalized, ''), coalesce(phone_e164, ''));

-- An organization's settings, a missing row or NULL column meaning METRICS.md's default.
CREATE FUNCTION analytics_org_params(org uuid)
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

-- The columns that follow from the day counts (METRICS.md 18-19, 56-57, 81-86), and the next
-- day boundary, from what they read: as_of, the first and last visit, the visit counts, the
-- 365-day spend, the expected interval and the organization's settings. Plain SQL, inlined
-- into the calling query.
CREATE FUNCTION analytics_scores(as_of timestamptz, last_visit timestamptz,
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
           -- Whole days (METRICS.md): the counts go up when as_of reaches these.
           least(last_visit + interval '24 hours' * (d.since + 1),
                 first_visit + interval '24 hours' * (d.tenure + 1))
      FROM (SELECT floor(extract(epoch FROM as_of - last_visit) / 86400)::integer AS since,
                   floor(extract(epoch FROM as_of - first_visit) / 86400)::integer AS tenure) d
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
                        ELSE 1 END)::smallint AS m) x
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

-- When an incremental run last found the table caught up (nothing queued, nothing due):
-- such a run records no run, so freshness reads this too.
ALTER TABLE analytics_control ADD COLUMN caught_up_at timestamptz;

-- The undo log learns op 'c': a clock update, whose old_row holds only the columns it
-- changed (rollback_restore_clock.sql puts them back over the row).
ALTER TABLE analytics_undo_log DROP CONSTRAINT analytics_undo_log_op_check;
ALTER TABLE analytics_undo_log ADD CONSTRAINT analytics_undo_log_op_check
    CHECK (op IN ('i', 'u', 'd', 'c'));
