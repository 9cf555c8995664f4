-- Delete the rows of customers in scope who no longer qualify (no client record and no
-- booking left): in ca_scope but not in ca_new. Each deleted row goes to the undo log of run
-- $1 in the same statement; the statement's row count is the number deleted.
WITH gone AS (
DELETE FROM customer_analytics_stored t
 USING ca_scope s
 WHERE t.organization_id = s.organization_id
   AND t.square_customer_id = s.square_customer_id
   AND NOT EXISTS (SELECT FROM ca_new n
                    WHERE n.organization_id = t.organization_id
                      AND n.square_customer_id = t.square_customer_id)
RETURNING t.*
)
INSERT INTO analytics_undo_log (run_id, organization_id, square_customer_id, op, old_row)
SELECT $1::bigint, g.organization_id, g.square_customer_id, 'd', to_jsonb(g)
  FROM gone g;
