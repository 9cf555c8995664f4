-- Insert the customers in scope that have no row yet (ca_missing, refresh_missing.sql).
-- ca_new has the table's columns in the table's order (refresh_compute.sql). Each inserted
-- key goes to the undo log of run $1 (undo = delete it); the statement's row count is the
-- number inserted.
--
-- The statement reads no row of the table it fills: a NOT EXISTS over customer_analytics
-- here, planned while the table is empty or its statistics say so, became a nested loop
-- over a sequential scan of the very table the statement was filling, and each computed
-- row read every row inserted before it (make bench: a full refresh into an emptied table
-- ran for over 15 minutes where it takes one).
--
-- No ON CONFLICT: ca_missing holds the keys that had no row when this transaction looked,
-- under the run lock, and only a run writes the table. A row that appeared since is not
-- ours to skip in silence: the primary key's error (23505) fails the run, and nothing is
-- written. The guard cost a speculative insertion per row, 1.3 s of 5.4 at 200k rows.
--
-- In the primary key's order, each row goes where the one before it went: into an empty
-- table, 200k rows took 4.1 s in that order and 5.5 s in the order they were computed in.
WITH ins AS (
INSERT INTO customer_analytics
SELECT n.*
  FROM ca_new n
  JOIN ca_missing m
    ON m.organization_id = n.organization_id
   AND m.square_customer_id = n.square_customer_id
 ORDER BY n.organization_id, n.square_customer_id
RETURNING organization_id, square_customer_id
)
INSERT INTO analytics_undo_log (run_id, organization_id, square_customer_id, op, old_row)
SELECT $1::bigint, organization_id, square_customer_id, 'i', NULL
  FROM ins;
