-- 0002 down: remove analyticsd's bookkeeping (run history, logs, paused flag, org settings).
-- This loses the run history and any per-organization settings; source data is untouched.
--
-- No BEGIN/COMMIT: the migration runner wraps each file in one transaction.

DROP TABLE IF EXISTS analytics_org_settings;
DROP TABLE IF EXISTS analytics_control;
DROP TABLE IF EXISTS application_logs;
DROP TABLE IF EXISTS analytics_refresh_runs;
