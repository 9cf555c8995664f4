-- Undo run $1, loyalty part 1: remove the rows a loyalty rebuild inserted or updated, in the
-- four tables it writes. The foreign keys between them are deferred to COMMIT.
WITH u AS (
    SELECT rel, key FROM loyalty_undo_log WHERE run_id = $1::bigint AND op IN ('i', 'u')
), c AS (
    DELETE FROM customers t USING u
     WHERE u.rel = 'customers'
       AND t.organization_id = (u.key ->> 'organization_id')::uuid
       AND t.id = (u.key ->> 'id')::bigint
), p AS (
    DELETE FROM customer_profiles t USING u
     WHERE u.rel = 'customer_profiles'
       AND t.organization_id = (u.key ->> 'organization_id')::uuid
       AND t.customer_id = (u.key ->> 'customer_id')::bigint
), e AS (
    DELETE FROM loyalty_point_events t USING u
     WHERE u.rel = 'loyalty_point_events'
       AND t.organization_id = (u.key ->> 'organization_id')::uuid
       AND t.id = (u.key ->> 'id')::bigint
)
DELETE FROM loyalty_points t USING u
 WHERE u.rel = 'loyalty_points'
   AND t.organization_id = (u.key ->> 'organization_id')::uuid
   AND t.customer_id = (u.key ->> 'customer_id')::bigint
   AND t.program_id = (u.key ->> 'program_id')::uuid;
