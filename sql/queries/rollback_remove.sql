-- Undo run $1, part 1: remove the rows it inserted or updated.
DELETE FROM customer_analytics_stored t
 USING analytics_undo_log u
 WHERE u.run_id = $1::bigint AND u.op IN ('i', 'u')
   AND t.organization_id = u.organization_id
   AND t.square_customer_id = u.square_customer_id;
