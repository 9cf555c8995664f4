-- Pause: timer-triggered refreshes are refused, manual ones need --force.
-- Lives in the database, so it survives restarts and holds for every daemon.
-- $1 who, $2 why.
UPDATE analytics_control
   SET paused = true, paused_by = $1, paused_at = now(), reason = $2
RETURNING paused, paused_by,
          to_char(paused_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS paused_at, reason;
