-- Loyalty rebuild, step 3: each booking in scope with the id of its customer (every contact
-- has one after step 2).
CREATE TEMP TABLE lr_bookings ON COMMIT DROP AS
SELECT c.*, cu.id AS customer_id
  FROM lr_contacts c
  JOIN customers cu
    ON cu.organization_id = c.organization_id
   AND coalesce(cu.email_normalized, '') = c.email_key
   AND coalesce(cu.phone_e164, '') = c.phone_key;
