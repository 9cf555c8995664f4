-- The paused flag (one row, analytics_control), for status and refresh.
SELECT paused, paused_by,
       to_char(paused_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS paused_at,
       reason
  FROM analytics_control;
