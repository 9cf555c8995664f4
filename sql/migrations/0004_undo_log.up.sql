-- The undo log (SPEC 4.3): for every run that changed customer_analytics,
-- the previous version of each row it inserted ('i', no old row), updated
-- ('u') or deleted ('d'), written in the run's own transaction. Its size is
-- proportional to the rows the run changed, never to the table.
--
-- Old rows are kept as jsonb (to_jsonb of the row, restored with
-- jsonb_populate_record): exact for every column type the table has, and,
-- unlike a column of the table's row type, it does not forbid later
-- migrations from altering customer_analytics.
CREATE TABLE analytics_undo_log (
    run_id             bigint  NOT NULL REFERENCES analytics_refresh_runs (id) ON DELETE CASCADE,
    organization_id    uuid    NOT NULL,
    square_customer_id text    NOT NULL,
    op                 "char"  NOT NULL CHECK (op IN ('i', 'u', 'd')),
    old_row            jsonb   CHECK ((op = 'i') = (old_row IS NULL)),
    PRIMARY KEY (run_id, organization_id, square_customer_id)
);

-- Whether a run's undo log is still there (refresh.keep_runs prunes old
-- ones); rollback refuses to pass a run whose log is gone.
ALTER TABLE analytics_refresh_runs ADD COLUMN undo_kept boolean NOT NULL DEFAULT false;
