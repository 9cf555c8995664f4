/* SPDX-License-Identifier: ISC */
/*
 * The streamed compute (compute.h): a round is FETCH a batch, aggregate its
 * customers, and, once the aggregates fill COMPUTE_FLUSH_BYTES or the stream
 * ends, COPY them into ca_agg. Each round is pushed as the transaction's next
 * step from the previous one's callback, so the steps the caller added after
 * compute_add() run when the stream is done.
 *
 * The binary formats are PostgreSQL's send/recv formats: integers big-endian,
 * timestamps as int64 microseconds since 2000-01-01, uuids as 16 bytes, text
 * as its bytes (the connection's client_encoding is UTF8).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "agg.h"
#include "compute.h"
#include "log.h"
#include "sqlfiles.h"
#include "testhooks.h"

#define COMPUTE_FLUSH_BYTES (1024 * 1024)
/* Rows aggregated in one turn of the loop: about 0.2 ms. */
#define COMPUTE_SLICE_ROWS 250
/* The stream's columns (refresh_stream_open.sql) and ca_agg's (refresh_agg_create.sql). */
enum {
	S_ORG, S_CUSTOMER, S_KIND, S_ID, S_REF, S_STATUS, S_START, S_CREATED, S_UPDATED,
	S_DURATION, S_SERVICE, S_STAFF, S_PARTY, S_SOURCE, S_POINTS, S_LOCAL_START,
	S_AMOUNT, S_TIP, S_REFUNDED, S_GROUP, S_NFIELDS
};
#define AGG_NCOLUMNS 69

struct buf {
	char *p;
	size_t len, cap;
};

/* A text value kept for the customer under way: where it is in texts, or none. */
struct text_ref {
	size_t off;
	size_t len;
	bool set;
};

/* A customer of the group under way: its organization, and its id in key_ids. */
struct key {
	unsigned char org[16];
	size_t off, len;
};

/*
 * The stream comes ordered by grp, a hash of the key, so a group (a run of
 * equal grp) is one customer's rows, or, should two keys share a hash, the
 * rows of each interleaved: each row is tagged with its key, and such a
 * group is split by key when it ends.
 */
struct compute {
	bool all;                       /* the scope is every customer */
	int64_t as_of;
	bool have_group;
	int64_t group;                  /* the group under way: its grp */
	int group_shift;                /* 0, or the test hook's: grp's low bits dropped */
	struct key *keys;               /* its customers (almost always one) */
	size_t nkeys, keys_cap, cur;    /* cur: the key of the last row read */
	struct buf key_ids;
	struct agg_booking *b;
	struct text_ref (*bt)[3];       /* each booking's service, staff, source */
	size_t *bkey;                   /* each booking's key */
	size_t nb, b_cap;
	struct agg_payment *p;
	size_t *pkey;
	size_t np, p_cap;
	struct agg_booking *sb;         /* one key's rows, when a group has several */
	struct agg_payment *sp;
	struct buf texts;
	struct agg_work work;
	struct buf out;                 /* binary COPY data for ca_agg */
	long long customers;
	struct event *ev;               /* aggregates the batch in slices */
	PGresult *batch;                /* the batch under way (ours to clear) */
	int row, rows;                  /* its next row, and its size */
	PGresult *parked;               /* the next one, come before the batch is done */
	struct txn *held;               /* the transaction, held while one is parked */
	int slice_rows;                 /* rows a slice, COMPUTE_SLICE_ROWS but in tests */
	long long batches, parks;       /* for the log: how often the daemon was behind */
	bool failed;                    /* found off the transaction's steps: */
	char sqlstate[6];               /* reported at the next one */
	char message[256];
};

static void fail(struct compute *c, const char *sqlstate, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct compute *c, const char *sqlstate, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return;
	c->failed = true;
	snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", sqlstate);
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
}

static int buf_reserve(struct buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (more <= b->cap - b->len)
		return 0;
	while (cap - b->len < more) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if ((p = realloc(b->p, cap)) == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int buf_put(struct buf *b, const void *p, size_t len)
{
	if (buf_reserve(b, len) != 0)
		return -1;
	if (len > 0)
		memcpy(b->p + b->len, p, len);
	b->len += len;
	return 0;
}

/* ---- reading the stream ------------------------------------------------------------ */

static uint64_t be_get(const char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | (unsigned char)p[i];
	return v;
}

static bool is_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col);
}

/* A fixed-size value; false (and an error set) when the column is not that size. */
static bool fixed(struct compute *c, const PGresult *res, int row, int col, int size)
{
	if (PQgetlength(res, row, col) == size)
		return true;
	fail(c, "XX000", "the compute's stream: column %d is %d bytes, expected %d", col,
	     PQgetlength(res, row, col), size);
	return false;
}

static bool get_i64(struct compute *c, const PGresult *res, int row, int col, int64_t *v)
{
	if (!fixed(c, res, row, col, 8))
		return false;
	*v = (int64_t)be_get(PQgetvalue(res, row, col), 8);
	return true;
}

static bool get_i32(struct compute *c, const PGresult *res, int row, int col, int32_t *v)
{
	if (!fixed(c, res, row, col, 4))
		return false;
	*v = (int32_t)(uint32_t)be_get(PQgetvalue(res, row, col), 4);
	return true;
}

static bool get_uuid(struct compute *c, const PGresult *res, int row, int col, unsigned char *v)
{
	if (!fixed(c, res, row, col, 16))
		return false;
	memcpy(v, PQgetvalue(res, row, col), 16);
	return true;
}

static bool get_text(struct compute *c, const PGresult *res, int row, int col,
		     struct text_ref *ref)
{
	size_t len = (size_t)PQgetlength(res, row, col);

	ref->set = !is_null(res, row, col);
	if (!ref->set)
		return true;
	ref->off = c->texts.len;
	ref->len = len;
	if (buf_put(&c->texts, PQgetvalue(res, row, col), len) == 0)
		return true;
	fail(c, "53200", "out of memory reading the compute's stream");
	return false;
}

static struct agg_text text_of(const struct compute *c, const struct text_ref *ref)
{
	if (!ref->set)
		return (struct agg_text){ NULL, 0 };
	/* An empty text is not NULL, even while nothing has been kept to point into. */
	if (ref->len == 0)
		return (struct agg_text){ "", 0 };
	return (struct agg_text){ c->texts.p + ref->off, ref->len };
}

static bool read_booking(struct compute *c, const PGresult *res, int row)
{
	struct agg_booking *b;
	struct text_ref *tr;

	if (c->nb == c->b_cap) {
		size_t cap = c->b_cap ? c->b_cap * 2 : 64;
		struct agg_booking *nb = realloc(c->b, cap * sizeof(*nb));
		struct text_ref (*nt)[3] = nb ? realloc(c->bt, cap * sizeof(*nt)) : NULL;
		size_t *nk = nt ? realloc(c->bkey, cap * sizeof(*nk)) : NULL;

		if (nb != NULL)
			c->b = nb;
		if (nt != NULL)
			c->bt = nt;
		if (nk == NULL) {
			fail(c, "53200", "out of memory reading the compute's stream");
			return false;
		}
		c->bkey = nk;
		c->b_cap = cap;
	}
	b = &c->b[c->nb];
	tr = c->bt[c->nb];
	memset(b, 0, sizeof(*b));
	b->has_location = !is_null(res, row, S_REF);
	b->has_duration = !is_null(res, row, S_DURATION);
	b->status = agg_status_parse(PQgetvalue(res, row, S_STATUS),
				     (size_t)PQgetlength(res, row, S_STATUS));
	if (!get_uuid(c, res, row, S_ID, b->id) ||
	    (b->has_location && !get_uuid(c, res, row, S_REF, b->location)) ||
	    !get_i64(c, res, row, S_START, &b->start) ||
	    !get_i64(c, res, row, S_CREATED, &b->created) ||
	    !get_i64(c, res, row, S_UPDATED, &b->updated) ||
	    !get_i64(c, res, row, S_LOCAL_START, &b->local_start) ||
	    (b->has_duration && !get_i32(c, res, row, S_DURATION, &b->duration)) ||
	    !get_i32(c, res, row, S_PARTY, &b->party) ||
	    !get_i32(c, res, row, S_POINTS, &b->points) ||
	    !get_text(c, res, row, S_SERVICE, &tr[0]) ||
	    !get_text(c, res, row, S_STAFF, &tr[1]) ||
	    !get_text(c, res, row, S_SOURCE, &tr[2]))
		return false;
	c->bkey[c->nb] = c->cur;
	c->nb++;
	return true;
}

static bool read_payment(struct compute *c, const PGresult *res, int row)
{
	struct agg_payment *p;

	if (c->np == c->p_cap) {
		size_t cap = c->p_cap ? c->p_cap * 2 : 64;
		struct agg_payment *np = realloc(c->p, cap * sizeof(*np));
		size_t *nk = np ? realloc(c->pkey, cap * sizeof(*nk)) : NULL;

		if (np != NULL)
			c->p = np;
		if (nk == NULL) {
			fail(c, "53200", "out of memory reading the compute's stream");
			return false;
		}
		c->pkey = nk;
		c->p_cap = cap;
	}
	p = &c->p[c->np];
	memset(p, 0, sizeof(*p));
	p->has_booking = !is_null(res, row, S_REF);
	if (!get_uuid(c, res, row, S_ID, p->id) ||
	    (p->has_booking && !get_uuid(c, res, row, S_REF, p->booking)) ||
	    !get_i64(c, res, row, S_CREATED, &p->created) ||
	    !get_i64(c, res, row, S_AMOUNT, &p->amount) ||
	    !get_i64(c, res, row, S_TIP, &p->tip) ||
	    !get_i64(c, res, row, S_REFUNDED, &p->refunded))
		return false;
	c->pkey[c->np] = c->cur;
	c->np++;
	return true;
}

/* ---- writing ca_agg ---------------------------------------------------------------- */

static void be_put(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* One field: its length, then its bytes; a NULL is length -1. */
struct row {
	struct buf *b;
	int fields;
	int err;
};

static void put_field(struct row *w, const void *p, size_t len)
{
	unsigned char hdr[4];

	be_put(hdr, p == NULL ? UINT32_MAX : (uint32_t)len, 4);
	w->fields++;
	if (buf_put(w->b, hdr, 4) != 0 || (p != NULL && buf_put(w->b, p, len) != 0))
		w->err = -1;
}

static void put_int(struct row *w, int64_t v, int size)
{
	unsigned char x[8];

	be_put(x, (uint64_t)v, size);
	put_field(w, x, (size_t)size);
}

static void put_i32(struct row *w, int32_t v)
{
	put_int(w, v, 4);
}

static void put_i64(struct row *w, int64_t v)
{
	put_int(w, v, 8);
}

static void put_ts(struct row *w, struct agg_ts ts)
{
	if (ts.set)
		put_int(w, ts.v, 8);
	else
		put_field(w, NULL, 0);
}

static void put_opt_i32(struct row *w, bool set, int32_t v)
{
	if (set)
		put_i32(w, v);
	else
		put_field(w, NULL, 0);
}

static void put_uuid(struct row *w, bool set, const unsigned char *u)
{
	put_field(w, set ? u : NULL, 16);
}

static void put_text(struct row *w, struct agg_text s)
{
	put_field(w, s.p, s.len);
}

/* One ca_agg row, its columns in refresh_agg_create.sql's order: 0, -1 out of
 * memory, -2 when the fields written are not AGG_NCOLUMNS. */
static int put_agg(struct buf *out, const unsigned char *org, struct agg_text customer,
		   const struct agg_result *r)
{
	struct row w = { .b = out };
	unsigned char n[2], median[8], flag;
	union {
		double d;
		uint64_t u;
	} f = { .d = r->median_gap };

	be_put(n, AGG_NCOLUMNS, 2);
	if (buf_put(out, n, 2) != 0)
		return -1;
	put_uuid(&w, true, org);
	put_field(&w, customer.p ? customer.p : "", customer.len);
	put_ts(&w, r->first_booking_at);
	put_ts(&w, r->first_booking_created_at);
	put_ts(&w, r->last_visit_at);
	put_ts(&w, r->next_booking_at);
	put_ts(&w, r->last_booking_created_at);
	put_ts(&w, r->last_cancelled_at);
	put_ts(&w, r->last_no_show_at);
	put_i32(&w, r->total_bookings);
	put_i32(&w, r->total_accepted_bookings);
	put_i32(&w, r->visits_total);
	put_i32(&w, r->upcoming_count);
	put_i32(&w, r->cancelled_by_customer_count);
	put_i32(&w, r->cancelled_by_seller_count);
	put_i32(&w, r->declined_count);
	put_i32(&w, r->no_show_count);
	put_i32(&w, r->pending_count);
	put_i32(&w, r->resolved);
	put_i32(&w, r->resolved_no_shows);
	put_i32(&w, r->resolved_customer_cancels);
	put_i32(&w, r->visits_30d);
	put_i32(&w, r->visits_90d);
	put_i32(&w, r->visits_365d);
	put_i32(&w, r->visits_prev_365d);
	put_i32(&w, r->no_shows_365d);
	put_i32(&w, r->cancellations_365d);
	put_i32(&w, r->bookings_created_30d);
	put_i64(&w, r->lead_usec_sum);
	put_i32(&w, r->lead_n);
	put_i64(&w, r->duration_sum);
	put_i32(&w, r->duration_n);
	put_i64(&w, r->party_sum);
	put_i32(&w, r->party_n);
	put_i32(&w, r->online_bookings);
	put_i64(&w, r->loyalty_points_earned);
	put_i64(&w, r->loyalty_points_earned_365d);
	put_ts(&w, r->loyalty_last_earned_at);
	put_i32(&w, r->rebooked_visits);
	flag = r->last_visit_rebooked ? 1 : 0;
	put_field(&w, r->has_last_visit_rebooked ? &flag : NULL, 1);
	put_uuid(&w, r->has_first_visit_location, r->first_visit_location);
	put_text(&w, r->first_booking_source);
	put_i64(&w, r->gross_spend_cents);
	put_i64(&w, r->tips_cents);
	put_i64(&w, r->refunded_cents);
	put_i64(&w, r->net_spend_cents);
	put_i64(&w, r->net_spend_30d_cents);
	put_i64(&w, r->net_spend_90d_cents);
	put_i64(&w, r->net_spend_365d_cents);
	put_ts(&w, r->last_payment_at);
	put_i32(&w, r->paid_visits);
	put_i32(&w, r->visits_paid);
	put_uuid(&w, r->has_favourite_location, r->favourite_location);
	put_i32(&w, r->distinct_locations);
	put_text(&w, r->favourite_staff);
	put_i32(&w, r->favourite_staff_visits);
	put_i32(&w, r->distinct_staff);
	put_text(&w, r->favourite_service);
	if (r->has_favourite_weekday) {
		put_int(&w, r->favourite_weekday, 2);
		put_int(&w, r->favourite_hour, 2);
	} else {
		put_field(&w, NULL, 0);
		put_field(&w, NULL, 0);
	}
	put_i32(&w, r->n_days);
	put_i32(&w, r->span_days);
	put_i32(&w, r->n_gaps);
	be_put(median, f.u, 8);
	put_field(&w, r->has_median_gap ? median : NULL, 8);
	put_opt_i32(&w, r->has_last_gap, r->last_gap_days);
	put_ts(&w, r->next_start);
	put_ts(&w, r->next_window_exit);
	put_ts(&w, r->next_created_change);
	put_ts(&w, r->next_pay_change);
	if (w.err != 0)
		return -1;
	return w.fields == AGG_NCOLUMNS ? 0 : -2;       /* a column missed: a bug, said as one */
}

static int out_start(struct buf *out)
{
	static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

	return out->len == 0 ? buf_put(out, header, sizeof(header)) : 0;
}

/* ---- the rounds -------------------------------------------------------------------- */

/* Aggregate one customer's rows into out. */
static bool put_customer(struct compute *c, const struct key *k, const struct agg_booking *b,
			 size_t nb, const struct agg_payment *p, size_t np)
{
	struct agg_text id = { c->key_ids.p ? c->key_ids.p + k->off : "", k->len };
	struct agg_result r;
	int rc = 0;

	if (agg_customer(c->as_of, b, nb, p, np, &c->work, &r) != 0 || out_start(&c->out) != 0 ||
	    (rc = put_agg(&c->out, k->org, id, &r)) == -1) {
		fail(c, "53200", "out of memory aggregating a customer");
		return false;
	}
	if (rc != 0) {
		fail(c, "XX000", "ca_agg's row has the wrong number of columns (want %d)",
		     AGG_NCOLUMNS);
		return false;
	}
	c->customers++;
	return true;
}

/* A group of several keys: each key's rows gathered apart, in the order they came. */
static bool put_keys_apart(struct compute *c)
{
	struct agg_booking *sb = realloc(c->sb, (c->nb ? c->nb : 1) * sizeof(*sb));
	struct agg_payment *sp;

	if (sb != NULL)
		c->sb = sb;
	if (sb == NULL || (sp = realloc(c->sp, (c->np ? c->np : 1) * sizeof(*sp))) == NULL) {
		fail(c, "53200", "out of memory aggregating a customer");
		return false;
	}
	c->sp = sp;
	for (size_t k = 0; k < c->nkeys; k++) {
		size_t nb = 0, np = 0;

		for (size_t i = 0; i < c->nb; i++)
			if (c->bkey[i] == k)
				sb[nb++] = c->b[i];
		for (size_t i = 0; i < c->np; i++)
			if (c->pkey[i] == k)
				sp[np++] = c->p[i];
		if (!put_customer(c, &c->keys[k], sb, nb, sp, np))
			return false;
	}
	return true;
}

/* Aggregate the group under way into out. */
static bool finish_group(struct compute *c)
{
	if (!c->have_group)
		return true;
	for (size_t i = 0; i < c->nb; i++) {
		c->b[i].service = text_of(c, &c->bt[i][0]);
		c->b[i].staff = text_of(c, &c->bt[i][1]);
		c->b[i].source = text_of(c, &c->bt[i][2]);
	}
	if (!(c->nkeys == 1 ? put_customer(c, &c->keys[0], c->b, c->nb, c->p, c->np)
			    : put_keys_apart(c)))
		return false;
	c->have_group = false;
	c->nkeys = c->nb = c->np = 0;
	c->key_ids.len = c->texts.len = 0;
	return true;
}

static bool key_is(const struct compute *c, const struct key *k, const char *org,
		   const char *id, size_t len)
{
	return memcmp(k->org, org, 16) == 0 && k->len == len &&
	       (len == 0 || memcmp(c->key_ids.p + k->off, id, len) == 0);
}

/*
 * Which customer is this row's (c->cur)? A row of another group ends the one
 * under way; a key not yet seen in the group is added to it.
 */
static bool row_key(struct compute *c, const PGresult *res, int row)
{
	const char *org = PQgetvalue(res, row, S_ORG), *id = PQgetvalue(res, row, S_CUSTOMER);
	size_t len = (size_t)PQgetlength(res, row, S_CUSTOMER);
	int64_t group;

	if (!fixed(c, res, row, S_ORG, 16) || !get_i64(c, res, row, S_GROUP, &group))
		return false;
	if (c->group_shift > 0)   /* monotone, so a group is still a run of rows */
		group = (int64_t)(((uint64_t)group ^ UINT64_C(1) << 63) >> c->group_shift);
	if (c->have_group && group == c->group) {
		if (key_is(c, &c->keys[c->cur], org, id, len))
			return true;
		for (c->cur = 0; c->cur < c->nkeys; c->cur++)
			if (key_is(c, &c->keys[c->cur], org, id, len))
				return true;
	} else {
		if (!finish_group(c))
			return false;
		c->have_group = true;
		c->group = group;
	}
	if (c->nkeys == c->keys_cap) {
		size_t cap = c->keys_cap ? c->keys_cap * 2 : 4;
		struct key *nk = realloc(c->keys, cap * sizeof(*nk));

		if (nk == NULL) {
			fail(c, "53200", "out of memory reading the compute's stream");
			return false;
		}
		c->keys = nk;
		c->keys_cap = cap;
	}
	c->cur = c->nkeys;
	memcpy(c->keys[c->cur].org, org, 16);
	c->keys[c->cur].off = c->key_ids.len;
	c->keys[c->cur].len = len;
	if (buf_put(&c->key_ids, id, len) != 0) {
		fail(c, "53200", "out of memory reading the compute's stream");
		return false;
	}
	c->nkeys++;
	return true;
}

/* Aggregate the batch's rows from c->row on, at most limit of them. */
static void process(struct compute *c, int limit)
{
	const PGresult *res = c->batch;

	for (; c->row < c->rows && limit-- > 0; c->row++) {
		int i = c->row;

		if (c->failed || !row_key(c, res, i) || !fixed(c, res, i, S_KIND, 2) ||
		    !(be_get(PQgetvalue(res, i, S_KIND), 2) == 0 ? read_booking(c, res, i)
								   : read_payment(c, res, i))) {
			c->row = c->rows;
			break;
		}
	}
	if (c->row == c->rows) {
		PQclear(c->batch);
		c->batch = NULL;
	}
}

static void take(struct compute *c, struct txn *t, PGresult *res);
static void on_fetch(struct txn *t, PGresult *res, void *arg);

/*
 * A slice of the batch on the loop, between whatever else it serves. When
 * the batch is done and the next one is parked, that one is taken and the
 * transaction goes on: released, it may end and free c, so nothing follows.
 */
static void on_slice(evutil_socket_t fd, short what, void *arg)
{
	struct compute *c = arg;
	struct txn *t = c->held;
	PGresult *res = c->parked;

	(void)fd;
	(void)what;
	if (c->batch == NULL)
		return;
	process(c, c->slice_rows);
	if (c->batch != NULL) {
		event_active(c->ev, EV_TIMEOUT, 0);
		return;
	}
	if (t == NULL)
		return;
	c->parked = NULL;
	c->held = NULL;
	take(c, t, res);
	txn_release(t);
}

/* Hand the aggregates so far to a COPY into ca_agg, run next. */
static void flush_out(struct compute *c, struct txn *t)
{
	static const unsigned char trailer[2] = { 0xff, 0xff };
	struct buf out = c->out;

	c->out = (struct buf){ 0 };
	if (buf_put(&out, trailer, 2) != 0) {
		free(out.p);
		txn_fail(t, "53200", "out of memory aggregating a customer");
		return;
	}
	txn_push_copy(t, sql_refresh_agg_copy, out.p, out.len, NULL, NULL);
}

/*
 * A batch, once the one before is done: the next FETCH goes out at once, and
 * the batch is aggregated in slices on the loop while the server reads the
 * one after. res is ours.
 */
static void take(struct compute *c, struct txn *t, PGresult *res)
{
	int n = PQntuples(res);

	if (!c->failed && (PQnfields(res) != S_NFIELDS || (n > 0 && PQbinaryTuples(res) != 1)))
		fail(c, "XX000", "the compute's stream has %d columns in %s, expected %d in binary",
		     PQnfields(res), PQbinaryTuples(res) ? "binary" : "text", S_NFIELDS);
	if (n == 0 && !c->failed)
		finish_group(c);
	if (c->failed || n == 0)
		PQclear(res);
	if (c->failed) {
		txn_fail(t, c->sqlstate, "%s", c->message);
		return;
	}
	if (n == 0) {
		log_msg(LOG_DEBUG, "compute: %lld customers aggregated; %lld batches streamed, "
			"%lld of them came before the one ahead was aggregated", c->customers,
			c->batches, c->parks);
		/* The end of the stream: pushed in reverse, they run in order: copy, close. */
		txn_push(t, sql_refresh_stream_close, false, NULL, NULL);
		if (c->out.len > 0)
			flush_out(c, t);
		return;
	}
	c->batches++;
	c->batch = res;
	c->row = 0;
	c->rows = n;
	event_active(c->ev, EV_TIMEOUT, 0);
	txn_push(t, sql_refresh_stream_fetch, true, on_fetch, c);
	if (c->out.len >= COMPUTE_FLUSH_BYTES)
		flush_out(c, t);
}

/*
 * A FETCH's rows. Should the batch before still have rows, they are parked
 * and the transaction held until the slices finish it: the loop is never
 * taken for a whole batch at once (which held a status request for up to a
 * few milliseconds), and at most two batches are held.
 */
static void on_fetch(struct txn *t, PGresult *res, void *arg)
{
	struct compute *c = arg;

	txn_keep_result(t);
	if (c->batch != NULL) {
		c->parks++;
		c->parked = res;
		c->held = t;
		txn_hold(t);
		return;
	}
	take(c, t, res);
}

static void on_as_of(struct txn *t, PGresult *res, void *arg)
{
	struct compute *c = arg;

	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0) ||
	    !get_i64(c, res, 0, 0, &c->as_of))
		txn_fail(t, "XX000", "the run has no as_of for the compute");
}

/* ca_agg exists: read as_of, open the stream, fetch (pushed in reverse, they run in order). */
static void on_created(struct txn *t, PGresult *res, void *arg)
{
	struct compute *c = arg;

	(void)res;
	if (txn_push(t, sql_refresh_stream_fetch, true, on_fetch, arg) == 0 &&
	    txn_push(t, c->all ? sql_refresh_stream_open_all : sql_refresh_stream_open, false,
		     NULL, NULL) == 0)
		txn_push(t, sql_refresh_stream_as_of, true, on_as_of, arg);
}

int compute_add(struct txn *t, struct event_base *base, bool all, struct compute **cp)
{
	struct compute *c = calloc(1, sizeof(*c));
	const char *hook;

	*cp = c;
	if (c == NULL) {
		fail(c, "53200", "out of memory starting the compute");
		return -1;
	}
	c->all = all;
	if ((hook = testhook_group_bits()) != NULL) {
		int bits = atoi(hook);

		c->group_shift = bits >= 1 && bits <= 63 ? 64 - bits : 0;
	}
	c->slice_rows = COMPUTE_SLICE_ROWS;
	if ((hook = testhook_slice_rows()) != NULL && atoi(hook) >= 1)
		c->slice_rows = atoi(hook);
	/* The lowest priority: whatever else is ready runs before the next slice. */
	if ((c->ev = event_new(base, -1, 0, on_slice, c)) == NULL ||
	    event_priority_set(c->ev, event_base_get_npriorities(base) - 1) != 0) {
		txn_fail(t, "53200", "out of memory starting the compute");
		return -1;
	}
	return txn_add(t, sql_refresh_agg_create, 0, NULL, false, on_created, c);
}

void compute_free(struct compute *c)
{
	if (c == NULL)
		return;
	if (c->ev != NULL)
		event_free(c->ev);
	PQclear(c->batch);
	PQclear(c->parked);
	free(c->keys);
	free(c->key_ids.p);
	free(c->b);
	free(c->bt);
	free(c->bkey);
	free(c->p);
	free(c->pkey);
	free(c->sb);
	free(c->sp);
	free(c->texts.p);
	free(c->out.p);
	agg_work_free(&c->work);
	free(c);
}
