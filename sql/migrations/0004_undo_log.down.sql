ALTER TABLE analytics_refresh_runs DROP COLUMN IF EXISTS undo_kept;
DROP TABLE IF EXISTS analytics_undo_log;
