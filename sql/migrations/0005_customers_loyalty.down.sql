-- 0005 down: drop customers, profiles, loyalty and analytics_events, and put back the 0003
-- email normalisation.
--
-- customers, customer_profiles, the ledger's booking entries and loyalty_points are derived
-- (a `loyalty rebuild` recreates them), but loyalty_programs, manual ledger entries and
-- analytics_events are the platform's data: refuse while any of those hold rows, so that a
-- down migration never destroys what no rebuild can bring back.
--
-- No BEGIN/COMMIT: the migration runner wraps each file in one transaction.
DO $$
BEGIN
    IF EXISTS (SELECT FROM loyalty_programs)
       OR EXISTS (SELECT FROM loyalty_point_events WHERE reason <> 'booking')
       OR EXISTS (SELECT FROM analytics_events) THEN
        RAISE EXCEPTION 'refusing to drop the loyalty tables: loyalty_programs, manual ledger '
                        'entries or analytics_events hold rows'
            USING HINT = 'Export or delete them first; derived rows would be rebuilt, these would be lost.';
    END IF;
END
$$;

DROP TABLE loyalty_undo_log;
DROP TABLE analytics_events;
DROP FUNCTION analytics_event_booking_created_ok(jsonb);
DROP FUNCTION analytics_event_booking_waitlisted_ok(jsonb);
DROP FUNCTION analytics_event_booking_allocated_ok(jsonb);
DROP FUNCTION analytics_event_booking_cancelled_ok(jsonb);
DROP FUNCTION analytics_jsonb_is_uuid(jsonb);
DROP FUNCTION analytics_jsonb_is_int(jsonb, integer);
DROP FUNCTION analytics_jsonb_is_one_of(jsonb, text[]);
DROP VIEW analytics_loyalty_balances;
DROP TABLE loyalty_points;
DROP TABLE loyalty_point_events;
DROP TABLE loyalty_programs;
DROP TABLE customer_profiles;
DROP TABLE customers;

CREATE OR REPLACE FUNCTION analytics_normalize_email(raw text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT nullif(lower(btrim(raw, E' \t\n\x0B\f\r')), '')
$$;
