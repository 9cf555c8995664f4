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
