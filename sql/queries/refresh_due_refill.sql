-- Before an incremental run scopes ($1 = the run's pinned as_of or NULL): when the run's
-- instant has passed analytics_due_horizon.until, list afresh the rows due within the next
-- day (migration 0015). This reads customer_analytics_stored once a day; the other runs of
-- the day change nothing here. The LATERAL keeps the scan inside a loop over the horizon's
-- one row, so that when the horizon has not passed (no row) the table is not read at all.
WITH moved AS (
    UPDATE analytics_due_horizon
       SET until = coalesce($1::timestamptz, now()) + interval '1 day'
     WHERE until < coalesce($1::timestamptz, now())
    RETURNING until
), cleared AS (
    DELETE FROM analytics_due WHERE EXISTS (SELECT FROM moved)
)
INSERT INTO analytics_due (due_at, organization_id, square_customer_id)
SELECT r.next_change_at, r.organization_id, r.square_customer_id
  FROM moved h
 CROSS JOIN LATERAL (SELECT s.next_change_at, s.organization_id, s.square_customer_id
                       FROM customer_analytics_stored s
                      WHERE s.next_change_at <= h.until) r
 ORDER BY r.next_change_at;
