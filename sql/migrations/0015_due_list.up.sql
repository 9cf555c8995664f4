-- 0015: the rows due by their clock are found through a short list of what falls due within
-- a day, no longer through an index on customer_analytics_stored.next_change_at.
--
-- Every row that a run rewrites because of a data event gets a new next_change_at. While
-- that column was indexed, no such update could be HOT: each one added an entry to every
-- index of the table, and after a checkpoint each touched index page was logged whole. An
-- hour of the clock alone rewrites a customer here and there across the table, so that was
-- about one heap page and four index pages of WAL per row (docs/BENCHMARKS.md, "Design
-- measurements"). Without the index, and with room left on each page (fillfactor), such an
-- update stays on its heap page and touches no index.
--
-- analytics_due lists, for every stored row whose next_change_at is at or before
-- analytics_due_horizon.until, one entry (due_at = that next_change_at). It may hold more:
-- an entry whose row has since moved on or gone is stale and matches nothing, because the
-- scope joins each entry to its row and asks the row's own next_change_at. The entries
-- within the horizon are few (a day of data events), their index is small, and an
-- incremental run deletes the ones it has consumed together, so the list costs a few pages
-- an hour. Once a day an incremental run moves the horizon on and lists the next day's rows
-- afresh, reading the stored table once (refresh_due_refill.sql). A rollback puts rows back
-- with their old next_change_at and queues them, so the next run recomputes and lists them;
-- a migration that writes next_change_at sets the horizon back to -infinity, and the next
-- incremental run lists the rows afresh.
DROP INDEX customer_analytics_next_change_idx;
ALTER TABLE customer_analytics_stored SET (fillfactor = 90);

CREATE TABLE analytics_due (
    due_at             timestamptz NOT NULL,
    organization_id    uuid        NOT NULL,
    square_customer_id text        NOT NULL
);
CREATE INDEX analytics_due_at_idx ON analytics_due (due_at);
COMMENT ON TABLE analytics_due IS
    'The customer_analytics_stored rows whose next_change_at is due by analytics_due_horizon.until '
    '(and stale entries, which match no row): where refresh incremental finds the rows due.';

CREATE TABLE analytics_due_horizon (
    singleton boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    until     timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO analytics_due_horizon DEFAULT VALUES;
COMMENT ON TABLE analytics_due_horizon IS
    'analytics_due lists every row due at or before until; -infinity: list them afresh.';

-- The rows due by the clock at an instant, each once: the entries of the list that are their
-- row's next_change_at (the list holds one such entry for each row due by the horizon, and
-- stale entries, which this leaves out), and, only when the horizon lies before that
-- instant (no incremental run for a day), the rows due after it, which only a read of the
-- stored table finds. The run's scope, status,
-- the metrics and a dry run all count with this. Inlined where it is called (a plain SQL
-- function: no SET clause), so the bound reaches the index on due_at. OFFSET 0 keeps each
-- entry's row a lookup by key: the list churns, its statistics are seldom current, and a
-- plan that guessed it large would hash the whole stored table instead.
CREATE FUNCTION analytics_rows_due(at timestamptz)
RETURNS TABLE (organization_id uuid, square_customer_id text)
LANGUAGE sql STABLE AS $$
SELECT s.organization_id, s.square_customer_id
  FROM analytics_due d
 CROSS JOIN LATERAL (SELECT s.organization_id, s.square_customer_id
                       FROM customer_analytics_stored s
                      WHERE s.organization_id = d.organization_id
                        AND s.square_customer_id = d.square_customer_id
                        AND s.next_change_at = d.due_at
                     OFFSET 0) s
 WHERE d.due_at <= at
UNION ALL
SELECT s.organization_id, s.square_customer_id
  FROM customer_analytics_stored s
 WHERE (SELECT h.until FROM analytics_due_horizon h) < at
   AND s.next_change_at > (SELECT h.until FROM analytics_due_horizon h)
   AND s.next_change_at <= at
$$;
