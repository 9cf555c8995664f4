-- The retention (daemon/retention.c, retention.days): run records that started more than
-- $1 days ago, and the application_logs rows analyticsd wrote for runs as long ago (their
-- cron_name one of $3, daemon/runlog.h), at most $2 of each per statement, oldest first. A run whose undo log is kept (refresh.keep_runs)
-- stays whatever its age, rollback may still need it, and so does the rollback that undid
-- such a run (its undone_by names it); an older run undone by a pruned one goes first, in
-- the same statement (oldest first). The totals of analytics_run_totals are not records
-- and stay. Returns how many of each went.
WITH old_runs AS (
    DELETE FROM analytics_refresh_runs
     WHERE id IN (SELECT r.id FROM analytics_refresh_runs r
                   WHERE r.status <> 'running' AND NOT r.undo_kept
                     AND r.started_at < now() - $1::int * interval '1 day'
                     AND NOT EXISTS (SELECT 1 FROM analytics_refresh_runs k
                                      WHERE k.undone_by = r.id AND k.undo_kept)
                   ORDER BY r.id
                   LIMIT $2::int)
    RETURNING 1
), old_logs AS (
    DELETE FROM application_logs
     WHERE id IN (SELECT id FROM application_logs
                   WHERE log_type = 'cron'
                     AND payload->>'cron_name' = ANY ($3::text[])
                     AND created_at < now() - $1::int * interval '1 day'
                   ORDER BY id
                   LIMIT $2::int)
    RETURNING 1
)
SELECT (SELECT count(*) FROM old_runs) AS runs, (SELECT count(*) FROM old_logs) AS logs;
