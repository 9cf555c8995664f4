-- Resume: refreshes run again. $1 who (kept in the log, not the table).
UPDATE analytics_control
   SET paused = false, paused_by = NULL, paused_at = NULL, reason = NULL
RETURNING paused, (SELECT $1::text) AS resumed_by;
