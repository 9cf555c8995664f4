-- 0001 down: remove the reference source tables, but never the data in them.
--
-- These tables hold the platform's bookings and payments, which analyticsd cannot recreate.
-- `migrate down` therefore refuses while any of them holds a row: empty them on purpose
-- first if that is really what you want. Names that are views (an operator's mapping onto
-- differently shaped tables) or anything else that is not a table are left alone.
--
-- No BEGIN/COMMIT: the migration runner wraps each file in one transaction.

DO $$
DECLARE
    -- Children before parents, so the foreign keys never block a drop.
    names    text[] := ARRAY['payments', 'bookings', 'square_existing_clients',
                             'locations', 'organizations'];
    tables   regclass[] := '{}';
    nonempty text[] := '{}';
    rel      regclass;
    has_rows boolean;
    n        text;
BEGIN
    FOREACH n IN ARRAY names LOOP
        SELECT c.oid INTO rel
          FROM pg_class c
         WHERE c.oid = to_regclass(n) AND c.relkind IN ('r', 'p');
        IF rel IS NOT NULL THEN
            tables := tables || rel;
            EXECUTE format('SELECT EXISTS (SELECT FROM %s)', rel) INTO has_rows;
            IF has_rows THEN
                nonempty := nonempty || n;
            END IF;
        END IF;
    END LOOP;

    IF cardinality(nonempty) > 0 THEN
        RAISE EXCEPTION 'refusing to drop source tables that still hold rows: %',
                        array_to_string(nonempty, ', ')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'These are the platform''s own data, not analytics. Empty the '
                      || 'tables deliberately (e.g. TRUNCATE ' || array_to_string(nonempty, ', ')
                      || ') before migrating down, if that is really intended.';
    END IF;

    FOREACH rel IN ARRAY tables LOOP
        -- No CASCADE: an operator's view or foreign key on these tables must stop the drop.
        EXECUTE format('DROP TABLE %s', rel);
    END LOOP;
END
$$;
