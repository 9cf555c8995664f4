-- A whole-table entry of the captured queue (a row of analytics_queue_all, migration 0016:
-- a TRUNCATE of a source, or capture turned back on) stands for every organization: one
-- organization entry each, added to ca_queue, which refresh_queue_keys.sql then expands as
-- it expands any organization's. Every organization: those of organizations, and those of
-- the rows and sources, for a platform whose sources name organizations the table lacks.
-- Without a whole-table entry (nearly always) the EXISTS, uncorrelated, is a one-time
-- filter and nothing is read; done apart from refresh_queue_keys.sql so that its plan is
-- not sized for every customer.
INSERT INTO ca_queue (organization_id)
SELECT id FROM organizations
 WHERE EXISTS (SELECT FROM ca_queue WHERE organization_id IS NULL)
UNION
SELECT DISTINCT organization_id FROM customer_analytics_stored
 WHERE EXISTS (SELECT FROM ca_queue WHERE organization_id IS NULL)
UNION
SELECT DISTINCT organization_id FROM square_existing_clients
 WHERE EXISTS (SELECT FROM ca_queue WHERE organization_id IS NULL)
UNION
SELECT DISTINCT organization_id FROM bookings
 WHERE EXISTS (SELECT FROM ca_queue WHERE organization_id IS NULL);
