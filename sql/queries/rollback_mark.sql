-- Undo run $1, last part: it is undone by rollback run $2; its logs are spent.
WITH marked AS (
    UPDATE analytics_refresh_runs
       SET status = 'rolled_back', undone_by = $2::bigint, undo_kept = false
     WHERE id = $1::bigint
    RETURNING id
), loyalty AS (
    DELETE FROM loyalty_undo_log WHERE run_id IN (SELECT id FROM marked)
)
DELETE FROM analytics_undo_log WHERE run_id IN (SELECT id FROM marked);
