-- Loyalty rebuild, step 5 ($1 organization or NULL, $2 run id): balances from the whole
-- ledger (every reason), one row per customer and programme with entries. Same pattern as
-- step 4. Returns inserted, updated, deleted, and the balances wanted.
WITH want AS (
    SELECT organization_id, customer_id, program_id, sum(delta)::bigint AS balance
      FROM loyalty_point_events
     WHERE $1::uuid IS NULL OR organization_id = $1::uuid
     GROUP BY organization_id, customer_id, program_id
), gone AS (
    DELETE FROM loyalty_points t
     WHERE ($1::uuid IS NULL OR t.organization_id = $1::uuid)
       AND NOT EXISTS (SELECT FROM want w
                        WHERE w.organization_id = t.organization_id
                          AND w.customer_id = t.customer_id
                          AND w.program_id = t.program_id)
    RETURNING t.*
), upd AS (
    UPDATE loyalty_points t
       SET balance = w.balance
      FROM want w
     WHERE t.organization_id = w.organization_id
       AND t.customer_id = w.customer_id
       AND t.program_id = w.program_id
       AND t.balance <> w.balance
    RETURNING t.organization_id, t.customer_id, t.program_id
), ins AS (
    INSERT INTO loyalty_points (organization_id, customer_id, program_id, balance)
    SELECT w.organization_id, w.customer_id, w.program_id, w.balance
      FROM want w
     WHERE NOT EXISTS (SELECT FROM loyalty_points t
                        WHERE t.organization_id = w.organization_id
                          AND t.customer_id = w.customer_id
                          AND t.program_id = w.program_id)
    RETURNING organization_id, customer_id, program_id
), logged AS (
    INSERT INTO loyalty_undo_log (run_id, rel, op, key, old_row)
    SELECT $2::bigint, 'loyalty_points', 'd',
           jsonb_build_object('organization_id', g.organization_id, 'customer_id', g.customer_id,
                              'program_id', g.program_id), to_jsonb(g)
      FROM gone g
    UNION ALL
    SELECT $2::bigint, 'loyalty_points', 'u',
           jsonb_build_object('organization_id', o.organization_id, 'customer_id', o.customer_id,
                              'program_id', o.program_id), to_jsonb(o)
      FROM upd u
      JOIN loyalty_points o USING (organization_id, customer_id, program_id)
    UNION ALL
    SELECT $2::bigint, 'loyalty_points', 'i',
           jsonb_build_object('organization_id', organization_id, 'customer_id', customer_id,
                              'program_id', program_id), NULL
      FROM ins
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd), (SELECT count(*) FROM gone),
       (SELECT count(*) FROM want);
