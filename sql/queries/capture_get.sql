-- Change capture on or off (analytics_control, migration 11), for status and capture status.
-- Read through to_jsonb so that the statement runs before migration 11 too (capture is on).
SELECT coalesce((j ->> 'capture_enabled')::boolean, true) AS enabled,
       j ->> 'capture_changed_by' AS changed_by,
       to_char((j ->> 'capture_changed_at')::timestamptz AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS changed_at,
       j ->> 'capture_reason' AS reason
  FROM (SELECT to_jsonb(c) AS j FROM analytics_control c) s;
