-- Do the migration ledgers exist yet? (A fresh database has none; one that an older
-- analyticsd migrated has no schema_repeatables.)
SELECT to_regclass('schema_migrations') IS NOT NULL AS ledger,
       to_regclass('schema_repeatables') IS NOT NULL AS repeatables;
