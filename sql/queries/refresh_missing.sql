-- The keys of ca_new that have no row in customer_analytics yet: the ones
-- refresh_insert.sql inserts. One anti join here, before the run writes anything, finds
-- them; an ON CONFLICT in the insert instead would probe the primary key with every
-- computed row, even when none of them is new. The table does not change
-- during this statement, so even a plan that scans it once per computed row would read
-- the same rows.
CREATE TEMP TABLE ca_missing ON COMMIT DROP AS
SELECT n.organization_id, n.square_customer_id
  FROM ca_new n
 WHERE NOT EXISTS (SELECT FROM customer_analytics_stored t
                    WHERE t.organization_id = n.organization_id
                      AND t.square_customer_id = n.square_customer_id);
