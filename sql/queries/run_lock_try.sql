-- The one lock that serialises every job that changes analytics data or
-- schema, across all analyticsd instances on this database. Transaction
-- scoped: it is released by COMMIT or ROLLBACK, and by the server when a
-- connection dies, so a crashed daemon can never leave it held.
-- The key is the ASCII of "analytic" read as a bigint.
SELECT pg_try_advisory_xact_lock(7020655987639216483) AS locked;
