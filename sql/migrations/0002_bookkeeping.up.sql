-- 0002 bookkeeping: analyticsd's own records of what it did and how it is configured
-- (SPEC 2.2, 4.2, 4.3). schema_migrations is not here: the migration runner creates it
-- itself, before it can apply any file.
--
-- No BEGIN/COMMIT: the migration runner wraps each file in one transaction.

-- One row per refresh, rollback, loyalty rebuild or migration, written when the run starts
-- (status 'running') and completed in the run's own transaction, so a crash leaves either a
-- finished run or a 'running' row the daemon can recognise as abandoned.
CREATE TABLE analytics_refresh_runs (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text        NOT NULL
        CHECK (kind IN ('refresh', 'rollback', 'loyalty_rebuild', 'migrate')),
    mode           text,                 -- full | recent | org for refreshes
    scope          text,                 -- e.g. the organization id or the recent window
    trigger        text        NOT NULL DEFAULT 'manual',  -- manual | timer | ...
    requested_by   text,                 -- peer user name or uid
    host           text,
    pid            integer,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    status         text        NOT NULL
        CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'rolled_back')),
    rows_inserted  bigint      NOT NULL DEFAULT 0 CHECK (rows_inserted  >= 0),
    rows_updated   bigint      NOT NULL DEFAULT 0 CHECK (rows_updated   >= 0),
    rows_deleted   bigint      NOT NULL DEFAULT 0 CHECK (rows_deleted   >= 0),
    rows_unchanged bigint      NOT NULL DEFAULT 0 CHECK (rows_unchanged >= 0),
    -- The run's single "now" (its transaction start); every metric is relative to it.
    as_of          timestamptz,
    -- The rollback run that undid this one; set together with status 'rolled_back'.
    undone_by      bigint      REFERENCES analytics_refresh_runs (id),
    sqlstate       text,
    message        text
);

-- `runs` lists newest first; `status` shows the last run of each mode.
CREATE INDEX analytics_refresh_runs_started_idx      ON analytics_refresh_runs (started_at DESC);
CREATE INDEX analytics_refresh_runs_mode_started_idx ON analytics_refresh_runs (mode, started_at DESC);

-- Kept in the shape the earlier dashboards read: one row per run with log_type 'cron' and a
-- payload carrying cron_name 'refresh-customer-analytics', the run id, mode and counts.
CREATE TABLE application_logs (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    log_type        text        NOT NULL,
    status          text        NOT NULL,
    payload         jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- No foreign key: a log line outlives the organization it mentions.
    organization_id uuid
);

CREATE INDEX application_logs_type_created_idx ON application_logs (log_type, created_at DESC);

-- The paused flag lives in the database so that it survives restarts and binds every daemon
-- on this database. Exactly one row: the primary key can only ever be true.
CREATE TABLE analytics_control (
    singleton boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    paused    boolean     NOT NULL DEFAULT false,
    paused_by text,
    paused_at timestamptz,
    reason    text
);

INSERT INTO analytics_control DEFAULT VALUES;

-- Per-organization overrides of the metric defaults (METRICS.md, "Org settings"). A missing
-- row or a NULL column means the default: phone_country_code '1', default_interval_days 42,
-- lost_after_days 365, and the RFM thresholds for scores 5, 4, 3, 2 (in that order).
CREATE TABLE analytics_org_settings (
    organization_id       uuid    PRIMARY KEY,
    -- Applied to national phone numbers: E.164 country codes are 1-3 digits, never 0-led.
    phone_country_code    text    CHECK (phone_country_code ~ '^[1-9][0-9]{0,2}$'),
    -- Divides days_since_last_visit for lapse_ratio, so it must be positive.
    default_interval_days integer CHECK (default_interval_days > 0),
    lost_after_days       integer CHECK (lost_after_days >= 0),
    rfm_r_days            integer[],
    rfm_f_visits          integer[],
    rfm_m_cents           bigint[],
    -- Four thresholds, one per score 5..2, none missing, in the order the scores need:
    -- recency windows widen, frequency and money thresholds fall.
    CONSTRAINT analytics_org_settings_rfm_r_days_check CHECK (rfm_r_days IS NULL OR (
        array_ndims(rfm_r_days) = 1 AND cardinality(rfm_r_days) = 4
        AND array_position(rfm_r_days, NULL) IS NULL
        AND rfm_r_days[1] <= rfm_r_days[2] AND rfm_r_days[2] <= rfm_r_days[3]
        AND rfm_r_days[3] <= rfm_r_days[4])),
    CONSTRAINT analytics_org_settings_rfm_f_visits_check CHECK (rfm_f_visits IS NULL OR (
        array_ndims(rfm_f_visits) = 1 AND cardinality(rfm_f_visits) = 4
        AND array_position(rfm_f_visits, NULL) IS NULL
        AND rfm_f_visits[1] >= rfm_f_visits[2] AND rfm_f_visits[2] >= rfm_f_visits[3]
        AND rfm_f_visits[3] >= rfm_f_visits[4])),
    CONSTRAINT analytics_org_settings_rfm_m_cents_check CHECK (rfm_m_cents IS NULL OR (
        array_ndims(rfm_m_cents) = 1 AND cardinality(rfm_m_cents) = 4
        AND array_position(rfm_m_cents, NULL) IS NULL
        AND rfm_m_cents[1] >= rfm_m_cents[2] AND rfm_m_cents[2] >= rfm_m_cents[3]
        AND rfm_m_cents[3] >= rfm_m_cents[4]))
);

-- Settings go with their organization. Only possible when organizations is a real table;
-- where an operator maps it with a view there is nothing to reference.
DO $$
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('organizations')) IN ('r', 'p') THEN
        ALTER TABLE analytics_org_settings
            ADD CONSTRAINT analytics_org_settings_organization_id_fkey
            FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE;
    ELSE
        RAISE NOTICE 'organizations is not a table: analytics_org_settings.organization_id left without a foreign key';
    END IF;
END
$$;
