-- analyticsctl runs: the newest runs first, at most $1, filtered by status ($2), kind ($3),
-- mode ($4) and start ($5: an age such as 7d, 12h, 30m, 90s or 2w before now, else a
-- timestamp); a null filter is no filter.
SELECT id, kind, mode, scope, trigger, requested_by, host,
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
       to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS finished_at,
       round(extract(epoch FROM finished_at - started_at) * 1000)::bigint AS duration_ms,
       status, rows_inserted, rows_updated, rows_deleted, rows_unchanged,
       sqlstate, message
  FROM analytics_refresh_runs
 WHERE ($2::text IS NULL OR status = $2)
   AND ($3::text IS NULL OR kind = $3)
   AND ($4::text IS NULL OR mode = $4)
   AND ($5::text IS NULL OR started_at >=
        CASE WHEN $5 ~ '^[0-9]+[smhdw]$'
             THEN now() - left($5, -1)::int * CASE right($5, 1) WHEN 's' THEN interval '1 second'
                                                                WHEN 'm' THEN interval '1 minute'
                                                                WHEN 'h' THEN interval '1 hour'
                                                                WHEN 'd' THEN interval '1 day'
                                                                ELSE interval '1 week' END
             ELSE $5::timestamptz END)
 ORDER BY id DESC
 LIMIT $1::int;
