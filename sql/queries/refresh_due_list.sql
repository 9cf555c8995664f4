-- After a run has written its rows: list in analytics_due each row it computed (ca_new)
-- whose next change falls within the horizon, unless the entry is there already
-- (migration 0015). A row the run left as it was keeps the entry it had.
INSERT INTO analytics_due (due_at, organization_id, square_customer_id)
SELECT n.next_change_at, n.organization_id, n.square_customer_id
  FROM ca_new n, analytics_due_horizon h
 WHERE n.next_change_at <= h.until
   AND NOT EXISTS (SELECT FROM analytics_due d
                    WHERE d.due_at = n.next_change_at
                      AND d.organization_id = n.organization_id
                      AND d.square_customer_id = n.square_customer_id);
