-- Scope of a full refresh: every customer key the definition yields (a client record, or a
-- booking of any status with that customer_id), plus every key already in
-- customer_analytics, so that customers who vanished from the sources are found (the
-- compute leaves them out and refresh_delete.sql removes their rows). UNION makes the keys
-- distinct.
CREATE TEMP TABLE ca_scope ON COMMIT DROP AS
SELECT organization_id, square_customer_id
  FROM square_existing_clients
UNION
SELECT organization_id, customer_id
  FROM bookings
 WHERE customer_id IS NOT NULL
UNION
SELECT organization_id, square_customer_id
  FROM customer_analytics;
