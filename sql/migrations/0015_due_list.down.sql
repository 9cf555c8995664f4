-- Revert 0015.
DROP FUNCTION analytics_rows_due(timestamptz);
DROP TABLE analytics_due_horizon;
DROP TABLE analytics_due;
ALTER TABLE customer_analytics_stored RESET (fillfactor);
CREATE INDEX customer_analytics_next_change_idx ON customer_analytics_stored (next_change_at)
    WHERE next_change_at IS NOT NULL;
