-- Benchmark data for `make bench` (bench/run.sh), at any scale:
--
--   psql -v customers=200000 -v bookings=2000000 -v payments=1500000 -v orgs=50 \
--        -v anchor="'2026-06-01 12:00:00+00'" -v ON_ERROR_STOP=1 -f bench/gen.sql
--
-- Migrations 0001-0005 must be applied. Replaces the source tables' contents.
--
-- Deterministic: every value is a function of the row's number and an attribute number
-- through hashint8extended(), the hash PostgreSQL's hash partitioning relies on being
-- stable across versions and platforms, and of the fixed anchor (the "now" the data was
-- taken at; the bench pins the daemon's as_of to it). Two loads are byte-identical.
--
-- Shape: customers are spread evenly over the organizations (customer c belongs to
-- organization c % orgs). Each has an active period: it began up to three years before the
-- anchor, and 40% of customers lapsed (their last booking is long past). A tenth of the
-- customers are regulars who get 30% of the bookings. 5% of bookings have no customer id
-- (contact details only), 4% start in the next 45 days. About 88% of payments settle a
-- past ACCEPTED booking (a quarter of them without a payer id: attributed through the
-- booking); the rest are retail sales by a customer.

\set ON_ERROR_STOP 1
SET jit = off;
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';
-- Every row below is consistent by construction; skip the per-row foreign key triggers
-- (a third of the load time), the constraints are validated as usual by later writes.
SET session_replication_role = replica;

TRUNCATE payments, bookings, square_existing_clients, locations, organizations,
         analytics_org_settings CASCADE;

-- u(i, a): a uniform number in [0, 1) for row number i and attribute a.
CREATE FUNCTION pg_temp.u(i bigint, a bigint) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT (hashint8extended(i, a) & 4503599627370495)::float8 / 4503599627370496.0 $$;

CREATE TEMP TABLE bench_params AS
SELECT :customers::bigint AS customers, :bookings::bigint AS bookings,
       :payments::bigint AS payments, :orgs::int AS orgs, :anchor::timestamptz AS anchor;

-- ---------------------------------------------------------------------------------------
-- Organizations (a third restaurants, with party sizes and covers) and three locations each
-- ---------------------------------------------------------------------------------------
INSERT INTO organizations (id, name, timezone, created_at)
SELECT md5('org:' || o)::uuid,
       CASE o % 3 WHEN 0 THEN 'Restaurant ' ELSE 'Salon ' END || o,
       (ARRAY['America/New_York', 'Europe/London', 'Australia/Sydney', 'America/Los_Angeles',
              'Europe/Berlin'])[1 + o % 5],
       p.anchor - interval '5 years'
  FROM bench_params p, generate_series(0, p.orgs - 1) o;

INSERT INTO locations (id, organization_id, name, timezone)
SELECT md5('loc:' || o || ':' || l)::uuid, md5('org:' || o)::uuid, 'Location ' || l,
       CASE WHEN l = 2 THEN 'America/Chicago' END
  FROM bench_params p, generate_series(0, p.orgs - 1) o, generate_series(0, 2) l;

INSERT INTO analytics_org_settings (organization_id, phone_country_code)
SELECT md5('org:' || o)::uuid, '44'
  FROM bench_params p, generate_series(0, p.orgs - 1) o
 WHERE o % 5 = 1;

-- ---------------------------------------------------------------------------------------
-- Customers: one client record each (3% are only ever named by bookings)
-- ---------------------------------------------------------------------------------------
CREATE TEMP TABLE bench_customer AS
SELECT c,
       c % p.orgs                                        AS org_no,
       'cus_' || lpad(c::text, 8, '0')                   AS id,
       -- Days before the anchor the customer first booked, and the last active day.
       30 + pg_temp.u(c, 1) * 1065                       AS first_day,
       CASE WHEN pg_temp.u(c, 2) < 0.4 THEN 120 + pg_temp.u(c, 3) * 600 ELSE 0 END AS last_day
  FROM bench_params p, generate_series(0, p.customers - 1) c;
UPDATE bench_customer SET last_day = least(last_day, first_day * 0.9);
ALTER TABLE bench_customer ADD PRIMARY KEY (c);
ANALYZE bench_customer;

INSERT INTO square_existing_clients (organization_id, square_customer_id, given_name,
                                     family_name, email, phone, created_at, creation_source,
                                     referred_by_customer_id, email_unsubscribed)
SELECT md5('org:' || k.org_no)::uuid,
       k.id,
       (ARRAY['Ana', 'Ben', 'Chloé', 'Dev', 'Emma', 'Finn', 'Grace', 'Hugo'])[1 + (c % 8)],
       (ARRAY['Smith', 'Jones', 'García', 'Nguyen', 'Brown', 'Müller'])[1 + (c / 8) % 6],
       CASE WHEN pg_temp.u(c, 10) < 0.9
            THEN CASE WHEN pg_temp.u(c, 11) < 0.2 THEN ' ' ELSE '' END
                 || CASE WHEN pg_temp.u(c, 12) < 0.3 THEN 'Client.' ELSE 'client.' END
                 || c || '@Example.com' END,
       CASE WHEN pg_temp.u(c, 13) < 0.85
            THEN CASE floor(pg_temp.u(c, 14) * 4)::int
                 WHEN 0 THEN '(212) 5' || lpad((c % 100000)::text, 5, '0') || '-' || (c % 10) || '1'
                 WHEN 1 THEN '+1 212 5' || lpad((c % 100000)::text, 5, '0') || (c % 10) || '1'
                 WHEN 2 THEN '07700 9' || lpad((c % 100000)::text, 5, '0')
                 ELSE '212.5' || lpad((c % 100000)::text, 5, '0') || '.' || (c % 10) || '1' END END,
       p.anchor - k.first_day * interval '1 day',
       (ARRAY['APPOINTMENTS', 'DIRECTORY', 'MERCHANT', 'THIRD_PARTY'])[1 + (c % 4)],
       CASE WHEN pg_temp.u(c, 15) < 0.08 AND c >= p.orgs * 50
            THEN 'cus_' || lpad((c - p.orgs * (1 + floor(pg_temp.u(c, 16) * 50)::int))::text, 8, '0') END,
       CASE WHEN pg_temp.u(c, 17) < 0.7 THEN pg_temp.u(c, 18) < 0.1 END
  FROM bench_customer k, bench_params p
 WHERE pg_temp.u(c, 19) >= 0.03;

-- ---------------------------------------------------------------------------------------
-- Bookings
-- ---------------------------------------------------------------------------------------
CREATE TEMP TABLE bench_booking AS
SELECT i,
       -- 30% of bookings go to the regulars (every tenth customer).
       CASE WHEN pg_temp.u(i, 1) < 0.3
            THEN (floor(pg_temp.u(i, 2) * (p.customers / 10))::bigint * 10)
            ELSE floor(pg_temp.u(i, 2) * p.customers)::bigint END % p.customers AS c,
       pg_temp.u(i, 3) < 0.04 AS future
  FROM bench_params p, generate_series(0, p.bookings - 1) i;

INSERT INTO bookings (id, organization_id, location_id, customer_id, customer_email,
                      customer_phone, status, start_at, created_at, updated_at,
                      duration_minutes, service_id, staff_id, party_size, source,
                      loyalty_points_awarded, marketing_opt_in)
SELECT md5('bk:' || b.i)::uuid,
       md5('org:' || k.org_no)::uuid,
       md5('loc:' || k.org_no || ':' || floor(pg_temp.u(b.i, 4) * 3)::int)::uuid,
       CASE WHEN pg_temp.u(b.i, 5) >= 0.05 THEN k.id END,
       'client.' || k.c || '@example.com',
       '+1 212 5' || lpad((k.c % 100000)::text, 5, '0') || (k.c % 10) || '1',
       b.status, b.start_at,
       b.created_at,
       -- Status changes happen between booking and start (or now, if that is earlier).
       b.created_at + CASE WHEN b.status = 'ACCEPTED' THEN interval '0'
                           ELSE greatest(interval '0', least(b.start_at, p.anchor) - b.created_at)
                                * pg_temp.u(b.i, 6) END,
       (ARRAY[30, 45, 60, 60, 90])[1 + floor(pg_temp.u(b.i, 7) * 5)::int],
       'svc_' || floor(pg_temp.u(b.i, 8) * 12)::int,
       'staff_' || k.org_no || '_' || floor(pg_temp.u(b.i, 9) * pg_temp.u(k.c, 9) * 8)::int,
       CASE WHEN k.org_no % 3 = 0 THEN 1 + floor(pg_temp.u(b.i, 10) * 6)::int ELSE 1 END,
       (ARRAY['FIRST_PARTY_BUYER', 'FIRST_PARTY_MERCHANT', 'THIRD_PARTY_BUYER', 'API'])
           [1 + floor(pg_temp.u(b.i, 11) * 4)::int],
       CASE WHEN b.status = 'ACCEPTED' AND pg_temp.u(b.i, 12) < 0.5 THEN 10 ELSE 0 END,
       pg_temp.u(k.c, 13) < 0.6
  FROM (SELECT b.i, b.c, s.start_at, s.status,
               -- Past bookings were made up to 30 days ahead (most a few days before), 3%
               -- are walk-ins entered just after they started; future ones were made in
               -- the last 45 days. None after the anchor.
               CASE WHEN s.start_at > p.anchor
                    THEN p.anchor - interval '1 day' * 45 * pg_temp.u(b.i, 14)
                    ELSE least(p.anchor - interval '1 minute',
                               CASE WHEN pg_temp.u(b.i, 15) < 0.03
                                    THEN s.start_at + interval '5 minutes'
                                    ELSE s.start_at - interval '1 day' * 30 * pg_temp.u(b.i, 16) ^ 2 END)
               END AS created_at
          FROM bench_booking b
          JOIN bench_customer k USING (c)
          CROSS JOIN bench_params p
          CROSS JOIN LATERAL (
              SELECT date_trunc('day', p.anchor
                         - CASE WHEN b.future AND k.last_day = 0
                                THEN -interval '1 day' * (1 + pg_temp.u(b.i, 17) * 44)
                                ELSE interval '1 day' * (k.last_day + pg_temp.u(b.i, 17)
                                                         * (k.first_day - k.last_day)) END)
                     + interval '1 hour' * (9 + floor(pg_temp.u(b.i, 18) * 11))
                     + interval '15 minutes' * floor(pg_temp.u(b.i, 19) * 4) AS start_at,
                     pg_temp.u(b.i, 20) AS s) t
          CROSS JOIN LATERAL (
              SELECT t.start_at,
                     CASE WHEN t.start_at > p.anchor THEN
                          CASE WHEN t.s < 0.70 THEN 'ACCEPTED' WHEN t.s < 0.95 THEN 'PENDING'
                               ELSE 'CANCELLED_BY_CUSTOMER' END
                     ELSE CASE WHEN t.s < 0.80 THEN 'ACCEPTED'
                               WHEN t.s < 0.88 THEN 'CANCELLED_BY_CUSTOMER'
                               WHEN t.s < 0.91 THEN 'CANCELLED_BY_SELLER'
                               WHEN t.s < 0.95 THEN 'NO_SHOW'
                               WHEN t.s < 0.98 THEN 'DECLINED'
                               ELSE 'PENDING' END END AS status) s
       ) b
  JOIN bench_customer k USING (c)
  CROSS JOIN bench_params p;

-- ---------------------------------------------------------------------------------------
-- Payments: one per paid past visit (up to 88% of the target), the rest retail
-- ---------------------------------------------------------------------------------------
CREATE TEMP TABLE bench_paid AS
SELECT b.id, b.organization_id, b.customer_id, b.start_at, b.duration_minutes,
       row_number() OVER (ORDER BY b.id) AS n
  FROM bookings b, bench_params p
 WHERE b.status = 'ACCEPTED' AND b.start_at <= p.anchor
   AND pg_temp.u(hashtext(b.id::text), 30) < 0.95;
DELETE FROM bench_paid USING bench_params p WHERE n > p.payments * 0.88;

INSERT INTO payments (id, organization_id, booking_id, customer_id, amount_cents, tip_cents,
                      refunded_cents, status, created_at, updated_at)
SELECT md5('pay:' || x.n)::uuid, x.organization_id, x.booking_id, x.customer_id,
       x.amount, x.tip,
       CASE WHEN pg_temp.u(x.n, 3) < 0.03 THEN x.amount / 2 ELSE 0 END,
       CASE WHEN pg_temp.u(x.n, 4) < 0.93 THEN 'COMPLETED'
            ELSE (ARRAY['FAILED', 'CANCELED', 'PENDING'])[1 + floor(pg_temp.u(x.n, 5) * 3)::int] END,
       x.created_at,
       least(p.anchor, x.created_at + CASE WHEN pg_temp.u(x.n, 3) < 0.03 THEN interval '2 days'
                                           ELSE interval '0' END)
  FROM (SELECT n, organization_id, id AS booking_id,
               CASE WHEN pg_temp.u(n, 1) < 0.75 THEN customer_id END AS customer_id,
               2000 + floor(pg_temp.u(n, 2) * 18000)::bigint AS amount,
               floor(pg_temp.u(n, 6) * 3000)::bigint AS tip,
               least(start_at + interval '1 minute' * coalesce(duration_minutes, 60),
                     (SELECT anchor FROM bench_params)) AS created_at
          FROM bench_paid
        UNION ALL
        SELECT q.n + r.n0, md5('org:' || k.org_no)::uuid, NULL, k.id,
               500 + floor(pg_temp.u(q.n + r.n0, 2) * 8000)::bigint, 0,
               p.anchor - interval '1 day' * (k.last_day + pg_temp.u(q.n + r.n0, 7)
                                              * (k.first_day - k.last_day))
          FROM bench_params p
          CROSS JOIN (SELECT count(*) AS n0 FROM bench_paid) r
          CROSS JOIN generate_series(1, greatest(p.payments - r.n0, 0)) q(n)
          JOIN bench_customer k ON k.c = floor(pg_temp.u(q.n, 8) * p.customers)::bigint
       ) x
  CROSS JOIN bench_params p;

RESET session_replication_role;
