-- Scope of `refresh incremental` ($1 = the run's pinned as_of or NULL): the keys the queue
-- names (ca_queued, refresh_queue_keys.sql) and the rows whose sources next move a value by
-- time alone by now (next_event_at: a booking starting, a window exit). Keys that no longer
-- qualify are dropped by the compute and their rows deleted. Rows due only for a whole-day
-- boundary are not recomputed from their sources: refresh_clock.sql brings them forward.
--
-- The bound is written out as coalesce($1, now()), which is ca_run's as_of (run_as_of.sql
-- computes the same in the same transaction), so that it is known when the statement is
-- planned and the index on next_change_at (which next_event_at never precedes) is used for
-- the range (see refresh_scope_recent.sql).
CREATE TEMP TABLE ca_scope ON COMMIT DROP AS
SELECT organization_id, square_customer_id
  FROM ca_queued
UNION
SELECT organization_id, square_customer_id
  FROM customer_analytics
 WHERE next_change_at <= coalesce($1::timestamptz, now())
   AND next_event_at <= coalesce($1::timestamptz, now());
