#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""One simulated hour of an ordinary booking platform's writes, as SQL on stdout.

usage: simulate.py HOUR END
  HOUR  the hour's number (1, 2, ...): picks the rows and the once-only writes
  END   the hour's end (a timestamptz); every write is stamped inside (END - 1 h, END]

Each write is its own transaction, as a platform's would be: new bookings (upcoming, walk-ins,
pending, declined), cancellations, no-shows, two hard deletes (a booking with its payments),
a booking moved to another customer, payments and a refund, a failed payment, client records
edited (no updated_at to find them by), a new client and a referral, a manual loyalty
adjustment; in hour 7 an organization's settings, in hour 13 a location's timezone, in hour 19
an organization's timezone. Rows are picked by md5 of the hour and a label over the current
data, so a run is deterministic given the data it starts from; no Python randomness.
"""
import sys
import zlib

HOUR, END = int(sys.argv[1]), sys.argv[2]
out = []
n = 0


def at(frac):
    """A time inside the hour, as SQL."""
    return f"(timestamptz '{END}' - interval '{int((1 - frac) * 3600)} seconds')"


def pick(label):
    return f"md5('{HOUR}:{label}:' || %s)"


def tx(sql):
    out.append(f"BEGIN;\n{sql.strip()};\nCOMMIT;")


def new_booking(label, status, start, customer="existing"):
    t = at(0.05 + 0.9 * (zlib.crc32(label.encode()) % 97) / 97)
    who = {
        # An existing client of a random organization.
        "existing": f"""(SELECT c FROM square_existing_clients c
                          ORDER BY {pick(label).replace('%s', "c.square_customer_id")} LIMIT 1)""",
    }[customer]
    tx(f"""
INSERT INTO bookings (organization_id, location_id, customer_id, customer_email, customer_phone,
                      status, start_at, created_at, updated_at, duration_minutes, service_id,
                      staff_id, party_size, source, loyalty_points_awarded)
SELECT (c).organization_id,
       (SELECT l.id FROM locations l WHERE l.organization_id = (c).organization_id
         ORDER BY {pick(label + 'loc').replace('%s', 'l.id::text')} LIMIT 1),
       (c).square_customer_id, (c).email, (c).phone, '{status}', {start}, {t}, {t},
       45, 'svc-' || (1 + abs(hashtext('{HOUR}{label}')) % 5),
       'staff-' || (1 + abs(hashtext('{label}{HOUR}')) % 4), 1 + abs(hashtext('{label}')) % 3,
       CASE WHEN abs(hashtext('{label}s{HOUR}')) % 2 = 0 THEN 'FIRST_PARTY_BUYER' ELSE 'API' END,
       CASE WHEN '{status}' = 'ACCEPTED' THEN 10 ELSE 0 END
  FROM (SELECT {who} AS c) x""")


# New bookings: upcoming ones, a walk-in that is a visit already, a pending and a declined one.
for i in range(4):
    new_booking(f"up{i}", "ACCEPTED", f"{at(0.5)} + interval '{1 + i * 3} days' + interval '{i} hours'")
new_booking("walkin", "ACCEPTED", at(0.1))
new_booking("pending", "PENDING", f"{at(0.5)} + interval '2 days'")
new_booking("declined", "DECLINED", f"{at(0.5)} + interval '5 days'")
# One that starts within the next hour: it becomes a visit by the next run (the clock).
new_booking("soon", "ACCEPTED", f"timestamptz '{END}' + interval '20 minutes'")

# Cancellations of upcoming bookings, by the customer and by the seller.
for i, st in enumerate(("CANCELLED_BY_CUSTOMER", "CANCELLED_BY_SELLER", "CANCELLED_BY_CUSTOMER")):
    tx(f"""
UPDATE bookings SET status = '{st}', updated_at = {at(0.3 + i * 0.1)}
 WHERE id = (SELECT id FROM bookings
              WHERE status = 'ACCEPTED' AND start_at > timestamptz '{END}'
              ORDER BY {pick(f'cancel{i}').replace('%s', 'id::text')} LIMIT 1)""")

# No-shows: bookings that started in the last few days and were never attended.
for i in range(2):
    tx(f"""
UPDATE bookings SET status = 'NO_SHOW', updated_at = {at(0.6 + i * 0.1)}
 WHERE id = (SELECT id FROM bookings
              WHERE status = 'ACCEPTED' AND start_at <= timestamptz '{END}' - interval '1 hour'
                AND start_at > timestamptz '{END}' - interval '5 days'
              ORDER BY {pick(f'noshow{i}').replace('%s', 'id::text')} LIMIT 1)""")

# Two hard deletes an hour: a booking and its payments (nothing records them but the capture).
for i in range(2):
    tx(f"""
WITH victim AS (SELECT id FROM bookings WHERE customer_id IS NOT NULL
                 ORDER BY {pick(f'delete{i}').replace('%s', 'id::text')} LIMIT 1),
     pay AS (DELETE FROM payments WHERE booking_id IN (SELECT id FROM victim))
DELETE FROM bookings WHERE id IN (SELECT id FROM victim)""")

# A booking moved to another customer of its organization (and its payments follow it).
tx(f"""
UPDATE bookings b SET customer_id = (SELECT c.square_customer_id FROM square_existing_clients c
                                      WHERE c.organization_id = b.organization_id
                                      ORDER BY {pick('movedto').replace('%s', 'c.square_customer_id')} LIMIT 1),
                      updated_at = {at(0.45)}
 WHERE id = (SELECT id FROM bookings WHERE customer_id IS NOT NULL AND status = 'ACCEPTED'
              ORDER BY {pick('moved').replace('%s', 'id::text')} LIMIT 1)""")

# Payments for recent visits: some name the payer, some only the booking.
for i in range(5):
    tx(f"""
INSERT INTO payments (organization_id, booking_id, customer_id, amount_cents, tip_cents,
                      refunded_cents, status, created_at, updated_at)
SELECT b.organization_id, b.id, CASE WHEN {i} % 2 = 0 THEN b.customer_id END,
       2000 + 500 * {i}, 300 + 10 * {i}, 0, 'COMPLETED', {at(0.2 + i * 0.15)}, {at(0.2 + i * 0.15)}
  FROM bookings b
 WHERE b.id = (SELECT id FROM bookings WHERE status = 'ACCEPTED' AND customer_id IS NOT NULL
                 AND start_at <= timestamptz '{END}' AND start_at > timestamptz '{END}' - interval '3 days'
               ORDER BY {pick(f'pay{i}').replace('%s', 'id::text')} LIMIT 1)""")
tx(f"""
INSERT INTO payments (organization_id, booking_id, customer_id, amount_cents, status, created_at, updated_at)
SELECT c.organization_id, NULL, c.square_customer_id, 1500, 'FAILED', {at(0.7)}, {at(0.7)}
  FROM square_existing_clients c ORDER BY {pick('failed').replace('%s', 'c.square_customer_id')} LIMIT 1""")
# A refund on a completed payment.
tx(f"""
UPDATE payments SET refunded_cents = least(amount_cents, refunded_cents + 1000), updated_at = {at(0.8)}
 WHERE id = (SELECT id FROM payments WHERE status = 'COMPLETED'
              ORDER BY {pick('refund').replace('%s', 'id::text')} LIMIT 1)""")

# Client records edited: a new email, a new phone and name (client records have no updated_at).
tx(f"""
UPDATE square_existing_clients SET email = '  New.Mail{HOUR}@Example.COM '
 WHERE (organization_id, square_customer_id) = (SELECT organization_id, square_customer_id
          FROM square_existing_clients ORDER BY {pick('email').replace('%s', 'square_customer_id')} LIMIT 1)""")
tx(f"""
UPDATE square_existing_clients SET phone = '(555) 010-{1000 + HOUR}', given_name = 'Renamed{HOUR}'
 WHERE (organization_id, square_customer_id) = (SELECT organization_id, square_customer_id
          FROM square_existing_clients ORDER BY {pick('phone').replace('%s', 'square_customer_id')} LIMIT 1)""")
# A new client, referred by an existing one of its organization.
tx(f"""
INSERT INTO square_existing_clients (organization_id, square_customer_id, given_name, family_name,
                                     email, phone, created_at, creation_source,
                                     referred_by_customer_id, email_unsubscribed)
SELECT c.organization_id, 'SIM{HOUR:03d}NEW', 'New', 'Client{HOUR}', 'new{HOUR}@example.com', NULL,
       {at(0.4)}, 'BOOKING', c.square_customer_id, false
  FROM square_existing_clients c ORDER BY {pick('referrer').replace('%s', 'c.square_customer_id')} LIMIT 1""")
# The new client books and comes in an hour later: the referrer's referrals_converted changes
# with the clock.
tx(f"""
INSERT INTO bookings (organization_id, location_id, customer_id, status, start_at, created_at,
                      updated_at, duration_minutes, party_size, source)
SELECT c.organization_id, (SELECT l.id FROM locations l WHERE l.organization_id = c.organization_id
                            ORDER BY l.id LIMIT 1),
       c.square_customer_id, 'ACCEPTED', timestamptz '{END}' + interval '40 minutes', {at(0.45)},
       {at(0.45)}, 30, 1, 'FIRST_PARTY_BUYER'
  FROM square_existing_clients c WHERE c.square_customer_id = 'SIM{HOUR:03d}NEW'""")
# An existing client now names a referrer.
tx(f"""
UPDATE square_existing_clients c
   SET referred_by_customer_id = (SELECT r.square_customer_id FROM square_existing_clients r
                                   WHERE r.organization_id = c.organization_id
                                     AND r.square_customer_id <> c.square_customer_id
                                   ORDER BY {pick('newref').replace('%s', 'r.square_customer_id')} LIMIT 1)
 WHERE (organization_id, square_customer_id) = (SELECT organization_id, square_customer_id
          FROM square_existing_clients WHERE referred_by_customer_id IS NULL
          ORDER BY {pick('referred').replace('%s', 'square_customer_id')} LIMIT 1)""")

# A manual loyalty adjustment on a customer of an organization with a programme.
tx(f"""
INSERT INTO loyalty_point_events (organization_id, customer_id, program_id, delta, reason, note, created_at)
SELECT c.organization_id, c.id, p.id, 25, 'manual', 'simulated hour {HOUR}', {at(0.9)}
  FROM customers c JOIN loyalty_programs p ON p.organization_id = c.organization_id
 ORDER BY {pick('loyalty').replace('%s', 'c.id::text')} LIMIT 1""")

if HOUR == 7:
    tx("""
INSERT INTO analytics_org_settings (organization_id, default_interval_days, lost_after_days)
VALUES ('11111111-1111-4111-8111-000000000001', 30, 200)
ON CONFLICT (organization_id) DO UPDATE SET default_interval_days = 30, lost_after_days = 200""")
if HOUR == 13:
    tx("""
UPDATE locations SET timezone = 'America/Los_Angeles'
 WHERE id = (SELECT id FROM locations WHERE organization_id = '11111111-1111-4111-8111-000000000001'
              ORDER BY id LIMIT 1)""")
if HOUR == 19:
    tx("""
UPDATE organizations SET timezone = 'Europe/Dublin'
 WHERE id = '11111111-1111-4111-8111-000000000002'""")

print("\n".join(out))
