-- A full run's progress: its scope is known after its stream, so the rows the table has
-- before it stand for it (planner's estimate: the count itself would read the table).
SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'customer_analytics_stored'::regclass;
