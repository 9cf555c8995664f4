-- Undo run $1, first part: queue every key whose row the run changed, so that the next
-- incremental refresh recomputes what the rollback puts back (the sources still hold the
-- changes that run applied). Before rollback_mark.sql, which spends the undo log.
INSERT INTO analytics_change_queue (organization_id, customer_id)
SELECT DISTINCT organization_id, square_customer_id
  FROM analytics_undo_log
 WHERE run_id = $1::bigint;
