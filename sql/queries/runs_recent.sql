-- analyticsctl runs: the newest runs first. $1 = limit.
SELECT id, kind, mode, scope, trigger, requested_by, host,
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
       to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS finished_at,
       round(extract(epoch FROM finished_at - started_at) * 1000)::bigint AS duration_ms,
       status, rows_inserted, rows_updated, rows_deleted, rows_unchanged,
       sqlstate, message
  FROM analytics_refresh_runs
 ORDER BY id DESC
 LIMIT $1::int;
