-- refresh --dry-run ($1 = the pinned as_of or NULL): what the run would recompute, from the
-- scope its own statements built (ca_scope, rolled back with the rest): the keys in scope,
-- the rows customer_analytics has now, the change queue's entries, and the rows due by the
-- clock.
SELECT (SELECT count(*) FROM ca_scope) AS scope,
       (SELECT count(*) FROM customer_analytics_stored) AS rows,
       (SELECT count(*) FROM analytics_change_queue)
           + (SELECT count(*) FROM analytics_queue_all) AS queue_entries,
       (SELECT count(*) FROM analytics_rows_due(coalesce($1::timestamptz, now()))) AS rows_due;
