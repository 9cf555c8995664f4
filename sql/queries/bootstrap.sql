-- Run first in every migration's transaction.
--
-- On a Citus coordinator (docs/SCALE-OUT.md), a foreign key from a table of analyticsd's to a
-- reference table (organizations) would make Citus turn the table into a "Citus local
-- table" and plan every query on it as a distributed one, which refuses statements the
-- migrations and the daemon use. Off, the table stays a plain one until the migration that
-- distributes it (0016). Without Citus this sets a placeholder that nothing reads.
--
-- standard_conforming_strings: the migrator cuts a script into statements (sqlsplit.h)
-- reading a backslash in a plain string as a character; so must the server, whatever a
-- role's or database's setting.
SELECT set_config('citus.enable_local_reference_table_foreign_keys', 'off', true),
       set_config('standard_conforming_strings', 'on', true);

-- The migration runner's own ledger. It is created by the runner (not by a
-- numbered migration) so that reverting migration 1 can still be recorded.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,   -- sha256 of the up script, hex
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- The repeatable scripts of sql/functions/ that `migrate up` ran, by the sha256 of the
-- script it ran: one that differs from this binary's is applied again.
CREATE TABLE IF NOT EXISTS schema_repeatables (
    name       text        PRIMARY KEY,
    checksum   text        NOT NULL,   -- sha256 of the script, hex
    applied_at timestamptz NOT NULL DEFAULT now()
);
