-- Demo data for the reference source schema (migrations 0001 and 0002 must be applied;
-- with 0005 it adds loyalty programmes too).
--
--   psql -v ON_ERROR_STOP=1 -1 -f sql/demo_data.sql
--
-- Three organizations on three continents (a salon in New York, a restaurant in London, a
-- barber in Sydney), about 2,000 client records, 20,000 bookings over the last two years and
-- the next 30 days, and about 15,000 payments, shaped like real platform data, with its mess:
-- contact details in every format, a few unparseable phones, self-referrals, a referrer that
-- does not exist, bookings without a customer id, refunds, failed and pending payments.
--
-- Deterministic: no random(). Every value comes from the md5 of a key naming the row and the
-- attribute ('cust:2:17:email_noise'), so two loads are identical except for the anchor. The
-- anchor is the current hour, so that "last visit", "upcoming" and the freshness checks look
-- like a live system whenever the demo is loaded; load twice within one hour and the rows are
-- byte-for-byte the same.
--
-- It replaces the source tables' contents, and refuses to run if they hold an organization
-- that is not one of the three demo ones (so it cannot wipe real data by accident).

-- ---------------------------------------------------------------------------------------
-- Safety and reset
-- ---------------------------------------------------------------------------------------

DO $$
BEGIN
    IF EXISTS (SELECT FROM organizations
                WHERE id NOT IN ('11111111-1111-4111-8111-000000000001',
                                 '11111111-1111-4111-8111-000000000002',
                                 '11111111-1111-4111-8111-000000000003')) THEN
        RAISE EXCEPTION 'refusing to load demo data: organizations holds non-demo rows'
            USING HINT = 'demo_data.sql replaces the source tables; run it on a demo database only.';
    END IF;
END
$$;

-- Only demo data is present (checked above), so cascading into tables derived from it
-- (customer_analytics, loyalty, ...) discards nothing but stale demo results.
TRUNCATE payments, bookings, square_existing_clients, locations, organizations,
         analytics_org_settings CASCADE;

-- A few thousand rows of expression-heavy queries: JIT compilation would take longer than
-- the queries themselves.
SET jit = off;

-- ---------------------------------------------------------------------------------------
-- Helpers (session-local, dropped at the end)
-- ---------------------------------------------------------------------------------------

-- A uniform number in [0, 1) from a key. md5 rather than hashtext(): md5 is the same on
-- every PostgreSQL version and platform.
CREATE FUNCTION pg_temp.demo_u(key text) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT ('x' || substr(md5(key), 1, 12))::bit(48)::bigint::float8 / 281474976710656 $$;

-- One element of choices, picked by key. Repeat an element to weight it.
CREATE FUNCTION pg_temp.demo_pick(key text, choices text[]) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT choices[1 + floor(pg_temp.demo_u(key) * cardinality(choices))::int] $$;

-- A phone number of country ('US', 'UK' or 'AU'), the number chosen by number_key and the
-- way it is written by style_key: the same person writes the same number differently on
-- different days, and normalisation must see through that.
CREATE FUNCTION pg_temp.demo_phone(country text, number_key text, style_key text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT AS
$$
DECLARE
    digits text := lpad(floor(pg_temp.demo_u(number_key || ':digits') * 1e8)::bigint::text, 8, '0');
    k      double precision := pg_temp.demo_u(number_key || ':kind');
    s      double precision := pg_temp.demo_u(style_key || ':style');
    cc     text;
    trunk  text;   -- national prefix, written before the number at home only
    nsn    text;   -- national significant number
    sp     text;   -- nsn with the customary spaces
    g1     text;
    rest   text;
BEGIN
    CASE country
    WHEN 'US' THEN
        cc := '1'; trunk := '';
        nsn := (ARRAY['212', '718', '917', '646', '312', '773'])[1 + floor(k * 6)::int]
               || (2 + floor(k * 80)::int % 8)::text || substr(digits, 1, 6);
        sp := substr(nsn, 1, 3) || ' ' || substr(nsn, 4, 3) || ' ' || substr(nsn, 7, 4);
    WHEN 'UK' THEN
        cc := '44'; trunk := '0';
        IF k < 0.7 THEN   -- mobile 07xxx xxxxxx
            nsn := '7' || (4 + floor(k * 50)::int % 6)::text || substr(digits, 1, 8);
            sp := substr(nsn, 1, 4) || ' ' || substr(nsn, 5, 6);
        ELSE              -- London landline 020 xxxx xxxx
            nsn := '20' || (ARRAY['7', '3', '8'])[1 + floor(k * 30)::int % 3] || substr(digits, 1, 7);
            sp := substr(nsn, 1, 2) || ' ' || substr(nsn, 3, 4) || ' ' || substr(nsn, 7, 4);
        END IF;
    WHEN 'AU' THEN        -- mobile 04xx xxx xxx
        cc := '61'; trunk := '0';
        nsn := '4' || substr(digits, 1, 8);
        sp := substr(nsn, 1, 3) || ' ' || substr(nsn, 4, 3) || ' ' || substr(nsn, 7, 3);
    END CASE;

    g1 := split_part(sp, ' ', 1);
    rest := substr(sp, length(g1) + 2);

    -- Americans mostly write the national form; Australians here mostly the international
    -- one (the barber has no phone_country_code setting, so its national numbers are read
    -- with the default code 1, as an unconfigured organization would see them).
    IF country = 'AU' THEN
        s := CASE WHEN s < 0.85 THEN 0.55 + s * 0.3 / 0.85 ELSE (s - 0.85) / 0.15 * 0.55 END;
    ELSIF country = 'US' THEN
        s := s * 0.8;
    END IF;

    RETURN CASE
        WHEN s < 0.15 THEN trunk || sp                                    -- 020 7946 0123
        WHEN s < 0.25 THEN trunk || nsn                                   -- 07700900123
        WHEN s < 0.35 THEN '(' || trunk || g1 || ') ' || replace(rest, ' ', '-')  -- (212) 555-0123
        WHEN s < 0.45 THEN trunk || replace(sp, ' ', '-')                 -- 212-555-0123
        WHEN s < 0.55 THEN trunk || replace(sp, ' ', '.')                 -- 212.555.0123
        WHEN s < 0.70 THEN '+' || cc || ' ' || sp                         -- +44 7700 900123
        WHEN s < 0.80 THEN '+' || cc || nsn                               -- +447700900123
        WHEN s < 0.90 THEN '00' || cc || ' ' || sp                        -- 0044 7700 900123
        WHEN s < 0.97 THEN cc || ' (' || g1 || ') ' || replace(rest, ' ', '-')  -- 1 (212) 555-0123
        -- Written by people everywhere, and wrong under plain E.164 rules: the (0) stays.
        ELSE '+' || cc || ' (0)' || sp
    END;
END
$$;

-- The anchor of all times: the current hour (see the header).
CREATE TEMP TABLE demo_clock AS
SELECT date_trunc('hour', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS anchor;

-- ---------------------------------------------------------------------------------------
-- Organizations, locations, settings
-- ---------------------------------------------------------------------------------------

-- n_customers: Square customer ids per organization; every 11th has no client record (it
-- only ever appears on bookings), the rest are square_existing_clients.
CREATE TEMP TABLE demo_orgs (org_no, id, name, timezone, country, n_customers,
                             open_hour, close_hour, booking_share_to) AS
VALUES
    (1, '11111111-1111-4111-8111-000000000001'::uuid, 'Maple & Co Hair Studio',
        'America/New_York', 'US', 930, 9, 19, 0.45),
    (2, '11111111-1111-4111-8111-000000000002'::uuid, 'The Harbour Kitchen',
        'Europe/London', 'UK', 770, 12, 22, 0.80),
    (3, '11111111-1111-4111-8111-000000000003'::uuid, 'Bondi Barber Co.',
        'Australia/Sydney', 'AU', 500, 8, 18, 1.00);

-- One location runs on another timezone than its organization (Chicago), two have none of
-- their own (local time falls back to the organization's), three repeat the organization's.
CREATE TEMP TABLE demo_locations (loc_no, org_no, id, name, timezone) AS
VALUES
    (1, 1, '22222222-2222-4222-8222-000000000001'::uuid, 'Maple & Co Park Slope',    'America/New_York'),
    (2, 1, '22222222-2222-4222-8222-000000000002'::uuid, 'Maple & Co Wicker Park',   'America/Chicago'),
    (3, 2, '22222222-2222-4222-8222-000000000003'::uuid, 'Harbour Kitchen Wapping',  NULL),
    (4, 2, '22222222-2222-4222-8222-000000000004'::uuid, 'Harbour Kitchen Borough',  'Europe/London'),
    (5, 3, '22222222-2222-4222-8222-000000000005'::uuid, 'Bondi Barber Co. Bondi',   'Australia/Sydney'),
    (6, 3, '22222222-2222-4222-8222-000000000006'::uuid, 'Bondi Barber Co. Surry Hills', NULL);

-- price_cents is per cover at the restaurant.
CREATE TEMP TABLE demo_services (org_no, svc_no, service_id, price_cents, duration_minutes) AS
VALUES
    (1, 1, 'womens-cut',      7500,  60), (1, 2, 'mens-cut',        4500,  30),
    (1, 3, 'colour',         14000, 120), (1, 4, 'balayage',       22000, 150),
    (1, 5, 'blow-dry',        5000,  45), (1, 6, 'treatment',       6000,  45),
    (2, 1, 'dinner',          4500, 120), (2, 2, 'lunch',           2800,  75),
    (2, 3, 'brunch',          2500,  90), (2, 4, 'tasting-menu',    9500, 180),
    (2, 5, 'bar-table',       2000,  60),
    (3, 1, 'skin-fade',       4000,  30), (3, 2, 'classic-cut',     3500,  30),
    (3, 3, 'beard-trim',      2500,  15), (3, 4, 'cut-and-beard',   5500,  45),
    (3, 5, 'hot-towel-shave', 4500,  30);

CREATE TEMP TABLE demo_staff (org_no, staff_no, staff_id) AS
VALUES
    (1, 1, 'tm-ava'),  (1, 2, 'tm-bea'), (1, 3, 'tm-cleo'), (1, 4, 'tm-dana'), (1, 5, 'tm-eve'),
    (2, 1, 'tm-finn'), (2, 2, 'tm-gus'), (2, 3, 'tm-hana'), (2, 4, 'tm-ivo'),
    (3, 1, 'tm-jack'), (3, 2, 'tm-kai'), (3, 3, 'tm-leo'),  (3, 4, 'tm-max');

INSERT INTO organizations (id, name, timezone, created_at)
SELECT o.id, o.name, o.timezone, c.anchor - interval '3 years'
  FROM demo_orgs o CROSS JOIN demo_clock c;

INSERT INTO locations (id, organization_id, name, timezone)
SELECT l.id, o.id, l.name, l.timezone
  FROM demo_locations l JOIN demo_orgs o USING (org_no);

-- The restaurant is in the UK: national numbers there get +44, not the default +1.
INSERT INTO analytics_org_settings (organization_id, phone_country_code)
VALUES ('11111111-1111-4111-8111-000000000002', '44');

-- ---------------------------------------------------------------------------------------
-- Customers and their client records
-- ---------------------------------------------------------------------------------------

-- Each customer has a booking habit (how many bookings, from when, until when), so that
-- every segment occurs: prospects who never booked, one-off visitors, occasional and
-- regular customers, devotees; a quarter of the repeat customers have drifted away.
CREATE TEMP TABLE demo_customers AS
WITH c AS (
    SELECT o.org_no, o.country, rn, o.org_no || ':' || rn AS k,
           rn % 11 <> 0 AS is_client,
           pg_temp.demo_pick('cust:' || o.org_no || ':' || rn || ':given', ARRAY[
               'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Oliver', 'Sophia', 'Elijah',
               'Isabella', 'James', 'Mia', 'William', 'Amelia', 'Lucas', 'Harper', 'Benjamin',
               'Zoë', 'José', 'Siobhán', 'Mei', 'Aarav', 'Fatima', 'Chloé', 'Mateo', 'Priya',
               'Kwame', 'Ngaio', 'Björn', 'Aoife', 'Tomás']) AS given,
           pg_temp.demo_pick('cust:' || o.org_no || ':' || rn || ':family', ARRAY[
               'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis',
               'Martinez', 'Lopez', 'Wilson', 'Anderson', 'Taylor', 'Thomas', 'Moore',
               'Jackson', 'Martin', 'Lee', 'Nguyen', 'O''Brien', 'Müller', 'Kowalski',
               'Okafor', 'Singh', 'Rossi', 'Dubois', 'Tanaka', 'Silva', 'MacDonald',
               'van der Berg']) AS family
      FROM demo_orgs o CROSS JOIN LATERAL generate_series(1, o.n_customers) AS rn
)
SELECT c.*,
       upper(substr(md5('customer:' || k), 1, 26)) AS customer_id,
       -- The address as the person typed it once; the noise is added per record.
       regexp_replace(translate(lower(given), 'ëéáöüóñ', 'eeaouon'), '[^a-z]', '', 'g')
           || pg_temp.demo_pick('cust:' || k || ':sep', ARRAY['.', '_', ''])
           || regexp_replace(translate(lower(family), 'ëéáöüóñ', 'eeaouon'), '[^a-z]', '', 'g')
           || rn
           || '@' || pg_temp.demo_pick('cust:' || k || ':domain', CASE country
                  WHEN 'US' THEN ARRAY['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com']
                  WHEN 'UK' THEN ARRAY['gmail.com', 'hotmail.co.uk', 'btinternet.com', 'outlook.com']
                  ELSE ARRAY['gmail.com', 'bigpond.com', 'outlook.com', 'icloud.com'] END)
           AS email,
       'cust:' || k AS ckey,
       1 + (pg_temp.demo_u('cust:' || k || ':home') >= 0.65)::int AS home_loc,  -- 1st or 2nd of the org
       pg_temp.demo_u('cust:' || k || ':fav_svc') AS u_fav_svc,
       pg_temp.demo_u('cust:' || k || ':fav_staff') AS u_fav_staff,
       pg_temp.demo_u('cust:' || k || ':opt_in') < 0.45 AS opts_in,
       CASE WHEN u_kind < 0.08 THEN (NOT is_client)::int   -- bookings-only ids have one at least
            WHEN u_kind < 0.23 THEN 1
            WHEN u_kind < 0.58 THEN 2 + floor(5 * u_n)::int
            WHEN u_kind < 0.90 THEN 6 + floor(13 * u_n)::int
            ELSE 20 + floor(26 * u_n)::int
       END AS n_bookings,
       -- Bookings fall between since_days and until_days ago; negative means into the
       -- coming 30 days (customers who still book).
       since_days,
       CASE WHEN u_kind >= 0.23 AND pg_temp.demo_u('cust:' || k || ':churned') < 0.25
            THEN floor(since_days * pg_temp.demo_u('cust:' || k || ':until'))::int
            ELSE -30 END AS until_days
  FROM c
 CROSS JOIN LATERAL (SELECT
       pg_temp.demo_u('cust:' || k || ':kind') AS u_kind,
       pg_temp.demo_u('cust:' || k || ':n') AS u_n,
       30 + floor(700 * pg_temp.demo_u('cust:' || k || ':since'))::int AS since_days) AS habit;

INSERT INTO square_existing_clients (organization_id, square_customer_id, given_name,
    family_name, email, phone, created_at, creation_source, referred_by_customer_id,
    email_unsubscribed)
SELECT o.id,
       c.customer_id,
       CASE WHEN u_given < 0.02 THEN '  ' || c.given || ' '
            WHEN u_given < 0.03 THEN ''
            WHEN u_given < 0.04 THEN NULL
            ELSE c.given END,
       CASE WHEN u_family < 0.05 THEN NULL
            WHEN u_family < 0.07 THEN c.family || ' '
            ELSE c.family END,
       CASE WHEN u_email < 0.06 THEN NULL
            WHEN u_email < 0.08 THEN ''
            WHEN u_email < 0.10 THEN '   '
            WHEN u_email < 0.22 THEN initcap(split_part(c.email, '@', 1)) || '@'
                                     || initcap(split_part(c.email, '@', 2))
            WHEN u_email < 0.24 THEN upper(c.email)
            WHEN u_email < 0.28 THEN ' ' || c.email || '  '
            WHEN u_email < 0.30 THEN E'\t' || c.email
            ELSE c.email END,
       CASE WHEN u_phone < 0.10 THEN NULL
            WHEN u_phone < 0.12 THEN ''
            WHEN u_phone < 0.14 THEN pg_temp.demo_pick(c.ckey || ':garbage', ARRAY[
                'n/a', 'none', '12', 'call reception', '555-CALL-NOW', '+1 212 555 0199 ext. 4',
                '07700 900123 (mum)', '#4471', '0', '+', '()', '+44 20 7946 0000 x'])
            ELSE pg_temp.demo_phone(o.country, c.ckey, c.ckey || ':client') END,
       -- Usually on or before the first booking; now and then imported a little later.
       k.anchor - interval '1 day' * (c.since_days - 10 + 60 * pg_temp.demo_u(c.ckey || ':created'))
                - interval '1 minute' * floor(1440 * pg_temp.demo_u(c.ckey || ':created_min')),
       pg_temp.demo_pick(c.ckey || ':source', ARRAY[
           'APPOINTMENTS', 'APPOINTMENTS', 'APPOINTMENTS', 'APPOINTMENTS', 'APPOINTMENTS',
           'APPOINTMENTS', 'APPOINTMENTS', 'APPOINTMENTS', 'DIRECTORY', 'DIRECTORY',
           'DIRECTORY', 'DIRECTORY', 'THIRD_PARTY', 'THIRD_PARTY', 'THIRD_PARTY', 'IMPORT',
           'IMPORT', 'IMPORT', 'MERGE', 'INSTANT_PROFILE']),
       CASE
           -- The one referrer that does not exist (kept as written; `check` reports it).
           WHEN c.org_no = 2 AND c.rn = 42 THEN 'NOSUCHCUSTOMER0000000000000'
           -- Self-referrals: no referral at all, by definition.
           WHEN c.rn IN (7, 307, 607) THEN c.customer_id
           -- About one client in eight was referred by an earlier client of the same
           -- organization (never a bookings-only customer: every 11th number).
           WHEN c.rn > 1 AND u_ref < 0.12 THEN
               (SELECT r.customer_id FROM demo_customers r
                 WHERE r.org_no = c.org_no
                   AND r.rn = ref_rn - (ref_rn % 11 = 0)::int)
       END,
       CASE WHEN u_unsub < 0.10 THEN true WHEN u_unsub < 0.80 THEN false END
  FROM demo_customers c
  JOIN demo_orgs o USING (org_no)
 CROSS JOIN demo_clock k
 CROSS JOIN LATERAL (SELECT
       pg_temp.demo_u(c.ckey || ':given_noise')  AS u_given,
       pg_temp.demo_u(c.ckey || ':family_noise') AS u_family,
       pg_temp.demo_u(c.ckey || ':email_noise')  AS u_email,
       pg_temp.demo_u(c.ckey || ':phone_noise')  AS u_phone,
       pg_temp.demo_u(c.ckey || ':referred')     AS u_ref,
       1 + floor(pg_temp.demo_u(c.ckey || ':referrer') * (c.rn - 1))::int AS ref_rn,
       pg_temp.demo_u(c.ckey || ':unsubscribed') AS u_unsub) AS n
 WHERE c.is_client;

-- ---------------------------------------------------------------------------------------
-- Bookings
-- ---------------------------------------------------------------------------------------

CREATE TEMP TABLE demo_bookings AS
WITH b AS (
    -- Whose booking, and on which day. Customers' bookings follow their habits; a further
    -- thousand are made with contact details only (no customer id), spread like the rest.
    SELECT 'booking:' || c.k || ':' || j AS k, c.org_no, c.rn AS cust_rn, false AS anonymous,
           c.until_days + floor((c.since_days - c.until_days)
                                * pg_temp.demo_u('booking:' || c.k || ':' || j || ':day'))::int
               AS days_ago
      FROM demo_customers c CROSS JOIN LATERAL generate_series(1, c.n_bookings) AS j
    UNION ALL
    -- For these, cust_rn only lends contact details (see the INSERT below).
    SELECT 'booking:anonymous:' || i, o.org_no,
           1 + floor(o.n_customers * pg_temp.demo_u('booking:anonymous:' || i || ':contact'))::int,
           true,
           floor(761 * power(pg_temp.demo_u('booking:anonymous:' || i || ':day'), 1.3))::int - 30
      FROM generate_series(1, 1000) AS i
      JOIN demo_orgs o
        ON o.org_no = CASE WHEN pg_temp.demo_u('booking:anonymous:' || i || ':org') < 0.45 THEN 1
                           WHEN pg_temp.demo_u('booking:anonymous:' || i || ':org') < 0.80 THEN 2
                           ELSE 3 END
), chosen AS MATERIALIZED (
    -- Four visits in five at the customer's usual location; three in five the customer's
    -- usual service, else any; the restaurant seats most guests without naming a server,
    -- elsewhere seven in ten see their usual person. (Materialized so that the joins below
    -- are plain equi-joins and these choices are computed once per booking.)
    SELECT b.*, o.country, o.open_hour, o.close_hour,
           c.customer_id AS cust_id, c.email AS cust_email, c.ckey, c.opts_in,
           (b.org_no - 1) * 2 + CASE WHEN pg_temp.demo_u(b.k || ':away') < 0.8 THEN c.home_loc
                                     ELSE 3 - c.home_loc END AS loc_no,
           1 + floor(n.services * CASE WHEN pg_temp.demo_u(b.k || ':usual_svc') < 0.6
                                       THEN c.u_fav_svc
                                       ELSE pg_temp.demo_u(b.k || ':svc') END)::int AS svc_no,
           CASE WHEN NOT (b.org_no = 2 AND pg_temp.demo_u(b.k || ':no_staff') < 0.6) THEN
               1 + floor(n.staff * CASE WHEN pg_temp.demo_u(b.k || ':usual_staff') < 0.7
                                        THEN c.u_fav_staff
                                        ELSE pg_temp.demo_u(b.k || ':staff') END)::int
           END AS staff_no
      FROM b
      JOIN demo_orgs o ON o.org_no = b.org_no
      JOIN demo_customers c ON c.org_no = b.org_no AND c.rn = b.cust_rn
      JOIN (SELECT org_no,
                   (SELECT count(*) FROM demo_services s WHERE s.org_no = o.org_no) AS services,
                   (SELECT count(*) FROM demo_staff st WHERE st.org_no = o.org_no) AS staff
              FROM demo_orgs o) AS n ON n.org_no = b.org_no
), placed AS (
    SELECT ch.*, l.id AS location_id, coalesce(l.timezone, o.timezone) AS tz,
           s.service_id, s.price_cents, s.duration_minutes, st.staff_id
      FROM chosen ch
      JOIN demo_orgs o ON o.org_no = ch.org_no
      JOIN demo_locations l ON l.loc_no = ch.loc_no
      JOIN demo_services s ON s.org_no = ch.org_no AND s.svc_no = ch.svc_no
      LEFT JOIN demo_staff st ON st.org_no = ch.org_no AND st.staff_no = ch.staff_no
), timed AS (
    -- Opening hours are local to the location, so local hours and weekdays look real.
    SELECT p.*,
           ((k.anchor AT TIME ZONE p.tz)::date - p.days_ago
             + make_time(p.open_hour + floor((p.close_hour - p.open_hour)
                                             * pg_temp.demo_u(p.k || ':hour'))::int,
                         15 * floor(4 * pg_temp.demo_u(p.k || ':minute'))::int, 0)
           ) AT TIME ZONE p.tz AS start_at,
           k.anchor
      FROM placed p CROSS JOIN demo_clock k
)
SELECT t.*,
       CASE WHEN t.start_at <= t.anchor THEN
                CASE WHEN u_status < 0.78 THEN 'ACCEPTED'
                     WHEN u_status < 0.86 THEN 'CANCELLED_BY_CUSTOMER'
                     WHEN u_status < 0.89 THEN 'CANCELLED_BY_SELLER'
                     WHEN u_status < 0.94 THEN 'NO_SHOW'
                     WHEN u_status < 0.97 THEN 'DECLINED'
                     ELSE 'PENDING' END          -- never confirmed, now in the past
            ELSE
                CASE WHEN u_status < 0.70 THEN 'ACCEPTED'
                     WHEN u_status < 0.90 THEN 'PENDING'
                     WHEN u_status < 0.97 THEN 'CANCELLED_BY_CUSTOMER'
                     WHEN u_status < 0.99 THEN 'CANCELLED_BY_SELLER'
                     ELSE 'DECLINED' END
       END AS status,
       -- Booked ahead by up to 60 days, mostly a few days; 3% of past bookings were entered
       -- after the fact (walk-ins), which lead-time metrics must leave out. Nothing is
       -- created after the anchor.
       least(t.anchor - interval '1 minute' * floor(600 * pg_temp.demo_u(t.k || ':entered')),
             CASE WHEN t.start_at <= t.anchor AND pg_temp.demo_u(t.k || ':walk_in') < 0.03
                  THEN t.start_at + interval '1 minute' * (5 + floor(115 * pg_temp.demo_u(t.k || ':late')))
                  ELSE t.start_at - interval '1 hour' * (0.25 + 1440 * power(pg_temp.demo_u(t.k || ':lead'), 2.5))
             END) AS created_at,
       CASE WHEN t.org_no = 2 THEN
                (ARRAY[1, 2, 2, 2, 2, 3, 4, 4, 5, 6])[1 + floor(10 * pg_temp.demo_u(t.k || ':party'))::int]
            ELSE 1 + (pg_temp.demo_u(t.k || ':party') < 0.05)::int END AS party_size,
       pg_temp.demo_pick(t.k || ':source', ARRAY[
           'FIRST_PARTY_BUYER', 'FIRST_PARTY_BUYER', 'FIRST_PARTY_BUYER', 'FIRST_PARTY_BUYER',
           'FIRST_PARTY_BUYER', 'FIRST_PARTY_BUYER', 'FIRST_PARTY_BUYER', 'FIRST_PARTY_BUYER',
           'FIRST_PARTY_BUYER', 'FIRST_PARTY_MERCHANT', 'FIRST_PARTY_MERCHANT',
           'FIRST_PARTY_MERCHANT', 'FIRST_PARTY_MERCHANT', 'FIRST_PARTY_MERCHANT',
           'FIRST_PARTY_MERCHANT', 'THIRD_PARTY_BUYER', 'THIRD_PARTY_BUYER',
           'THIRD_PARTY_BUYER', 'API', 'API']) AS source
  FROM timed t
 CROSS JOIN LATERAL (SELECT pg_temp.demo_u(t.k || ':status') AS u_status) AS u;

INSERT INTO bookings (id, organization_id, location_id, customer_id, customer_email,
    customer_phone, status, start_at, created_at, updated_at, duration_minutes, service_id,
    staff_id, party_size, source, loyalty_points_awarded, marketing_opt_in)
SELECT md5(b.k)::uuid,
       o.id,
       b.location_id,
       CASE WHEN NOT b.anonymous THEN b.cust_id END,
       -- The contact typed on the booking: usually the customer's own, sometimes in other
       -- capitals; anonymous bookings come from someone who is also a client (30%), or a
       -- guest who comes back under the same details.
       CASE WHEN u_email_on >= 0.85 AND b.anonymous AND u_phone_on < 0.85 THEN NULL
            WHEN NOT b.anonymous AND u_email_on < 0.20 THEN NULL
            WHEN u_email_case < 0.2 THEN initcap(contact_email)
            WHEN u_email_case < 0.25 THEN upper(contact_email) || ' '
            ELSE contact_email END,
       CASE WHEN u_phone_on >= 0.85 AND b.anonymous THEN NULL
            WHEN NOT b.anonymous AND u_phone_on < 0.30 THEN NULL
            ELSE pg_temp.demo_phone(b.country, contact_phone_key, b.k || ':phone') END,
       b.status,
       b.start_at,
       b.created_at,
       -- Last touched: when cancelled (between booking and start), declined (soon after
       -- booking), or closed after the appointment; never after the anchor.
       greatest(b.created_at, least(b.anchor, CASE
           WHEN b.status LIKE 'CANCELLED%' THEN
               b.created_at + (b.start_at - b.created_at) * pg_temp.demo_u(b.k || ':cancelled')
           WHEN b.status = 'DECLINED' THEN
               b.created_at + interval '1 minute' * (1 + floor(240 * pg_temp.demo_u(b.k || ':declined')))
           WHEN b.start_at <= b.anchor THEN
               b.start_at + interval '1 minute' * b.duration_minutes
           ELSE b.created_at + interval '1 minute' * floor(30 * pg_temp.demo_u(b.k || ':confirmed'))
       END)),
       b.duration_minutes,
       b.service_id,
       b.staff_id,
       b.party_size,
       b.source,
       -- The restaurant's loyalty scheme: 10 points a cover on most honoured bookings; the
       -- salon awards 50 now and then; the barber has none.
       CASE WHEN b.status <> 'ACCEPTED' THEN 0
            WHEN b.org_no = 2 AND pg_temp.demo_u(b.k || ':points') < 0.7 THEN 10 * b.party_size
            WHEN b.org_no = 1 AND pg_temp.demo_u(b.k || ':points') < 0.15 THEN 50
            ELSE 0 END,
       CASE WHEN pg_temp.demo_u(b.k || ':opt_in') < 0.05 THEN NULL
            WHEN pg_temp.demo_u(b.k || ':opt_in') < 0.15 THEN NOT b.opts_in
            ELSE b.opts_in END
  FROM demo_bookings b
  JOIN demo_orgs o USING (org_no)
 CROSS JOIN LATERAL (SELECT
       pg_temp.demo_u(b.k || ':email_on')   AS u_email_on,
       pg_temp.demo_u(b.k || ':phone_on')   AS u_phone_on,
       pg_temp.demo_u(b.k || ':email_case') AS u_email_case,
       pg_temp.demo_u(b.k || ':guest')      AS u_guest) AS u
 CROSS JOIN LATERAL (SELECT
       CASE WHEN NOT b.anonymous OR u_guest < 0.3 THEN b.cust_email
            ELSE 'guest' || floor(300 * u_guest)::int || '.' || lower(b.country) || '@example.com' END
           AS contact_email,
       CASE WHEN NOT b.anonymous OR u_guest < 0.3 THEN b.ckey
            ELSE 'guest:' || b.org_no || ':' || floor(300 * u_guest)::int END
           AS contact_phone_key) AS contact;

-- ---------------------------------------------------------------------------------------
-- Payments
-- ---------------------------------------------------------------------------------------

-- Honoured appointments that are over, and what they cost.
CREATE TEMP TABLE demo_paid AS
SELECT b.k, b.org_no, b.cust_id, b.anonymous, b.start_at, b.anchor,
       least(b.anchor, b.start_at + interval '1 minute'
                       * (b.duration_minutes + floor(20 * pg_temp.demo_u(b.k || ':checkout'))))
           AS paid_at,
       round(b.price_cents * CASE WHEN b.org_no = 2 THEN b.party_size ELSE 1 END
             * (0.9 + 0.3 * pg_temp.demo_u(b.k || ':price')))::bigint AS amount_cents
  FROM demo_bookings b
 WHERE b.status = 'ACCEPTED'
   AND b.start_at + interval '1 minute' * b.duration_minutes <= b.anchor
   AND pg_temp.demo_u(b.k || ':paid') < 0.95;   -- the rest were never paid through Square

INSERT INTO payments (id, organization_id, booking_id, customer_id, amount_cents, tip_cents,
    refunded_cents, status, created_at, updated_at)
-- The payment for each paid appointment. The payer is usually named, sometimes left to the
-- booking, and now and then a friend (another customer) picks up the bill.
SELECT md5('payment:' || p.k)::uuid, o.id, md5(p.k)::uuid,
       CASE WHEN p.anonymous THEN NULL
            WHEN u_payer < 0.70 THEN p.cust_id
            WHEN u_payer < 0.99 THEN NULL
            ELSE (SELECT f.customer_id FROM demo_customers f
                   WHERE f.org_no = p.org_no
                     AND f.rn = 1 + floor(100 * pg_temp.demo_u(p.k || ':friend'))::int)
       END,
       p.amount_cents,
       CASE WHEN pg_temp.demo_u(p.k || ':tipped') < 0.6
            THEN round(p.amount_cents * (0.10 + 0.15 * pg_temp.demo_u(p.k || ':tip')))::bigint
            ELSE 0 END,
       CASE WHEN u_refund < 0.03 THEN round(p.amount_cents * (0.1 + 0.4 * pg_temp.demo_u(p.k || ':refund_share')))::bigint
            WHEN u_refund < 0.035 THEN p.amount_cents
            ELSE 0 END,
       -- Yesterday's payments may not have settled yet; older ones have, bar a few voids and
       -- declines.
       CASE WHEN p.start_at > p.anchor - interval '1 day' THEN
                CASE WHEN u_state < 0.5 THEN 'COMPLETED' WHEN u_state < 0.8 THEN 'APPROVED'
                     ELSE 'PENDING' END
            ELSE
                CASE WHEN u_state < 0.985 THEN 'COMPLETED' WHEN u_state < 0.995 THEN 'CANCELED'
                     ELSE 'FAILED' END
       END,
       p.paid_at,
       -- A refund touches the payment days later.
       least(p.anchor, p.paid_at + CASE WHEN u_refund < 0.035
                                        THEN interval '1 day' * (1 + 13 * pg_temp.demo_u(p.k || ':refund_day'))
                                        ELSE interval '1 minute' END)
  FROM demo_paid p
  JOIN demo_orgs o USING (org_no)
 CROSS JOIN LATERAL (SELECT
       pg_temp.demo_u(p.k || ':payer')  AS u_payer,
       pg_temp.demo_u(p.k || ':refund') AS u_refund,
       pg_temp.demo_u(p.k || ':state')  AS u_state) AS u

UNION ALL
-- A second payment on some appointments: a deposit taken when booking, or a split bill.
SELECT md5('payment2:' || p.k)::uuid, o.id, md5(p.k)::uuid,
       CASE WHEN NOT p.anonymous THEN p.cust_id END,
       CASE WHEN p.org_no = 2 THEN round(p.amount_cents * 0.4)::bigint ELSE 2000 END,
       0, 0, 'COMPLETED',
       least(p.anchor, p.paid_at + interval '2 minutes'),
       least(p.anchor, p.paid_at + interval '3 minutes')
  FROM demo_paid p
  JOIN demo_orgs o USING (org_no)
 WHERE pg_temp.demo_u(p.k || ':second') < 0.04

UNION ALL
-- A declined card just before the payment that went through.
SELECT md5('payment-failed:' || p.k)::uuid, o.id, md5(p.k)::uuid,
       CASE WHEN NOT p.anonymous THEN p.cust_id END,
       p.amount_cents, 0, 0, 'FAILED',
       p.paid_at - interval '2 minutes', p.paid_at - interval '2 minutes'
  FROM demo_paid p
  JOIN demo_orgs o USING (org_no)
 WHERE pg_temp.demo_u(p.k || ':declined_card') < 0.02

UNION ALL
-- No-show fees: money on a booking that is not a visit.
SELECT md5('payment-no-show:' || b.k)::uuid, o.id, md5(b.k)::uuid,
       CASE WHEN NOT b.anonymous THEN b.cust_id END,
       CASE b.org_no WHEN 1 THEN 2500 WHEN 2 THEN 1500 * b.party_size ELSE 2000 END,
       0, 0, 'COMPLETED',
       least(b.anchor, b.start_at + interval '1 day'),
       least(b.anchor, b.start_at + interval '1 day')
  FROM demo_bookings b
  JOIN demo_orgs o USING (org_no)
 WHERE b.status = 'NO_SHOW' AND pg_temp.demo_u(b.k || ':no_show_fee') < 0.3

UNION ALL
-- Retail and gift cards: a named customer, no booking.
SELECT md5('payment-retail:' || i)::uuid, o.id, NULL, c.customer_id,
       1500 + 50 * floor(150 * pg_temp.demo_u('retail:' || i || ':amount'))::bigint,
       0, 0,
       CASE WHEN pg_temp.demo_u('retail:' || i || ':state') < 0.95 THEN 'COMPLETED'
            ELSE 'CANCELED' END,
       t.created_at, t.created_at
  FROM generate_series(1, 300) AS i
  JOIN demo_orgs o
    ON o.org_no = 1 + floor(3 * pg_temp.demo_u('retail:' || i || ':org'))::int
  JOIN demo_customers c
    ON c.org_no = o.org_no
   AND c.rn = 1 + floor(o.n_customers * power(pg_temp.demo_u('retail:' || i || ':customer'), 1.7))::int
 CROSS JOIN demo_clock k
 CROSS JOIN LATERAL (SELECT k.anchor - interval '1 hour'
                            * floor(17520 * pg_temp.demo_u('retail:' || i || ':when'))
                            AS created_at) AS t;

-- ---------------------------------------------------------------------------------------
-- Loyalty programmes (migration 0005; skipped when it is not applied): the restaurant's
-- scheme accrues for everyone; the salon's is a pilot, accruing only where analyticsd.conf
-- lists the salon in loyalty.pilot_organizations (the demo's configuration does); the
-- barber has none. Customers, the ledger's booking entries and balances come from
-- `analyticsctl loyalty rebuild`.
-- ---------------------------------------------------------------------------------------
DO $$
BEGIN
    IF to_regclass('loyalty_programs') IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO loyalty_programs (organization_id, id, name, points_per_booking, pilot_only, created_at)
    VALUES ('11111111-1111-4111-8111-000000000002', '22222222-2222-4222-8222-000000000002',
            'Harbour Regulars', 10, false, '2024-01-01 00:00+00'),
           ('11111111-1111-4111-8111-000000000001', '22222222-2222-4222-8222-000000000001',
            'Maple Glow Points', 50, true, '2025-06-01 00:00+00');
END
$$;

-- ---------------------------------------------------------------------------------------
-- Tidy up
-- ---------------------------------------------------------------------------------------

DROP TABLE demo_paid, demo_bookings, demo_customers, demo_staff, demo_services,
           demo_locations, demo_orgs, demo_clock;
DROP FUNCTION pg_temp.demo_phone(text, text, text), pg_temp.demo_pick(text, text[]),
              pg_temp.demo_u(text);

-- Fresh statistics, so the first refresh right after the load plans well.
ANALYZE organizations, locations, square_existing_clients, bookings, payments;

SELECT (SELECT count(*) FROM organizations)           AS organizations,
       (SELECT count(*) FROM locations)               AS locations,
       (SELECT count(*) FROM square_existing_clients) AS clients,
       (SELECT count(*) FROM bookings)                AS bookings,
       (SELECT count(*) FROM payments)                AS payments;
