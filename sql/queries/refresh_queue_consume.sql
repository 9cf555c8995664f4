-- The run covered the entries it captured (refresh_queue_capture.sql): remove exactly those,
-- in the run's transaction. If the run fails, they stay.
DELETE FROM analytics_change_queue q
 USING ca_queue c
 WHERE q.ctid = c.qid
   AND q.xmin = c.qxmin;
