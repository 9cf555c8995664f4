-- 0007: an index on bookings.start_at for `refresh recent`, which looks up the bookings
-- that started in the last N days across all organizations every hour (see
-- refresh_scope_recent.sql). bookings_org_start_idx leads with the organization and
-- cannot serve that range: without this index it is read whole.
--
-- Like 0001: on a large table the build blocks writes to bookings while it runs; create
-- the index beforehand with CREATE INDEX CONCURRENTLY under this name and this migration
-- skips it. Only a real table is indexed (bookings may be a view over the platform's own
-- tables; index those instead).
DO $$
BEGIN
    IF (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass('bookings')) IN ('r', 'p') THEN
        CREATE INDEX IF NOT EXISTS bookings_start_at_idx ON bookings (start_at);
    ELSE
        RAISE NOTICE 'bookings is not a table: index bookings_start_at_idx (start_at) not created; index the underlying table instead';
    END IF;
END
$$;
