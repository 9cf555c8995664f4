-- Record a repeatable script as applied (in the same transaction as the script).
INSERT INTO schema_repeatables (name, checksum) VALUES ($1, $2)
    ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now();
