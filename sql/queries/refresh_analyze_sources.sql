-- Before a refresh plans and computes: ANALYZE the source tables whose statistics are
-- missing or stale (more than 50 + 10% of their rows changed since the last ANALYZE,
-- autovacuum's own default threshold), so that a refresh right after a bulk load is planned
-- on the data it reads rather than waiting for autovacuum. Tables the daemon's role may not
-- analyze are skipped with PostgreSQL's warning.
--
-- customer_analytics (whose clock an incremental run looks up) only once half its rows have
-- changed, as after it was first filled: every hour's clock-driven run rewrites a good part
-- of it, and analysing all its columns each time would cost a large share of the run; its
-- size, which plans need most, the planner reads from the table itself.
--
-- On Citus a distributed or reference table is planned on its shards, with the statistics
-- the workers keep of them; ANALYZE of its empty coordinator table would only be DDL sent to
-- every shard (docs/SCALE-OUT.md). Such tables are left to the workers.
DO $$
DECLARE
    t record;
    citus boolean := to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL;
    distributed boolean;
BEGIN
    FOR t IN
        SELECT s.relid::regclass AS rel
          FROM pg_stat_user_tables s
         WHERE s.relid IN (SELECT to_regclass(n) FROM unnest(ARRAY[
                   'bookings', 'payments', 'square_existing_clients', 'locations',
                   'organizations', 'analytics_org_settings', 'customers',
                   'loyalty_point_events', 'customer_analytics_stored']) AS n)
           AND (coalesce(s.last_analyze, s.last_autoanalyze) IS NULL
                OR s.n_mod_since_analyze > 50 + s.n_live_tup
                   * CASE WHEN s.relid = to_regclass('customer_analytics_stored') THEN 0.5 ELSE 0.1 END)
    LOOP
        IF citus THEN
            EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1)'
               INTO distributed USING t.rel;
            CONTINUE WHEN distributed;
        END IF;
        EXECUTE format('ANALYZE %s', t.rel);
    END LOOP;
END
$$;
