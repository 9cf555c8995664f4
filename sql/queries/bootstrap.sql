-- The migration runner's own ledger. It is created by the runner (not by a
-- numbered migration) so that reverting migration 1 can still be recorded.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,   -- sha256 of the up script, hex
    applied_at timestamptz NOT NULL DEFAULT now()
);
