-- Test-only hook (ANALYTICSD_TEST_SLEEP_S): a refresh that takes a while,
-- to prove status answers during a run. Never used otherwise.
SELECT pg_sleep($1::float8);
