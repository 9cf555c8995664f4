/* SPDX-License-Identifier: ISC */
/* The protocol edge's shapes (see wire.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "wire.h"

void wire_peer_text(char *buf, size_t len, unsigned uid, int pid)
{
	snprintf(buf, len, "uid %u pid %d", uid, pid);
}

/* A whole string that is a decimal integer >= 1; else -1. */
static long long positive(const char *s)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' && v >= 1 ? v : -1;
}

/*
 * The scope strings the daemon stores (refresh.c, loyalty.c, rollback.c,
 * migrate.c). "all", "changed+due", "latest" and "schema" only restate the
 * mode, so they go out empty; older or foreign rows keep their text.
 */
json_t *wire_scope(const char *text)
{
	static const char *const whole[] = { "all", "changed+due", "latest", "schema" };

	if (text == NULL)
		return json_null();
	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
		if (strcmp(text, whole[i]) == 0)
			return json_object();
	if (strncmp(text, "days=", 5) == 0 && positive(text + 5) > 0)
		return json_pack("{s:I}", "days", (json_int_t)positive(text + 5));
	if (strncmp(text, "to=", 3) == 0 && positive(text + 3) > 0)
		return json_pack("{s:I}", "to_run_id", (json_int_t)positive(text + 3));
	if (strncmp(text, "org=", 4) == 0 && util_valid_uuid(text + 4))
		return json_pack("{s:s}", "organization_id", text + 4);
	return json_pack("{s:s}", "text", text);
}

json_t *wire_requester(const char *text)
{
	unsigned uid;
	int pid, end = -1;
	char again[64];

	if (text == NULL)
		return json_null();
	if (strcmp(text, WIRE_DAEMON_REQUESTER) == 0)
		return json_pack("{s:b}", "daemon", 1);
	/* Only what wire_peer_text writes, to the letter: anything else is text. */
	if (sscanf(text, "uid %u pid %d%n", &uid, &pid, &end) == 2 && end >= 0 &&
	    text[end] == '\0' && pid > 0) {
		wire_peer_text(again, sizeof(again), uid, pid);
		if (strcmp(again, text) == 0)
			return json_pack("{s:I, s:i}", "uid", (json_int_t)uid, "pid", pid);
	}
	return json_pack("{s:s}", "text", text);
}

json_t *wire_rows(const struct run_counts *n)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "inserted", (json_int_t)n->inserted,
			 "updated", (json_int_t)n->updated, "deleted", (json_int_t)n->deleted,
			 "unchanged", (json_int_t)n->unchanged);
}

json_t *wire_run_id(long long id)
{
	return id > 0 ? json_integer(id) : json_null();
}

json_t *wire_time(time_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	util_iso8601(t, buf, sizeof(buf));
	return json_string(buf);
}

json_t *wire_epoch(double seconds)
{
	long long ms = (long long)(seconds * 1000.0 + 0.5);
	time_t t = (time_t)(ms / 1000);
	char buf[40], whole[32];

	util_iso8601(t, whole, sizeof(whole));
	if (whole[0] == '\0')
		return json_null();
	/* "...:SSZ" -> "...:SS.mmmZ": the fraction Prometheus's timestamps keep. */
	whole[strlen(whole) - 1] = '\0';
	snprintf(buf, sizeof(buf), "%s.%03lldZ", whole, ms % 1000);
	return json_string(buf);
}

json_t *wire_ms(uint64_t usec)
{
	return json_integer((json_int_t)(usec / 1000u));
}

json_t *wire_string(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* Replace member key of o by fn(its string value), when it is a string. */
static void restate(json_t *o, const char *key, json_t *(*fn)(const char *))
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		json_object_set_new(o, key, fn(json_string_value(v)));
}

json_t *wire_row(json_t *row)
{
	static const char *const counts[] = { "inserted", "updated", "deleted", "unchanged" };
	json_t *rows = NULL, *id;
	bool unknown = false;

	if (!json_is_object(row))
		return row;
	if ((id = json_object_get(row, "id")) != NULL &&
	    json_object_get(row, "run_id") == NULL) {
		json_object_set(row, "run_id", id);
		json_object_del(row, "id");
	}
	restate(row, "scope", wire_scope);
	restate(row, "requested_by", wire_requester);
	restate(row, "paused_by", wire_requester);
	restate(row, "resumed_by", wire_requester);
	restate(row, "changed_by", wire_requester);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		char key[24];
		json_t *v;

		snprintf(key, sizeof(key), "rows_%s", counts[i]);
		if ((v = json_object_get(row, key)) == NULL)
			continue;
		if (rows == NULL && (rows = json_object()) == NULL)
			return row;
		json_object_set(rows, counts[i], v);
		unknown = unknown || json_is_null(v);
		json_object_del(row, key);
	}
	/* A LEFT JOIN that found no run (metrics) has no counts: null, not nulls. */
	if (rows != NULL)
		json_object_set_new(row, "rows", unknown ? (json_decref(rows), json_null()) : rows);
	return row;
}

/* A result row as a JSON object, typed by column: numbers stay numbers. */
json_t *wire_result_row(PGresult *res, int row)
{
	json_t *o = json_object();

	for (int col = 0; o != NULL && col < PQnfields(res); col++) {
		const char *name = PQfname(res, col);
		const char *v = PQgetvalue(res, row, col);
		json_t *j;

		if (PQgetisnull(res, row, col))
			j = json_null();
		else if (PQftype(res, col) == 20 || PQftype(res, col) == 23) /* int8, int4 */
			j = json_integer(strtoll(v, NULL, 10));
		else if (PQftype(res, col) == 16)                            /* bool */
			j = json_boolean(v[0] == 't');
		else if (PQftype(res, col) == 701 || PQftype(res, col) == 1700) /* float8, numeric */
			j = json_real(strtod(v, NULL));
		else
			j = json_string(v);
		json_object_set_new(o, name, j);
	}
	return o;
}
