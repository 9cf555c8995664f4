-- Undo run $1, part 3: it is undone by rollback run $2; its log is spent.
WITH marked AS (
    UPDATE analytics_refresh_runs
       SET status = 'rolled_back', undone_by = $2::bigint, undo_kept = false
     WHERE id = $1::bigint
    RETURNING id
)
DELETE FROM analytics_undo_log WHERE run_id IN (SELECT id FROM marked);
