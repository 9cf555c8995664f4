-- status: the change queue (its entries, each a source's write, and when the oldest was
-- queued) and the rows the clock has made due (migration 8).
SELECT (SELECT count(*) FROM analytics_change_queue) AS entries,
       (SELECT to_char(min(queued_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
          FROM analytics_change_queue) AS oldest_queued_at,
       (SELECT count(*) FROM customer_analytics WHERE next_change_at <= now()) AS rows_due;
