-- What undoing run $1 will do, over both undo logs (a refresh writes analytics_undo_log, a
-- loyalty rebuild loyalty_undo_log): its inserts become deletes and so on.
SELECT count(*) FILTER (WHERE op = 'i') AS deletes,
       count(*) FILTER (WHERE op IN ('u', 'c')) AS restores,
       count(*) FILTER (WHERE op = 'd') AS inserts
  FROM (SELECT op FROM analytics_undo_log WHERE run_id = $1::bigint
        UNION ALL
        SELECT op FROM loyalty_undo_log WHERE run_id = $1::bigint) u;
