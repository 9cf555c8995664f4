-- capture on|off ($1 on, $2 who, $3 why), in one statement and so one transaction. The
-- control row is locked first (FOR UPDATE): that waits for every writer that found capture
-- off and holds the row until it commits (analytics_capture_enabled(), migration 0011), and
-- reads the switch as it is then. Turning it on queues the whole-table entry
-- (analytics_queue_whole, migration 0016), which makes the next run recompute every customer:
-- nothing written while it was off stays stale. A CTE that only reads runs only as far as
-- its reader reads it: the outer count of requeue is what calls analytics_queue_whole().
WITH prev AS (
    SELECT capture_enabled FROM analytics_control FOR UPDATE
), upd AS (
    UPDATE analytics_control c
       SET capture_enabled = $1::boolean, capture_changed_by = $2,
           capture_changed_at = now(), capture_reason = $3
      FROM prev
     WHERE prev.capture_enabled IS DISTINCT FROM $1::boolean
    RETURNING c.capture_enabled, c.capture_changed_by, c.capture_changed_at, c.capture_reason
), requeue AS (
    SELECT analytics_queue_whole() AS entries
      FROM prev WHERE $1::boolean AND NOT prev.capture_enabled
)
SELECT p.capture_enabled AS was_enabled,
       (SELECT count(*) FROM upd) = 1 AS changed,
       (SELECT count(*) FROM requeue) = 1 AS requeued
  FROM prev p;
