-- Loyalty rebuild, step 6 ($1 organization or NULL, $2 run id): customer_profiles from each
-- customer's bookings (definitions in migration 0005). Same pattern as step 4. Returns
-- inserted, updated, deleted, and the profiles wanted.
WITH want AS (
    SELECT organization_id,
           customer_id,
           count(*)::integer                                                AS total_bookings,
           coalesce(sum(party_size) FILTER (WHERE status = 'ACCEPTED'), 0)::bigint AS total_covers,
           min(start_at)                                                    AS first_booking_at,
           max(start_at)                                                    AS last_booking_at,
           (array_agg(marketing_opt_in ORDER BY created_at DESC, start_at DESC, booking_id DESC))[1]
                                                                            AS marketing_opt_in,
           coalesce(array_agg(DISTINCT square_customer_id ORDER BY square_customer_id)
                        FILTER (WHERE square_customer_id IS NOT NULL), '{}') AS square_customer_ids
      FROM lr_bookings
     GROUP BY organization_id, customer_id
), gone AS (
    DELETE FROM customer_profiles t
     WHERE ($1::uuid IS NULL OR t.organization_id = $1::uuid)
       AND NOT EXISTS (SELECT FROM want w
                        WHERE w.organization_id = t.organization_id
                          AND w.customer_id = t.customer_id)
    RETURNING t.*
), upd AS (
    UPDATE customer_profiles t
       SET (total_bookings, total_covers, first_booking_at, last_booking_at, marketing_opt_in,
            square_customer_ids)
         = (w.total_bookings, w.total_covers, w.first_booking_at, w.last_booking_at,
            w.marketing_opt_in, w.square_customer_ids)
      FROM want w
     WHERE t.organization_id = w.organization_id
       AND t.customer_id = w.customer_id
       AND (t.total_bookings, t.total_covers, t.first_booking_at, t.last_booking_at,
            t.marketing_opt_in, t.square_customer_ids)
           IS DISTINCT FROM
           (w.total_bookings, w.total_covers, w.first_booking_at, w.last_booking_at,
            w.marketing_opt_in, w.square_customer_ids)
    RETURNING t.organization_id, t.customer_id
), ins AS (
    INSERT INTO customer_profiles
           (organization_id, customer_id, total_bookings, total_covers, first_booking_at,
            last_booking_at, marketing_opt_in, square_customer_ids)
    SELECT w.organization_id, w.customer_id, w.total_bookings, w.total_covers,
           w.first_booking_at, w.last_booking_at, w.marketing_opt_in, w.square_customer_ids
      FROM want w
     WHERE NOT EXISTS (SELECT FROM customer_profiles t
                        WHERE t.organization_id = w.organization_id
                          AND t.customer_id = w.customer_id)
    RETURNING organization_id, customer_id
), logged AS (
    INSERT INTO loyalty_undo_log (run_id, rel, op, key, old_row)
    SELECT $2::bigint, 'customer_profiles', 'd',
           jsonb_build_object('organization_id', g.organization_id, 'customer_id', g.customer_id),
           to_jsonb(g)
      FROM gone g
    UNION ALL
    SELECT $2::bigint, 'customer_profiles', 'u',
           jsonb_build_object('organization_id', o.organization_id, 'customer_id', o.customer_id),
           to_jsonb(o)
      FROM upd u
      JOIN customer_profiles o USING (organization_id, customer_id)
    UNION ALL
    SELECT $2::bigint, 'customer_profiles', 'i',
           jsonb_build_object('organization_id', organization_id, 'customer_id', customer_id), NULL
      FROM ins
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd), (SELECT count(*) FROM gone),
       (SELECT count(*) FROM want);
