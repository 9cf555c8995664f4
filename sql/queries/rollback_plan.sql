-- The runs a rollback undoes, newest first: the latest successful refresh or
-- loyalty rebuild not yet undone ($1 null), or every such run after run $1 (--to). A
-- rollback run itself has no undo log and is never undone: to move forward
-- again after a rollback, run a refresh.
SELECT id, undo_kept,
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
       mode, scope
  FROM analytics_refresh_runs
 WHERE kind IN ('refresh', 'loyalty_rebuild') AND status = 'succeeded' AND undone_by IS NULL
   AND ($1::bigint IS NULL OR id > $1::bigint)
 ORDER BY id DESC
 LIMIT CASE WHEN $1::bigint IS NULL THEN 1 END;
