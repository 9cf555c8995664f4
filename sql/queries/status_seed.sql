-- What STATUS= says besides the job, read when the control connection comes up: paused or
-- not, and when a refresh last succeeded (Unix time). Fails harmlessly before migration 2.
SELECT (SELECT paused FROM analytics_control) AS paused,
       (SELECT extract(epoch FROM max(finished_at))::bigint FROM analytics_refresh_runs
         WHERE kind = 'refresh' AND status = 'succeeded') AS last_success;
