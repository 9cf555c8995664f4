-- Revert 0008: the capture triggers and functions, the queue, the clock.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT tg.tgname, tg.tgrelid::regclass AS rel
          FROM pg_trigger tg
         WHERE tg.tgname IN ('analytics_capture_insert', 'analytics_capture_update',
                             'analytics_capture_delete')
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
    END LOOP;
END
$$;
DROP FUNCTION analytics_capture_bookings();
DROP FUNCTION analytics_capture_payments();
DROP FUNCTION analytics_capture_clients();
DROP FUNCTION analytics_capture_ledger();
DROP FUNCTION analytics_capture_customers();
DROP FUNCTION analytics_capture_org_settings();
DROP FUNCTION analytics_capture_locations();
DROP FUNCTION analytics_capture_organizations();
DROP TABLE analytics_change_queue;
DROP INDEX customer_analytics_contact_idx;
DROP INDEX customer_analytics_next_change_idx;
ALTER TABLE customer_analytics DROP COLUMN next_change_at;
ALTER TABLE customer_analytics DROP COLUMN next_event_at;
ALTER TABLE analytics_control DROP COLUMN caught_up_at;
DROP FUNCTION analytics_scores(timestamptz, timestamptz, timestamptz, integer, integer, bigint,
                               numeric, integer, integer[], integer[], bigint[]);
DROP FUNCTION analytics_org_params(uuid);
-- Clock updates cannot be undone without 0008's restore step: forget them.
DELETE FROM analytics_undo_log WHERE op = 'c';
ALTER TABLE analytics_undo_log DROP CONSTRAINT analytics_undo_log_op_check;
ALTER TABLE analytics_undo_log ADD CONSTRAINT analytics_undo_log_op_check
    CHECK (op IN ('i', 'u', 'd'));
