-- 0003 down: drop the daily view, customer_analytics and the normalisation functions.
-- Everything here is derived data: a full refresh after `migrate` rebuilds it.
--
-- No BEGIN/COMMIT: the migration runner wraps each file in one transaction.

DROP VIEW IF EXISTS analytics_appointments_by_location_daily;
DROP TABLE IF EXISTS customer_analytics;
DROP FUNCTION IF EXISTS analytics_normalize_phone(text, text);
DROP FUNCTION IF EXISTS analytics_normalize_email(text);
