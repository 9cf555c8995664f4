-- Delete the rows of customers in scope who no longer qualify (no client record and no
-- booking left): in ca_scope but not in ca_new.
DELETE FROM customer_analytics t
 USING ca_scope s
 WHERE t.organization_id = s.organization_id
   AND t.square_customer_id = s.square_customer_id
   AND NOT EXISTS (SELECT FROM ca_new n
                    WHERE n.organization_id = t.organization_id
                      AND n.square_customer_id = t.square_customer_id);
