/* SPDX-License-Identifier: ISC */
/*
 * The compute's stream decoded (stream.c): the rows of refresh_stream_open.sql's
 * cursor, as PostgreSQL sends them in binary, grouped by customer, each customer
 * aggregated (agg.h), and the aggregates encoded as binary COPY data for ca_agg
 * (refresh_agg_create.sql). Pure: no I/O, no event loop. compute.c feeds it the
 * batches and ships the COPY data; tests/fuzz/fuzz_stream.c feeds it anything.
 *
 * The first error (a value of the wrong size, out of memory, ...) sticks: every call
 * after it returns -1, and stream_sqlstate and stream_message say what it was.
 */
#ifndef AD_STREAM_H
#define AD_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

struct stream;

/* group_shift: 0, or the test hook's (low bits of grp dropped); NULL when out of memory. */
struct stream *stream_new(int group_shift);
void stream_free(struct stream *s);

/* The run's as_of: a result of one row, one timestamptz (refresh_stream_as_of.sql). */
int stream_as_of(struct stream *s, const PGresult *res);

/* A batch's shape: refresh_stream_open.sql's columns, in binary. */
int stream_check(struct stream *s, const PGresult *res);

/* Rows [from, to) of a batch, in order; a customer's aggregates are encoded once a row
 * of another customer, or stream_end, says their rows are all in. */
int stream_rows(struct stream *s, const PGresult *res, int from, int to);

/* The stream is over: the last customer's aggregates. */
int stream_end(struct stream *s);

/* Bytes of COPY data encoded and not yet taken. */
size_t stream_pending(const struct stream *s);

/* The COPY data so far, a whole COPY's (header, rows, trailer): *data is the caller's
 * to free. Nothing is kept; the next row starts a new COPY. */
int stream_take(struct stream *s, char **data, size_t *len);

bool stream_failed(const struct stream *s);
const char *stream_sqlstate(const struct stream *s);
const char *stream_message(const struct stream *s);
long long stream_customers(const struct stream *s);

#endif
