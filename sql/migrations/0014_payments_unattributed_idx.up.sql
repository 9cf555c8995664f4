-- 0014: an index on the payments that name no payer, by booking, for the compute's stream
-- (refresh_stream_open.sql): such a payment counts for the customer of the booking it pays,
-- so a run that recomputes a few customers looks up the payments of each of their bookings.
-- payments_booking_idx serves that too, but it holds every payment: each of those lookups
-- fetched the booking's attributed payments from the heap only to drop them. Measured in
-- docs/BENCHMARKS.md ("Design measurements"). A payment with a payer is not in this index,
-- so the platform's writes of those do not maintain it.
--
-- Like 0007: on a large table the build blocks writes to payments while it runs; create the
-- index beforehand with CREATE INDEX CONCURRENTLY under this name and this migration skips
-- it. Only a real table is indexed (payments may be a view over the platform's own tables;
-- index those instead).
DO $$
BEGIN
    IF (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass('payments')) IN ('r', 'p') THEN
        CREATE INDEX IF NOT EXISTS payments_unattributed_booking_idx ON payments (booking_id)
            WHERE customer_id IS NULL;
    ELSE
        RAISE NOTICE 'payments is not a table: index payments_unattributed_booking_idx (booking_id) WHERE customer_id IS NULL not created; index the underlying table instead';
    END IF;
END
$$;
