-- status: the change queue (its entries, each a source's write, and when the oldest was
-- queued) and the rows the clock has made due (migration 8). status answers in
-- milliseconds whatever the tables hold, so each count stops at 1000 (entries_capped,
-- rows_due_capped say it did; the metrics count them all): the rows due are read through
-- analytics_rows_due (migration 0015), and the queue, which has no index, is read no
-- further than its first 1000 entries (and whole-table entries, analytics_queue_all), whose
-- oldest is then the oldest of those.
WITH q AS (
    (SELECT queued_at FROM analytics_change_queue LIMIT 1001)
    UNION ALL
    (SELECT queued_at FROM analytics_queue_all LIMIT 1001)
), due AS (
    SELECT 1 FROM analytics_rows_due(now()) LIMIT 1001
)
SELECT least((SELECT count(*) FROM q), 1000) AS entries,
       (SELECT count(*) FROM q) > 1000 AS entries_capped,
       (SELECT to_char(min(queued_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM q)
           AS oldest_queued_at,
       least((SELECT count(*) FROM due), 1000) AS rows_due,
       (SELECT count(*) FROM due) > 1000 AS rows_due_capped;
