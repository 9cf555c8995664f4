-- refresh full --dry-run: the keys a full refresh covers (refresh_scope_full.sql, which runs
-- after the stream and reads the customers with bookings from it; here from bookings).
CREATE TEMP TABLE ca_scope ON COMMIT DROP AS
SELECT organization_id, square_customer_id
  FROM square_existing_clients
UNION
SELECT organization_id, customer_id
  FROM bookings
 WHERE customer_id IS NOT NULL
UNION
SELECT organization_id, square_customer_id
  FROM customer_analytics_stored;
