-- Scope of `refresh org ORG_ID` ($1, a uuid): every customer key of that organization, as
-- in refresh_scope_full.sql (client records, booking customers, and the organization's
-- existing customer_analytics rows, so that vanished customers are deleted).
CREATE TEMP TABLE ca_scope ON COMMIT DROP AS
SELECT organization_id, square_customer_id
  FROM square_existing_clients
 WHERE organization_id = $1::uuid
UNION
SELECT organization_id, customer_id
  FROM bookings
 WHERE organization_id = $1::uuid
   AND customer_id IS NOT NULL
UNION
SELECT organization_id, square_customer_id
  FROM customer_analytics_stored
 WHERE organization_id = $1::uuid;
