/* SPDX-License-Identifier: ISC */
/*
 * One control connection: framing (a JSON object per line), the limits of
 * SPEC 6 (request size, idle time), peer credentials, and replies.
 *
 * A handler that answers later takes a reference (client_ref) and may find
 * the client gone when it is done: replies to a gone client are dropped, so
 * a client that disconnects never disturbs the work it asked for. Clients
 * are freed from the loop only (see client.c).
 */
#ifndef AD_CLIENT_H
#define AD_CLIENT_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

#include "analytics_proto.h"

struct daemon;
struct client;
struct clients;

/* The module's state: every client, connected or waiting to be freed. */
struct clients *clients_new(struct daemon *d);
int clients_count(const struct clients *cs);
/* After the loop: close every client (pending ones get `why` as an error)
 * and free them all. */
void clients_free(struct clients *cs, const char *why);

int client_accept(struct daemon *d, int fd);

/* A reference keeps the object (not the connection) alive; the last unref
 * frees it from the loop, so a caller's pointer stays good until it returns. */
void client_ref(struct client *c);
void client_unref(struct client *c);
bool client_gone(const struct client *c);

bool client_may_write(const struct client *c);
/* "uid 1000 pid 4242": who asked, for run records and logs. */
const char *client_who(const struct client *c);

/* Progress event: zero or more before the reply. Steals `fields`. */
void client_event(struct client *c, const char *event, json_t *fields);
/* The final reply; steals `result`. */
void client_reply_ok(struct client *c, json_t *result);
void client_reply_error(struct client *c, enum proto_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An error with more members (stolen, may be NULL): a failed run's run_id. */
void client_reply_error_fields(struct client *c, enum proto_err err, json_t *fields,
			       const char *msg);

#endif
