-- The run's last statement before COMMIT. $1 id, $2..$5 rows inserted,
-- updated, deleted, unchanged.
UPDATE analytics_refresh_runs
   SET status = 'succeeded',
       undo_kept = (kind IN ('refresh', 'loyalty_rebuild')),  -- a rollback keeps none
       finished_at = clock_timestamp(),
       rows_inserted = $2::bigint,
       rows_updated = $3::bigint,
       rows_deleted = $4::bigint,
       rows_unchanged = $5::bigint
 WHERE id = $1::bigint;
