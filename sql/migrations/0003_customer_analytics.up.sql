-- 0003 customer_analytics: the per-customer metrics table (METRICS.md), the contact
-- normalisation functions it shares with the customers/loyalty tables (SPEC 3.3), and the
-- daily per-location view (SPEC 2.2).
--
-- The table is written only by the refresh statements (sql/queries/refresh_*.sql); every
-- column is defined in METRICS.md, in the same order and under the same name.
--
-- No BEGIN/COMMIT: the migration runner wraps each file in one transaction.

-- ---------------------------------------------------------------------------------------
-- Contact normalisation (SPEC 3.3, METRICS.md "Clarifications"). One implementation for
-- customer_analytics.email_normalized / phone_e164 and for the customers table.
--
-- Both are plain SQL expressions, IMMUTABLE and not declared STRICT (a NULL argument still
-- gives NULL) so that the planner inlines them into the calling query.
-- ---------------------------------------------------------------------------------------

-- Email: strip the ASCII whitespace characters (space, tab, LF, VT, FF, CR) from both
-- ends, lower-case; empty becomes NULL. No syntax check.
CREATE FUNCTION analytics_normalize_email(raw text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT nullif(lower(btrim(raw, E' \t\n\x0B\f\r')), '')
$$;

COMMENT ON FUNCTION analytics_normalize_email(text) IS
    'Email as analyticsd compares it: ASCII whitespace stripped from both ends, lower-cased, '
    'empty -> NULL (SPEC 3.3).';

-- Phone to E.164, by the rules of METRICS.md:
--  * allowed characters are digits, space, - . ( ) / and one leading + (spaces may precede
--    the +); any other character (letters, tabs, a second or inner +) gives NULL;
--  * a leading + or a digit string starting 00 is international already (the 00 is dropped);
--  * otherwise the number is national: with country code 1 it must have 10 digits, or 11
--    starting with 1; with any other code one leading trunk 0 is dropped and the code
--    prepended;
--  * the result must have 8 to 15 digits, else NULL. Output: '+' followed by the digits.
-- country_code NULL means the default '1' (as a missing analytics_org_settings value does).
CREATE FUNCTION analytics_normalize_phone(raw text, country_code text DEFAULT '1') RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT '+' || substring(
        CASE
            WHEN raw !~ '^ *[+]?[-0-9 ./()]*$' THEN NULL
            -- Only allowed characters remain: deleting the separators leaves the digits.
            WHEN ltrim(raw, ' ') LIKE '+%' THEN translate(raw, ' -./()+', '')
            WHEN translate(raw, ' -./()', '') LIKE '00%' THEN substr(translate(raw, ' -./()', ''), 3)
            WHEN coalesce(country_code, '1') = '1' THEN
                CASE WHEN length(translate(raw, ' -./()', '')) = 10
                         THEN '1' || translate(raw, ' -./()', '')
                     WHEN length(translate(raw, ' -./()', '')) = 11
                          AND translate(raw, ' -./()', '') LIKE '1%'
                         THEN translate(raw, ' -./()', '')
                END
            ELSE country_code || regexp_replace(translate(raw, ' -./()', ''), '^0', '')
        END
        FROM '^[0-9]{8,15}$')
$$;

COMMENT ON FUNCTION analytics_normalize_phone(text, text) IS
    'Phone as E.164 (+15551234567) with country_code applied to national numbers, or NULL '
    'when unparseable (METRICS.md, Clarifications; SPEC 3.3).';

-- ---------------------------------------------------------------------------------------
-- customer_analytics: one row per (organization, Square customer) with a client record or a
-- booking. Columns in METRICS.md order; comments give the column numbers there.
-- ---------------------------------------------------------------------------------------

CREATE TABLE customer_analytics (
    -- Identity (1-9): 3-8 come from the client record only.
    organization_id              uuid        NOT NULL,
    square_customer_id           text        NOT NULL,
    display_name                 text,
    email_normalized             text,
    phone_e164                   text,
    creation_source              text,
    email_unsubscribed           boolean,            -- NULL = unknown
    client_created_at            timestamptz,
    has_client_record            boolean     NOT NULL,

    -- Lifecycle dates (10-19).
    first_booking_at             timestamptz,        -- first visit (V)
    first_visit_location_id      uuid,
    first_booking_created_at     timestamptz,
    last_visit_at                timestamptz,
    next_booking_at              timestamptz,
    last_booking_created_at      timestamptz,
    last_cancelled_at            timestamptz,
    last_no_show_at              timestamptz,
    days_since_last_visit        integer,
    tenure_days                  integer,

    -- Counts by status (20-30).
    total_bookings               integer     NOT NULL,
    total_accepted_bookings      integer     NOT NULL,
    visits_total                 integer     NOT NULL,
    upcoming_count               integer     NOT NULL,
    cancelled_by_customer_count  integer     NOT NULL,
    cancelled_by_seller_count    integer     NOT NULL,
    declined_count               integer     NOT NULL,
    no_show_count                integer     NOT NULL,
    pending_count                integer     NOT NULL,
    no_show_rate                 numeric,
    cancel_rate                  numeric,

    -- Time windows (31-37).
    visits_30d                   integer     NOT NULL,
    visits_90d                   integer     NOT NULL,
    visits_365d                  integer     NOT NULL,
    visits_prev_365d             integer     NOT NULL,
    no_shows_365d                integer     NOT NULL,
    cancellations_365d           integer     NOT NULL,
    bookings_created_30d         integer     NOT NULL,

    -- Spend, over the COMPLETED payments attributed to the customer (38-50).
    gross_spend_cents            bigint      NOT NULL,
    tips_cents                   bigint      NOT NULL,
    refunded_cents               bigint      NOT NULL,
    net_spend_cents              bigint      NOT NULL,
    net_spend_30d_cents          bigint      NOT NULL,
    net_spend_90d_cents          bigint      NOT NULL,
    net_spend_365d_cents         bigint      NOT NULL,
    paid_visits                  integer     NOT NULL,
    avg_ticket_cents             bigint,
    avg_tip_pct                  numeric,            -- fraction, 2 decimals (0.18 = 18%)
    last_payment_at              timestamptz,
    unpaid_visits                integer     NOT NULL,
    projected_12m_value_cents    bigint,

    -- Intervals between distinct local visit days (51-58).
    avg_days_between_visits      numeric,
    median_days_between_visits   numeric,            -- may be x.5
    last_gap_days                integer,
    expected_interval_days       numeric     NOT NULL,
    expected_next_visit_at       timestamptz,
    lapse_ratio                  numeric,            -- 2 decimals
    visits_per_year              numeric,            -- 2 decimals
    avg_lead_time_hours          numeric,

    -- Preferences over the visits (59-71).
    favourite_location_id        uuid,
    favourite_staff_id           text,
    favourite_staff_share        numeric,
    favourite_service_id         text,
    favourite_weekday            smallint    CHECK (favourite_weekday BETWEEN 1 AND 7),  -- ISO
    favourite_hour               smallint    CHECK (favourite_hour BETWEEN 0 AND 23),
    distinct_locations           integer     NOT NULL,
    distinct_staff               integer     NOT NULL,
    avg_duration_minutes         numeric,
    avg_party_size               numeric,
    total_covers                 integer     NOT NULL,
    online_booking_share         numeric,
    first_booking_source         text,

    -- Rebooking (72-73).
    rebook_rate_24h              numeric,
    last_visit_rebooked          boolean,

    -- Referral (74-76).
    referred_by_customer_id      text,
    referrals_made               integer     NOT NULL,
    referrals_converted          integer     NOT NULL,

    -- Loyalty (77-80).
    loyalty_points_earned        bigint      NOT NULL,
    loyalty_points_earned_365d   bigint      NOT NULL,
    loyalty_points_balance       bigint      NOT NULL,
    loyalty_last_earned_at       timestamptz,

    -- Segment (81-86).
    r_score                      smallint    CHECK (r_score BETWEEN 1 AND 5),
    f_score                      smallint    NOT NULL CHECK (f_score BETWEEN 1 AND 5),
    m_score                      smallint    NOT NULL CHECK (m_score BETWEEN 1 AND 5),
    rfm_code                     text        CHECK (rfm_code ~ '^[1-5]{3}$'),
    segment                      text        NOT NULL
        CONSTRAINT customer_analytics_segment_check CHECK (segment IN (
            'prospect', 'lost', 'lapsed', 'at_risk', 'new', 'vip', 'loyal', 'active')),
    is_vip                       boolean     NOT NULL,

    -- Bookkeeping (87): the run's as_of.
    computed_at                  timestamptz NOT NULL,

    PRIMARY KEY (organization_id, square_customer_id)
);

COMMENT ON TABLE customer_analytics IS
    'Per-customer metrics, one row per (organization, Square customer) with a client record or '
    'a booking; columns defined in METRICS.md. Written only by analyticsd refreshes.';

-- Dashboards: customers of an organization by segment, and by recency.
CREATE INDEX customer_analytics_org_segment_idx
    ON customer_analytics (organization_id, segment);
CREATE INDEX customer_analytics_org_last_visit_idx
    ON customer_analytics (organization_id, last_visit_at DESC);

-- Rows go with their organization (and with a demo reload's TRUNCATE ... CASCADE). Only
-- possible when organizations is a real table; where an operator maps it with a view there
-- is nothing to reference, and a full refresh deletes the rows of a vanished organization.
DO $$
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('organizations')) IN ('r', 'p') THEN
        ALTER TABLE customer_analytics
            ADD CONSTRAINT customer_analytics_organization_id_fkey
            FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE;
    ELSE
        RAISE NOTICE 'organizations is not a table: customer_analytics.organization_id left without a foreign key';
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------
-- analytics_appointments_by_location_daily (SPEC 2.2): per organization, location and local
-- day of start_at (the location's timezone, else the organization's).
--   bookings            all statuses
--   accepted_bookings   status ACCEPTED (future days included)
--   unique_customers    distinct non-null customer_id among the ACCEPTED bookings
--   new_customers       customers whose first visit (customer_analytics.first_booking_at)
--                       falls on that local day at that location (first_visit_location_id)
--   returning_customers unique_customers - new_customers
--   rebooking_rate      returning_customers / unique_customers, NULL when unique is 0
-- Rows exist for the days that have bookings; new_customers reads customer_analytics, so it
-- is as fresh as the last refresh.
-- ---------------------------------------------------------------------------------------

CREATE VIEW analytics_appointments_by_location_daily AS
WITH per_day AS (
    SELECT b.organization_id,
           b.location_id,
           (b.start_at AT TIME ZONE coalesce(l.timezone, o.timezone, 'UTC'))::date AS day,
           count(*) AS bookings,
           count(*) FILTER (WHERE b.status = 'ACCEPTED') AS accepted_bookings,
           count(DISTINCT b.customer_id) FILTER (WHERE b.status = 'ACCEPTED') AS unique_customers
      FROM bookings b
      LEFT JOIN locations l ON l.id = b.location_id
      LEFT JOIN organizations o ON o.id = b.organization_id
     GROUP BY 1, 2, 3
), firsts AS (
    SELECT ca.organization_id,
           ca.first_visit_location_id AS location_id,
           (ca.first_booking_at AT TIME ZONE coalesce(l.timezone, o.timezone, 'UTC'))::date AS day,
           count(*) AS new_customers
      FROM customer_analytics ca
      LEFT JOIN locations l ON l.id = ca.first_visit_location_id
      LEFT JOIN organizations o ON o.id = ca.organization_id
     WHERE ca.first_booking_at IS NOT NULL
     GROUP BY 1, 2, 3
)
SELECT d.organization_id,
       d.location_id,
       d.day,
       d.bookings,
       d.accepted_bookings,
       d.unique_customers,
       coalesce(f.new_customers, 0) AS new_customers,
       d.unique_customers - coalesce(f.new_customers, 0) AS returning_customers,
       (d.unique_customers - coalesce(f.new_customers, 0))::numeric
           / nullif(d.unique_customers, 0) AS rebooking_rate
  FROM per_day d
  LEFT JOIN firsts f
    ON f.organization_id = d.organization_id
   AND f.location_id = d.location_id
   AND f.day = d.day;

COMMENT ON VIEW analytics_appointments_by_location_daily IS
    'Bookings, accepted bookings, unique/new/returning customers and rebooking rate per '
    'organization, location and local day (SPEC 2.2).';
