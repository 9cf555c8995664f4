-- Fix the run's as_of: the transaction's start (docs/METRICS.md), unless a test
-- pins it ($1, from ANALYTICSD_TEST_AS_OF). Every refresh statement reads
-- it from here, so one run has exactly one "now".
CREATE TEMP TABLE ca_run ON COMMIT DROP AS
SELECT coalesce($1::timestamptz, now()) AS as_of;
