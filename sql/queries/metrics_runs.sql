-- analyticsctl metrics: per kind and mode, the runs finished by outcome (succeeded,
-- failed, cancelled) and the runs a rollback undid (rolled_back), as analytics_run_totals
-- counts them (only ever up: migration 0012), with when the last of each finished (Unix
-- seconds; a run rolled back later still finished as a success) and the last run's
-- figures. One row per kind, mode and outcome; the last-run columns repeat on each row of
-- a kind and mode.
WITH last_finished AS (
    SELECT kind, coalesce(mode, '') AS mode,
           CASE WHEN status = 'rolled_back' THEN 'succeeded' ELSE status END AS status,
           max(extract(epoch FROM finished_at)) AS last_finished
      FROM analytics_refresh_runs
     WHERE status <> 'running'
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
SELECT t.kind, t.mode, t.outcome AS status, t.runs, f.last_finished,
       l.duration_s, l.rows_inserted, l.rows_updated, l.rows_deleted, l.rows_unchanged
  FROM analytics_run_totals t
  LEFT JOIN last_finished f ON f.kind = t.kind AND f.mode = t.mode AND f.status = t.outcome
  LEFT JOIN last l ON l.kind = t.kind AND l.mode = t.mode
 ORDER BY t.kind, t.mode, t.outcome;
