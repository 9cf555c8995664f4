-- analyticsctl check and capture status: is every write to a source captured? In
-- check_analytics.sql's shape.
--   capture           the switch (analyticsctl capture): a warning while off, naming who
--                     turned it off, why and since when
--   capture_triggers  each source that is a table carries its capture triggers (0008, 0011),
--                     enabled ALWAYS (also for writes applied as a replica), each calling a
--                     function that runs as its owner (SECURITY DEFINER) with a pinned
--                     search_path; fail if not. A warning when that owner is a superuser
--                     (analyticsd should run as its own role: README, Deploying) or when a
--                     source is a view (its tables need the triggers: docs/CAPTURE.md).
WITH want (source, events) AS (
    VALUES ('bookings',                '{INSERT,UPDATE,DELETE,TRUNCATE}'::text[]),
           ('payments',                '{INSERT,UPDATE,DELETE,TRUNCATE}'),
           ('square_existing_clients', '{INSERT,UPDATE,DELETE,TRUNCATE}'),
           ('loyalty_point_events',    '{INSERT,UPDATE,DELETE,TRUNCATE}'),
           ('customers',               '{INSERT,UPDATE,DELETE,TRUNCATE}'),
           ('analytics_org_settings',  '{INSERT,UPDATE,DELETE,TRUNCATE}'),
           ('locations',               '{UPDATE,TRUNCATE}'),
           ('organizations',           '{UPDATE,TRUNCATE}')
), found AS (
    SELECT w.source, e.event, c.relkind, tg.tgenabled, p.prosecdef, p.proconfig,
           r.rolname AS owner, r.rolsuper,
           CASE WHEN c.oid IS NULL THEN 'no such relation'
                WHEN c.relkind <> 'r' THEN NULL
                WHEN tg.oid IS NULL THEN 'no trigger'
                WHEN tg.tgenabled = 'D' THEN 'trigger disabled'
                WHEN tg.tgenabled IN ('O', 'R') THEN 'trigger not ENABLE ALWAYS: writes applied as a replica are missed'
                WHEN NOT p.prosecdef THEN format('%s runs with the writer''s rights', p.proname)
                WHEN p.proconfig IS NULL OR NOT p.proconfig @> '{"search_path=pg_catalog, pg_temp"}'
                    THEN format('%s has no pinned search_path', p.proname)
           END AS problem
      FROM want w
     CROSS JOIN LATERAL unnest(w.events) AS e (event)
      LEFT JOIN pg_class c ON c.oid = to_regclass('public.' || w.source)
      LEFT JOIN pg_trigger tg ON tg.tgrelid = c.oid
                             AND tg.tgname = 'analytics_capture_' || lower(e.event)
      LEFT JOIN pg_proc p ON p.oid = tg.tgfoid
      LEFT JOIN pg_roles r ON r.oid = p.proowner
), switch AS (
    SELECT capture_enabled, capture_changed_by, capture_changed_at, capture_reason
      FROM analytics_control
)
SELECT 'capture' AS name,
       CASE WHEN s.capture_enabled THEN 'pass' ELSE 'warn' END AS status,
       CASE WHEN s.capture_enabled THEN 'on: every write to a source queues its customers'
            ELSE format('off since %s (%s ago), by %s: %s; writes are not captured and the '
                        'table is not exact until capture is on and a run has followed',
                        to_char(s.capture_changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                        justify_interval(date_trunc('second', now() - s.capture_changed_at)),
                        s.capture_changed_by, coalesce(s.capture_reason, 'no reason given'))
       END AS detail,
       '[]'::jsonb AS keys
  FROM switch s
UNION ALL
SELECT 'capture_triggers',
       CASE WHEN count(*) FILTER (WHERE problem IS NOT NULL) > 0 THEN 'fail'
            WHEN bool_or(relkind IS DISTINCT FROM 'r') OR bool_or(rolsuper) THEN 'warn'
            ELSE 'pass' END,
       concat_ws('; ',
           format('%s of %s capture triggers in place, ENABLE ALWAYS, running as their owner',
                  count(*) FILTER (WHERE relkind = 'r' AND problem IS NULL),
                  count(*) FILTER (WHERE relkind = 'r')),
           CASE WHEN count(*) FILTER (WHERE problem IS NOT NULL) > 0
                THEN format('%s wrong', count(*) FILTER (WHERE problem IS NOT NULL)) END,
           CASE WHEN bool_or(relkind IS DISTINCT FROM 'r' AND relkind IS NOT NULL)
                THEN format('views (their tables need the triggers, docs/CAPTURE.md): %s',
                            string_agg(DISTINCT source, ', ') FILTER (WHERE relkind <> 'r')) END,
           CASE WHEN bool_or(rolsuper)
                THEN format('the capture functions run as %s, a superuser: run analyticsd as a role of its own',
                            string_agg(DISTINCT owner, ', ') FILTER (WHERE rolsuper)) END),
       coalesce((SELECT jsonb_agg(k) FROM (
                    SELECT format('%s %s: %s', f.source, f.event, f.problem) AS k
                      FROM found f WHERE f.problem IS NOT NULL
                     ORDER BY f.source, f.event LIMIT 5) x), '[]'::jsonb)
  FROM found;
