-- analyticsctl metrics: the pause, the queue (entries, the oldest one's age), the rows due
-- by the clock, and when an incremental run last found the table caught up.
SELECT c.paused,
       extract(epoch FROM c.paused_at) AS paused_since,
       extract(epoch FROM c.caught_up_at) AS caught_up,
       (SELECT count(*) FROM analytics_change_queue) AS queue_entries,
       (SELECT extract(epoch FROM now() - min(queued_at)) FROM analytics_change_queue)
           AS queue_oldest_age,
       (SELECT count(*) FROM customer_analytics WHERE next_change_at <= now()) AS rows_due
  FROM analytics_control c;
