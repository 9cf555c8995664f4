-- Insert the customers in scope that have no row yet (this runs after refresh_update.sql,
-- so the others have theirs). ca_new has the table's columns in the table's order
-- (refresh_compute.sql). Each inserted key goes to the undo log of run $1 (undo = delete
-- it); the statement's row count is the number inserted.
--
-- The existing rows are skipped by the primary key (one index probe each), not by an anti
-- join: a NOT EXISTS over customer_analytics, planned while the table is empty or its
-- statistics say so, became a nested loop over a sequential scan of the very table the
-- statement was filling, and each computed row read every row inserted before it (make
-- bench: a full refresh into an emptied table ran for over 15 minutes where it takes one).
WITH ins AS (
INSERT INTO customer_analytics
SELECT *
  FROM ca_new
    ON CONFLICT (organization_id, square_customer_id) DO NOTHING
RETURNING organization_id, square_customer_id
)
INSERT INTO analytics_undo_log (run_id, organization_id, square_customer_id, op, old_row)
SELECT $1::bigint, organization_id, square_customer_id, 'i', NULL
  FROM ins;
