-- The repeatable scripts applied (sql/functions/), by name.
SELECT name, checksum FROM schema_repeatables ORDER BY name;
