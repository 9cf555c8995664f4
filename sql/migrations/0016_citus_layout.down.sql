-- 0016 down: analyticsd's tables back on the coordinator alone (on Citus), and the capture
-- functions as migrations 0011 and 0013 left them.
--
-- No BEGIN/COMMIT: the migration runner wraps each file in one transaction.

DO $$
DECLARE
    t    text;
    fk   record;
    keys text[] := '{}';
    ids  text[] := '{}';
    col  record;
    rels text[] := ARRAY['loyalty_points', 'loyalty_point_events', 'customer_profiles',
                         'loyalty_programs', 'customers', 'analytics_events',
                         'analytics_org_settings', 'analytics_change_queue', 'analytics_undo_log',
                         'analytics_due', 'customer_analytics_stored', 'analytics_control'];
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    -- One shard at a time: a transaction that has changed shards of a distributed table over
    -- several connections at once may not then change a reference table's.
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    -- Citus takes a table with foreign keys back only with every table its keys reach, which
    -- through organizations are the platform's: the keys go first and come back after.
    FOR fk IN
        SELECT c.conrelid::regclass AS rel, c.conname, pg_get_constraintdef(c.oid) AS def
          FROM pg_constraint c
         WHERE c.contype = 'f'
           AND c.conrelid IN (SELECT ('public.' || r)::regclass FROM unnest(rels) r)
    LOOP
        keys := keys || format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.rel, fk.conname, fk.def);
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.rel, fk.conname);
    END LOOP;
    -- Nor with an identity column, which Citus will not drop from a distributed table: it
    -- goes from the coordinator's table alone (the shards keep theirs and go), and comes
    -- back once the rows are local again.
    FOR col IN
        SELECT a.attrelid::regclass AS rel, a.attname,
               CASE a.attidentity WHEN 'a' THEN 'ALWAYS' ELSE 'BY DEFAULT' END AS kind
          FROM pg_attribute a
         WHERE a.attidentity <> ''
           AND a.attrelid IN (SELECT ('public.' || r)::regclass FROM unnest(rels) r)
    LOOP
        ids := ids || ARRAY[
            format('ALTER TABLE %s ALTER COLUMN %I ADD GENERATED %s AS IDENTITY',
                   col.rel, col.attname, col.kind),
            format('SELECT setval(pg_get_serial_sequence(%L, %L), '
                   'coalesce((SELECT max(%I) FROM %s), 0) + 1, false)',
                   col.rel::text, col.attname, col.attname, col.rel)];
        PERFORM set_config('citus.enable_ddl_propagation', 'off', true);
        EXECUTE format('ALTER TABLE %s ALTER COLUMN %I DROP IDENTITY', col.rel, col.attname);
        PERFORM set_config('citus.enable_ddl_propagation', 'on', true);
    END LOOP;
    FOREACH t IN ARRAY rels LOOP
        IF EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = ('public.' || t)::regclass) THEN
            PERFORM undistribute_table('public.' || t);
        END IF;
    END LOOP;
    -- The identity columns (customers', the ledger's and the events' ids), which Citus
    -- keeps on its workers' shards, come back as the coordinator's own.
    FOREACH t IN ARRAY ids LOOP
        EXECUTE t;
    END LOOP;
    FOREACH t IN ARRAY keys LOOP
        EXECUTE t;
    END LOOP;
END
$$;
ALTER TABLE analytics_change_queue ALTER COLUMN organization_id DROP NOT NULL;
INSERT INTO analytics_change_queue (organization_id, queued_at)
SELECT NULL, queued_at FROM analytics_queue_all;
DROP TABLE analytics_queue_all;
-- A ledger entry as 0011 queued it: its customer's contact.
INSERT INTO analytics_change_queue (organization_id, email_key, phone_key)
SELECT DISTINCT c.organization_id, coalesce(c.email_normalized, ''), coalesce(c.phone_e164, '')
  FROM analytics_change_queue q
  JOIN customers c ON c.organization_id = q.organization_id AND c.id = q.ledger_customer_id;
DELETE FROM analytics_change_queue WHERE ledger_customer_id IS NOT NULL;
ALTER TABLE analytics_change_queue DROP COLUMN ledger_customer_id;

-- The capture functions of migration 0011 (analytics_capture_org_settings: of 0013).

CREATE OR REPLACE FUNCTION public.analytics_capture_enabled() RETURNS boolean
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    enabled boolean;
BEGIN
    SELECT c.capture_enabled INTO enabled FROM public.analytics_control c;
    IF enabled IS DISTINCT FROM false THEN
        RETURN true;
    END IF;
    -- Off: keep `capture on` waiting until this write is committed (see 4. above), and read
    -- the flag again, as it is now.
    SELECT c.capture_enabled INTO enabled FROM public.analytics_control c FOR SHARE;
    RETURN enabled IS DISTINCT FROM false;
END
$$;

CREATE OR REPLACE FUNCTION public.analytics_capture_bookings() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT (SELECT c.capture_enabled FROM public.analytics_control c) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.analytics_change_queue (organization_id, customer_id)
        SELECT organization_id, customer_id FROM analytics_new WHERE customer_id IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO public.analytics_change_queue (organization_id, customer_id)
        SELECT organization_id, customer_id FROM analytics_new WHERE customer_id IS NOT NULL
        UNION ALL
        SELECT organization_id, customer_id FROM analytics_old WHERE customer_id IS NOT NULL;
    ELSE
        INSERT INTO public.analytics_change_queue (organization_id, customer_id)
        SELECT organization_id, customer_id FROM analytics_old WHERE customer_id IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.analytics_capture_payments() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT (SELECT c.capture_enabled FROM public.analytics_control c) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.analytics_change_queue (organization_id, customer_id, booking_id)
        SELECT organization_id, customer_id, CASE WHEN customer_id IS NULL THEN booking_id END
          FROM analytics_new WHERE customer_id IS NOT NULL OR booking_id IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO public.analytics_change_queue (organization_id, customer_id, booking_id)
        SELECT organization_id, customer_id, CASE WHEN customer_id IS NULL THEN booking_id END
          FROM analytics_new WHERE customer_id IS NOT NULL OR booking_id IS NOT NULL
        UNION ALL
        SELECT organization_id, customer_id, CASE WHEN customer_id IS NULL THEN booking_id END
          FROM analytics_old WHERE customer_id IS NOT NULL OR booking_id IS NOT NULL;
    ELSE
        INSERT INTO public.analytics_change_queue (organization_id, customer_id, booking_id)
        SELECT organization_id, customer_id, CASE WHEN customer_id IS NULL THEN booking_id END
          FROM analytics_old WHERE customer_id IS NOT NULL OR booking_id IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.analytics_capture_clients() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT (SELECT c.capture_enabled FROM public.analytics_control c) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.analytics_change_queue (organization_id, customer_id)
        SELECT organization_id, square_customer_id FROM analytics_new
        UNION ALL
        SELECT organization_id, referred_by_customer_id FROM analytics_new
         WHERE referred_by_customer_id IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO public.analytics_change_queue (organization_id, customer_id)
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
        INSERT INTO public.analytics_change_queue (organization_id, customer_id)
        SELECT organization_id, square_customer_id FROM analytics_old
        UNION ALL
        SELECT organization_id, referred_by_customer_id FROM analytics_old
         WHERE referred_by_customer_id IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.analytics_capture_ledger() RETURNS trigger
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
        INSERT INTO public.analytics_change_queue (organization_id, email_key, phone_key)
        SELECT DISTINCT c.organization_id, coalesce(c.email_normalized, ''),
               coalesce(c.phone_e164, '')
          FROM analytics_new e
          JOIN public.customers c
            ON c.id = e.customer_id AND c.organization_id = e.organization_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO public.analytics_change_queue (organization_id, email_key, phone_key)
        SELECT DISTINCT c.organization_id, coalesce(c.email_normalized, ''),
               coalesce(c.phone_e164, '')
          FROM analytics_old e
          JOIN public.customers c
            ON c.id = e.customer_id AND c.organization_id = e.organization_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.analytics_capture_customers() RETURNS trigger
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
        INSERT INTO public.analytics_change_queue (organization_id, email_key, phone_key)
        SELECT DISTINCT organization_id, coalesce(email_normalized, ''), coalesce(phone_e164, '')
          FROM analytics_new;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO public.analytics_change_queue (organization_id, email_key, phone_key)
        SELECT DISTINCT organization_id, coalesce(email_normalized, ''), coalesce(phone_e164, '')
          FROM analytics_old;
    END IF;
    RETURN NULL;
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

CREATE OR REPLACE FUNCTION public.analytics_capture_locations() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT (SELECT c.capture_enabled FROM public.analytics_control c) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO public.analytics_change_queue (organization_id, location_id)
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

CREATE OR REPLACE FUNCTION public.analytics_capture_organizations() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT (SELECT c.capture_enabled FROM public.analytics_control c) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO public.analytics_change_queue (organization_id)
    SELECT n.id
      FROM analytics_old o JOIN analytics_new n ON n.id = o.id
     WHERE n.timezone IS DISTINCT FROM o.timezone;
    RETURN NULL;
END
$$;

-- TRUNCATE of any source: the rows are gone, so nothing says whose they were.
CREATE OR REPLACE FUNCTION public.analytics_capture_truncate() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT (SELECT c.capture_enabled FROM public.analytics_control c) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO public.analytics_change_queue (organization_id) VALUES (NULL);
    RETURN NULL;
END
$$;

DROP FUNCTION public.analytics_queue_whole();
DROP FUNCTION public.analytics_queue(uuid[], uuid[]);
