-- analyticsctl check, exactness (1 of 3): recompute a sample of rows with the refresh's own
-- compute and compare. Run in one transaction on the reading connection with
-- refresh_queue_keys.sql, check_exactness_scope.sql, refresh_analyze_scope.sql, the
-- streamed compute (daemon/compute.c), refresh_compute.sql and check_exactness_compare.sql
-- (daemon/cmd_check.c); the temp tables are dropped at its end and nothing else is written.
--
-- The table's as_of: that of the latest successful full or incremental refresh, the modes
-- after which every row is exact. The queue as it is now: its keys changed since and are
-- not compared (they are stale by design until the next run).
SELECT set_config('TimeZone', 'UTC', true), set_config('jit', 'off', true);
CREATE TEMP TABLE ca_run ON COMMIT DROP AS
SELECT coalesce((SELECT as_of FROM analytics_refresh_runs
                  WHERE kind = 'refresh' AND status = 'succeeded'
                    AND mode IN ('full', 'incremental')
                  ORDER BY id DESC LIMIT 1), '-infinity') AS as_of;
CREATE TEMP TABLE ca_queue ON COMMIT DROP AS
SELECT organization_id, customer_id, booking_id, location_id, email_key, phone_key,
       ledger_customer_id
  FROM analytics_change_queue
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM analytics_queue_all;
