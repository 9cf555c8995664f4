-- 0016: the capture works on the shards of a Citus cluster, and on a Citus coordinator
-- analyticsd's tables are laid out by organization beside the platform's (docs/SCALE-OUT.md).
--
-- 1. The capture functions read their transition tables into arrays, in statements that
--    name no other table, and then queue the keys from the arrays. On one server this costs
--    a few hundredths of a millisecond more a statement (docs/SCALE-OUT.md). On Citus a
--    trigger on a distributed table runs on each shard, and a statement there that reads a
--    transition table together with a Citus table is planned by Citus apart from the
--    trigger and fails ("could not find named tuplestore"); read apart, the transition
--    table never meets Citus. The ledger's entries name the ledger's customer
--    (analytics_change_queue's new column ledger_customer_id), whose contact the run looks
--    up (refresh_queue_keys.sql): looked up in the trigger, it was a query of a
--    distributed table from a shard, which Citus refuses.
-- 2. The whole-table entry (a TRUNCATE, capture turned back on) is a row of a table of its
--    own, analytics_queue_all, no longer an entry without an organization: a queue
--    distributed by organization cannot hold one, and on Citus a TRUNCATE trigger runs on
--    the coordinator alone, in the truncating role's transaction, where it may write a plain
--    table but no Citus table (analytics_queue_whole).
-- 3. Only where the citus extension is installed, and the platform has distributed
--    bookings by organization_id (docs/SCALE-OUT.md says what the platform does with its own
--    tables): analyticsd's per-customer tables are distributed by organization_id,
--    co-located with bookings; analytics_control, which every capture trigger reads on the
--    node it runs on, becomes a reference table; the run records, logs and other
--    bookkeeping stay on the coordinator, where only the daemon reads them. Elsewhere this
--    part does nothing.
--
-- No BEGIN/COMMIT: the migration runner wraps each file in one transaction.

ALTER TABLE analytics_change_queue ADD COLUMN ledger_customer_id bigint;
COMMENT ON COLUMN analytics_change_queue.ledger_customer_id IS
    'A loyalty ledger entry''s customer (customers.id): the run recomputes the rows of its contact.';

CREATE TABLE analytics_queue_all (
    queued_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE analytics_queue_all IS
    'Whole-table entries of the change queue (a TRUNCATE of a source, capture turned back on): '
    'the next run that reads one recomputes every customer.';
INSERT INTO analytics_queue_all (queued_at)
SELECT queued_at FROM analytics_change_queue WHERE organization_id IS NULL;
DELETE FROM analytics_change_queue WHERE organization_id IS NULL;
ALTER TABLE analytics_change_queue ALTER COLUMN organization_id SET NOT NULL;

-- Queue entries from arrays of their keys (NULL arrays: none), for the capture functions of
-- locations and organizations, which run as analyticsd already. On Citus these two are
-- reference tables, whose triggers run on every node's copy: there Citus refuses the insert
-- into the distributed queue as a trigger's own statement ("cannot execute a distributed
-- query from a query on a shard") and runs it from a PL/pgSQL function the trigger calls
-- (tests/citus/t_capture.sh). The other capture functions insert themselves, which costs a
-- write less (docs/SCALE-OUT.md).
CREATE FUNCTION public.analytics_queue(orgs uuid[], locations uuid[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO public.analytics_change_queue (organization_id, location_id)
    SELECT * FROM unnest(orgs, locations);
END
$$;
REVOKE EXECUTE ON FUNCTION public.analytics_queue(uuid[], uuid[]) FROM PUBLIC;

-- Every customer to be recomputed (docs/CAPTURE.md): a whole-table entry. Returns the
-- entries queued.
CREATE FUNCTION public.analytics_queue_whole() RETURNS integer
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO public.analytics_queue_all DEFAULT VALUES;
    SELECT 1;
$$;

-- Is capture on (migration 0011)? Off, the write holds the control row until it commits, so
-- that `capture on` (capture_set.sql, FOR UPDATE) commits only after it. On Citus the
-- control table has a copy on every node, and a lock on a reference table's row is taken on
-- every copy: two shards' triggers of one statement, on two workers, then deadlocked. There
-- the write locks the copy of the node it runs on, which `capture on` locks with the others.
CREATE OR REPLACE FUNCTION public.analytics_capture_enabled() RETURNS boolean
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    enabled boolean;
    here    text;
BEGIN
    SELECT c.capture_enabled INTO enabled FROM public.analytics_control c;
    IF enabled IS DISTINCT FROM false THEN
        RETURN true;
    END IF;
    IF to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
        EXECUTE $q$SELECT format('public.%I', 'analytics_control_' || s.shardid)
                     FROM pg_catalog.pg_dist_shard s
                    WHERE s.logicalrelid = 'public.analytics_control'::regclass$q$ INTO here;
    END IF;
    IF here IS NOT NULL AND to_regclass(here) IS NOT NULL THEN
        EXECUTE format('SELECT c.capture_enabled FROM %s c FOR SHARE', here) INTO enabled;
    ELSE
        SELECT c.capture_enabled INTO enabled FROM public.analytics_control c FOR SHARE;
    END IF;
    RETURN enabled IS DISTINCT FROM false;
END
$$;

CREATE OR REPLACE FUNCTION public.analytics_capture_bookings() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o uuid[];
    c text[];
BEGIN
    IF NOT (SELECT x.capture_enabled FROM public.analytics_control x) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(organization_id), array_agg(customer_id) INTO o, c
          FROM analytics_new WHERE customer_id IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(organization_id), array_agg(customer_id) INTO o, c
          FROM (SELECT organization_id, customer_id FROM analytics_new
                 WHERE customer_id IS NOT NULL
                UNION ALL
                SELECT organization_id, customer_id FROM analytics_old
                 WHERE customer_id IS NOT NULL) k;
    ELSE
        SELECT array_agg(organization_id), array_agg(customer_id) INTO o, c
          FROM analytics_old WHERE customer_id IS NOT NULL;
    END IF;
    INSERT INTO public.analytics_change_queue (organization_id, customer_id)
    SELECT * FROM unnest(o, c);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.analytics_capture_payments() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o uuid[];
    c text[];
    b uuid[];
BEGIN
    IF NOT (SELECT x.capture_enabled FROM public.analytics_control x) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(organization_id), array_agg(customer_id),
               array_agg(CASE WHEN customer_id IS NULL THEN booking_id END) INTO o, c, b
          FROM analytics_new WHERE customer_id IS NOT NULL OR booking_id IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(organization_id), array_agg(customer_id),
               array_agg(CASE WHEN customer_id IS NULL THEN booking_id END) INTO o, c, b
          FROM (SELECT organization_id, customer_id, booking_id FROM analytics_new
                 WHERE customer_id IS NOT NULL OR booking_id IS NOT NULL
                UNION ALL
                SELECT organization_id, customer_id, booking_id FROM analytics_old
                 WHERE customer_id IS NOT NULL OR booking_id IS NOT NULL) k;
    ELSE
        SELECT array_agg(organization_id), array_agg(customer_id),
               array_agg(CASE WHEN customer_id IS NULL THEN booking_id END) INTO o, c, b
          FROM analytics_old WHERE customer_id IS NOT NULL OR booking_id IS NOT NULL;
    END IF;
    INSERT INTO public.analytics_change_queue (organization_id, customer_id, booking_id)
    SELECT * FROM unnest(o, c, b);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.analytics_capture_clients() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o uuid[];
    c text[];
BEGIN
    IF NOT (SELECT x.capture_enabled FROM public.analytics_control x) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    -- The client and the referrer it names, before and after.
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(k.organization_id), array_agg(k.customer_id) INTO o, c
          FROM analytics_new n
         CROSS JOIN LATERAL (VALUES (n.organization_id, n.square_customer_id),
                                    (n.organization_id, n.referred_by_customer_id))
               k (organization_id, customer_id)
         WHERE k.customer_id IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(k.organization_id), array_agg(k.customer_id) INTO o, c
          FROM (SELECT organization_id, square_customer_id, referred_by_customer_id
                  FROM analytics_new
                UNION ALL
                SELECT organization_id, square_customer_id, referred_by_customer_id
                  FROM analytics_old) n
         CROSS JOIN LATERAL (VALUES (n.organization_id, n.square_customer_id),
                                    (n.organization_id, n.referred_by_customer_id))
               k (organization_id, customer_id)
         WHERE k.customer_id IS NOT NULL;
    ELSE
        SELECT array_agg(k.organization_id), array_agg(k.customer_id) INTO o, c
          FROM analytics_old n
         CROSS JOIN LATERAL (VALUES (n.organization_id, n.square_customer_id),
                                    (n.organization_id, n.referred_by_customer_id))
               k (organization_id, customer_id)
         WHERE k.customer_id IS NOT NULL;
    END IF;
    INSERT INTO public.analytics_change_queue (organization_id, customer_id)
    SELECT * FROM unnest(o, c);
    RETURN NULL;
END
$$;

-- The ledger's rows name a customer of the customers table, queued as such: the run looks
-- up its contact.
CREATE OR REPLACE FUNCTION public.analytics_capture_ledger() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o uuid[];
    c bigint[];
BEGIN
    IF NOT (SELECT x.capture_enabled FROM public.analytics_control x) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(organization_id), array_agg(customer_id) INTO o, c
          FROM (SELECT DISTINCT organization_id, customer_id FROM analytics_new) k;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(organization_id), array_agg(customer_id) INTO o, c
          FROM (SELECT organization_id, customer_id FROM analytics_new
                UNION
                SELECT organization_id, customer_id FROM analytics_old) k;
    ELSE
        SELECT array_agg(organization_id), array_agg(customer_id) INTO o, c
          FROM (SELECT DISTINCT organization_id, customer_id FROM analytics_old) k;
    END IF;
    INSERT INTO public.analytics_change_queue (organization_id, ledger_customer_id)
    SELECT * FROM unnest(o, c);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.analytics_capture_customers() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o uuid[];
    e text[];
    p text[];
BEGIN
    IF NOT (SELECT x.capture_enabled FROM public.analytics_control x) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(organization_id), array_agg(em), array_agg(ph) INTO o, e, p
          FROM (SELECT DISTINCT organization_id, coalesce(email_normalized, '') AS em,
                       coalesce(phone_e164, '') AS ph FROM analytics_new) k;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(organization_id), array_agg(em), array_agg(ph) INTO o, e, p
          FROM (SELECT organization_id, coalesce(email_normalized, '') AS em,
                       coalesce(phone_e164, '') AS ph FROM analytics_new
                UNION
                SELECT organization_id, coalesce(email_normalized, ''),
                       coalesce(phone_e164, '') FROM analytics_old) k;
    ELSE
        SELECT array_agg(organization_id), array_agg(em), array_agg(ph) INTO o, e, p
          FROM (SELECT DISTINCT organization_id, coalesce(email_normalized, '') AS em,
                       coalesce(phone_e164, '') AS ph FROM analytics_old) k;
    END IF;
    INSERT INTO public.analytics_change_queue (organization_id, email_key, phone_key)
    SELECT * FROM unnest(o, e, p);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.analytics_capture_org_settings() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o uuid[];
BEGIN
    IF NOT (SELECT x.capture_enabled FROM public.analytics_control x) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    -- A NULL setting is the default: only a code set, changed or cleared moves a value
    -- (migration 0013).
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT organization_id) INTO o FROM analytics_new
         WHERE phone_country_code IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT coalesce(n.organization_id, o.organization_id)) INTO o
          FROM analytics_new n
          FULL JOIN analytics_old o ON o.organization_id = n.organization_id
         WHERE n.phone_country_code IS DISTINCT FROM o.phone_country_code;
    ELSE
        SELECT array_agg(DISTINCT organization_id) INTO o FROM analytics_old
         WHERE phone_country_code IS NOT NULL;
    END IF;
    INSERT INTO public.analytics_change_queue (organization_id)
    SELECT * FROM unnest(o);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.analytics_capture_locations() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o uuid[];
    l uuid[];
BEGIN
    IF NOT (SELECT x.capture_enabled FROM public.analytics_control x) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    SELECT array_agg(k.organization_id), array_agg(k.id) INTO o, l
      FROM (SELECT o.organization_id, o.id
              FROM analytics_old o JOIN analytics_new n ON n.id = o.id
             WHERE n.timezone IS DISTINCT FROM o.timezone
                OR n.organization_id IS DISTINCT FROM o.organization_id
            UNION
            SELECT n.organization_id, n.id
              FROM analytics_old o JOIN analytics_new n ON n.id = o.id
             WHERE n.timezone IS DISTINCT FROM o.timezone
                OR n.organization_id IS DISTINCT FROM o.organization_id) k;
    PERFORM public.analytics_queue(o, l);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.analytics_capture_organizations() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o uuid[];
BEGIN
    IF NOT (SELECT x.capture_enabled FROM public.analytics_control x) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    SELECT array_agg(n.id) INTO o
      FROM analytics_old o JOIN analytics_new n ON n.id = o.id
     WHERE n.timezone IS DISTINCT FROM o.timezone;
    PERFORM public.analytics_queue(o, NULL);
    RETURN NULL;
END
$$;

-- TRUNCATE of any source: the rows are gone, so nothing says whose they were.
CREATE OR REPLACE FUNCTION public.analytics_capture_truncate() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT (SELECT x.capture_enabled FROM public.analytics_control x) THEN
        IF NOT public.analytics_capture_enabled() THEN
            RETURN NULL;
        END IF;
    END IF;
    PERFORM public.analytics_queue_whole();
    RETURN NULL;
END
$$;

REVOKE EXECUTE ON FUNCTION public.analytics_queue_whole() FROM PUBLIC;

-- 3. The Citus layout.
DO $$
DECLARE
    t text;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_dist_partition p
                    WHERE p.logicalrelid = 'public.bookings'::regclass
                      AND p.partmethod = 'h'
                      AND p.partkey IS NOT NULL
                      AND column_to_column_name(p.logicalrelid, p.partkey) = 'organization_id') THEN
        RAISE EXCEPTION 'the citus extension is installed, but bookings is not distributed by organization_id'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Distribute the platform''s tables as docs/SCALE-OUT.md says (SELECT create_distributed_table(''bookings'', ''organization_id''), ...), then migrate again; or DROP EXTENSION citus on a single server.';
    END IF;
    PERFORM create_reference_table('public.analytics_control');
    -- Referenced tables before the tables that reference them.
    FOREACH t IN ARRAY ARRAY['customer_analytics_stored', 'analytics_due', 'analytics_undo_log',
                             'analytics_change_queue', 'analytics_org_settings',
                             'analytics_events', 'customers', 'loyalty_programs',
                             'customer_profiles', 'loyalty_point_events', 'loyalty_points'] LOOP
        PERFORM create_distributed_table('public.' || t, 'organization_id',
                                         colocate_with => 'public.bookings');
    END LOOP;
    -- The coordinator's own copies of the rows, now on the shards: once every table that
    -- references them is distributed too.
    FOREACH t IN ARRAY ARRAY['analytics_control', 'customer_analytics_stored', 'analytics_due',
                             'analytics_undo_log', 'analytics_change_queue',
                             'analytics_org_settings', 'analytics_events', 'customer_profiles',
                             'loyalty_point_events', 'loyalty_points', 'customers',
                             'loyalty_programs'] LOOP
        PERFORM truncate_local_data_after_distributing_table('public.' || t);
    END LOOP;
END
$$;
