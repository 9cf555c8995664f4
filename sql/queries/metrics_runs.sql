-- analyticsctl metrics: per kind and mode, the runs by status, and the last run's figures
-- with the last success and the last failure (finished_at as Unix seconds). One row per
-- kind, mode and status; the last-run columns repeat on each row of a kind and mode.
WITH counts AS (
    SELECT kind, coalesce(mode, '') AS mode, status, count(*) AS runs,
           max(extract(epoch FROM finished_at)) AS last_finished
      FROM analytics_refresh_runs
     GROUP BY 1, 2, 3
), last AS (
    SELECT DISTINCT ON (kind, coalesce(mode, ''))
           kind, coalesce(mode, '') AS mode,
           extract(epoch FROM finished_at - started_at) AS duration_s,
           rows_inserted, rows_updated, rows_deleted, rows_unchanged
      FROM analytics_refresh_runs
     WHERE status <> 'running'
     ORDER BY kind, coalesce(mode, ''), started_at DESC
)
SELECT c.kind, c.mode, c.status, c.runs, c.last_finished,
       l.duration_s, l.rows_inserted, l.rows_updated, l.rows_deleted, l.rows_unchanged
  FROM counts c
  LEFT JOIN last l USING (kind, mode)
 ORDER BY c.kind, c.mode, c.status;
