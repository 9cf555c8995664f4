-- Record an applied migration (in the same transaction as its script).
INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3);
