-- Keep the undo logs of the newest refresh.keep_runs runs ($1; refreshes and loyalty
-- rebuilds count alike); forget the older ones (rollback then refuses to go past them,
-- and says why).
WITH keep AS (
    SELECT id FROM analytics_refresh_runs WHERE undo_kept ORDER BY id DESC LIMIT $1::int
), pruned AS (
    UPDATE analytics_refresh_runs SET undo_kept = false
     WHERE undo_kept AND id NOT IN (SELECT id FROM keep)
    RETURNING id
), loyalty AS (
    DELETE FROM loyalty_undo_log WHERE run_id IN (SELECT id FROM pruned)
)
DELETE FROM analytics_undo_log WHERE run_id IN (SELECT id FROM pruned);
