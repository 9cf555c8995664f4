-- The applied migrations, oldest first.
SELECT version,
       name,
       checksum,
       to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS applied_at
  FROM schema_migrations
 ORDER BY version;
