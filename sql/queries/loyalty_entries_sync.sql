-- Loyalty rebuild, step 4 ($1 organization or NULL, $2 run id, $3 the pilot organizations of
-- analyticsd.conf, a uuid array): make the ledger's 'booking' entries in scope exactly those
-- the bookings give, and touch nothing else (manual, expiry and reversal entries survive).
--
-- A programme accrues when it is active and not pilot_only, or pilot_only with its
-- organization in $3. Each organization's awards go to its oldest accruing programme; a
-- booking earns its loyalty_points_awarded (what the platform granted), dated by the
-- booking's created_at, when that is not 0.
--
-- One statement: the deleted, updated and inserted sets are disjoint (by booking and
-- programme), and every part reads the ledger as it was before the statement, so the undo
-- log gets each old row. Returns inserted, updated, deleted, and the entries wanted.
WITH prog AS (
    SELECT DISTINCT ON (organization_id) organization_id, id
      FROM loyalty_programs
     WHERE active
       AND (NOT pilot_only OR organization_id = ANY ($3::uuid[]))
       AND ($1::uuid IS NULL OR organization_id = $1::uuid)
     ORDER BY organization_id, created_at, id
), want AS (
    SELECT b.organization_id, b.customer_id, p.id AS program_id, b.booking_id,
           b.loyalty_points_awarded AS delta, b.created_at
      FROM lr_bookings b
      JOIN prog p ON p.organization_id = b.organization_id
     WHERE b.loyalty_points_awarded <> 0
), gone AS (
    DELETE FROM loyalty_point_events t
     WHERE t.reason = 'booking'
       AND ($1::uuid IS NULL OR t.organization_id = $1::uuid)
       AND NOT EXISTS (SELECT FROM want w
                        WHERE w.organization_id = t.organization_id
                          AND w.program_id = t.program_id
                          AND w.booking_id = t.booking_id)
    RETURNING t.*
), upd AS (
    UPDATE loyalty_point_events t
       SET (customer_id, delta, created_at) = (w.customer_id, w.delta, w.created_at)
      FROM want w
     WHERE t.reason = 'booking'
       AND t.organization_id = w.organization_id
       AND t.program_id = w.program_id
       AND t.booking_id = w.booking_id
       AND (t.customer_id, t.delta, t.created_at) IS DISTINCT FROM (w.customer_id, w.delta, w.created_at)
    RETURNING t.organization_id, t.id
), ins AS (
    INSERT INTO loyalty_point_events
           (organization_id, customer_id, program_id, booking_id, delta, reason, created_at)
    SELECT w.organization_id, w.customer_id, w.program_id, w.booking_id, w.delta, 'booking', w.created_at
      FROM want w
     WHERE NOT EXISTS (SELECT FROM loyalty_point_events t
                        WHERE t.reason = 'booking'
                          AND t.organization_id = w.organization_id
                          AND t.program_id = w.program_id
                          AND t.booking_id = w.booking_id)
     ORDER BY w.organization_id, w.created_at, w.booking_id
    RETURNING organization_id, id
), logged AS (
    INSERT INTO loyalty_undo_log (run_id, rel, op, key, old_row)
    SELECT $2::bigint, 'loyalty_point_events', 'd',
           jsonb_build_object('organization_id', g.organization_id, 'id', g.id), to_jsonb(g)
      FROM gone g
    UNION ALL
    SELECT $2::bigint, 'loyalty_point_events', 'u',
           jsonb_build_object('organization_id', o.organization_id, 'id', o.id), to_jsonb(o)
      FROM upd u
      JOIN loyalty_point_events o ON o.organization_id = u.organization_id AND o.id = u.id
    UNION ALL
    SELECT $2::bigint, 'loyalty_point_events', 'i',
           jsonb_build_object('organization_id', organization_id, 'id', id), NULL
      FROM ins
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd), (SELECT count(*) FROM gone),
       (SELECT count(*) FROM want);
