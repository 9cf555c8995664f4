/* SPDX-License-Identifier: ISC */
/*
 * The protocol edge: how what the daemon keeps as text (a run's scope and
 * requester, in analytics_refresh_runs and analytics_control, where people
 * read them in psql) and as clocks and counters goes out as JSON. Every
 * reply and event builds these members here, so that each has one shape
 * (docs/json/common.json):
 *
 *   scope      {} | {"days":N} | {"organization_id":UUID} | {"to_run_id":N}
 *              | {"text":"..."} for a stored string this daemon does not know
 *   requester  {"uid":U,"pid":P} | {"daemon":true} | {"text":"..."}
 *   rows       {"inserted":N,"updated":N,"deleted":N,"unchanged":N}
 *   run_id     an integer, or null while a job has no run record
 *   times      RFC 3339 in UTC ("...Z"), or null; durations integers in ms
 */
#ifndef AD_WIRE_H
#define AD_WIRE_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "runlog.h"

/* The requester text of the daemon's own runs (follow mode). */
#define WIRE_DAEMON_REQUESTER "analyticsd"

/* The requester text of a peer, as stored and logged: "uid U pid P". */
void wire_peer_text(char *buf, size_t len, unsigned uid, int pid);

json_t *wire_scope(const char *text);           /* NULL: null */
json_t *wire_requester(const char *text);       /* NULL: null */
json_t *wire_rows(const struct run_counts *n);
json_t *wire_run_id(long long id);              /* 0: null */
json_t *wire_time(time_t t);                    /* 0: null */
json_t *wire_epoch(double seconds);             /* with milliseconds */
json_t *wire_ms(uint64_t usec);
/* A member that is always there, null when it has no value (so that a
 * script can test it): jansson's "s*" would leave it out. */
json_t *wire_string(const char *s);

/*
 * A row of analytics_refresh_runs or analytics_control as wire_result_row
 * read it, reshaped in place: "id" becomes "run_id", "scope" a scope,
 * "requested_by", "paused_by", "resumed_by" and "changed_by" requesters, and the rows_*
 * columns one "rows" object. Returns row.
 */
json_t *wire_row(json_t *row);

/* A result row as a JSON object, typed by column: numbers stay numbers. */
json_t *wire_result_row(PGresult *res, int row);

#endif
