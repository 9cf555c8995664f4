-- The change queue entries this run covers ($1: only one organization's, for `refresh org`;
-- NULL: all, the whole-table entries of analytics_queue_all among them, as entries without
-- an organization): those its snapshot sees now. Entries committed later are not read here,
-- so refresh_queue_consume.sql leaves them for the next run. Rows are named by (ctid, xmin):
-- queue rows are never updated, and a slot reused after a vacuum has another xmin.
CREATE TEMP TABLE ca_queue ON COMMIT DROP AS
SELECT q.ctid AS qid, q.xmin AS qxmin, q.organization_id, q.customer_id, q.booking_id,
       q.location_id, q.email_key, q.phone_key, q.ledger_customer_id
  FROM analytics_change_queue q
 WHERE $1::uuid IS NULL OR q.organization_id = $1::uuid
UNION ALL
SELECT a.ctid, a.xmin, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM analytics_queue_all a
 WHERE $1::uuid IS NULL;
