-- rollback --to RUN_ID: the run must exist.
SELECT count(*) FROM analytics_refresh_runs WHERE id = $1::bigint;
