-- Forget a reverted migration (in the same transaction as its down script).
DELETE FROM schema_migrations WHERE version = $1;
