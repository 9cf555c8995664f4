-- Before the computed rows are compared with customer_analytics (delete, update, insert):
-- temp tables have no statistics until analysed, and without them the planner may join
-- ca_new to the table by a nested loop over a sequential scan of it, once per computed
-- row, where a hash join reads it once. The joins are on the key, so the key's columns
-- are what it needs, and analysing every column would cost a large share of a small run.
ANALYZE ca_new (organization_id, square_customer_id);
