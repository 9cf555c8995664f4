/* SPDX-License-Identifier: ISC */
/*
 * Where a database connection attempt goes: the hosts of the conninfo in
 * order, each host name resolved asynchronously (evdns), one attempt per
 * address. libpq would resolve names itself, synchronously, inside
 * PQconnectPoll (a DNS outage would stall the loop), and in non-blocking mode
 * it leaves connect_timeout to the caller, so a host that never answers would
 * keep it from the next one. Here each attempt names one host: `host` stays
 * the name (TLS verification, pgpass), `hostaddr` is the address found.
 *
 * A conninfo with a service, or without any host (libpq's default socket),
 * is one attempt handed to libpq as it is.
 */
#ifndef AD_DBHOSTS_H
#define AD_DBHOSTS_H

#include <stdbool.h>

#include <event2/dns.h>
#include <event2/event.h>

struct dbhosts;

/* The resolver all connections share: /etc/resolv.conf and /etc/hosts, read
 * again by dbhosts_resolver_reload() (at a reload of the daemon). */
struct evdns_base *dbhosts_resolver_new(struct event_base *base);
void dbhosts_resolver_reload(struct evdns_base *dns);

/* One attempt. split: it names one entry of the conninfo's lists, whose
 * host, hostaddr and port replace the lists (a NULL one is left to libpq's
 * defaults); else the conninfo is used as it is. */
struct dbhost_attempt {
	bool split;
	const char *host;
	const char *hostaddr;
	const char *port;
	const char *what;               /* "db1 (10.0.0.5)": for messages */
};

/* a NULL: every host has been tried (dbhosts_summary() says why each failed). */
typedef void (*dbhosts_fn)(const struct dbhost_attempt *a, void *arg);

struct dbhosts *dbhosts_new(struct event_base *base, struct evdns_base *dns, dbhosts_fn fn,
			    void *arg);
/* Start over with this conninfo. */
int dbhosts_start(struct dbhosts *h, const char *conninfo);
/* Go on to the next attempt; fn is called from the loop, never from here. */
void dbhosts_next(struct dbhosts *h);
/* The current attempt (or its name lookup) failed: note why, for the summary. */
void dbhosts_failed(struct dbhosts *h, const char *why);
/* Stop: a lookup in progress is abandoned, fn is not called again. */
void dbhosts_stop(struct dbhosts *h);
/* Why every attempt so far failed, one clause each. */
const char *dbhosts_summary(const struct dbhosts *h);
/* A name lookup is in progress. */
bool dbhosts_resolving(const struct dbhosts *h);
void dbhosts_free(struct dbhosts *h);

#endif
