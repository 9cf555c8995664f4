-- What undoing run $1 will do: its inserts become deletes and so on.
SELECT count(*) FILTER (WHERE op = 'i') AS deletes,
       count(*) FILTER (WHERE op = 'u') AS restores,
       count(*) FILTER (WHERE op = 'd') AS inserts
  FROM analytics_undo_log
 WHERE run_id = $1::bigint;
