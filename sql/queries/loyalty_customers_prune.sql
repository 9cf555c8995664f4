-- Loyalty rebuild, last step ($1 organization or NULL, $2 run id): remove the customers that
-- no booking names any more, unless ledger entries still do (a manual adjustment keeps its
-- customer; `check` lists such customers as a warning). Their profile and booking entries
-- went in the steps before. Returns the number removed.
WITH gone AS (
    DELETE FROM customers t
     WHERE ($1::uuid IS NULL OR t.organization_id = $1::uuid)
       AND NOT EXISTS (SELECT FROM lr_bookings b
                        WHERE b.organization_id = t.organization_id AND b.customer_id = t.id)
       AND NOT EXISTS (SELECT FROM loyalty_point_events e
                        WHERE e.organization_id = t.organization_id AND e.customer_id = t.id)
    RETURNING t.*
), logged AS (
    INSERT INTO loyalty_undo_log (run_id, rel, op, key, old_row)
    SELECT $2::bigint, 'customers', 'd',
           jsonb_build_object('organization_id', g.organization_id, 'id', g.id), to_jsonb(g)
      FROM gone g
)
SELECT count(*) FROM gone;
