-- The rows the compute reads when the scope is every customer (refresh full): as
-- refresh_stream_open.sql, which says what each column is, with the same columns in the same
-- order, but without the join to ca_scope. Every booking's customer is in a full scope, so
-- the join would keep every row, and it made the planner misjudge the sizes, which nearly
-- doubled the first FETCH (docs/BENCHMARKS.md, "Design measurements"). A payer with neither a booking nor a client
-- record gets an aggregate row that no key reads.
DECLARE ca_stream BINARY NO SCROLL CURSOR FOR
SELECT s.organization_id, s.customer_id, s.kind, s.id, s.ref_id, s.status, s.start_at,
       s.created_at, s.updated_at, s.duration_minutes, s.service_id, s.staff_id,
       s.party_size, s.source, s.loyalty_points_awarded, s.local_start,
       s.amount_cents, s.tip_cents, s.refunded_cents,
       hashtextextended(s.customer_id, uuid_hash_extended(s.organization_id, 0)) AS grp
  FROM (SELECT b.organization_id, b.customer_id COLLATE "C" AS customer_id, 0::int2 AS kind,
               b.id, b.location_id AS ref_id, b.status, b.start_at, b.created_at,
               b.updated_at, b.duration_minutes, b.service_id, b.staff_id, b.party_size,
               b.source, b.loyalty_points_awarded,
               b.start_at AT TIME ZONE coalesce(l.timezone, o.timezone, 'UTC') AS local_start,
               NULL::bigint AS amount_cents, NULL::bigint AS tip_cents,
               NULL::bigint AS refunded_cents
          FROM bookings b
          LEFT JOIN locations l ON l.id = b.location_id
          LEFT JOIN organizations o ON o.id = b.organization_id
         WHERE b.customer_id IS NOT NULL
        UNION ALL
        -- P, the payer named.
        SELECT p.organization_id, p.customer_id COLLATE "C", 1::int2,
               p.id, p.booking_id, NULL, NULL, p.created_at, NULL, NULL, NULL, NULL, NULL,
               NULL, NULL, NULL, p.amount_cents, p.tip_cents, p.refunded_cents
          FROM payments p
         WHERE p.customer_id IS NOT NULL AND p.status = 'COMPLETED'
        UNION ALL
        -- P, no payer named: the customer of the booking it pays.
        SELECT b.organization_id, b.customer_id COLLATE "C", 1::int2,
               p.id, p.booking_id, NULL, NULL, p.created_at, NULL, NULL, NULL, NULL, NULL,
               NULL, NULL, NULL, p.amount_cents, p.tip_cents, p.refunded_cents
          FROM bookings b
          JOIN payments p
            ON p.booking_id = b.id
           AND p.organization_id = b.organization_id
         WHERE p.customer_id IS NULL
           AND b.customer_id IS NOT NULL
           AND p.status = 'COMPLETED') s
 ORDER BY grp;
