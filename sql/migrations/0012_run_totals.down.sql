-- 0012 down: the totals go; analyticsctl metrics of this version needs them.
DROP TRIGGER analytics_count_run ON analytics_refresh_runs;
DROP FUNCTION analytics_count_run();
DROP TABLE analytics_run_totals;
