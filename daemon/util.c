/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

bool util_valid_uuid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == '-' ? s[i] != '-' : !is_hex_digit(s[i]))
			return false;
	}
	return true;
}

uint64_t util_monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void util_iso8601(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t util_realtime_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void util_iso8601_usec(int64_t usec, char *buf, size_t len)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;
	char secs[24];

	if (usec <= 0 || gmtime_r(&t, &tm) == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}
	strftime(secs, sizeof(secs), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06dZ", secs, (int)(usec % 1000000));
}

void util_redact_quoted(const char *s, char *buf, size_t len)
{
	size_t off = 0;
	bool quoted = false;

	if (len == 0)
		return;
	for (const char *p = s; *p != '\0' && *p != '\n' && off + 6 < len; p++) {
		if (*p == '"') {
			quoted = !quoted;
			if (quoted) {
				memcpy(buf + off, "\"...\"", 5);
				off += 5;
			}
			continue;
		}
		if (!quoted)
			buf[off++] = *p;
	}
	buf[off] = '\0';
}
