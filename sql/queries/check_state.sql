-- analyticsctl check: what an alert needs ($1 = check.max_age_s), in check_analytics.sql's
-- shape.
--   freshness  when the table was last known exact: the last successful refresh, or the
--              last incremental run that found nothing to do (which records no run), and
--              while change capture is off no later than when it went off (read through
--              to_jsonb: the switch came with migration 11); fail past max_age_s
--   paused     a warning naming who paused, why and since when
WITH fresh AS (
    SELECT least(greatest((SELECT max(finished_at) FROM analytics_refresh_runs
                            WHERE kind = 'refresh' AND status = 'succeeded'),
                          (SELECT caught_up_at FROM analytics_control)),
                 (SELECT (j ->> 'capture_changed_at')::timestamptz
                    FROM (SELECT to_jsonb(c) AS j FROM analytics_control c) s
                   WHERE j ->> 'capture_enabled' = 'false')) AS last_ok
), control AS (
    SELECT paused, paused_by, paused_at, reason FROM analytics_control
)
SELECT 'freshness' AS name,
       CASE WHEN (SELECT last_ok FROM fresh) > now() - interval '1 second' * $1::int
            THEN 'pass' ELSE 'fail' END AS status,
       coalesce(format('last known exact at %s (%s ago; check.max_age_s is %s s)',
                       to_char((SELECT last_ok FROM fresh) AT TIME ZONE 'UTC',
                               'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                       justify_interval(date_trunc('second', now() - (SELECT last_ok FROM fresh))),
                       $1::int),
                'no successful refresh yet') AS detail,
       '[]'::jsonb AS keys
UNION ALL
SELECT 'paused',
       CASE WHEN c.paused THEN 'warn' ELSE 'pass' END,
       CASE WHEN c.paused
            THEN format('analytics paused by %s since %s (%s ago): %s', c.paused_by,
                        to_char(c.paused_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                        justify_interval(date_trunc('second', now() - c.paused_at)),
                        coalesce(c.reason, 'no reason given'))
            ELSE 'not paused' END,
       '[]'::jsonb
  FROM control c;
