-- The runs a rollback undoes, newest first: the latest successful refresh or
-- loyalty rebuild not yet undone ($1 null), or every such run after run $1 (--to). A
-- rollback run itself has no undo log and is never undone: to move forward
-- again after a rollback, run a refresh.
--
-- layout_ok: a refresh's undo log holds whole rows of customer_analytics_stored as they
-- were, so it fits only the layout it was written in. Migration 0013 (columns evaluated
-- when read) changed that layout; a refresh that started before 0013 was applied cannot be
-- undone (its rows lack visit_interval_days and carry the columns now evaluated when read).
SELECT r.id, r.undo_kept,
       to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
       r.mode, r.scope,
       r.kind <> 'refresh' OR r.started_at >= l.applied_at AS layout_ok,
       '0013' AS layout_migration
  FROM analytics_refresh_runs r
  LEFT JOIN schema_migrations l ON l.version = 13
 WHERE r.kind IN ('refresh', 'loyalty_rebuild') AND r.status = 'succeeded' AND r.undone_by IS NULL
   AND ($1::bigint IS NULL OR r.id > $1::bigint)
 ORDER BY r.id DESC
 LIMIT CASE WHEN $1::bigint IS NULL THEN 1 END;
