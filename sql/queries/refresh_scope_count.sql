-- What an incremental run found to do ($1 = the run's pinned as_of or NULL): keys in scope,
-- queue entries read, and whether any row is due by the clock at all (its data events).
SELECT (SELECT count(*) FROM ca_scope) AS keys,
       (SELECT count(*) FROM ca_queue) AS entries,
       -- min() reads one entry of the index on next_change_at, whatever the statistics.
       coalesce((SELECT min(next_change_at) FROM customer_analytics_stored)
                <= coalesce($1::timestamptz, now()), false) AS due;
