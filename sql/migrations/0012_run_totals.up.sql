-- 0012 run totals that only grow (analyticsd_runs_total, docs/alerts.yml).
--
-- analyticsctl metrics counted the run records by their status now: a rollback moved a run
-- from succeeded to rolled_back, and a record pruned took its run out of the count, so the
-- counter went down and Prometheus's rate() saw a reset. analytics_run_totals counts each
-- run once, as it finishes (a trigger on analytics_refresh_runs: a record that becomes, or is
-- written as, succeeded, failed or cancelled), and, apart, each run a rollback undid (one
-- that goes from succeeded to rolled_back). Nothing ever subtracts.
--
-- The counts start from the records there are.
--
-- No BEGIN/COMMIT: the migration runner wraps each file in one transaction.
CREATE TABLE analytics_run_totals (
    kind    text   NOT NULL,
    mode    text   NOT NULL,        -- '' for a kind without modes
    outcome text   NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'cancelled', 'rolled_back')),
    runs    bigint NOT NULL CHECK (runs >= 0),
    PRIMARY KEY (kind, mode, outcome)
);

INSERT INTO analytics_run_totals (kind, mode, outcome, runs)
SELECT kind, coalesce(mode, ''), o.outcome, count(*)
  FROM analytics_refresh_runs r
 CROSS JOIN LATERAL (VALUES (CASE WHEN r.status = 'rolled_back' THEN 'succeeded' ELSE r.status END),
                            (CASE WHEN r.status = 'rolled_back' THEN 'rolled_back' END)) o (outcome)
 WHERE o.outcome IN ('succeeded', 'failed', 'cancelled', 'rolled_back')
 GROUP BY 1, 2, 3;

CREATE FUNCTION analytics_count_run() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    counted text;
BEGIN
    IF NEW.status IN ('succeeded', 'failed', 'cancelled')
       AND (TG_OP = 'INSERT' OR OLD.status = 'running') THEN
        counted := NEW.status;
    ELSIF TG_OP = 'UPDATE' AND OLD.status = 'succeeded' AND NEW.status = 'rolled_back' THEN
        counted := 'rolled_back';
    ELSE
        RETURN NULL;
    END IF;
    INSERT INTO public.analytics_run_totals AS t (kind, mode, outcome, runs)
    VALUES (NEW.kind, coalesce(NEW.mode, ''), counted, 1)
    ON CONFLICT (kind, mode, outcome) DO UPDATE SET runs = t.runs + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER analytics_count_run
    AFTER INSERT OR UPDATE OF status ON analytics_refresh_runs
    FOR EACH ROW EXECUTE FUNCTION analytics_count_run();
