-- Record a run inside its own transaction: if the run fails, this row goes
-- with it and run_failed.sql records the failure instead.
-- $1 kind, $2 mode, $3 scope, $4 trigger, $5 requested_by, $6 host, $7 pid
INSERT INTO analytics_refresh_runs
       (kind, mode, scope, trigger, requested_by, host, pid, status, as_of)
VALUES ($1, $2, $3, $4, $5, $6, $7::int, 'running', (SELECT as_of FROM ca_run))
RETURNING id, (extract(epoch FROM started_at) * 1000000)::bigint AS started_usec;
