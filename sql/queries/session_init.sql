-- Run once on every new connection of analyticsd.
-- The refresh definitions assume UTC (docs/METRICS.md: "N days" is N x 24 hours,
-- which interval arithmetic in a DST zone would not give), and a runaway
-- statement must end (database.statement_timeout_s).
-- client_connection_check_interval (PostgreSQL 14+, skipped on older
-- servers): when the daemon aborts a run by closing its connection (on
-- SIGTERM), the server notices within a second even in a long statement,
-- rolls back and releases the run lock, instead of computing on.
-- search_path: analyticsd's objects are in public, behind pg_catalog (searched first when
-- not named) and before pg_temp, so that neither a role's own schema ("$user") nor a
-- temporary table shadows them.
-- $1 = statement_timeout ('900s'), $2 = connection label ('ctl', 'work').
SELECT set_config('search_path', 'public, pg_temp', false),
       set_config('statement_timeout', $1, false),
       set_config('TimeZone', 'UTC', false),
       set_config('application_name', 'analyticsd/' || $2, false),
       (SELECT set_config(name, '1s', false)
          FROM pg_settings WHERE name = 'client_connection_check_interval');
