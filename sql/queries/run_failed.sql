-- Record a run that failed (its own transaction was rolled back, taking its 'running'
-- record along), and its application_logs row when $12 is true, in one statement. The
-- record is the run that started: the id its start took ($15; the identity never hands
-- it out again) and its own started_at, so that the journal, `runs`, the error reply
-- and the metrics name the same run. A run that failed before it had a record ($15
-- null) gets a new id. Should the run's transaction have committed after all (the
-- connection lost as it did), its record stands and nothing is returned.
-- $1 kind, $2 mode, $3 scope, $4 trigger, $5 requested_by, $6 host, $7 pid,
-- $8 started_at, $9 status ('failed' or 'cancelled'), $10 sqlstate,
-- $11 message, $12 write application_logs, $13 organization or null,
-- $14 duration ms, $15 the run's id or null, $16 application_logs' cron_name
WITH run AS (
    INSERT INTO analytics_refresh_runs
           (id, kind, mode, scope, trigger, requested_by, host, pid, started_at, finished_at,
            status, sqlstate, message)
    OVERRIDING SYSTEM VALUE
    VALUES (coalesce($15::bigint,
                     nextval(pg_get_serial_sequence('public.analytics_refresh_runs', 'id'))),
            $1, $2, $3, $4, $5, $6, $7::int, $8::timestamptz, clock_timestamp(),
            $9, nullif($10, ''), $11)
    ON CONFLICT (id) DO NOTHING
    RETURNING id
), log AS (
    INSERT INTO application_logs (log_type, status, organization_id, payload)
    SELECT 'cron', 'error', $13::uuid, jsonb_strip_nulls(jsonb_build_object(
           'cron_name', $16::text,
           'run_id', run.id,
           'mode', $2::text,
           'duration_ms', $14::bigint,
           'sqlstate', nullif($10::text, ''),
           'error', $11::text))
      FROM run
     WHERE $12::bool
)
SELECT id FROM run;
