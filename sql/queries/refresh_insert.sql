-- Insert the customers in scope that have no row yet. ca_new has the table's columns in the
-- table's order (refresh_compute.sql).
INSERT INTO customer_analytics
SELECT *
  FROM ca_new n
 WHERE NOT EXISTS (SELECT FROM customer_analytics t
                    WHERE t.organization_id = n.organization_id
                      AND t.square_customer_id = n.square_customer_id);
