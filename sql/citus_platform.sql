-- The platform's tables on a Citus cluster (docs/SCALE-OUT.md, "The platform's tables"):
-- what a platform does with its own tables before analyticsd's first migration, shown on the
-- tables migration 0001 creates (create them first with that file, as their owner; the
-- demo's data and the Citus tests use exactly this).
--
-- Every table with a tenant's rows is distributed by organization_id, and every key of such
-- a table includes it (Citus can only enforce a key within one shard): bookings keeps its
-- UNIQUE (organization_id, id), which payments' foreign key references, and loses the key on
-- id alone; payments' key becomes (organization_id, id). The two small tables every tenant's
-- rows join, organizations and locations, are reference tables (a copy on every node).
-- square_existing_clients, bookings and payments are co-located: a tenant's rows of all
-- three are on one node, where analyticsd then puts its own rows of that tenant (migration
-- 0016).
--
-- Each node also needs citus.enable_unsafe_triggers = on (analyticsd's capture triggers are
-- on these tables); run as the tables' owner, in one transaction.

ALTER TABLE bookings DROP CONSTRAINT bookings_pkey;
ALTER TABLE payments DROP CONSTRAINT payments_pkey;
ALTER TABLE payments ADD PRIMARY KEY (organization_id, id);
-- Citus distributes no table that a table not yet distributed references: payments' key to
-- bookings goes while both are distributed, and comes back between co-located tables.
ALTER TABLE payments DROP CONSTRAINT payments_booking_id_fkey;

SELECT create_reference_table('organizations');
SELECT create_reference_table('locations');
SELECT create_distributed_table('square_existing_clients', 'organization_id');
SELECT create_distributed_table('bookings', 'organization_id',
                                colocate_with => 'square_existing_clients');
SELECT create_distributed_table('payments', 'organization_id', colocate_with => 'bookings');
ALTER TABLE payments ADD CONSTRAINT payments_booking_id_fkey
    FOREIGN KEY (organization_id, booking_id) REFERENCES bookings (organization_id, id);
