-- What an incremental run found to do ($1 = the run's pinned as_of or NULL): keys in scope,
-- queue entries read, and whether any row is due by the clock at all (refresh_clock.sql).
SELECT (SELECT count(*) FROM ca_scope) AS keys,
       (SELECT count(*) FROM ca_queue) AS entries,
       EXISTS (SELECT FROM customer_analytics
                WHERE next_change_at <= coalesce($1::timestamptz, now())) AS due;
