-- Scope of `refresh recent --days N` ($1 = N, $2 = the run's pinned as_of or NULL): the
-- customers whose source rows changed or whose bookings started in the last N days (N x 24
-- hours before the run's as_of):
--   * bookings created or updated after as_of - N days, or starting in (as_of - N days,
--     as_of]: a booking moves from upcoming to visit when its start passes. A booking
--     further in the future changes nothing until it is edited or starts (then it is
--     found), so the customers with one are not all recomputed every hour;
--   * payments created or updated in the window, attributed like the payment set P:
--     coalesce(payments.customer_id, the customer of payments.booking_id);
--   * client records created in the window;
--   * rows whose loyalty_points_balance differs from the ledger's sum now;
--   * the referrers named by any of the clients above (their referrals_made and
--     referrals_converted depend on the referred client's record and visits).
-- Kept only when the key is a customer (client record or booking customer) or already has
-- a row (which the compute then drops: deleted).
--
-- Not seen by `recent` (a full or org refresh corrects them): edits to client records (they
-- carry no updated_at), rows deleted from the sources, a booking or payment moved from one
-- customer to another (the old customer is not found), and windowed metrics of customers
-- without recent activity drifting as time passes (days_since_last_visit, visits_365d, ...).
--
-- Cost: this runs every hour, so it must read index ranges, not whole tables.
--   * The window's start is written out as coalesce($2, now()) - N days in every
--     predicate (it is ca_run's as_of: run_as_of.sql computes the same in the same
--     transaction) rather than read from ca_run, because a value from a subquery is
--     unknown when the statement is planned: the planner then assumes a third of each
--     table matches and scans all of it. A known bound makes each condition an index
--     range (created_at, updated_at and start_at of bookings, created_at and updated_at
--     of payments), combined with BitmapOr.
--   * A key from a booking, a client record or a row of customer_analytics qualifies by
--     where it came from; only payers and referrers (known = false) are looked up.
--   * Left as it is: the loyalty comparison reads all of customer_analytics
--     (docs/BENCHMARKS.md, "Design measurements").
CREATE TEMP TABLE ca_scope ON COMMIT DROP AS
WITH touched (organization_id, square_customer_id, known) AS (
    SELECT b.organization_id, b.customer_id, true
      FROM bookings b
     WHERE b.customer_id IS NOT NULL
       AND (b.created_at > coalesce($2::timestamptz, now()) - interval '24 hours' * $1::int
            OR b.updated_at > coalesce($2::timestamptz, now()) - interval '24 hours' * $1::int
            OR b.start_at > coalesce($2::timestamptz, now()) - interval '24 hours' * $1::int
               AND b.start_at <= coalesce($2::timestamptz, now()))
    UNION ALL
    -- The booking is looked up (by its primary key) only for a payment without a payer:
    -- coalesce() evaluates the subquery only then.
    SELECT p.organization_id,
           coalesce(p.customer_id, (SELECT b.customer_id
                                      FROM bookings b
                                     WHERE b.id = p.booking_id
                                       AND b.organization_id = p.organization_id)),
           false
      FROM payments p
     WHERE p.created_at > coalesce($2::timestamptz, now()) - interval '24 hours' * $1::int
        OR p.updated_at > coalesce($2::timestamptz, now()) - interval '24 hours' * $1::int
    UNION ALL
    SELECT c.organization_id, c.square_customer_id, true
      FROM square_existing_clients c
     WHERE c.created_at > coalesce($2::timestamptz, now()) - interval '24 hours' * $1::int
    UNION ALL
    -- Rows whose loyalty balance no longer matches the ledger (a rebuild, a manual
    -- adjustment): the ledger has no reliable change time, so compare them all. One hash
    -- join of customer_analytics with the summed ledger.
    SELECT ca.organization_id, ca.square_customer_id, true
      FROM customer_analytics_stored ca
      LEFT JOIN analytics_loyalty_balances lb
        ON lb.organization_id = ca.organization_id
       AND lb.email_key = coalesce(ca.email_normalized, '')
       AND lb.phone_key = coalesce(ca.phone_e164, '')
     WHERE ca.loyalty_points_balance <> coalesce(lb.balance, 0)
), keys AS (
    SELECT organization_id, square_customer_id, bool_or(known) AS known
      FROM (SELECT organization_id, square_customer_id, known
              FROM touched
            UNION ALL
            SELECT c.organization_id, c.referred_by_customer_id, false
              FROM touched t
              JOIN square_existing_clients c
                ON c.organization_id = t.organization_id
               AND c.square_customer_id = t.square_customer_id
             WHERE c.referred_by_customer_id IS NOT NULL
               AND c.referred_by_customer_id <> c.square_customer_id) k
     WHERE square_customer_id IS NOT NULL
     GROUP BY organization_id, square_customer_id
)
SELECT organization_id, square_customer_id
  FROM keys
 WHERE known
UNION ALL
-- Each payer or referrer is looked up by index, stopping at the first hit: a hashed
-- EXISTS would read all of bookings to find a handful.
SELECT k.organization_id, k.square_customer_id
  FROM keys k
  CROSS JOIN LATERAL (SELECT FROM square_existing_clients c
                       WHERE c.organization_id = k.organization_id
                         AND c.square_customer_id = k.square_customer_id
                      UNION ALL
                      SELECT FROM bookings b
                       WHERE b.organization_id = k.organization_id
                         AND b.customer_id = k.square_customer_id
                      UNION ALL
                      SELECT FROM customer_analytics_stored ca
                       WHERE ca.organization_id = k.organization_id
                         AND ca.square_customer_id = k.square_customer_id
                      LIMIT 1) found
 WHERE NOT k.known;
