-- status: the last run of each mode (full, recent, org, rollback).
SELECT DISTINCT ON (mode) id, mode, scope, trigger, status,
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
       round(extract(epoch FROM finished_at - started_at) * 1000)::bigint AS duration_ms,
       rows_inserted, rows_updated, rows_deleted, rows_unchanged, message
  FROM analytics_refresh_runs
 ORDER BY mode, id DESC;
