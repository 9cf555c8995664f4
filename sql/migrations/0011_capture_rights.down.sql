-- Revert 0011: 0008's capture functions as they were (the writer's rights, names resolved
-- through the writer's search_path), ENABLE (origin only), no TRUNCATE triggers, EXECUTE for
-- PUBLIC, no switch; the analytics_events contracts run with the caller's rights again (their
-- helpers stay named with their schema, which resolves as before).
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT tg.tgrelid::regclass AS rel, tg.tgname
          FROM pg_trigger tg
         WHERE tg.tgname LIKE 'analytics\_capture\_%'
           AND NOT tg.tgisinternal
    LOOP
        IF t.tgname = 'analytics_capture_truncate' THEN
            EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
        ELSE
            EXECUTE format('ALTER TABLE %s ENABLE TRIGGER %I', t.rel, t.tgname);
        END IF;
    END LOOP;
END
$$;
DROP FUNCTION analytics_capture_truncate();

CREATE OR REPLACE FUNCTION analytics_capture_bookings() RETURNS trigger
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
CREATE OR REPLACE FUNCTION analytics_capture_payments() RETURNS trigger
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
CREATE OR REPLACE FUNCTION analytics_capture_clients() RETURNS trigger
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
CREATE OR REPLACE FUNCTION analytics_capture_ledger() RETURNS trigger
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
CREATE OR REPLACE FUNCTION analytics_capture_customers() RETURNS trigger
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
CREATE OR REPLACE FUNCTION analytics_capture_org_settings() RETURNS trigger
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
CREATE OR REPLACE FUNCTION analytics_capture_locations() RETURNS trigger
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
CREATE OR REPLACE FUNCTION analytics_capture_organizations() RETURNS trigger
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

DROP FUNCTION analytics_capture_enabled();

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
        EXECUTE format('ALTER FUNCTION %s SECURITY INVOKER RESET search_path', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', f);
    END LOOP;
END
$$;
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;

ALTER TABLE analytics_control
    DROP COLUMN capture_enabled,
    DROP COLUMN capture_changed_by,
    DROP COLUMN capture_changed_at,
    DROP COLUMN capture_reason;

-- A whole-table entry becomes one entry per organization, which 0008's queue can hold.
INSERT INTO analytics_change_queue (organization_id)
SELECT o.id
  FROM organizations o
 WHERE EXISTS (SELECT 1 FROM analytics_change_queue q WHERE q.organization_id IS NULL)
UNION
SELECT DISTINCT ca.organization_id
  FROM customer_analytics ca
 WHERE EXISTS (SELECT 1 FROM analytics_change_queue q WHERE q.organization_id IS NULL);
DELETE FROM analytics_change_queue WHERE organization_id IS NULL;
ALTER TABLE analytics_change_queue ALTER COLUMN organization_id SET NOT NULL;
COMMENT ON COLUMN analytics_change_queue.organization_id IS NULL;
