-- Scope of `refresh incremental` ($1 = the run's pinned as_of or NULL): the keys the queue
-- names (ca_queued, refresh_queue_keys.sql) and the rows whose sources next move a stored
-- value by time alone by now (next_change_at: a booking starting, a window exit, a referred
-- client's first visit). Keys that no longer qualify are dropped by the compute and their
-- rows deleted. The day counts and what follows from them are no stored value: the view
-- customer_analytics evaluates them when read (migration 0013), so nothing else is due.
--
-- The rows due are those of analytics_rows_due (migration 0015; refresh_due_refill.sql has
-- just made its list cover this instant). The bound is written out as coalesce($1, now()),
-- which is ca_run's as_of (run_as_of.sql computes the same in the same transaction), so
-- that it is known when the statement is planned and the index on due_at is used.
CREATE TEMP TABLE ca_scope ON COMMIT DROP AS
SELECT organization_id, square_customer_id
  FROM ca_queued
UNION
SELECT organization_id, square_customer_id
  FROM analytics_rows_due(coalesce($1::timestamptz, now()));
