-- Loyalty rebuild, step 2 ($1 run id): add a customers row for every contact that has none.
-- Existing customers keep their ids. New ids are handed out in contact order, so that two
-- rebuilds of the same data number customers alike. Each new key goes to the undo log.
-- Returns the number added.
WITH ins AS (
INSERT INTO customers (organization_id, email_normalized, phone_e164)
SELECT n.organization_id, nullif(n.email_key, ''), nullif(n.phone_key, '')
  FROM (SELECT DISTINCT organization_id, email_key, phone_key FROM lr_contacts) n
 WHERE NOT EXISTS (SELECT FROM customers t
                    WHERE t.organization_id = n.organization_id
                      AND coalesce(t.email_normalized, '') = n.email_key
                      AND coalesce(t.phone_e164, '') = n.phone_key)
 ORDER BY n.organization_id, n.email_key, n.phone_key
RETURNING organization_id, id
), logged AS (
INSERT INTO loyalty_undo_log (run_id, rel, op, key, old_row)
SELECT $1::bigint, 'customers', 'i', jsonb_build_object('organization_id', organization_id, 'id', id), NULL
  FROM ins
)
SELECT count(*) FROM ins;
