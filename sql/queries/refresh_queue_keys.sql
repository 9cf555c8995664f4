-- The customer keys the captured queue entries (ca_queue) stand for:
--   a customer entry        that customer;
--   a booking entry         the booking's customer now (a payment without a payer: its
--                           booking's customer; a booking moved or deleted since the entry
--                           queued its old and new customers itself);
--   a location entry        every customer with a booking at that location;
--   an organization entry   every customer of the organization (client records, booking
--                           customers, existing rows), as refresh_scope_org.sql;
--   a whole-table entry     (no organization: a TRUNCATE, capture turned back on) every
--                           organization's, as refresh_queue_whole.sql made it before;
--   a contact entry         the rows matched to that contact (organization, normalised
--                           email and phone: the ledger's key, docs/METRICS.md "Loyalty");
--   a ledger entry          those of its customer's contact now (customers.id; a contact
--                           changed since was queued, old and new, by its own trigger);
-- and the referrer each such customer's client record names: referrals_made and
-- referrals_converted count the referred client's record and visits. (The capture triggers
-- queue a client record's old and new referrer themselves.)
CREATE TEMP TABLE ca_queued ON COMMIT DROP AS
WITH orgs AS (
    SELECT DISTINCT organization_id
      FROM ca_queue
     WHERE customer_id IS NULL AND booking_id IS NULL AND location_id IS NULL
       AND email_key IS NULL AND ledger_customer_id IS NULL
), contacts AS (
    SELECT DISTINCT organization_id, email_key, phone_key FROM ca_queue
     WHERE email_key IS NOT NULL
    UNION
    SELECT c.organization_id, coalesce(c.email_normalized, ''), coalesce(c.phone_e164, '')
      FROM (SELECT DISTINCT organization_id, ledger_customer_id FROM ca_queue
             WHERE ledger_customer_id IS NOT NULL) q
      JOIN customers c ON c.organization_id = q.organization_id AND c.id = q.ledger_customer_id
), k (organization_id, square_customer_id) AS (
    SELECT organization_id, customer_id
      FROM ca_queue
     WHERE customer_id IS NOT NULL
    UNION
    SELECT b.organization_id, b.customer_id
      FROM (SELECT DISTINCT organization_id, booking_id FROM ca_queue
             WHERE booking_id IS NOT NULL) q
      JOIN bookings b ON b.organization_id = q.organization_id AND b.id = q.booking_id
     WHERE b.customer_id IS NOT NULL
    UNION
    SELECT b.organization_id, b.customer_id
      FROM (SELECT DISTINCT organization_id, location_id FROM ca_queue
             WHERE location_id IS NOT NULL) q
      JOIN bookings b ON b.organization_id = q.organization_id AND b.location_id = q.location_id
     WHERE b.customer_id IS NOT NULL
    UNION
    SELECT ca.organization_id, ca.square_customer_id
      FROM contacts q
      JOIN customer_analytics_stored ca
        ON ca.organization_id = q.organization_id
       AND coalesce(ca.email_normalized, '') = q.email_key
       AND coalesce(ca.phone_e164, '') = q.phone_key
    UNION
    SELECT c.organization_id, c.square_customer_id
      FROM orgs JOIN square_existing_clients c ON c.organization_id = orgs.organization_id
    UNION
    SELECT b.organization_id, b.customer_id
      FROM orgs JOIN bookings b ON b.organization_id = orgs.organization_id
     WHERE b.customer_id IS NOT NULL
    UNION
    SELECT ca.organization_id, ca.square_customer_id
      FROM orgs JOIN customer_analytics_stored ca ON ca.organization_id = orgs.organization_id
)
SELECT organization_id, square_customer_id
  FROM k
UNION
SELECT c.organization_id, c.referred_by_customer_id
  FROM k
  JOIN square_existing_clients c
    ON c.organization_id = k.organization_id
   AND c.square_customer_id = k.square_customer_id
 WHERE c.referred_by_customer_id IS NOT NULL
   AND c.referred_by_customer_id <> c.square_customer_id;
