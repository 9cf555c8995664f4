/* SPDX-License-Identifier: ISC */
/*
 * One customer's aggregates (see agg.h), over the customer's rows in memory: what
 * the CTEs bk_agg, bk_seq, pay_agg, paid_visit_count, paid_visit, fav_* and
 * gap_agg of the SQL compute did until 0.2.0 (bench/baseline_compute.sql keeps
 * it, as the benchmark's yardstick). Column numbers are docs/METRICS.md's.
 *
 * The sorts go through w->keys, an array of byte pointers: to a booking (the
 * struct's own address, converted back by booking_of) or to a 16-byte id. That
 * way a plain qsort comparator finds everything it compares without a context.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"

#define DAYS(n) ((n) * AGG_USEC_PER_DAY)

/* ---- The windows (31-37, 42-44, 78) ------------------------------------------------- */

/*
 * A window counts (or sums) the rows its rule takes whose time falls in (as_of - to days,
 * as_of - from days]. The same row of this table gives the window's clock: when one of
 * those rows next enters it (at its time + from days) or leaves it (+ to days), so no
 * window is counted without the clock that moves it.
 */
enum win_rows {
	W_VISITS,               /* the visits (V) */
	W_NO_SHOWS,             /* NO_SHOW bookings that have started */
	W_CANCELS,              /* cancelled bookings that have started */
	W_BOOKINGS,             /* every booking */
	W_PAYMENTS,             /* the payments of set P */
};

enum win_adds { W_ONE, W_POINTS, W_NET };

struct window {
	enum win_rows rows;
	bool on_created;                /* the row's created_at, else its start */
	int from, to;                   /* days before as_of */
	enum win_adds adds;
	size_t value;                   /* its column in agg_result */
	bool wide;                      /* the column is an int64_t, else an int32_t */
	size_t clock;                   /* the struct agg_ts its moves go to */
};

#define WINDOW(rows, on_created, from, to, adds, column, clock)                          \
	{ rows, on_created, from, to, adds, offsetof(struct agg_result, column),          \
	  sizeof(((struct agg_result *)0)->column) == sizeof(int64_t),                    \
	  offsetof(struct agg_result, clock) }

static const struct window windows[] = {
	WINDOW(W_VISITS, false, 0, 30, W_ONE, visits_30d, next_window_exit),
	WINDOW(W_VISITS, false, 0, 90, W_ONE, visits_90d, next_window_exit),
	WINDOW(W_VISITS, false, 0, 365, W_ONE, visits_365d, next_window_exit),
	WINDOW(W_VISITS, false, 365, 730, W_ONE, visits_prev_365d, next_window_exit),
	WINDOW(W_NO_SHOWS, false, 0, 365, W_ONE, no_shows_365d, next_window_exit),
	WINDOW(W_CANCELS, false, 0, 365, W_ONE, cancellations_365d, next_window_exit),
	WINDOW(W_BOOKINGS, true, 0, 30, W_ONE, bookings_created_30d, next_created_change),
	WINDOW(W_VISITS, false, 0, 365, W_POINTS, loyalty_points_earned_365d, next_window_exit),
	WINDOW(W_PAYMENTS, true, 0, 30, W_NET, net_spend_30d_cents, next_pay_change),
	WINDOW(W_PAYMENTS, true, 0, 90, W_NET, net_spend_90d_cents, next_pay_change),
	WINDOW(W_PAYMENTS, true, 0, 365, W_NET, net_spend_365d_cents, next_pay_change),
};

#define NWINDOWS (sizeof(windows) / sizeof(windows[0]))

/* as_of, and each window's bounds: (lo, hi] = (as_of - to days, as_of - from days]. */
struct win {
	int64_t as_of;
	int64_t lo[NWINDOWS], hi[NWINDOWS];
};

enum agg_status agg_status_parse(const char *s, size_t len)
{
	static const struct {
		const char *name;
		enum agg_status status;
	} names[] = {
		{ "PENDING", AGG_PENDING },
		{ "ACCEPTED", AGG_ACCEPTED },
		{ "CANCELLED_BY_CUSTOMER", AGG_CANCELLED_BY_CUSTOMER },
		{ "CANCELLED_BY_SELLER", AGG_CANCELLED_BY_SELLER },
		{ "DECLINED", AGG_DECLINED },
		{ "NO_SHOW", AGG_NO_SHOW },
	};

	/* No name is empty, so a matching length is never 0 and s is never NULL there. */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (len == strlen(names[i].name) && memcmp(s, names[i].name, len) == 0)
			return names[i].status;
	return AGG_OTHER;
}

void agg_work_free(struct agg_work *w)
{
	free(w->idx);
	free(w->days);
	free(w->keys);
	*w = (struct agg_work){ 0 };
}

/* ---- Arithmetic ---------------------------------------------------------------------- */

/*
 * timestamptz + interval as PostgreSQL does it for 'infinity' and '-infinity' (they stay);
 * where PostgreSQL would fail with "timestamp out of range" this saturates instead of
 * overflowing.
 */
static int64_t ts_plus(int64_t t, int64_t d)
{
	int64_t r;

	if (t == INT64_MAX || t == INT64_MIN)
		return t;
	if (__builtin_add_overflow(t, d, &r))
		return d > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/*
 * acc += v and acc -= v for the sums: PostgreSQL sums bigints as numeric and would fail the
 * cast back to bigint where these saturate (no realistic customer gets near it).
 */
static void sum_add(int64_t *acc, int64_t v)
{
	if (__builtin_add_overflow(*acc, v, acc))
		*acc = v > 0 ? INT64_MAX : INT64_MIN;
}

static void sum_sub(int64_t *acc, int64_t v)
{
	if (__builtin_sub_overflow(*acc, v, acc))
		*acc = v < 0 ? INT64_MAX : INT64_MIN;
}

static void ts_min(struct agg_ts *t, int64_t v)
{
	if (!t->set || v < t->v)
		*t = (struct agg_ts){ .v = v, .set = true };
}

static void ts_max(struct agg_ts *t, int64_t v)
{
	if (!t->set || v > t->v)
		*t = (struct agg_ts){ .v = v, .set = true };
}

/* Floor division and modulo: a local start before 2000-01-01 is negative. */
static int64_t floor_div(int64_t a, int64_t d)
{
	int64_t q = a / d;

	return (a % d != 0 && a < 0) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t d)
{
	int64_t m = a % d;

	return m < 0 ? m + d : m;
}

/* ---- Rows ---------------------------------------------------------------------------- */

static bool is_visit(const struct agg_booking *x, const struct win *t)
{
	return x->status == AGG_ACCEPTED && x->start <= t->as_of;
}

static bool is_cancel(enum agg_status s)
{
	return s == AGG_CANCELLED_BY_CUSTOMER || s == AGG_CANCELLED_BY_SELLER;
}

/* UP: ACCEPTED or PENDING, still to start. */
static bool is_upcoming(const struct agg_booking *x, const struct win *t)
{
	return (x->status == AGG_ACCEPTED || x->status == AGG_PENDING) && x->start > t->as_of;
}

static bool text_is(struct agg_text s, const char *lit)
{
	size_t n = strlen(lit);

	return s.p != NULL && s.len == n && memcmp(s.p, lit, n) == 0;
}

/* COLLATE "C": bytes over the common length, then the shorter first. */
static int text_cmp(struct agg_text a, struct agg_text b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n > 0 ? memcmp(a.p, b.p, n) : 0;

	if (c != 0)
		return c;
	return (a.len > b.len) - (a.len < b.len);
}

/* keys[] entries made with key_of_booking. */
static const unsigned char *key_of_booking(const struct agg_booking *x)
{
	return (const unsigned char *)x;
}

static const struct agg_booking *booking_of(const void *key)
{
	return (const struct agg_booking *)*(const unsigned char *const *)key;
}

static int cmp_start_desc(const void *x, const void *y)
{
	int64_t a = booking_of(x)->start, b = booking_of(y)->start;

	return (a < b) - (a > b);
}

static int cmp_location(const void *x, const void *y)
{
	return memcmp(booking_of(x)->location, booking_of(y)->location, 16);
}

static int cmp_staff(const void *x, const void *y)
{
	return text_cmp(booking_of(x)->staff, booking_of(y)->staff);
}

static int cmp_service(const void *x, const void *y)
{
	return text_cmp(booking_of(x)->service, booking_of(y)->service);
}

/* keys[] entries that are 16-byte ids. */
static int cmp_id(const void *x, const void *y)
{
	return memcmp(*(const unsigned char *const *)x, *(const unsigned char *const *)y, 16);
}

static int cmp_int64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

/* qsort, which must not see a NULL base even for nothing to sort. */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* ---- Scratch space ------------------------------------------------------------------- */

/* Room for n elements of size bytes at p (capacity *cap): the array, or NULL without memory. */
static void *reserve(void *p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap > 0 ? *cap : 16;

	if (n <= *cap)
		return p;
	while (c < n)
		c = c <= SIZE_MAX / 2 ? c * 2 : n;
	if (c > SIZE_MAX / size)
		return NULL;
	p = realloc(p, c * size);
	if (p != NULL)
		*cap = c;
	return p;
}

static int work_reserve(struct agg_work *w, size_t nb, size_t np)
{
	size_t nk = nb > np ? nb : np;
	size_t *idx;
	int64_t *days;
	const unsigned char **keys;

	idx = reserve(w->idx, &w->idx_cap, nb, sizeof(*idx));
	if (idx == NULL && nb > 0)
		return -1;
	w->idx = idx;
	days = reserve(w->days, &w->days_cap, nb, sizeof(*days));
	if (days == NULL && nb > 0)
		return -1;
	w->days = days;
	keys = reserve(w->keys, &w->keys_cap, nk, sizeof(*keys));
	if (keys == NULL && nk > 0)
		return -1;
	w->keys = keys;
	return 0;
}

/* ---- Bookings: plain aggregates (bk_agg) --------------------------------------------- */

/* Lifecycle dates (10, 12-17), counts (20-28), RES (29-30). */
static void bookings_counts(const struct win *t, const struct agg_booking *b, size_t nb,
			    struct agg_result *r)
{
	for (size_t i = 0; i < nb; i++) {
		const struct agg_booking *x = &b[i];
		bool visit = is_visit(x, t), started = x->start <= t->as_of;

		ts_min(&r->first_booking_created_at, x->created);
		ts_max(&r->last_booking_created_at, x->created);
		r->total_bookings++;
		switch (x->status) {
		case AGG_PENDING:
			r->pending_count++;
			break;
		case AGG_ACCEPTED:
			r->total_accepted_bookings++;
			break;
		case AGG_CANCELLED_BY_CUSTOMER:
			r->cancelled_by_customer_count++;
			break;
		case AGG_CANCELLED_BY_SELLER:
			r->cancelled_by_seller_count++;
			break;
		case AGG_DECLINED:
			r->declined_count++;
			break;
		case AGG_NO_SHOW:
			r->no_show_count++;
			ts_max(&r->last_no_show_at, x->start);
			break;
		case AGG_OTHER:
			break;
		}
		/* 16 is the time of the cancelling, not of the booking. */
		if (is_cancel(x->status))
			ts_max(&r->last_cancelled_at, x->updated);
		if (is_upcoming(x, t)) {
			r->upcoming_count++;
			ts_min(&r->next_booking_at, x->start);
		}
		if (started && (x->status == AGG_ACCEPTED || x->status == AGG_NO_SHOW ||
				is_cancel(x->status))) {
			r->resolved++;
			r->resolved_no_shows += x->status == AGG_NO_SHOW;
			r->resolved_customer_cancels += x->status == AGG_CANCELLED_BY_CUSTOMER;
		}
		if (visit) {
			r->visits_total++;
			ts_min(&r->first_booking_at, x->start);
			ts_max(&r->last_visit_at, x->start);
		}
	}
}

/* The sums behind 58 and 67-69, 70 and loyalty (77-78, 80). */
static void bookings_sums(const struct win *t, const struct agg_booking *b, size_t nb,
			  struct agg_result *r)
{
	for (size_t i = 0; i < nb; i++) {
		const struct agg_booking *x = &b[i];

		if (text_is(x->source, "FIRST_PARTY_BUYER") ||
		    text_is(x->source, "THIRD_PARTY_BUYER"))
			r->online_bookings++;
		if (!is_visit(x, t))
			continue;
		/* 58 leaves out bookings entered after their start (walk-ins). */
		if (x->created <= x->start) {
			int64_t lead = x->start;

			sum_sub(&lead, x->created);
			sum_add(&r->lead_usec_sum, lead);
			r->lead_n++;
		}
		if (x->has_duration) {
			r->duration_sum += x->duration;
			r->duration_n++;
		}
		r->party_sum += x->party;
		r->party_n++;
		r->loyalty_points_earned += x->points;
		if (x->points > 0)
			ts_max(&r->loyalty_last_earned_at, x->start);
	}
}

/* Whether a window's rule takes booking x (its time aside). */
static bool takes(enum win_rows rows, const struct agg_booking *x, const struct win *t)
{
	switch (rows) {
	case W_VISITS:
		return is_visit(x, t);
	case W_NO_SHOWS:
		return x->status == AGG_NO_SHOW && x->start <= t->as_of;
	case W_CANCELS:
		return is_cancel(x->status) && x->start <= t->as_of;
	case W_BOOKINGS:
		return true;
	case W_PAYMENTS:
		break;
	}
	return false;
}

/* Row time tm (with its value v) in window i: counted if inside, and its next move. */
static void window_add(const struct win *t, size_t i, int64_t tm, int64_t v,
		       struct agg_result *r)
{
	const struct window *w = &windows[i];
	struct agg_ts *clock = (struct agg_ts *)((char *)r + w->clock);
	char *value = (char *)r + w->value;

	if (tm > t->hi[i]) {
		ts_min(clock, ts_plus(tm, DAYS(w->from)));
	} else if (tm > t->lo[i]) {
		if (w->wide)
			sum_add((int64_t *)(void *)value, v);
		else
			*(int32_t *)(void *)value += (int32_t)v;
		ts_min(clock, ts_plus(tm, DAYS(w->to)));
	}
}

static void bookings_windows(const struct win *t, const struct agg_booking *b, size_t nb,
			     struct agg_result *r)
{
	for (size_t i = 0; i < nb; i++) {
		const struct agg_booking *x = &b[i];

		for (size_t k = 0; k < NWINDOWS; k++)
			if (windows[k].rows != W_PAYMENTS && takes(windows[k].rows, x, t))
				window_add(t, k, windows[k].on_created ? x->created : x->start,
					   windows[k].adds == W_POINTS ? x->points : 1, r);
	}
}

/*
 * The clock, besides the windows': a booking starting moves between upcoming, visits
 * and resolved (a DECLINED one counts in total_bookings only).
 */
static void bookings_clock(const struct win *t, const struct agg_booking *b, size_t nb,
			   struct agg_result *r)
{
	for (size_t i = 0; i < nb; i++) {
		const struct agg_booking *x = &b[i];

		if (x->start > t->as_of && x->status != AGG_DECLINED)
			ts_min(&r->next_start, x->start);
	}
}

/* ---- Bookings in start order (bk_seq) ------------------------------------------------ */

/*
 * Rebooking (72-73): a visit was rebooked within 24 hours when the earliest created_at
 * among the non-DECLINED bookings starting strictly later is at most its start + 24 hours.
 * Walking the bookings by start descending, one group of equal starts at a time, that
 * minimum is the one over the groups already passed. The last visit's group is the first
 * group with a visit; ties there share the start, hence the answer.
 */
static void rebooking(const struct win *t, const struct agg_booking *b, size_t nb,
		      const unsigned char **keys, struct agg_result *r)
{
	struct agg_ts later = { 0 };
	size_t i, j;

	for (i = 0; i < nb; i++)
		keys[i] = key_of_booking(&b[i]);
	sort(keys, nb, sizeof(*keys), cmp_start_desc);
	for (i = 0; i < nb; i = j) {
		int64_t start = booking_of(&keys[i])->start;
		struct agg_ts here = later;
		int32_t visits = 0;
		bool rebooked;

		for (j = i; j < nb && booking_of(&keys[j])->start == start; j++) {
			const struct agg_booking *x = booking_of(&keys[j]);

			visits += is_visit(x, t);
			if (x->status != AGG_DECLINED)
				ts_min(&here, x->created);
		}
		rebooked = later.set && later.v <= ts_plus(start, 24 * AGG_USEC_PER_HOUR);
		if (visits > 0) {
			if (rebooked)
				r->rebooked_visits += visits;
			if (!r->has_last_visit_rebooked) {
				r->has_last_visit_rebooked = true;
				r->last_visit_rebooked = rebooked;
			}
		}
		later = here;
	}
}

/* The first visit (11, 71): the earliest start, ties by the smallest booking id. */
static void first_visit(const struct agg_booking *b, const size_t *vis, size_t nv,
			struct agg_result *r)
{
	const struct agg_booking *f = NULL;

	for (size_t i = 0; i < nv; i++) {
		const struct agg_booking *x = &b[vis[i]];

		if (f == NULL || x->start < f->start ||
		    (x->start == f->start && memcmp(x->id, f->id, 16) < 0))
			f = x;
	}
	if (f == NULL)
		return;
	if (f->has_location) {
		memcpy(r->first_visit_location_id, f->location, 16);
		r->has_first_visit_location = true;
	}
	if (f->source.p != NULL)
		r->first_booking_source = f->source;
}

/* ---- Payments (pay_agg, paid_visit_count, paid_visit) -------------------------------- */

/* Spend (38-41), last_payment_at (48), and the spend windows (42-44) with their clock. */
static void payment_sums(const struct win *t, const struct agg_payment *p, size_t np,
			 struct agg_result *r)
{
	for (size_t i = 0; i < np; i++) {
		const struct agg_payment *x = &p[i];
		int64_t net = x->amount;

		sum_add(&r->gross_spend_cents, x->amount);
		sum_add(&r->tips_cents, x->tip);
		sum_add(&r->refunded_cents, x->refunded);
		sum_add(&net, x->tip);
		sum_sub(&net, x->refunded);
		sum_add(&r->net_spend_cents, net);
		ts_max(&r->last_payment_at, x->created);
		for (size_t k = 0; k < NWINDOWS; k++)
			if (windows[k].rows == W_PAYMENTS)
				window_add(t, k, x->created, net, r);
	}
}

/*
 * paid_visits (45): distinct coalesce(booking id, payment id); visits_paid (behind 49):
 * the visits whose id a payment's booking id names. Both by sorting the ids.
 */
static void payment_visits(const struct agg_booking *b, const size_t *vis, size_t nv,
			   const struct agg_payment *p, size_t np, const unsigned char **keys,
			   struct agg_result *r)
{
	size_t i, m = 0;

	for (i = 0; i < np; i++)
		keys[i] = p[i].has_booking ? p[i].booking : p[i].id;
	sort(keys, np, sizeof(*keys), cmp_id);
	for (i = 0; i < np; i++)
		r->paid_visits += i == 0 || memcmp(keys[i - 1], keys[i], 16) != 0;

	for (i = 0; i < np; i++)
		if (p[i].has_booking)
			keys[m++] = p[i].booking;
	if (m == 0)
		return;
	sort(keys, m, sizeof(*keys), cmp_id);
	for (i = 0; i < nv; i++) {
		const unsigned char *id = b[vis[i]].id;

		r->visits_paid += bsearch(&id, keys, m, sizeof(*keys), cmp_id) != NULL;
	}
}

/* ---- Favourites (fav_*) -------------------------------------------------------------- */

struct fav {
	const struct agg_booking *best;         /* a visit of the favourite group; NULL: none */
	int32_t n;                              /* its visits */
	int32_t groups;                         /* distinct values */
};

/*
 * The favourite among the visits keys[0..n) grouped by cmp: highest count, then latest
 * visit, then smallest value. Groups come in ascending value order, so a tie on count and
 * latest keeps the earlier group.
 */
static struct fav favourite(const unsigned char **keys, size_t n,
			    int (*cmp)(const void *, const void *))
{
	struct fav f = { NULL, 0, 0 };
	int64_t best_latest = 0;
	size_t i, j;

	sort(keys, n, sizeof(*keys), cmp);
	for (i = 0; i < n; i = j) {
		int64_t latest = booking_of(&keys[i])->start;

		for (j = i + 1; j < n && cmp(&keys[i], &keys[j]) == 0; j++)
			if (booking_of(&keys[j])->start > latest)
				latest = booking_of(&keys[j])->start;
		f.groups++;
		if (f.best == NULL || (int32_t)(j - i) > f.n ||
		    ((int32_t)(j - i) == f.n && latest > best_latest)) {
			f.best = booking_of(&keys[i]);
			f.n = (int32_t)(j - i);
			best_latest = latest;
		}
	}
	return f;
}

/* Location (59, 65), staff (60-61, 66) and service (62): NULLs are not candidates. */
static void favourite_ids(const struct agg_booking *b, const size_t *vis, size_t nv,
			  const unsigned char **keys, struct agg_result *r)
{
	struct fav f;
	size_t i, n;

	for (i = 0, n = 0; i < nv; i++)
		if (b[vis[i]].has_location)
			keys[n++] = key_of_booking(&b[vis[i]]);
	f = favourite(keys, n, cmp_location);
	r->distinct_locations = f.groups;
	if (f.best != NULL) {
		memcpy(r->favourite_location_id, f.best->location, 16);
		r->has_favourite_location = true;
	}

	for (i = 0, n = 0; i < nv; i++)
		if (b[vis[i]].staff.p != NULL)
			keys[n++] = key_of_booking(&b[vis[i]]);
	f = favourite(keys, n, cmp_staff);
	r->distinct_staff = f.groups;
	r->favourite_staff_visits = f.n;
	if (f.best != NULL)
		r->favourite_staff_id = f.best->staff;

	for (i = 0, n = 0; i < nv; i++)
		if (b[vis[i]].service.p != NULL)
			keys[n++] = key_of_booking(&b[vis[i]]);
	f = favourite(keys, n, cmp_service);
	if (f.best != NULL)
		r->favourite_service_id = f.best->service;
}

struct tally {
	int32_t n;
	int64_t latest;
};

/* The favourite of the small values 0..n-1 by count, latest visit, smallest value. */
static int16_t favourite_small(const struct tally *c, int n)
{
	int best = -1;

	for (int v = 0; v < n; v++)
		if (c[v].n > 0 && (best < 0 || c[v].n > c[best].n ||
				   (c[v].n == c[best].n && c[v].latest > c[best].latest)))
			best = v;
	return (int16_t)(best < 0 ? 0 : best);
}

/* Weekday (63, ISO: 2000-01-01 was a Saturday, 6) and hour (64) of the local start. */
static void favourite_times(const struct agg_booking *b, const size_t *vis, size_t nv,
			    struct agg_result *r)
{
	struct tally wd[8] = { { 0, 0 } }, hr[24] = { { 0, 0 } };

	for (size_t i = 0; i < nv; i++) {
		const struct agg_booking *x = &b[vis[i]];
		int64_t day = floor_div(x->local_start, AGG_USEC_PER_DAY);
		int d = (int)floor_mod(day + 5, 7) + 1;
		int h = (int)(floor_mod(x->local_start, AGG_USEC_PER_DAY) / AGG_USEC_PER_HOUR);

		if (wd[d].n++ == 0 || x->start > wd[d].latest)
			wd[d].latest = x->start;
		if (hr[h].n++ == 0 || x->start > hr[h].latest)
			hr[h].latest = x->start;
	}
	if (nv == 0)
		return;
	r->has_favourite_time = true;
	r->favourite_weekday = favourite_small(wd, 8);
	r->favourite_hour = favourite_small(hr, 24);
}

/* ---- Intervals (visit_gap, gap_agg) -------------------------------------------------- */

/*
 * Over the distinct local visit days d1 < ... < dn: n (behind 54), dn - d1 (51), the
 * median of the gaps as percentile_cont(0.5) (52) and the last gap (53).
 */
static void intervals(const struct agg_booking *b, const size_t *vis, size_t nv,
		      int64_t *days, struct agg_result *r)
{
	size_t i, n = 0, m;
	double pos;
	size_t lo, hi;

	for (i = 0; i < nv; i++)
		days[i] = floor_div(b[vis[i]].local_start, AGG_USEC_PER_DAY);
	sort(days, nv, sizeof(*days), cmp_int64);
	for (i = 0; i < nv; i++)
		if (n == 0 || days[n - 1] != days[i])
			days[n++] = days[i];
	r->n_days = (int32_t)n;
	if (n < 2)
		return;
	r->n_gaps = (int32_t)(n - 1);
	r->span_days = (int32_t)(days[n - 1] - days[0]);
	r->last_gap_days = (int32_t)(days[n - 1] - days[n - 2]);
	r->has_last_gap = true;

	/* The gaps in place: days[i] is read before it is overwritten, days[i + 1] after. */
	m = n - 1;
	for (i = 0; i < m; i++)
		days[i] = days[i + 1] - days[i];
	sort(days, m, sizeof(*days), cmp_int64);
	pos = 0.5 * (double)(m - 1);
	lo = (m - 1) / 2;
	hi = m / 2;
	r->median_gap = lo == hi ? (double)days[lo] :
		(double)days[lo] + ((double)days[hi] - (double)days[lo]) * (pos - (double)lo);
	r->has_median_gap = true;
}

/* ---- The customer -------------------------------------------------------------------- */

int agg_customer(int64_t as_of, const struct agg_booking *b, size_t nb,
		 const struct agg_payment *p, size_t np, struct agg_work *w,
		 struct agg_result *r)
{
	struct win t = { .as_of = as_of };
	size_t nv = 0;

	for (size_t k = 0; k < NWINDOWS; k++) {
		t.lo[k] = ts_plus(as_of, -DAYS(windows[k].to));
		t.hi[k] = ts_plus(as_of, -DAYS(windows[k].from));
	}
	if (work_reserve(w, nb, np) < 0)
		return -1;
	*r = (struct agg_result){ 0 };
	for (size_t i = 0; i < nb; i++)
		if (is_visit(&b[i], &t))
			w->idx[nv++] = i;

	bookings_counts(&t, b, nb, r);
	bookings_windows(&t, b, nb, r);
	bookings_sums(&t, b, nb, r);
	bookings_clock(&t, b, nb, r);
	rebooking(&t, b, nb, w->keys, r);
	first_visit(b, w->idx, nv, r);
	favourite_ids(b, w->idx, nv, w->keys, r);
	favourite_times(b, w->idx, nv, r);
	intervals(b, w->idx, nv, w->days, r);
	payment_sums(&t, p, np, r);
	payment_visits(b, w->idx, nv, p, np, w->keys, r);
	return 0;
}
