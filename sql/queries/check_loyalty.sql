-- analyticsctl check, customers and loyalty (analyticsctl(8) "check" and "loyalty"; the
-- seed's loyalty checklist).
-- $1: analyticsd.conf's loyalty.pilot_organizations as a uuid array. Same row shape as
-- check_analytics.sql: name, status, detail, up to 5 offending keys.
WITH contacts AS (
    -- Every booking's normalised contact, as loyalty_contacts.sql derives it.
    SELECT b.organization_id, b.id AS booking_id, b.loyalty_points_awarded,
           coalesce(analytics_normalize_email(b.customer_email), '') AS email_key,
           coalesce(analytics_normalize_phone(b.customer_phone, os.phone_country_code), '') AS phone_key
      FROM bookings b
      LEFT JOIN analytics_org_settings os ON os.organization_id = b.organization_id
),
wanted_customers AS (
    -- Each contact with the first of its bookings, which names it in the keys: readers of
    -- check (the metrics user among them) see ids, never an e-mail address or a phone number.
    SELECT organization_id, email_key, phone_key, min(booking_id::text) AS booking_id
      FROM contacts
     WHERE email_key <> '' OR phone_key <> ''
     GROUP BY 1, 2, 3
),
missing_customers AS (
    SELECT format('booking %s/%s', w.organization_id, w.booking_id) AS key
      FROM wanted_customers w
     WHERE NOT EXISTS (SELECT FROM customers c
                        WHERE c.organization_id = w.organization_id
                          AND coalesce(c.email_normalized, '') = w.email_key
                          AND coalesce(c.phone_e164, '') = w.phone_key)
),
extra_customers AS (
    -- A customer no booking names: kept by a rebuild only while ledger entries name it.
    SELECT c.organization_id || '/' || c.id AS key,
           EXISTS (SELECT FROM loyalty_point_events e
                    WHERE e.organization_id = c.organization_id AND e.customer_id = c.id) AS kept
      FROM customers c
     WHERE NOT EXISTS (SELECT FROM wanted_customers w
                        WHERE w.organization_id = c.organization_id
                          AND w.email_key = coalesce(c.email_normalized, '')
                          AND w.phone_key = coalesce(c.phone_e164, ''))
),
ledger AS (
    SELECT organization_id, customer_id, program_id, sum(delta) AS total
      FROM loyalty_point_events
     GROUP BY 1, 2, 3
),
bad_balance AS (
    SELECT coalesce(l.organization_id, p.organization_id) || '/' ||
           coalesce(l.customer_id, p.customer_id) || '/' ||
           coalesce(l.program_id, p.program_id) AS key
      FROM ledger l
      FULL JOIN loyalty_points p
        ON p.organization_id = l.organization_id
       AND p.customer_id = l.customer_id
       AND p.program_id = l.program_id
     WHERE p.balance IS DISTINCT FROM l.total
),
accruing AS (
    SELECT DISTINCT ON (organization_id) organization_id, id
      FROM loyalty_programs
     WHERE active AND (NOT pilot_only OR organization_id = ANY ($1::uuid[]))
     ORDER BY organization_id, created_at, id
),
wanted_awards AS (
    SELECT c.organization_id, a.id AS program_id, c.booking_id, c.loyalty_points_awarded AS delta
      FROM contacts c
      JOIN accruing a ON a.organization_id = c.organization_id
     WHERE c.loyalty_points_awarded <> 0
       AND (c.email_key <> '' OR c.phone_key <> '')
),
booking_entries AS (
    SELECT organization_id, program_id, booking_id, delta
      FROM loyalty_point_events
     WHERE reason = 'booking'
),
bad_award AS (
    SELECT coalesce(w.organization_id, e.organization_id) || '/' ||
           coalesce(w.booking_id, e.booking_id) AS key
      FROM wanted_awards w
      FULL JOIN booking_entries e
        ON e.organization_id = w.organization_id
       AND e.program_id = w.program_id
       AND e.booking_id = w.booking_id
     WHERE e.delta IS DISTINCT FROM w.delta
),
uncredited AS (
    -- Awards the ledger cannot hold: no contact to credit, or no accruing programme.
    SELECT count(*) FILTER (WHERE c.email_key = '' AND c.phone_key = '') AS no_contact,
           count(*) FILTER (WHERE NOT EXISTS (SELECT FROM accruing a
                                               WHERE a.organization_id = c.organization_id))
               AS no_programme
      FROM contacts c
     WHERE c.loyalty_points_awarded <> 0
),
bad_event AS (
    SELECT organization_id || '/' || id || ' ' || event_type AS key
      FROM analytics_events
     WHERE NOT coalesce(event_type IN ('booking.created', 'booking.waitlisted', 'booking.allocated',
                               'booking.cancelled')
                AND schema_version = 1
                AND jsonb_typeof(payload) = 'object'
                AND jsonb_typeof(payload -> 'version') = 'number'
                AND payload ->> 'version' = schema_version::text
                AND CASE event_type
                        WHEN 'booking.created'    THEN analytics_event_booking_created_ok(payload)
                        WHEN 'booking.waitlisted' THEN analytics_event_booking_waitlisted_ok(payload)
                        WHEN 'booking.allocated'  THEN analytics_event_booking_allocated_ok(payload)
                        WHEN 'booking.cancelled'  THEN analytics_event_booking_cancelled_ok(payload)
                    END, false)
),
contract_constraints AS (
    -- The six CHECK constraints of migration 0005, present and validated (not NOT VALID).
    SELECT count(*) FILTER (WHERE convalidated) AS valid
      FROM pg_constraint
     WHERE conrelid = 'analytics_events'::regclass
       AND contype = 'c'
       AND conname IN ('analytics_events_event_type', 'analytics_events_version',
                       'analytics_events_booking_created', 'analytics_events_booking_waitlisted',
                       'analytics_events_booking_allocated', 'analytics_events_booking_cancelled')
),
unparseable AS (
    -- A phone was given but no E.164 number could be made of it (docs/METRICS.md "Clarifications").
    SELECT 'booking ' || b.organization_id || '/' || b.id AS key
      FROM bookings b
      LEFT JOIN analytics_org_settings os ON os.organization_id = b.organization_id
     WHERE btrim(b.customer_phone) <> ''
       AND analytics_normalize_phone(b.customer_phone, os.phone_country_code) IS NULL
    UNION ALL
    SELECT 'client ' || c.organization_id || '/' || c.square_customer_id
      FROM square_existing_clients c
      LEFT JOIN analytics_org_settings os ON os.organization_id = c.organization_id
     WHERE btrim(c.phone) <> ''
       AND analytics_normalize_phone(c.phone, os.phone_country_code) IS NULL
)
SELECT 'customers' AS name,
       CASE WHEN (SELECT count(*) FROM missing_customers) > 0
                 OR (SELECT count(*) FROM extra_customers WHERE NOT kept) > 0 THEN 'fail'
            WHEN (SELECT count(*) FROM extra_customers) > 0 THEN 'warn'
            ELSE 'pass' END AS status,
       format('%s customers for %s distinct normalised contacts in bookings; %s contacts '
              'without a customer, %s customers no booking names (%s kept for their ledger '
              'entries)%s',
              (SELECT count(*) FROM customers), (SELECT count(*) FROM wanted_customers),
              (SELECT count(*) FROM missing_customers), (SELECT count(*) FROM extra_customers),
              (SELECT count(*) FROM extra_customers WHERE kept),
              CASE WHEN (SELECT count(*) FROM missing_customers) > 0
                        OR (SELECT count(*) FROM extra_customers WHERE NOT kept) > 0
                   THEN ': run analyticsctl loyalty rebuild' ELSE '' END) AS detail,
       (SELECT coalesce(jsonb_agg(key), '[]') FROM
          (SELECT key FROM missing_customers UNION ALL SELECT key FROM extra_customers
            ORDER BY 1 LIMIT 5) s) AS keys
UNION ALL
SELECT 'loyalty_balances',
       CASE WHEN (SELECT count(*) FROM bad_balance) = 0 THEN 'pass' ELSE 'fail' END,
       format('%s balances; %s differ from the sum of their ledger entries (or are missing)',
              (SELECT count(*) FROM loyalty_points), (SELECT count(*) FROM bad_balance)),
       (SELECT coalesce(jsonb_agg(key), '[]') FROM (SELECT key FROM bad_balance ORDER BY 1 LIMIT 5) s)
UNION ALL
SELECT 'loyalty_awards',
       CASE WHEN (SELECT count(*) FROM bad_award) > 0 THEN 'fail'
            WHEN (SELECT no_contact + no_programme FROM uncredited) > 0 THEN 'warn'
            ELSE 'pass' END,
       format('%s bookings award points in an accruing programme; %s booking entries in the '
              'ledger differ from bookings.loyalty_points_awarded; not credited: %s awards of '
              'bookings without a usable contact, %s of organizations without an accruing '
              'programme',
              (SELECT count(*) FROM wanted_awards), (SELECT count(*) FROM bad_award),
              (SELECT no_contact FROM uncredited), (SELECT no_programme FROM uncredited)),
       (SELECT coalesce(jsonb_agg(key), '[]') FROM (SELECT key FROM bad_award ORDER BY 1 LIMIT 5) s)
UNION ALL
SELECT 'analytics_events',
       CASE WHEN (SELECT count(*) FROM bad_event) = 0 AND (SELECT valid FROM contract_constraints) = 6
            THEN 'pass' ELSE 'fail' END,
       format('%s events; %s break their payload contract; %s of the 6 contract constraints '
              'in force', (SELECT count(*) FROM analytics_events), (SELECT count(*) FROM bad_event),
              (SELECT valid FROM contract_constraints)),
       (SELECT coalesce(jsonb_agg(key), '[]') FROM (SELECT key FROM bad_event ORDER BY 1 LIMIT 5) s)
UNION ALL
SELECT 'contacts',
       CASE WHEN (SELECT count(*) FROM unparseable) = 0 THEN 'pass' ELSE 'warn' END,
       format('%s phone numbers (bookings and client records) cannot be made E.164 and count '
              'as no phone', (SELECT count(*) FROM unparseable)),
       (SELECT coalesce(jsonb_agg(key), '[]') FROM (SELECT key FROM unparseable ORDER BY 1 LIMIT 5) s);
