-- 0001 source schema: the reference platform tables analyticsd reads (SPEC 2.1).
--
-- These are the *input contract*, not analyticsd's own data. An operator whose platform
-- already has these relations, or maps differently shaped tables onto them with views of the
-- same names and columns, keeps them: every CREATE below is IF NOT EXISTS, and indexes are
-- only added where the name is a real table (an index on a view is not possible; index the
-- tables under the view instead).
--
-- On a large pre-existing table the index builds below hold a lock that blocks writes while
-- they run. To avoid that, create them beforehand with CREATE INDEX CONCURRENTLY under the
-- same names; this migration then skips them.
--
-- Foreign keys are added after the tables, and only between tables this migration created: a
-- view cannot be referenced, and an operator's own tables keep exactly the constraints they
-- had. So an operator may map some names with views and let this file create the others
-- (a platform without Square gets an empty square_existing_clients).
--
-- No BEGIN/COMMIT: the migration runner wraps each file in one transaction, and the file
-- relies on that (it recognises the tables it created by their creating transaction).

CREATE TABLE IF NOT EXISTS organizations (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text        NOT NULL,
    -- IANA name; the fallback for locations without a timezone of their own.
    timezone    text        NOT NULL DEFAULT 'UTC',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS locations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    name            text NOT NULL,
    -- NULL means "same as the organization": local time falls back to organizations.timezone.
    timezone        text,
    -- Target of the tenant-scoped foreign key from bookings.
    UNIQUE (organization_id, id)
);

CREATE TABLE IF NOT EXISTS square_existing_clients (
    organization_id         uuid        NOT NULL,
    square_customer_id      text        NOT NULL,
    given_name              text,
    family_name             text,
    email                   text,
    phone                   text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    creation_source         text,
    -- Deliberately not a foreign key: Square may name a customer we never imported, and the
    -- analytics keep such a referrer as written (the `check` command reports it).
    referred_by_customer_id text,
    -- NULL means unknown, which is not the same as subscribed.
    email_unsubscribed      boolean,
    PRIMARY KEY (organization_id, square_customer_id)
);

CREATE TABLE IF NOT EXISTS bookings (
    id                     uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id        uuid        NOT NULL,
    location_id            uuid        NOT NULL,
    -- Square customer id; NULL for bookings made with contact details only.
    customer_id            text,
    customer_email         text,
    customer_phone         text,
    status                 text        NOT NULL
        CONSTRAINT bookings_status_check CHECK (status IN (
            'PENDING', 'ACCEPTED', 'CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_SELLER',
            'DECLINED', 'NO_SHOW')),
    start_at               timestamptz NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    duration_minutes       integer     CHECK (duration_minutes >= 0),
    service_id             text,
    staff_id               text,
    party_size             integer     NOT NULL DEFAULT 1 CHECK (party_size >= 1),
    -- FIRST_PARTY_BUYER, THIRD_PARTY_BUYER, FIRST_PARTY_MERCHANT, API, ... (Square's values;
    -- left open because Square adds new ones).
    source                 text,
    loyalty_points_awarded integer     NOT NULL DEFAULT 0 CHECK (loyalty_points_awarded >= 0),
    marketing_opt_in       boolean,
    -- Target of the tenant-scoped foreign key from payments.
    UNIQUE (organization_id, id)
);

CREATE TABLE IF NOT EXISTS payments (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid        NOT NULL,
    -- NULL for sales not tied to a booking (retail, gift cards).
    booking_id      uuid,
    -- The payer; when NULL the payment is attributed through the booking.
    customer_id     text,
    amount_cents    bigint      NOT NULL CHECK (amount_cents >= 0),
    tip_cents       bigint      NOT NULL DEFAULT 0 CHECK (tip_cents >= 0),
    refunded_cents  bigint      NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
    -- Only COMPLETED counts as spend.
    status          text        NOT NULL
        CONSTRAINT payments_status_check CHECK (status IN (
            'APPROVED', 'PENDING', 'COMPLETED', 'CANCELED', 'FAILED')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Foreign keys to a parent include organization_id, so a location, booking or payment can
-- never point into another tenant, and the schema stays distributable by tenant (Citus
-- requires the distribution column in every foreign key). Added only where both ends were
-- created by this migration (see the header); skipped ones are reported.
DO $$
DECLARE
    created_here regclass[];
    fk           record;
BEGIN
    -- Decided before any ALTER below, which rewrites the parents' catalog rows.
    SELECT coalesce(array_agg(c.oid::regclass), '{}') INTO created_here
      FROM pg_class c
     WHERE c.oid IN (SELECT to_regclass(n) FROM unnest(ARRAY['organizations', 'locations',
                        'square_existing_clients', 'bookings', 'payments']) AS n)
       AND c.xmin = pg_current_xact_id()::xid;

    FOR fk IN
        SELECT * FROM (VALUES
            ('locations',               'locations_organization_id_fkey',
             'organization_id',             'organizations', 'id'),
            ('square_existing_clients', 'square_existing_clients_organization_id_fkey',
             'organization_id',             'organizations', 'id'),
            ('bookings',                'bookings_organization_id_fkey',
             'organization_id',             'organizations', 'id'),
            ('bookings',                'bookings_location_id_fkey',
             'organization_id, location_id', 'locations',    'organization_id, id'),
            ('payments',                'payments_organization_id_fkey',
             'organization_id',             'organizations', 'id'),
            -- MATCH SIMPLE: a payment without a booking_id is not checked.
            ('payments',                'payments_booking_id_fkey',
             'organization_id, booking_id',  'bookings',     'organization_id, id')
        ) AS v (child, name, cols, parent, parent_cols)
    LOOP
        IF to_regclass(fk.child) = ANY (created_here)
           AND to_regclass(fk.parent) = ANY (created_here) THEN
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%s) REFERENCES %s (%s)',
                           to_regclass(fk.child), fk.name, fk.cols,
                           to_regclass(fk.parent), fk.parent_cols);
        ELSE
            RAISE NOTICE 'foreign key % not added: % and % were not both created by this migration',
                         fk.name, fk.child, fk.parent;
        END IF;
    END LOOP;
END
$$;

-- Indexes the per-customer refresh needs: per-customer lookups inside an organization, the
-- time windows, and the change scans of `refresh recent` (created/updated in the last N days,
-- across all organizations).
DO $$
DECLARE
    ix record;
    kind "char";
BEGIN
    FOR ix IN
        SELECT * FROM (VALUES
            ('bookings',                'bookings_org_customer_idx',   'organization_id, customer_id'),
            ('bookings',                'bookings_org_start_idx',      'organization_id, start_at'),
            ('bookings',                'bookings_updated_at_idx',     'updated_at'),
            ('bookings',                'bookings_created_at_idx',     'created_at'),
            ('payments',                'payments_org_customer_idx',   'organization_id, customer_id'),
            ('payments',                'payments_booking_idx',        'booking_id'),
            ('payments',                'payments_updated_at_idx',     'updated_at'),
            ('payments',                'payments_created_at_idx',     'created_at'),
            ('square_existing_clients', 'sec_org_referred_by_idx',     'organization_id, referred_by_customer_id')
        ) AS v (rel, name, cols)
    LOOP
        SELECT c.relkind INTO kind FROM pg_class c WHERE c.oid = to_regclass(ix.rel);
        IF kind IN ('r', 'p') THEN
            EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (%s)',
                           ix.name, to_regclass(ix.rel), ix.cols);
        ELSE
            RAISE NOTICE '% is not a table (relkind %): index % (%) not created; index the underlying table instead',
                         ix.rel, kind, ix.name, ix.cols;
        END IF;
    END LOOP;
END
$$;
