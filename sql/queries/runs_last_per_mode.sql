-- status: the last run of each mode (full, incremental, recent, org, rollback, rebuild),
-- the one that started last, and when the mode last succeeded. status must stay instant after years of hourly runs, so this reads a few
-- index entries per mode instead of sorting the whole history: the modes are found by a
-- skip scan of analytics_refresh_runs_mode_started_idx (each step the next mode after the
-- one before), and each mode's newest run is the first entry of its range of that index.
WITH RECURSIVE modes (mode) AS (
    (SELECT mode FROM analytics_refresh_runs WHERE mode IS NOT NULL ORDER BY mode LIMIT 1)
    UNION ALL
    SELECT (SELECT r.mode FROM analytics_refresh_runs r
             WHERE r.mode > m.mode ORDER BY r.mode LIMIT 1)
      FROM modes m
     WHERE m.mode IS NOT NULL
)
SELECT l.*
  FROM modes m
  CROSS JOIN LATERAL (
      SELECT id, mode, scope, trigger, status,
             to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
             round(extract(epoch FROM finished_at - started_at) * 1000)::bigint AS duration_ms,
             rows_inserted, rows_updated, rows_deleted, rows_unchanged, message,
             -- The last success of the mode, for "how long since the last good run":
             -- usually the run above, else a few index entries further back.
             (SELECT to_char(s.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                FROM analytics_refresh_runs s
               WHERE s.mode = m.mode AND s.status = 'succeeded'
               ORDER BY s.mode, s.started_at DESC
               LIMIT 1) AS last_success_at
        FROM analytics_refresh_runs r
       WHERE r.mode = m.mode
       ORDER BY r.mode, r.started_at DESC
       LIMIT 1) l
 WHERE m.mode IS NOT NULL;
