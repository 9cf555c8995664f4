-- Forget a reverted migration (in the same transaction as its down script), and every
-- repeatable script: a down script may put back an older version of a function, so the
-- next `migrate up` applies them all again.
WITH repeatables AS (DELETE FROM schema_repeatables)
DELETE FROM schema_migrations WHERE version = $1;
