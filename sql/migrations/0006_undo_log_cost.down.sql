-- Revert 0006: the undo logs' foreign keys to their runs (undo rows of runs that no longer
-- exist are deleted first, as the cascade would have done), and default compression.
DELETE FROM analytics_undo_log u
 WHERE NOT EXISTS (SELECT FROM analytics_refresh_runs r WHERE r.id = u.run_id);
DELETE FROM loyalty_undo_log u
 WHERE NOT EXISTS (SELECT FROM analytics_refresh_runs r WHERE r.id = u.run_id);
ALTER TABLE analytics_undo_log
    ADD CONSTRAINT analytics_undo_log_run_id_fkey FOREIGN KEY (run_id)
        REFERENCES analytics_refresh_runs (id) ON DELETE CASCADE,
    ALTER COLUMN old_row SET COMPRESSION default;
ALTER TABLE loyalty_undo_log
    ADD CONSTRAINT loyalty_undo_log_run_id_fkey FOREIGN KEY (run_id)
        REFERENCES analytics_refresh_runs (id) ON DELETE CASCADE,
    ALTER COLUMN old_row SET COMPRESSION default;
