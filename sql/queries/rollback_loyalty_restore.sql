-- Undo run $1, loyalty part 2: put back the previous version of every row a loyalty rebuild
-- updated or deleted, exactly as it was (ids included).
WITH u AS (
    SELECT rel, old_row FROM loyalty_undo_log WHERE run_id = $1::bigint AND op IN ('u', 'd')
), c AS (
    INSERT INTO customers
    SELECT (jsonb_populate_record(NULL::customers, old_row)).* FROM u WHERE rel = 'customers'
), p AS (
    INSERT INTO customer_profiles
    SELECT (jsonb_populate_record(NULL::customer_profiles, old_row)).* FROM u
     WHERE rel = 'customer_profiles'
), e AS (
    INSERT INTO loyalty_point_events
    SELECT (jsonb_populate_record(NULL::loyalty_point_events, old_row)).* FROM u
     WHERE rel = 'loyalty_point_events'
)
INSERT INTO loyalty_points
SELECT (jsonb_populate_record(NULL::loyalty_points, old_row)).* FROM u WHERE rel = 'loyalty_points';
