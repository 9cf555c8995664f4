-- analyticsctl check, exactness (3 of 3): each sampled row against its recomputation, every
-- column but computed_at; one check row in check_analytics.sql's shape.
WITH cmp AS (
    SELECT s.organization_id || '/' || s.square_customer_id AS key,
           to_jsonb(t) - 'computed_at' AS stored,
           to_jsonb(n) - 'computed_at' AS fresh
      FROM ca_scope s
      LEFT JOIN customer_analytics_stored t
        ON t.organization_id = s.organization_id AND t.square_customer_id = s.square_customer_id
      LEFT JOIN ca_new n
        ON n.organization_id = s.organization_id AND n.square_customer_id = s.square_customer_id
), diff AS (
    SELECT * FROM cmp WHERE stored IS DISTINCT FROM fresh
), cols AS (
    SELECT DISTINCT e.key
      FROM diff d, jsonb_each(coalesce(d.stored, d.fresh)) e
     WHERE d.stored -> e.key IS DISTINCT FROM d.fresh -> e.key
)
SELECT 'exactness',
       CASE WHEN (SELECT as_of FROM ca_run) = '-infinity' THEN 'warn'
            WHEN EXISTS (SELECT FROM diff) THEN 'fail'
            ELSE 'pass' END,
       CASE WHEN (SELECT as_of FROM ca_run) = '-infinity'
            THEN 'no full or incremental refresh has succeeded yet'
            WHEN EXISTS (SELECT FROM diff)
            THEN format('%s of %s rows differ from a recomputation at %s: %s',
                        (SELECT count(*) FROM diff), (SELECT count(*) FROM cmp),
                        to_char((SELECT as_of FROM ca_run) AT TIME ZONE 'UTC',
                                'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                        (SELECT string_agg(key, ', ' ORDER BY key) FROM cols))
            ELSE format('%s rows recomputed at %s (a sample and the latest run''s): all equal',
                        (SELECT count(*) FROM cmp),
                        to_char((SELECT as_of FROM ca_run) AT TIME ZONE 'UTC',
                                'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
       END,
       coalesce((SELECT jsonb_agg(key) FROM (SELECT key FROM diff ORDER BY key LIMIT 5) k),
                '[]'::jsonb);
