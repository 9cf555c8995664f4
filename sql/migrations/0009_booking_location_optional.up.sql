-- 0009: a booking may have no location (SPEC 2.1: a business with one site). Its local time
-- is the organization's (METRICS.md), and the daily view gives such bookings a row with a
-- NULL location_id whose new_customers add up (the first visits at no location).
--
-- Only a real table is altered (bookings may be a view over the platform's own tables,
-- whose columns are the platform's to define).
DO $$
BEGIN
    IF (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass('bookings')) IN ('r', 'p') THEN
        ALTER TABLE bookings ALTER COLUMN location_id DROP NOT NULL;
    ELSE
        RAISE NOTICE 'bookings is not a table: location_id left as the view defines it';
    END IF;
END
$$;

-- The daily view, with the first visits at no location matched to the bookings at none.
CREATE OR REPLACE VIEW analytics_appointments_by_location_daily AS
WITH per_day AS (
    SELECT b.organization_id,
           b.location_id,
           (b.start_at AT TIME ZONE coalesce(l.timezone, o.timezone, 'UTC'))::date AS day,
           count(*) AS bookings,
           count(*) FILTER (WHERE b.status = 'ACCEPTED') AS accepted_bookings,
           count(DISTINCT b.customer_id) FILTER (WHERE b.status = 'ACCEPTED') AS unique_customers
      FROM bookings b
      LEFT JOIN locations l ON l.id = b.location_id
      LEFT JOIN organizations o ON o.id = b.organization_id
     GROUP BY 1, 2, 3
), firsts AS (
    SELECT ca.organization_id,
           ca.first_visit_location_id AS location_id,
           (ca.first_booking_at AT TIME ZONE coalesce(l.timezone, o.timezone, 'UTC'))::date AS day,
           count(*) AS new_customers
      FROM customer_analytics ca
      LEFT JOIN locations l ON l.id = ca.first_visit_location_id
      LEFT JOIN organizations o ON o.id = ca.organization_id
     WHERE ca.first_booking_at IS NOT NULL
     GROUP BY 1, 2, 3
)
SELECT d.organization_id,
       d.location_id,
       d.day,
       d.bookings,
       d.accepted_bookings,
       d.unique_customers,
       coalesce(f.new_customers, 0) AS new_customers,
       d.unique_customers - coalesce(f.new_customers, 0) AS returning_customers,
       (d.unique_customers - coalesce(f.new_customers, 0))::numeric
           / nullif(d.unique_customers, 0) AS rebooking_rate
  FROM per_day d
  LEFT JOIN firsts f
    ON f.organization_id = d.organization_id
   AND f.location_id IS NOT DISTINCT FROM d.location_id
   AND f.day = d.day;
