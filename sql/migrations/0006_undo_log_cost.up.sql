-- 0006: a cheaper undo log (measured by `make bench`, docs/BENCHMARKS.md).
--
-- The foreign key from an undo log row to its run cost one RI trigger call and one index
-- probe of analytics_refresh_runs per row written: about 6 us a row, 8% of an update of
-- every customer_analytics row. The only writer of undo rows is the run's own transaction,
-- which has just inserted that very run, so the check can never fail; it goes. Without it,
-- deleting a row of analytics_refresh_runs by hand no longer deletes its undo rows: prune
-- with refresh.keep_runs (which deletes the logs of the runs it forgets) instead.
--
-- The old rows are jsonb documents of 2-3 kB, compressed on the way into TOAST. lz4
-- compresses several times faster than the default pglz at a similar ratio; a server
-- built without lz4 keeps pglz (and says so).
ALTER TABLE analytics_undo_log DROP CONSTRAINT analytics_undo_log_run_id_fkey;
ALTER TABLE loyalty_undo_log DROP CONSTRAINT loyalty_undo_log_run_id_fkey;

DO $$
BEGIN
    ALTER TABLE analytics_undo_log ALTER COLUMN old_row SET COMPRESSION lz4;
    ALTER TABLE loyalty_undo_log ALTER COLUMN old_row SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this server has no lz4 support: the undo logs keep pglz compression';
END
$$;
