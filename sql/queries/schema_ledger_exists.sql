-- Does the migration ledger exist yet? (A fresh database has none.)
SELECT to_regclass('schema_migrations') IS NOT NULL AS ledger;
