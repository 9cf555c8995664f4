/* SPDX-License-Identifier: ISC */
/*
 * The compute's stream decoded and aggregated (stream.h).
 *
 * The binary formats are PostgreSQL's send/recv formats: integers big-endian,
 * timestamps as int64 microseconds since 2000-01-01 ('infinity' and '-infinity'
 * the largest and smallest int64), uuids as 16 bytes, text as its bytes (the
 * connection's client_encoding is UTF8). A value of the wrong size, or none where
 * the stream always has one, fails the stream (XX000): it never reads past a value.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "stream.h"

/* The stream's columns (refresh_stream_open.sql). */
enum {
	S_ORG, S_CUSTOMER, S_KIND, S_ID, S_REF, S_STATUS, S_START, S_CREATED, S_UPDATED,
	S_DURATION, S_SERVICE, S_STAFF, S_PARTY, S_SOURCE, S_POINTS, S_LOCAL_START,
	S_AMOUNT, S_TIP, S_REFUNDED, S_GROUP, S_NFIELDS
};

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
struct stream {
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
	bool failed;                    /* the first error: */
	char sqlstate[6];
	char message[256];
};

static void fail(struct stream *s, const char *sqlstate, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct stream *s, const char *sqlstate, const char *fmt, ...)
{
	va_list ap;

	if (s->failed)
		return;
	s->failed = true;
	snprintf(s->sqlstate, sizeof(s->sqlstate), "%s", sqlstate);
	va_start(ap, fmt);
	vsnprintf(s->message, sizeof(s->message), fmt, ap);
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
static bool fixed(struct stream *s, const PGresult *res, int row, int col, int size)
{
	if (PQgetlength(res, row, col) == size)
		return true;
	fail(s, "XX000", "the compute's stream: column %d is %d bytes, expected %d", col,
	     PQgetlength(res, row, col), size);
	return false;
}

static bool get_i64(struct stream *s, const PGresult *res, int row, int col, int64_t *v)
{
	if (!fixed(s, res, row, col, 8))
		return false;
	*v = (int64_t)be_get(PQgetvalue(res, row, col), 8);
	return true;
}

static bool get_i32(struct stream *s, const PGresult *res, int row, int col, int32_t *v)
{
	if (!fixed(s, res, row, col, 4))
		return false;
	*v = (int32_t)(uint32_t)be_get(PQgetvalue(res, row, col), 4);
	return true;
}

static bool get_uuid(struct stream *s, const PGresult *res, int row, int col, unsigned char *v)
{
	if (!fixed(s, res, row, col, 16))
		return false;
	memcpy(v, PQgetvalue(res, row, col), 16);
	return true;
}

static bool get_text(struct stream *s, const PGresult *res, int row, int col,
		     struct text_ref *ref)
{
	size_t len = (size_t)PQgetlength(res, row, col);

	ref->set = !is_null(res, row, col);
	if (!ref->set)
		return true;
	ref->off = s->texts.len;
	ref->len = len;
	if (buf_put(&s->texts, PQgetvalue(res, row, col), len) == 0)
		return true;
	fail(s, "53200", "out of memory reading the compute's stream");
	return false;
}

static struct agg_text text_of(const struct stream *s, const struct text_ref *ref)
{
	if (!ref->set)
		return (struct agg_text){ NULL, 0 };
	/* An empty text is not NULL, even while nothing has been kept to point into. */
	if (ref->len == 0)
		return (struct agg_text){ "", 0 };
	return (struct agg_text){ s->texts.p + ref->off, ref->len };
}

static bool read_booking(struct stream *s, const PGresult *res, int row)
{
	struct agg_booking *b;
	struct text_ref *tr;

	if (s->nb == s->b_cap) {
		size_t cap = s->b_cap ? s->b_cap * 2 : 64;
		struct agg_booking *nb = realloc(s->b, cap * sizeof(*nb));
		struct text_ref (*nt)[3] = nb ? realloc(s->bt, cap * sizeof(*nt)) : NULL;
		size_t *nk = nt ? realloc(s->bkey, cap * sizeof(*nk)) : NULL;

		if (nb != NULL)
			s->b = nb;
		if (nt != NULL)
			s->bt = nt;
		if (nk == NULL) {
			fail(s, "53200", "out of memory reading the compute's stream");
			return false;
		}
		s->bkey = nk;
		s->b_cap = cap;
	}
	b = &s->b[s->nb];
	tr = s->bt[s->nb];
	memset(b, 0, sizeof(*b));
	b->has_location = !is_null(res, row, S_REF);
	b->has_duration = !is_null(res, row, S_DURATION);
	b->status = agg_status_parse(PQgetvalue(res, row, S_STATUS),
				     (size_t)PQgetlength(res, row, S_STATUS));
	if (!get_uuid(s, res, row, S_ID, b->id) ||
	    (b->has_location && !get_uuid(s, res, row, S_REF, b->location)) ||
	    !get_i64(s, res, row, S_START, &b->start) ||
	    !get_i64(s, res, row, S_CREATED, &b->created) ||
	    !get_i64(s, res, row, S_UPDATED, &b->updated) ||
	    !get_i64(s, res, row, S_LOCAL_START, &b->local_start) ||
	    (b->has_duration && !get_i32(s, res, row, S_DURATION, &b->duration)) ||
	    !get_i32(s, res, row, S_PARTY, &b->party) ||
	    !get_i32(s, res, row, S_POINTS, &b->points) ||
	    !get_text(s, res, row, S_SERVICE, &tr[0]) ||
	    !get_text(s, res, row, S_STAFF, &tr[1]) ||
	    !get_text(s, res, row, S_SOURCE, &tr[2]))
		return false;
	s->bkey[s->nb] = s->cur;
	s->nb++;
	return true;
}

static bool read_payment(struct stream *s, const PGresult *res, int row)
{
	struct agg_payment *p;

	if (s->np == s->p_cap) {
		size_t cap = s->p_cap ? s->p_cap * 2 : 64;
		struct agg_payment *np = realloc(s->p, cap * sizeof(*np));
		size_t *nk = np ? realloc(s->pkey, cap * sizeof(*nk)) : NULL;

		if (np != NULL)
			s->p = np;
		if (nk == NULL) {
			fail(s, "53200", "out of memory reading the compute's stream");
			return false;
		}
		s->pkey = nk;
		s->p_cap = cap;
	}
	p = &s->p[s->np];
	memset(p, 0, sizeof(*p));
	p->has_booking = !is_null(res, row, S_REF);
	if (!get_uuid(s, res, row, S_ID, p->id) ||
	    (p->has_booking && !get_uuid(s, res, row, S_REF, p->booking)) ||
	    !get_i64(s, res, row, S_CREATED, &p->created) ||
	    !get_i64(s, res, row, S_AMOUNT, &p->amount) ||
	    !get_i64(s, res, row, S_TIP, &p->tip) ||
	    !get_i64(s, res, row, S_REFUNDED, &p->refunded))
		return false;
	s->pkey[s->np] = s->cur;
	s->np++;
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
	int err;
};

static void put_field(struct row *w, const void *p, size_t len)
{
	unsigned char hdr[4];

	be_put(hdr, p == NULL ? UINT32_MAX : (uint32_t)len, 4);
	if (buf_put(w->b, hdr, 4) != 0 || (p != NULL && buf_put(w->b, p, len) != 0))
		w->err = -1;
}

static void put_int(struct row *w, int64_t v, int size)
{
	unsigned char x[8];

	be_put(x, (uint64_t)v, size);
	put_field(w, x, (size_t)size);
}

static void put_ts(struct row *w, struct agg_ts ts)
{
	if (ts.set)
		put_int(w, ts.v, 8);
	else
		put_field(w, NULL, 0);
}

static void put_opt_int(struct row *w, bool set, int64_t v, int size)
{
	if (set)
		put_int(w, v, size);
	else
		put_field(w, NULL, 0);
}

static void put_opt_f8(struct row *w, bool set, double d)
{
	union {
		double d;
		uint64_t u;
	} f = { .d = d };
	unsigned char x[8];

	be_put(x, f.u, 8);
	put_field(w, set ? x : NULL, 8);
}

static void put_opt_bool(struct row *w, bool set, bool v)
{
	unsigned char x = v ? 1 : 0;

	put_field(w, set ? &x : NULL, 1);
}

static void put_uuid(struct row *w, bool set, const unsigned char *u)
{
	put_field(w, set ? u : NULL, 16);
}

static void put_text(struct row *w, struct agg_text s)
{
	put_field(w, s.p, s.len);
}

/* How each kind of the registry (include/analytics_columns.h) is sent. */
#define PUT_TS(w, r, name, has)       put_ts(w, (r)->name)
#define PUT_TEXT(w, r, name, has)     put_text(w, (r)->name)
#define PUT_I32(w, r, name, has)      put_int(w, (r)->name, 4)
#define PUT_I64(w, r, name, has)      put_int(w, (r)->name, 8)
#define PUT_OPT_I16(w, r, name, has)  put_opt_int(w, (r)->has, (r)->name, 2)
#define PUT_OPT_I32(w, r, name, has)  put_opt_int(w, (r)->has, (r)->name, 4)
#define PUT_OPT_F8(w, r, name, has)   put_opt_f8(w, (r)->has, (r)->name)
#define PUT_OPT_UUID(w, r, name, has) put_uuid(w, (r)->has, (r)->name)
#define PUT_OPT_BOOL(w, r, name, has) put_opt_bool(w, (r)->has, (r)->name)
#define PUT_COLUMN(name, type, kind, has, ...) PUT_##kind(&w, r, name, has);

/* One ca_agg row, its columns in the registry's order, as refresh_agg_create.sql.in
 * makes the table: 0, or -1 out of memory. */
static int put_agg(struct buf *out, const unsigned char *org, struct agg_text customer,
		   const struct agg_result *r)
{
	struct row w = { .b = out };
	unsigned char n[2];

	be_put(n, AGG_NCOLUMNS, 2);
	if (buf_put(out, n, 2) != 0)
		return -1;
	put_uuid(&w, true, org);
	put_field(&w, customer.p ? customer.p : "", customer.len);
	AD_TABLE_COLUMNS(AGG_IGNORE, AGG_IGNORE, PUT_COLUMN, AGG_IGNORE, AGG_IGNORE, AGG_IGNORE)
	AD_AGG_INPUTS(PUT_COLUMN)
	return w.err;
}

static int out_start(struct buf *out)
{
	static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

	return out->len == 0 ? buf_put(out, header, sizeof(header)) : 0;
}

/* ---- the rounds -------------------------------------------------------------------- */

/* Aggregate one customer's rows into out. */
static bool put_customer(struct stream *s, const struct key *k, const struct agg_booking *b,
			 size_t nb, const struct agg_payment *p, size_t np)
{
	struct agg_text id = { s->key_ids.p ? s->key_ids.p + k->off : "", k->len };
	struct agg_result r;

	if (agg_customer(s->as_of, b, nb, p, np, &s->work, &r) != 0 || out_start(&s->out) != 0 ||
	    put_agg(&s->out, k->org, id, &r) != 0) {
		fail(s, "53200", "out of memory aggregating a customer");
		return false;
	}
	s->customers++;
	return true;
}

/* A group of several keys: each key's rows gathered apart, in the order they came. */
static bool put_keys_apart(struct stream *s)
{
	struct agg_booking *sb = realloc(s->sb, (s->nb ? s->nb : 1) * sizeof(*sb));
	struct agg_payment *sp;

	if (sb != NULL)
		s->sb = sb;
	if (sb == NULL || (sp = realloc(s->sp, (s->np ? s->np : 1) * sizeof(*sp))) == NULL) {
		fail(s, "53200", "out of memory aggregating a customer");
		return false;
	}
	s->sp = sp;
	for (size_t k = 0; k < s->nkeys; k++) {
		size_t nb = 0, np = 0;

		for (size_t i = 0; i < s->nb; i++)
			if (s->bkey[i] == k)
				sb[nb++] = s->b[i];
		for (size_t i = 0; i < s->np; i++)
			if (s->pkey[i] == k)
				sp[np++] = s->p[i];
		if (!put_customer(s, &s->keys[k], sb, nb, sp, np))
			return false;
	}
	return true;
}

/* Aggregate the group under way into out. */
static bool finish_group(struct stream *s)
{
	if (!s->have_group)
		return true;
	for (size_t i = 0; i < s->nb; i++) {
		s->b[i].service = text_of(s, &s->bt[i][0]);
		s->b[i].staff = text_of(s, &s->bt[i][1]);
		s->b[i].source = text_of(s, &s->bt[i][2]);
	}
	if (!(s->nkeys == 1 ? put_customer(s, &s->keys[0], s->b, s->nb, s->p, s->np)
			    : put_keys_apart(s)))
		return false;
	s->have_group = false;
	s->nkeys = s->nb = s->np = 0;
	s->key_ids.len = s->texts.len = 0;
	return true;
}

static bool key_is(const struct stream *s, const struct key *k, const char *org,
		   const char *id, size_t len)
{
	return memcmp(k->org, org, 16) == 0 && k->len == len &&
	       (len == 0 || memcmp(s->key_ids.p + k->off, id, len) == 0);
}

/*
 * Which customer is this row's (s->cur)? A row of another group ends the one
 * under way; a key not yet seen in the group is added to it.
 */
static bool row_key(struct stream *s, const PGresult *res, int row)
{
	const char *org = PQgetvalue(res, row, S_ORG), *id = PQgetvalue(res, row, S_CUSTOMER);
	size_t len = (size_t)PQgetlength(res, row, S_CUSTOMER);
	int64_t group;

	if (!fixed(s, res, row, S_ORG, 16) || !get_i64(s, res, row, S_GROUP, &group))
		return false;
	if (s->group_shift > 0)   /* monotone, so a group is still a run of rows */
		group = (int64_t)(((uint64_t)group ^ UINT64_C(1) << 63) >> s->group_shift);
	if (s->have_group && group == s->group) {
		if (key_is(s, &s->keys[s->cur], org, id, len))
			return true;
		for (s->cur = 0; s->cur < s->nkeys; s->cur++)
			if (key_is(s, &s->keys[s->cur], org, id, len))
				return true;
	} else {
		if (!finish_group(s))
			return false;
		s->have_group = true;
		s->group = group;
	}
	if (s->nkeys == s->keys_cap) {
		size_t cap = s->keys_cap ? s->keys_cap * 2 : 4;
		struct key *nk = realloc(s->keys, cap * sizeof(*nk));

		if (nk == NULL) {
			fail(s, "53200", "out of memory reading the compute's stream");
			return false;
		}
		s->keys = nk;
		s->keys_cap = cap;
	}
	s->cur = s->nkeys;
	memcpy(s->keys[s->cur].org, org, 16);
	s->keys[s->cur].off = s->key_ids.len;
	s->keys[s->cur].len = len;
	if (buf_put(&s->key_ids, id, len) != 0) {
		fail(s, "53200", "out of memory reading the compute's stream");
		return false;
	}
	s->nkeys++;
	return true;
}

/* ---- the interface ------------------------------------------------------------------ */

struct stream *stream_new(int group_shift)
{
	struct stream *s = calloc(1, sizeof(*s));

	if (s != NULL)
		s->group_shift = group_shift;
	return s;
}

void stream_free(struct stream *s)
{
	if (s == NULL)
		return;
	free(s->keys);
	free(s->key_ids.p);
	free(s->b);
	free(s->bt);
	free(s->bkey);
	free(s->p);
	free(s->pkey);
	free(s->sb);
	free(s->sp);
	free(s->texts.p);
	free(s->out.p);
	agg_work_free(&s->work);
	free(s);
}

int stream_as_of(struct stream *s, const PGresult *res)
{
	if (s->failed)
		return -1;
	if (PQntuples(res) != 1 || PQnfields(res) != 1 || PQgetisnull(res, 0, 0)) {
		fail(s, "XX000", "the run has no as_of for the compute");
		return -1;
	}
	return get_i64(s, res, 0, 0, &s->as_of) ? 0 : -1;
}

int stream_check(struct stream *s, const PGresult *res)
{
	if (s->failed)
		return -1;
	if (PQnfields(res) != S_NFIELDS || (PQntuples(res) > 0 && PQbinaryTuples(res) != 1)) {
		fail(s, "XX000", "the compute's stream has %d columns in %s, expected %d in binary",
		     PQnfields(res), PQbinaryTuples(res) ? "binary" : "text", S_NFIELDS);
		return -1;
	}
	return 0;
}

int stream_rows(struct stream *s, const PGresult *res, int from, int to)
{
	for (int i = from; i < to && !s->failed; i++) {
		if (!row_key(s, res, i) || !fixed(s, res, i, S_KIND, 2))
			break;
		if (be_get(PQgetvalue(res, i, S_KIND), 2) == 0)
			read_booking(s, res, i);
		else
			read_payment(s, res, i);
	}
	return s->failed ? -1 : 0;
}

int stream_end(struct stream *s)
{
	return !s->failed && finish_group(s) ? 0 : -1;
}

size_t stream_pending(const struct stream *s)
{
	return s->out.len;
}

int stream_take(struct stream *s, char **data, size_t *len)
{
	static const unsigned char trailer[2] = { 0xff, 0xff };

	if (s->failed)
		return -1;
	if (out_start(&s->out) != 0 || buf_put(&s->out, trailer, 2) != 0) {
		fail(s, "53200", "out of memory aggregating a customer");
		return -1;
	}
	*data = s->out.p;
	*len = s->out.len;
	s->out = (struct buf){ 0 };
	return 0;
}

bool stream_failed(const struct stream *s)
{
	return s->failed;
}

const char *stream_sqlstate(const struct stream *s)
{
	return s->sqlstate;
}

const char *stream_message(const struct stream *s)
{
	return s->message;
}

long long stream_customers(const struct stream *s)
{
	return s->customers;
}
