#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Independent oracle for customer_analytics: reads the raw source tables and computes every
column straight from docs/METRICS.md, then compares with the table column by column.
usage: oracle.py DB AS_OF [--between]   (exit 0 when every value matches; psql and PG* from
the environment)
AS_OF is the instant: the view customer_analytics is read with analytics.now pinned to it, so
its columns evaluated when read are compared at that instant. Right after a run at AS_OF, no
row may be due by its clock (next_change_at <= AS_OF). --between: AS_OF is an instant after
the last run, with no write since; a row whose clock has come (a booking started, a window
left) may lag until the next run and is left out (and counted), every other row must match
in every column. computed_at and next_change_at are bookkeeping, not compared as values."""
import csv, io, subprocess, sys, statistics
from collections import defaultdict, Counter
from datetime import datetime, timedelta
from decimal import Decimal, ROUND_HALF_UP, getcontext
from fractions import Fraction
from zoneinfo import ZoneInfo

getcontext().prec = 60
DB, AS_OF = sys.argv[1], datetime.fromisoformat(sys.argv[2])
BETWEEN = sys.argv[3:] == ['--between']
DAY = timedelta(days=1)


def q(sql):
    out = subprocess.run(["psql", "-X", "-d", DB, "-c",
                          f"SET TimeZone='UTC'; SET analytics.now = '{AS_OF.isoformat()}';"
                          f" COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER, NULL '\\N')"],
                         capture_output=True, text=True, check=True).stdout
    while out.startswith('SET\n'):
        out = out[4:]
    rows = list(csv.DictReader(io.StringIO(out)))
    return [{k: (None if v == '\\N' else v) for k, v in r.items()} for r in rows]


def ts(s):
    return None if s is None else datetime.fromisoformat(s)


orgs = {r['id']: r['timezone'] for r in q("select id, timezone from organizations")}
locs = {r['id']: r['timezone'] for r in q("select id, timezone from locations")}
settings = {r['organization_id']: r for r in q("select * from analytics_org_settings")}
clients = {(r['organization_id'], r['square_customer_id']): r for r in q("select * from square_existing_clients")}
bookings = q("select * from bookings")
payments = q("select * from payments")
# The 87 columns as readers see them, and the clock from the stored table.
table = {(r['organization_id'], r['square_customer_id']): r
         for r in q("select v.*, s.next_change_at from customer_analytics v"
                    " join customer_analytics_stored s using (organization_id, square_customer_id)")}
# The ledger summed per customers row, keyed by organization and contact (docs/METRICS.md, Loyalty).
ledger = defaultdict(int)
for r in q("select c.organization_id, c.email_normalized, c.phone_e164, e.delta"
           " from customers c join loyalty_point_events e"
           " on e.organization_id = c.organization_id and e.customer_id = c.id"):
    ledger[(r['organization_id'], r['email_normalized'], r['phone_e164'])] += int(r['delta'])

for b in bookings:
    for k in ('start_at', 'created_at', 'updated_at'):
        b[k] = ts(b[k])
    b['party_size'] = int(b['party_size'])
    b['loyalty_points_awarded'] = int(b['loyalty_points_awarded'])
    b['duration_minutes'] = None if b['duration_minutes'] is None else int(b['duration_minutes'])
for p in payments:
    p['created_at'] = ts(p['created_at'])
    for k in ('amount_cents', 'tip_cents', 'refunded_cents'):
        p[k] = int(p[k])

by_id = {b['id']: b for b in bookings}
B = defaultdict(list)
for b in bookings:
    if b['customer_id'] is not None:
        B[(b['organization_id'], b['customer_id'])].append(b)
P = defaultdict(list)
for p in payments:
    if p['status'] != 'COMPLETED':
        continue
    cust = p['customer_id']
    if cust is None and p['booking_id'] is not None:
        pb = by_id.get(p['booking_id'])
        if pb is not None and pb['organization_id'] == p['organization_id']:
            cust = pb['customer_id']
    if cust is not None:
        P[(p['organization_id'], cust)].append(p)

keys = set(clients) | set(B)
REFERRED = defaultdict(list)
for k, r in clients.items():
    if r['referred_by_customer_id'] is not None and r['referred_by_customer_id'] != k[1]:
        REFERRED[(k[0], r['referred_by_customer_id'])].append(k)


def setting(org, name, default):
    v = settings.get(org, {}).get(name)
    if v is None:
        return default
    if isinstance(default, list):
        return [int(x) for x in v.strip('{}').split(',')]
    return type(default)(v)


WS = ' \t\n\x0b\x0c\r'


def norm_phone(raw, cc):
    if raw is None:
        return None
    t = raw.lstrip(' ')
    plus = t.startswith('+')
    body = t[1:] if plus else t
    if any(ch not in '0123456789 -.()/' for ch in body):
        return None
    d = ''.join(ch for ch in body if ch in '0123456789')
    if plus:
        num = d
    elif d.startswith('00'):
        num = d[2:]
    elif cc == '1':
        num = '1' + d if len(d) == 10 else (d if len(d) == 11 and d.startswith('1') else None)
    else:
        num = cc + (d[1:] if d.startswith('0') else d)
    return '+' + num if num is not None and 8 <= len(num) <= 15 else None


def r2(fr):
    return None if fr is None else (Decimal(fr.numerator) / Decimal(fr.denominator)).quantize(Decimal('0.01'), ROUND_HALF_UP)


def ratio(a, b):
    return None if b == 0 else Fraction(a, b)


def whole_days(t):
    return None if t is None else (AS_OF - t) // DAY


def lt(b):
    return b['start_at'].astimezone(ZoneInfo(locs.get(b['location_id']) or orgs[b['organization_id']]))


def fav(visits, f):
    stat = {}
    for v in visits:
        val = f(v)
        if val is None:
            continue
        n, latest = stat.get(val, (0, None))
        stat[val] = (n + 1, v['start_at'] if latest is None or v['start_at'] > latest else latest)
    if not stat:
        return None, 0, 0
    best = sorted(stat.items(), key=lambda kv: (-kv[1][0], -kv[1][1].timestamp(), kv[0]))[0]
    return best[0], best[1][0], len(stat)


def in_win(t, n):
    return t is not None and AS_OF - n * DAY < t <= AS_OF


def visits_of(key):
    return [b for b in B.get(key, []) if b['status'] == 'ACCEPTED' and b['start_at'] <= AS_OF]


def compute(key):
    org, cid = key
    c = clients.get(key)
    bs = B.get(key, [])
    ps = P.get(key, [])
    V = visits_of(key)
    UP = [b for b in bs if b['status'] in ('ACCEPTED', 'PENDING') and b['start_at'] > AS_OF]
    RES = [b for b in bs if b['start_at'] <= AS_OF and b['status'] in
           ('ACCEPTED', 'NO_SHOW', 'CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_SELLER')]
    st = lambda s: [b for b in bs if b['status'] == s]
    cc = setting(org, 'phone_country_code', '1')
    o = {}
    if c:
        parts = [x.strip(WS) for x in (c['given_name'], c['family_name']) if x is not None]
        parts = [x for x in parts if x]
        o['display_name'] = ' '.join(parts) or None
        o['email_normalized'] = None if c['email'] is None else (c['email'].strip(WS).lower() or None)
        o['phone_e164'] = norm_phone(c['phone'], cc)
        o['creation_source'] = c['creation_source']
        o['email_unsubscribed'] = None if c['email_unsubscribed'] is None else c['email_unsubscribed'] == 't'
        o['client_created_at'] = ts(c['created_at'])
    else:
        for k in ('display_name', 'email_normalized', 'phone_e164', 'creation_source',
                  'email_unsubscribed', 'client_created_at'):
            o[k] = None
    o['has_client_record'] = c is not None
    first = min(V, key=lambda b: (b['start_at'], b['id'])) if V else None
    o['first_booking_at'] = first['start_at'] if first else None
    o['first_visit_location_id'] = first['location_id'] if first else None
    o['first_booking_created_at'] = min((b['created_at'] for b in bs), default=None)
    o['last_visit_at'] = max((b['start_at'] for b in V), default=None)
    o['next_booking_at'] = min((b['start_at'] for b in UP), default=None)
    o['last_booking_created_at'] = max((b['created_at'] for b in bs), default=None)
    o['last_cancelled_at'] = max((b['updated_at'] for b in bs if b['status'].startswith('CANCELLED')), default=None)
    o['last_no_show_at'] = max((b['start_at'] for b in st('NO_SHOW')), default=None)
    o['days_since_last_visit'] = whole_days(o['last_visit_at'])
    o['tenure_days'] = whole_days(o['first_booking_at'])
    o['total_bookings'] = len(bs)
    o['total_accepted_bookings'] = len(st('ACCEPTED'))
    o['visits_total'] = len(V)
    o['upcoming_count'] = len(UP)
    o['cancelled_by_customer_count'] = len(st('CANCELLED_BY_CUSTOMER'))
    o['cancelled_by_seller_count'] = len(st('CANCELLED_BY_SELLER'))
    o['declined_count'] = len(st('DECLINED'))
    o['no_show_count'] = len(st('NO_SHOW'))
    o['pending_count'] = len(st('PENDING'))
    o['no_show_rate'] = ratio(sum(b['status'] == 'NO_SHOW' for b in RES), len(RES))
    o['cancel_rate'] = ratio(sum(b['status'] == 'CANCELLED_BY_CUSTOMER' for b in RES), len(RES))
    o['visits_30d'] = sum(in_win(b['start_at'], 30) for b in V)
    o['visits_90d'] = sum(in_win(b['start_at'], 90) for b in V)
    o['visits_365d'] = sum(in_win(b['start_at'], 365) for b in V)
    o['visits_prev_365d'] = sum(AS_OF - 730 * DAY < b['start_at'] <= AS_OF - 365 * DAY for b in V)
    o['no_shows_365d'] = sum(in_win(b['start_at'], 365) for b in st('NO_SHOW'))
    o['cancellations_365d'] = sum(in_win(b['start_at'], 365) for b in bs if b['status'].startswith('CANCELLED'))
    o['bookings_created_30d'] = sum(in_win(b['created_at'], 30) for b in bs)
    net = lambda p: p['amount_cents'] + p['tip_cents'] - p['refunded_cents']
    o['gross_spend_cents'] = sum(p['amount_cents'] for p in ps)
    o['tips_cents'] = sum(p['tip_cents'] for p in ps)
    o['refunded_cents'] = sum(p['refunded_cents'] for p in ps)
    o['net_spend_cents'] = sum(net(p) for p in ps)
    for n in (30, 90, 365):
        o[f'net_spend_{n}d_cents'] = sum(net(p) for p in ps if in_win(p['created_at'], n))
    o['paid_visits'] = len({p['booking_id'] or p['id'] for p in ps})
    g, pv = o['gross_spend_cents'], o['paid_visits']
    o['avg_ticket_cents'] = None if pv == 0 else (2 * g + pv) // (2 * pv)
    o['avg_tip_pct'] = r2(ratio(o['tips_cents'], g))
    o['last_payment_at'] = max((p['created_at'] for p in ps), default=None)
    paid_ids = {p['booking_id'] for p in ps}
    o['unpaid_visits'] = sum(b['id'] not in paid_ids for b in V)
    o['projected_12m_value_cents'] = None if o['avg_ticket_cents'] is None else o['avg_ticket_cents'] * o['visits_365d']
    days = sorted({lt(b).date() for b in V})
    n = len(days)
    gaps = [(days[i + 1] - days[i]).days for i in range(n - 1)]
    o['avg_days_between_visits'] = ratio((days[-1] - days[0]).days, n - 1) if n >= 2 else None
    o['median_days_between_visits'] = Fraction(statistics.median(gaps)) if gaps else None
    o['last_gap_days'] = gaps[-1] if gaps else None
    exp = o['median_days_between_visits'] if n >= 3 else Fraction(setting(org, 'default_interval_days', 42))
    o['expected_interval_days'] = exp
    o['expected_next_visit_at'] = None if not V else o['last_visit_at'] + timedelta(days=float(exp))
    o['lapse_ratio'] = None if not V else r2(Fraction(o['days_since_last_visit']) / exp)
    o['visits_per_year'] = None if not V else r2(Fraction(len(V) * 365, max(o['tenure_days'], 30)))
    leads = [(b['start_at'] - b['created_at']) / timedelta(microseconds=1) for b in V if b['created_at'] <= b['start_at']]
    o['avg_lead_time_hours'] = Fraction(int(sum(leads)), len(leads) * 3600 * 10**6) if leads else None
    o['favourite_location_id'], _, o['distinct_locations'] = fav(V, lambda b: b['location_id'])
    o['favourite_staff_id'], nstaff, o['distinct_staff'] = fav(V, lambda b: b['staff_id'])
    o['favourite_staff_share'] = ratio(nstaff, len(V)) if o['favourite_staff_id'] else None
    o['favourite_service_id'], _, _ = fav(V, lambda b: b['service_id'])
    o['favourite_weekday'], _, _ = fav(V, lambda b: lt(b).isoweekday())
    o['favourite_hour'], _, _ = fav(V, lambda b: lt(b).hour)
    durs = [b['duration_minutes'] for b in V if b['duration_minutes'] is not None]
    o['avg_duration_minutes'] = Fraction(sum(durs), len(durs)) if durs else None
    o['avg_party_size'] = Fraction(sum(b['party_size'] for b in V), len(V)) if V else None
    o['total_covers'] = sum(b['party_size'] for b in V)
    o['online_booking_share'] = ratio(sum(b['source'] in ('FIRST_PARTY_BUYER', 'THIRD_PARTY_BUYER') for b in bs), len(bs))
    o['first_booking_source'] = first['source'] if first else None

    def rebooked(v):
        return any(b2['status'] != 'DECLINED' and b2['start_at'] > v['start_at']
                   and b2['created_at'] <= v['start_at'] + timedelta(hours=24) for b2 in bs)
    o['rebook_rate_24h'] = ratio(sum(rebooked(v) for v in V), len(V))
    o['last_visit_rebooked'] = rebooked(max(V, key=lambda b: b['start_at'])) if V else None
    ref = c['referred_by_customer_id'] if c else None
    o['referred_by_customer_id'] = None if ref == cid else ref
    referred = REFERRED.get(key, [])
    o['referrals_made'] = len(referred)
    o['referrals_converted'] = sum(1 for k in referred if visits_of(k))
    o['loyalty_points_earned'] = sum(b['loyalty_points_awarded'] for b in V)
    o['loyalty_points_earned_365d'] = sum(b['loyalty_points_awarded'] for b in V if in_win(b['start_at'], 365))
    # Nulls equal, no match when both are null; no customers row means 0.
    contact = (org, o['email_normalized'], o['phone_e164'])
    o['loyalty_points_balance'] = 0 if contact[1] is None and contact[2] is None else ledger.get(contact, 0)
    o['loyalty_last_earned_at'] = max((b['start_at'] for b in V if b['loyalty_points_awarded'] > 0), default=None)
    R = setting(org, 'rfm_r_days', [30, 60, 120, 240])
    F = setting(org, 'rfm_f_visits', [12, 6, 3, 2])
    M = setting(org, 'rfm_m_cents', [100000, 50000, 20000, 5000])
    ds = o['days_since_last_visit']
    o['r_score'] = None if ds is None else next((5 - i for i, t in enumerate(R) if ds <= t), 1)
    o['f_score'] = next((5 - i for i, t in enumerate(F) if o['visits_365d'] >= t), 1)
    o['m_score'] = next((5 - i for i, t in enumerate(M) if o['net_spend_365d_cents'] >= t), 1)
    o['rfm_code'] = None if o['r_score'] is None else f"{o['r_score']}{o['f_score']}{o['m_score']}"
    lr = o['lapse_ratio']
    if not V:
        seg = 'prospect'
    elif ds > setting(org, 'lost_after_days', 365):
        seg = 'lost'
    elif lr > 2:
        seg = 'lapsed'
    elif lr > Decimal('1.5'):
        seg = 'at_risk'
    elif len(V) == 1:
        seg = 'new'
    elif o['r_score'] >= 4 and o['f_score'] >= 4 and o['m_score'] >= 4:
        seg = 'vip'
    elif o['f_score'] >= 4:
        seg = 'loyal'
    else:
        seg = 'active'
    o['segment'] = seg
    o['is_vip'] = seg == 'vip'
    o['computed_at'] = AS_OF
    return o


def same(exp, got):
    if exp is None or got is None:
        return exp is None and got is None
    if isinstance(exp, bool):
        return got == ('t' if exp else 'f')
    if isinstance(exp, datetime):
        return datetime.fromisoformat(got) == exp
    if isinstance(exp, (int, Fraction, Decimal)):
        e = Fraction(exp) if not isinstance(exp, Decimal) else Fraction(exp)
        return abs(Fraction(Decimal(got)) - e) <= Fraction(1, 10**14)
    return str(exp) == got


bad = Counter()
examples = {}
o = {}
missing = keys - set(table)
extra = set(table) - keys
def is_due(v):
    return v is not None and v != 'infinity' and (v == '-infinity' or datetime.fromisoformat(v) <= AS_OF)


lagging = 0
for key in sorted(keys & set(table)):
    row = table[key]
    if BETWEEN and is_due(row['next_change_at']):
        lagging += 1
        continue
    o = compute(key)
    assert len(row) == 88 and len(o) == 85, (len(row), len(o))
    for col, exp in o.items():
        # computed_at is the as_of of the run that last rewrote the row: a row whose values
        # did not change keeps an older one (docs/METRICS.md, 87). Never a later one.
        if col == 'computed_at' and row[col] is not None and datetime.fromisoformat(row[col]) <= exp:
            continue
        if not same(exp, row[col]):
            bad[col] += 1
            examples.setdefault(col, (key, exp, row[col]))
# The clock (next_change_at, not a docs/METRICS.md column): after a run no row may be left due,
# or an incremental run would have had to recompute it.
due = sorted(k for k, r in table.items() if is_due(r['next_change_at']))
if due and not BETWEEN:
    bad['next_change_at (due at as_of)'] = len(due)
    examples['next_change_at (due at as_of)'] = (due[0], f'> {AS_OF}', table[due[0]]['next_change_at'])
print(f"keys: oracle {len(keys)}, table {len(table)}, missing {len(missing)}, extra {len(extra)}"
      + (f", due by their clock and left out: {lagging}" if BETWEEN else ""))
print(f"columns compared: {len(o) or 'none (no row on either side)'} non-key; "
      f"mismatching columns: {len(bad)}")
for col, n in bad.most_common():
    print(f"  {col}: {n} rows, e.g. {examples[col]}")
sys.exit(1 if bad or missing or extra else 0)
