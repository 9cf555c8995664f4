/* SPDX-License-Identifier: ISC */
/*
 * The streamed compute (compute.h): a round is FETCH a batch, aggregate its
 * customers (stream.h), and, once the aggregates fill COMPUTE_FLUSH_BYTES or
 * the stream ends, COPY them into ca_agg. Each round is pushed as the
 * transaction's next step from the previous one's callback, so the steps the
 * caller added after compute_add() run when the stream is done.
 */
#include <stdint.h>
#include <stdlib.h>

#include <event2/event.h>

#include "compute.h"
#include "log.h"
#include "sqlfiles.h"
#include "stream.h"
#include "testhooks.h"

#define COMPUTE_FLUSH_BYTES (1024 * 1024)
/* Rows aggregated in one turn of the loop: a fraction of a millisecond, so that status
 * and the other clients wait for no more than that. */
#define COMPUTE_SLICE_ROWS 250

struct compute {
	bool all;                       /* the scope is every customer */
	struct stream *stream;
	struct event *ev;               /* aggregates the batch in slices */
	PGresult *batch;                /* the batch under way (ours to clear) */
	int row, rows;                  /* its next row, and its size */
	PGresult *parked;               /* the next one, come before the batch is done */
	struct txn *held;               /* the transaction, held while one is parked */
	int slice_rows;                 /* rows a slice, COMPUTE_SLICE_ROWS but in tests */
	long long batches, parks;       /* for the log: how often the daemon was behind */
};

/* Aggregate the batch's rows from c->row on, at most limit of them; a failure ends the
 * batch (and is reported at the transaction's next step). */
static void process(struct compute *c, int limit)
{
	int to = c->rows - c->row > limit ? c->row + limit : c->rows;

	c->row = stream_rows(c->stream, c->batch, c->row, to) == 0 ? to : c->rows;
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
	char *data;
	size_t len;

	if (stream_take(c->stream, &data, &len) != 0)
		txn_fail(t, stream_sqlstate(c->stream), "%s", stream_message(c->stream));
	else
		txn_push_copy(t, sql_refresh_agg_copy, data, len, NULL, NULL);
}

/*
 * A batch, once the one before is done: the next FETCH goes out at once, and
 * the batch is aggregated in slices on the loop while the server reads the
 * one after. res is ours.
 */
static void take(struct compute *c, struct txn *t, PGresult *res)
{
	int n = PQntuples(res);

	if (stream_check(c->stream, res) != 0 || (n == 0 && stream_end(c->stream) != 0)) {
		PQclear(res);
		txn_fail(t, stream_sqlstate(c->stream), "%s", stream_message(c->stream));
		return;
	}
	if (n == 0) {
		PQclear(res);
		log_msg(LOG_DEBUG, "compute: %lld customers aggregated; %lld batches streamed, "
			"%lld of them came before the one ahead was aggregated",
			stream_customers(c->stream), c->batches, c->parks);
		/* The end of the stream: pushed in reverse, they run in order: copy, close. */
		txn_push(t, sql_refresh_stream_close, false, NULL, NULL);
		if (stream_pending(c->stream) > 0)
			flush_out(c, t);
		return;
	}
	c->batches++;
	c->batch = res;
	c->row = 0;
	c->rows = n;
	event_active(c->ev, EV_TIMEOUT, 0);
	txn_push(t, sql_refresh_stream_fetch, true, on_fetch, c);
	if (stream_pending(c->stream) >= COMPUTE_FLUSH_BYTES)
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

	if (stream_as_of(c->stream, res) != 0)
		txn_fail(t, stream_sqlstate(c->stream), "%s", stream_message(c->stream));
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
	int shift = 0;

	*cp = c;
	if ((hook = testhook_group_bits()) != NULL) {
		int bits = atoi(hook);

		shift = bits >= 1 && bits <= 63 ? 64 - bits : 0;
	}
	/* The lowest priority: whatever else is ready runs before the next slice. */
	if (c == NULL || (c->stream = stream_new(shift)) == NULL ||
	    (c->ev = event_new(base, -1, 0, on_slice, c)) == NULL ||
	    event_priority_set(c->ev, event_base_get_npriorities(base) - 1) != 0) {
		txn_fail(t, "53200", "out of memory starting the compute");
		return -1;
	}
	c->all = all;
	c->slice_rows = COMPUTE_SLICE_ROWS;
	if ((hook = testhook_slice_rows()) != NULL && atoi(hook) >= 1)
		c->slice_rows = atoi(hook);
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
	stream_free(c->stream);
	free(c);
}

long long compute_customers(const struct compute *c)
{
	return c != NULL && c->stream != NULL ? stream_customers(c->stream) : 0;
}
