-- Scope of a full refresh: every customer key the definition yields (a client record, or a
-- booking of any status with that customer_id), plus every key already in
-- customer_analytics, so that customers who vanished from the sources are found (the
-- compute leaves them out and refresh_delete.sql removes their rows). UNION makes the keys
-- distinct.
--
-- It runs after the stream (refresh_stream_open_all.sql), which has read every booking
-- already: a customer with a booking is one with an aggregate row that counts one
-- (ca_agg.total_bookings), one row a customer here instead of one a booking.
CREATE TEMP TABLE ca_scope ON COMMIT DROP AS
SELECT organization_id, square_customer_id
  FROM square_existing_clients
UNION
SELECT organization_id, square_customer_id COLLATE "default"
  FROM ca_agg
 WHERE total_bookings > 0
UNION
SELECT organization_id, square_customer_id
  FROM customer_analytics_stored;
