/* SPDX-License-Identifier: ISC */
/*
 * The streamed part of a compute: the bookings and payments of the keys in
 * ca_scope come out of PostgreSQL through a binary cursor, a batch at a time
 * (refresh_stream_open.sql), each customer's rows are aggregated in C
 * (agg.h), and the aggregates go back by binary COPY into the temp table
 * ca_agg (refresh_agg_create.sql), which refresh_compute.sql reads.
 *
 * All of it is steps of the caller's transaction, on its connection: the
 * loop never waits. A batch is aggregated in slices on the loop while the
 * server reads the next one, so the two overlap and other work (status)
 * goes on between slices. The daemon holds two batches, one customer's
 * rows and about COMPUTE_FLUSH_BYTES of aggregates at a time, whatever the
 * size of the data.
 */
#ifndef AD_COMPUTE_H
#define AD_COMPUTE_H

#include <stdbool.h>

#include <event2/event.h>

#include "txn.h"

struct compute;

/*
 * Add the steps that fill ca_agg for the keys of ca_scope, at the as_of of
 * ca_run, to t; all says ca_scope has every customer (a full refresh), which
 * reads the sources without it (after the steps already added; the steps added after this
 * call run once ca_agg is complete). *cp is the state, allocated here; free
 * it with compute_free once the transaction has ended. Returns -1 when out
 * of memory (the transaction is then failed).
 */
int compute_add(struct txn *t, struct event_base *base, bool all, struct compute **cp);
void compute_free(struct compute *c);
/* Customers aggregated so far (NULL: none). */
long long compute_customers(const struct compute *c);

#endif
