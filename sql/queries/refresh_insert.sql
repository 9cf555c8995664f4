-- Insert the customers in scope that have no row yet. ca_new has the table's columns in the
-- table's order (refresh_compute.sql). Each inserted key goes to the undo log of run $1 (undo
-- = delete it); the statement's row count is the number inserted.
WITH ins AS (
INSERT INTO customer_analytics
SELECT *
  FROM ca_new n
 WHERE NOT EXISTS (SELECT FROM customer_analytics t
                    WHERE t.organization_id = n.organization_id
                      AND t.square_customer_id = n.square_customer_id)
RETURNING organization_id, square_customer_id
)
INSERT INTO analytics_undo_log (run_id, organization_id, square_customer_id, op, old_row)
SELECT $1::bigint, organization_id, square_customer_id, 'i', NULL
  FROM ins;
