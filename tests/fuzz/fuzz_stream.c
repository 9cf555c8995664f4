/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for the compute's stream decoder (daemon/stream.c): any values, as
 * PostgreSQL would send them in binary (or not), through the decoding, the grouping by
 * customer, the aggregation (daemon/agg.c: NaN-free by construction, but ±infinity,
 * extreme timestamps and sums at the int64 limits) and the binary COPY encoding. The
 * stream either fails with a SQLSTATE and a message, or its COPY data is well formed:
 * a header, one row of AGG_NCOLUMNS fields per customer (agg.h), each field's length
 * within the data, and the trailer. Never a crash or a sanitizer report (signed
 * overflow included).
 *
 * The input: a byte of grp bits dropped (the test hook's group_shift: several customers
 * in one group), a byte of rows per batch (its top bit: a batch in text format), the
 * as_of (8 bytes, big-endian), then cells, 20 to a row in the stream's column order,
 * each a length byte (255: NULL) and that many bytes.
 *
 *   make fuzz                 (FUZZ_SECONDS=300 by default)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "agg.h"
#include "stream.h"

#define NCOLS 20
#define TAKE_EVERY 4096         /* small, so that COPY data is taken mid-stream too */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* One COPY's data: its rows, or -1 when it is not well formed. */
static long long copy_rows(const unsigned char *p, size_t len)
{
	static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
	size_t at = sizeof(header);
	long long rows = 0;

	if (len < at + 2 || memcmp(p, header, sizeof(header)) != 0)
		return -1;
	for (;;) {
		uint64_t n;

		if (len - at < 2)
			return -1;
		n = be(p + at, 2);
		at += 2;
		if (n == 0xffff)
			return at == len ? rows : -1;
		if (n != AGG_NCOLUMNS)
			return -1;
		for (uint64_t f = 0; f < n; f++) {
			uint64_t flen;

			if (len - at < 4)
				return -1;
			flen = be(p + at, 4);
			at += 4;
			if (flen == 0xffffffff)
				continue;
			if (flen > len - at)
				return -1;
			at += flen;
		}
		rows++;
	}
}

static PGresult *new_batch(bool text)
{
	PGresAttDesc attrs[NCOLS];
	static char names[NCOLS][4];
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);

	if (res == NULL)
		abort();
	for (int i = 0; i < NCOLS; i++) {
		names[i][0] = 'c';
		names[i][1] = (char)('a' + i);
		attrs[i] = (PGresAttDesc){ .name = names[i], .tableid = 0, .columnid = 0,
					   .format = text ? 0 : 1, .typid = 0, .typlen = -1,
					   .atttypmod = -1 };
	}
	if (!PQsetResultAttrs(res, NCOLS, attrs))
		abort();
	return res;
}

static long long take(struct stream *s)
{
	char *copy;
	size_t len;
	long long rows;

	if (stream_take(s, &copy, &len) != 0)
		return -1;
	rows = copy_rows((const unsigned char *)copy, len);
	free(copy);
	if (rows < 0)
		abort();
	return rows;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream *s;
	PGresult *as_of;
	size_t at = 10;
	int per_batch;
	long long seen = 0, copied = 0;
	bool failed = false, text;

	if (size < at)
		return 0;
	if ((s = stream_new(data[0] % 64)) == NULL)
		abort();
	per_batch = (data[1] & 0x7f) % 16 + 1;
	text = data[1] & 0x80;
	as_of = new_batch(false);
	if (!PQsetvalue(as_of, 0, 0, (char *)data + 2, 8))
		abort();
	if (stream_as_of(s, as_of) == 0)    /* 20 columns where there is one: refused */
		abort();
	PQclear(as_of);
	stream_free(s);

	if ((s = stream_new(data[0] % 64)) == NULL)
		abort();
	as_of = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	{
		PGresAttDesc a = { .name = (char *)"as_of", .format = 1, .typlen = 8,
				   .atttypmod = -1 };

		if (as_of == NULL || !PQsetResultAttrs(as_of, 1, &a) ||
		    !PQsetvalue(as_of, 0, 0, (char *)data + 2, 8))
			abort();
	}
	if (stream_as_of(s, as_of) != 0)
		abort();
	PQclear(as_of);

	while (!failed) {
		PGresult *batch = new_batch(text);
		int rows = 0;

		while (rows < per_batch && at < size) {
			for (int col = 0; col < NCOLS; col++) {
				int len = at < size ? data[at++] : 255;

				if (len != 255 && (size_t)len > size - at)
					len = (int)(size - at);
				if (!PQsetvalue(batch, rows, col, len == 255 ? NULL : (char *)data + at,
						len == 255 ? -1 : len))
					abort();
				if (len != 255)
					at += (size_t)len;
			}
			rows++;
		}
		seen += rows;
		failed = stream_check(s, batch) != 0 ||
			 (rows == 0 ? stream_end(s) : stream_rows(s, batch, 0, rows)) != 0;
		PQclear(batch);
		if (!failed && stream_pending(s) >= TAKE_EVERY) {
			long long n = take(s);

			failed = n < 0;
			copied += n > 0 ? n : 0;
		}
		if (rows == 0)
			break;
	}
	if (!failed && stream_pending(s) > 0)
		copied += take(s);
	if (stream_failed(s)) {
		if (strlen(stream_sqlstate(s)) != 5 || stream_message(s)[0] == '\0')
			abort();
	} else if (copied != stream_customers(s) || copied > seen) {
		abort();        /* a customer lost or made up */
	}
	stream_free(s);
	return 0;
}
