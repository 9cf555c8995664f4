/* SPDX-License-Identifier: ISC */
/*
 * The control connections: framing (a JSON object per line), the limits of
 * analyticsd.conf(5) (request size, idle time, connections), peer credentials,
 * and each request handed to commands.c as a request handle (request.h).
 * Clients are freed from the loop only (see client.c).
 */
#ifndef AD_CLIENT_H
#define AD_CLIENT_H

#include <stdbool.h>
#include <sys/types.h>

struct daemon;
struct client;
struct clients;

/* The module's state: every client, connected or waiting to be freed. */
struct clients *clients_new(struct daemon *d);
int clients_count(const struct clients *cs);
/* After the loop: close every client (pending ones get `why` as an error)
 * and free them all. */
void clients_free(struct clients *cs, const char *why);

/* A new connection (the listener's, through main): 0, or -1 having closed fd. */
int client_accept(struct daemon *d, int fd);

#endif
