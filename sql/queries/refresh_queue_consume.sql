-- The run covered the entries it captured (refresh_queue_capture.sql): remove exactly those,
-- in the run's transaction, the whole-table ones (no organization) from analytics_queue_all.
-- If the run fails, they stay.
WITH whole AS (
    DELETE FROM analytics_queue_all a
     USING ca_queue c
     WHERE c.organization_id IS NULL
       AND a.ctid = c.qid
       AND a.xmin = c.qxmin
)
DELETE FROM analytics_change_queue q
 USING ca_queue c
 WHERE c.organization_id IS NOT NULL
   AND q.ctid = c.qid
   AND q.xmin = c.qxmin;
