-- analyticsctl metrics: the pause, the queue (entries, whole-table ones included, and the
-- oldest one's age), the rows due by the clock, when an incremental run last found the
-- table caught up, and change capture on or off (migration 11, read through to_jsonb so
-- that this runs before it too).
SELECT c.paused,
       coalesce((to_jsonb(c) ->> 'capture_enabled')::boolean, true) AS capture_enabled,
       extract(epoch FROM (to_jsonb(c) ->> 'capture_changed_at')::timestamptz)
           AS capture_changed,
       extract(epoch FROM c.paused_at) AS paused_since,
       extract(epoch FROM c.caught_up_at) AS caught_up,
       (SELECT count(*) FROM analytics_change_queue)
           + (SELECT count(*) FROM analytics_queue_all) AS queue_entries,
       (SELECT extract(epoch FROM now() - min(queued_at))
          FROM (SELECT queued_at FROM analytics_change_queue
                UNION ALL
                SELECT queued_at FROM analytics_queue_all) q) AS queue_oldest_age,
       (SELECT count(*) FROM analytics_rows_due(now())) AS rows_due
  FROM analytics_control c;
