-- Loyalty rebuild, step 1 ($1 organization or NULL for all): every booking in scope with a
-- contact, normalised by the same functions customer_analytics uses (docs/METRICS.md,
-- "Clarifications"), the phone with its organization's country code. A booking whose email and phone both normalise to
-- NULL belongs to no customer and is left out.
CREATE TEMP TABLE lr_contacts ON COMMIT DROP AS
SELECT *
  FROM (SELECT b.organization_id,
               b.id                                                         AS booking_id,
               b.customer_id                                                AS square_customer_id,
               coalesce(analytics_normalize_email(b.customer_email), '')   AS email_key,
               coalesce(analytics_normalize_phone(b.customer_phone,
                                                  os.phone_country_code), '') AS phone_key,
               b.status,
               b.start_at,
               b.created_at,
               b.party_size,
               b.marketing_opt_in,
               b.loyalty_points_awarded
          FROM bookings b
          LEFT JOIN analytics_org_settings os ON os.organization_id = b.organization_id
         WHERE $1::uuid IS NULL OR b.organization_id = $1::uuid) c
 WHERE email_key <> '' OR phone_key <> '';
