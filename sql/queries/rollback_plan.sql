-- The runs a rollback undoes, newest first: the latest successful refresh or
-- loyalty rebuild not yet undone ($1 null), or every such run after run $1 (--to). A
-- rollback run itself has no undo log and is never undone: to move forward
-- again after a rollback, run a refresh.
--
-- not_undoable: why the run cannot be undone though its undo log is kept, or NULL. A
-- refresh's undo log holds whole rows of customer_analytics_stored as they were, so it fits
-- only the layout it was written in: migration 0013 (columns evaluated when read) changed
-- that layout, and a refresh that started before 0013 was applied cannot be undone.
SELECT r.id, r.undo_kept,
       to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
       r.mode, r.scope,
       CASE WHEN r.kind = 'refresh' AND r.started_at < l.applied_at
            THEN 'it wrote customer_analytics in the layout from before schema migration '
                 '0013 (columns evaluated when read), which its undo log does not fit'
       END AS not_undoable
  FROM analytics_refresh_runs r
  LEFT JOIN schema_migrations l ON l.version = 13
 WHERE r.kind IN ('refresh', 'loyalty_rebuild') AND r.status = 'succeeded' AND r.undone_by IS NULL
   AND ($1::bigint IS NULL OR r.id > $1::bigint)
 ORDER BY r.id DESC
 LIMIT CASE WHEN $1::bigint IS NULL THEN 1 END;
