-- 0011 capture with analyticsd's rights, every write seen, a switch (docs/CAPTURE.md).
--
-- 1. Whose rights. 0008's capture functions ran with the writer's rights: a platform whose
--    application role may not write analytics_change_queue (every least-privilege
--    deployment) had each of its writes fail in the trigger, and the functions' owner could
--    replace them with code that then ran as every writer. They are now SECURITY DEFINER,
--    owned by the role that migrates (analyticsd's), so a writer needs no grant on anything
--    of analyticsd's and the code runs as analyticsd, never as the writer. Every object they
--    name is schema-qualified and search_path is pinned to pg_catalog, then pg_temp: a
--    writer's temporary table named analytics_change_queue (pg_temp is otherwise searched
--    first) or a function in another schema is never used.
-- 2. EXECUTE on analyticsd's functions is revoked from PUBLIC, now and for the functions this
--    role creates later (default privileges). A trigger function needs no EXECUTE right of the
--    writer. The analytics_events contracts, which run in the CHECK constraints of whoever
--    inserts events, become SECURITY DEFINER with a pinned search_path too, so that such a
--    writer needs EXECUTE on those four alone (README, Deploying).
-- 3. TRUNCATE of a source queues one entry with no organization: the next run recomputes
--    every customer (refresh_queue_keys.sql). The triggers are ENABLE ALWAYS, so writes
--    applied with session_replication_role = replica (logical replication's apply, some bulk
--    loaders) are captured too.
-- 4. A switch: analytics_control.capture_enabled (`analyticsctl capture off|on`). While off,
--    the functions return at once; a writer that found it off holds the control row
--    (FOR SHARE) until it commits, so that `capture on`, which updates the row and queues the
--    whole-table entry in one transaction, commits only after every write it missed.
--
-- The triggers live on the platform's tables: creating the TRUNCATE ones and making them all
-- ENABLE ALWAYS needs the tables' owner, as 0008 did (README, Deploying: grant the owner's
-- role for the migration). What already exists is skipped, so an owner may do it beforehand.
--
-- No BEGIN/COMMIT: the migration runner wraps each file in one transaction.

ALTER TABLE analytics_change_queue ALTER COLUMN organization_id DROP NOT NULL;
COMMENT ON COLUMN analytics_change_queue.organization_id IS
    'NULL with every other key NULL: the whole table (a TRUNCATE, capture turned back on).';

ALTER TABLE analytics_control
    ADD COLUMN capture_enabled    boolean NOT NULL DEFAULT true,
    ADD COLUMN capture_changed_by text,
    ADD COLUMN capture_changed_at timestamptz,
    ADD COLUMN capture_reason     text;

-- Is capture on? The capture functions read the switch themselves and call this only when
-- they find it off, so that while capture is on it costs one read of a one-row table per
-- statement.
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

-- The capture functions: 0008's entries, unchanged, from the same transition tables.

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
CREATE FUNCTION public.analytics_capture_truncate() RETURNS trigger
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

-- The analytics_events contracts run for whoever inserts an event.
ALTER FUNCTION analytics_jsonb_is_uuid(jsonb) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION analytics_jsonb_is_int(jsonb, integer) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION analytics_jsonb_is_one_of(jsonb, text[]) SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION public.analytics_event_booking_created_ok(p jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT public.analytics_jsonb_is_uuid(p -> 'booking_id')
       AND public.analytics_jsonb_is_int(p -> 'loyalty_points_awarded', 0)
       AND coalesce(jsonb_typeof(p -> 'waitlisted') = 'boolean', false)
$$;

CREATE OR REPLACE FUNCTION public.analytics_event_booking_waitlisted_ok(p jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT public.analytics_jsonb_is_uuid(p -> 'booking_id')
       AND coalesce(jsonb_typeof(p -> 'waitlist_id') = 'string' AND p ->> 'waitlist_id' <> '', false)
       AND public.analytics_jsonb_is_int(p -> 'queue_position', 1)
$$;

CREATE OR REPLACE FUNCTION public.analytics_event_booking_allocated_ok(p jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT public.analytics_jsonb_is_uuid(p -> 'booking_id')
       AND public.analytics_jsonb_is_one_of(p -> 'allocation_status', '{allocated,reallocated}')
$$;

CREATE OR REPLACE FUNCTION public.analytics_event_booking_cancelled_ok(p jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT public.analytics_jsonb_is_uuid(p -> 'booking_id')
       AND public.analytics_jsonb_is_one_of(p -> 'previous_status', '{PENDING,ACCEPTED}')
       AND public.analytics_jsonb_is_one_of(p -> 'cancelled_by', '{customer,seller,system}')
$$;

-- EXECUTE: nobody's by default, on every function of this role's.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure
          FROM pg_proc p
         WHERE p.proname LIKE 'analytics\_%'
           AND p.pronamespace = 'public'::regnamespace
           AND pg_has_role(p.proowner, 'USAGE')
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- The TRUNCATE triggers, and every capture trigger ENABLE ALWAYS, on the real tables that
-- carry 0008's triggers (a source mapped through a view has none: docs/CAPTURE.md).
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.oid::regclass AS rel, c.relowner::regrole AS owner,
               bool_or(tg.tgname = 'analytics_capture_truncate') AS has_truncate,
               bool_and(tg.tgenabled = 'A') AS always
          FROM pg_class c
          JOIN pg_trigger tg ON tg.tgrelid = c.oid
         WHERE tg.tgname LIKE 'analytics\_capture\_%'
           AND NOT tg.tgisinternal
         GROUP BY c.oid
    LOOP
        IF (NOT t.has_truncate OR NOT t.always) AND NOT pg_has_role(t.owner::oid, 'USAGE') THEN
            RAISE EXCEPTION 'migration 0011 must add a TRUNCATE trigger to % and make its capture triggers ENABLE ALWAYS, which needs its owner, %', t.rel, t.owner
                USING ERRCODE = 'insufficient_privilege',
                      HINT = format('GRANT %s TO %s for the migration and REVOKE it afterwards, or have %s run the statements docs/CAPTURE.md lists first (README, Deploying)',
                                    t.owner, current_user, t.owner);
        END IF;
        IF NOT t.has_truncate THEN
            EXECUTE format('CREATE TRIGGER analytics_capture_truncate AFTER TRUNCATE ON %s '
                           'FOR EACH STATEMENT EXECUTE FUNCTION public.analytics_capture_truncate()',
                           t.rel);
        END IF;
    END LOOP;
    FOR t IN
        SELECT tg.tgrelid::regclass AS rel, tg.tgname
          FROM pg_trigger tg
         WHERE tg.tgname LIKE 'analytics\_capture\_%'
           AND NOT tg.tgisinternal
           AND tg.tgenabled <> 'A'
    LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', t.rel, t.tgname);
    END LOOP;
END
$$;
