-- Undo run $1, part 2: put back the previous version of every row it
-- updated or deleted, exactly as it was (computed_at included).
INSERT INTO customer_analytics_stored
SELECT (jsonb_populate_record(NULL::customer_analytics_stored, u.old_row)).*
  FROM analytics_undo_log u
 WHERE u.run_id = $1::bigint AND u.op IN ('u', 'd');
