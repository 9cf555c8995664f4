-- One application_logs row per run, in the shape the earlier dashboards
-- read (seeds: log_type 'cron' and a cron_name, daemon/runlog.h).
-- $1 status ('success' or 'error'), $2 run id, $3 mode, $4 org or null,
-- $5..$8 rows inserted, updated, deleted, unchanged, $9 duration ms,
-- $10 sqlstate or '', $11 message or '', $12 cron_name
INSERT INTO application_logs (log_type, status, organization_id, payload)
VALUES ('cron', $1, $4::uuid, jsonb_strip_nulls(jsonb_build_object(
        'cron_name', $12::text,
        'run_id', $2::bigint,
        'mode', $3::text,
        'inserted', $5::bigint,
        'updated', $6::bigint,
        'deleted', $7::bigint,
        'unchanged', $8::bigint,
        'duration_ms', $9::bigint,
        'sqlstate', nullif($10::text, ''),
        'error', nullif($11::text, ''))));
