-- Undo run $1, before the other parts: put back the columns its clock path changed
-- (refresh_clock.sql, undo op 'c': old_row holds just those columns), over the row as it is.
WITH gone AS (
    DELETE FROM customer_analytics t
     USING analytics_undo_log u
     WHERE u.run_id = $1::bigint AND u.op = 'c'
       AND t.organization_id = u.organization_id
       AND t.square_customer_id = u.square_customer_id
    RETURNING jsonb_populate_record(t, u.old_row) AS old
)
INSERT INTO customer_analytics
SELECT (old).* FROM gone;
