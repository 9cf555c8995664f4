/* SPDX-License-Identifier: ISC */
/* Small helpers with no better home: time and characters. */
#ifndef AD_UTIL_H
#define AD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

static inline bool is_hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A uuid in its canonical text form (8-4-4-4-12 hex digits). */
bool util_valid_uuid(const char *s);

/* CLOCK_MONOTONIC in microseconds (what sd_notify's MONOTONIC_USEC wants). */
uint64_t util_monotonic_usec(void);

/* "2026-11-23T10:50:53Z" into buf (at least 32 bytes); "" for t == 0. */
void util_iso8601(time_t t, char *buf, size_t len);

/* CLOCK_REALTIME in microseconds since the epoch, and as "2026-11-23T10:50:53.123456Z"
 * (buf at least 32 bytes; "" for usec <= 0). */
int64_t util_realtime_usec(void);
void util_iso8601_usec(int64_t usec, char *buf, size_t len);

/*
 * s's first line into buf with every double-quoted part replaced by "...":
 * PostgreSQL's and libpq's messages quote the text they stumbled on (a
 * timezone, an input value, a password in a conninfo), which not everyone
 * who reads the message may see.
 */
void util_redact_quoted(const char *s, char *buf, size_t len);

#endif
