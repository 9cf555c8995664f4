-- Record a run that failed (its own transaction was rolled back), and its
-- application_logs row when $12 is true, in one statement.
-- $1 kind, $2 mode, $3 scope, $4 trigger, $5 requested_by, $6 host, $7 pid,
-- $8 started_at, $9 status ('failed' or 'cancelled'), $10 sqlstate,
-- $11 message, $12 write application_logs, $13 organization or null,
-- $14 duration ms
WITH run AS (
    INSERT INTO analytics_refresh_runs
           (kind, mode, scope, trigger, requested_by, host, pid, started_at, finished_at,
            status, sqlstate, message)
    VALUES ($1, $2, $3, $4, $5, $6, $7::int, $8::timestamptz, clock_timestamp(),
            $9, nullif($10, ''), $11)
    RETURNING id
), log AS (
    INSERT INTO application_logs (log_type, status, organization_id, payload)
    SELECT 'cron', 'error', $13::uuid, jsonb_strip_nulls(jsonb_build_object(
           'cron_name', CASE WHEN $2::text = 'rebuild' THEN 'backfill-customers-loyalty'
                        ELSE 'refresh-customer-analytics' END,
           'run_id', run.id,
           'mode', $2::text,
           'duration_ms', $14::bigint,
           'sqlstate', nullif($10::text, ''),
           'error', $11::text))
      FROM run
     WHERE $12::bool
)
SELECT id FROM run;
