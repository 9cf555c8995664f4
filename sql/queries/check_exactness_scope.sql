-- analyticsctl check, exactness (2 of 3): the rows to recompute: 200 at random and up to
-- 1000 that the latest run wrote (computed_at = the table's as_of), leaving out the keys
-- the queue names (changed since, see check_exactness_setup.sql) and rows a later recent or
-- org refresh rewrote at another as_of.
CREATE TEMP TABLE ca_scope ON COMMIT DROP AS
WITH candidates AS (
    SELECT ca.organization_id, ca.square_customer_id, ca.computed_at
      FROM customer_analytics_stored ca
     WHERE ca.computed_at <= (SELECT as_of FROM ca_run)
       AND NOT EXISTS (SELECT FROM ca_queued q
                        WHERE q.organization_id = ca.organization_id
                          AND q.square_customer_id = ca.square_customer_id)
)
(SELECT organization_id, square_customer_id FROM candidates ORDER BY random() LIMIT 200)
UNION
(SELECT organization_id, square_customer_id FROM candidates
  WHERE computed_at = (SELECT as_of FROM ca_run) LIMIT 1000);
