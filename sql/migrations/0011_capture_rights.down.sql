-- Revert 0011. The capture functions go back to the writer's rights (SECURITY INVOKER, no
-- pinned search_path, EXECUTE for PUBLIC) and to ENABLE (origin only); their bodies keep
-- their schema-qualified names, which resolve as 0008's did, and capture stays on
-- (analytics_capture_enabled() answers true once the switch is gone).
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

CREATE OR REPLACE FUNCTION public.analytics_capture_enabled() RETURNS boolean
    LANGUAGE sql IMMUTABLE
AS $$ SELECT true $$;

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
