/* SPDX-License-Identifier: ISC */
/*
 * The control protocol spoken between analyticsctl and analyticsd.
 *
 * One JSON object per line in each direction over a SOCK_STREAM Unix socket.
 *
 *   request:  {"v":2,"cmd":"migrate","args":{"action":"up"}}
 *   event:    {"event":"progress","phase":"...", ...}      zero or more
 *   reply:    {"ok":true,"result":{...}}                   exactly one, last
 *             {"ok":false,"error":{"code":"busy","message":"..."}}
 *
 * Bump PROTO_VERSION whenever a change would confuse the other side (a field
 * renamed or removed, a meaning changed). Adding optional fields does not
 * need a bump: both sides ignore what they do not know.
 *
 * History:
 *   1  first version (status, migrate)
 *   2  one shape for each thing in every reply and event (docs/json/,
 *      daemon/wire.h): scope and requester are objects, a run's counts are
 *      always "rows" {inserted, updated, deleted, unchanged}, a run is named
 *      "run_id" (null while a job has none), durations are integer
 *      milliseconds named *_ms, times RFC 3339 (metrics too)
 */
#ifndef ANALYTICS_PROTO_H
#define ANALYTICS_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define PROTO_VERSION 2

/* Replies can carry a whole check report or a run list; bound them anyway. */
#define PROTO_MAX_REPLY_BYTES (16u * 1024u * 1024u)

/* Machine-readable error codes; the message next to them is for people. */
enum proto_err {
	PROTO_ERR_NONE = 0,
	PROTO_ERR_BAD_REQUEST,     /* not JSON, wrong shape, bad argument */
	PROTO_ERR_TOO_LARGE,       /* request over control.max_request_bytes */
	PROTO_ERR_TIMEOUT,         /* half-sent request, idle client */
	PROTO_ERR_UNKNOWN_COMMAND,
	PROTO_ERR_NOT_AUTHORIZED,
	PROTO_ERR_BUSY,            /* another job holds the work connection or lock */
	PROTO_ERR_PAUSED,
	PROTO_ERR_DB_UNAVAILABLE,
	PROTO_ERR_FAILED,          /* the command ran and failed */
	PROTO_ERR_SHUTTING_DOWN,
	PROTO_ERR_INTERNAL,
	PROTO_ERR_CANCELLED,       /* an operator cancelled the job (analyticsctl cancel) */
	PROTO_ERR__COUNT
};

const char *proto_err_name(enum proto_err err);
enum proto_err proto_err_from_name(const char *name);

/* The refresh modes: the names the protocol, analyticsctl and the run records use. */
enum proto_refresh_mode {
	PROTO_MODE_FULL,
	PROTO_MODE_INCREMENTAL,
	PROTO_MODE_RECENT,
	PROTO_MODE_ORG,
	PROTO_MODE__COUNT
};

/* Their names, in that order, then NULL. */
extern const char *const proto_refresh_modes[];
/* The mode of a name, or -1. */
int proto_refresh_mode(const char *name);

/* The analyticsctl exit status (sysexits) that an error code stands for. */
int proto_err_exit_code(enum proto_err err);

/* A request as parsed by the daemon. `args` is borrowed from `root`. */
struct proto_request {
	json_t *root;
	const char *cmd;
	json_t *args;          /* always an object (empty when absent) */
};

/*
 * Parse one request line (without its newline). On failure returns -1 and
 * writes a message for the client into err; nothing needs freeing then.
 */
int proto_request_parse(const char *line, size_t len, struct proto_request *req,
			char *err, size_t errlen);
void proto_request_free(struct proto_request *req);

/* Build a request line. Steals `args` (may be NULL). Caller frees with free(). */
char *proto_request_encode(const char *cmd, json_t *args);

/* Build reply lines (newline included). Steal their json argument; free(). */
char *proto_reply_ok(json_t *result);
char *proto_reply_error(enum proto_err err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same with more members of the error object (a failed run's run_id); fields is
 * stolen and may be NULL. */
char *proto_reply_error_fields(enum proto_err err, json_t *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
char *proto_event(const char *event, json_t *fields);

/* A line received by the client, classified. */
enum proto_reply_kind { PROTO_REPLY_EVENT, PROTO_REPLY_OK, PROTO_REPLY_ERROR };

struct proto_reply {
	json_t *root;
	enum proto_reply_kind kind;
	json_t *body;           /* event object, result, or error object (borrowed) */
	enum proto_err err;     /* for PROTO_REPLY_ERROR */
	const char *message;    /* for PROTO_REPLY_ERROR */
};

int proto_reply_parse(const char *line, size_t len, struct proto_reply *rep,
		      char *err, size_t errlen);
void proto_reply_free(struct proto_reply *rep);

#endif
