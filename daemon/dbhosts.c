/* SPDX-License-Identifier: ISC */
/*
 * Connection attempts, one host (and one address) at a time; see dbhosts.h.
 *
 * The lists follow libpq's rules: host, hostaddr and port are comma-separated,
 * hostaddr has as many entries as host when both are given, and a single port
 * serves every host. Whatever libpq would reject (a count that does not
 * match, a malformed conninfo) is handed to libpq as it is, so that its own
 * message reaches the operator.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/util.h>
#include <libpq-fe.h>

#include "dbhosts.h"
#include "log.h"
#include "testhooks.h"

#define DBHOSTS_MAX 64                  /* entries of one conninfo */

struct dbhosts {
	struct event_base *base;
	struct evdns_base *dns;
	dbhosts_fn fn;
	void *arg;
	struct event *ev_step;

	/* The conninfo's entries; n == 0: one attempt, the conninfo as it is. */
	char *hosts[DBHOSTS_MAX], *addrs[DBHOSTS_MAX], *ports[DBHOSTS_MAX];
	int n;
	int next;                       /* the entry after the current one */
	bool as_is_done;

	/* The current entry's addresses, when it is a name. */
	struct evutil_addrinfo *ai, *ai_next;
	struct evdns_getaddrinfo_request *req;
	bool resolving;
	bool looked_up;                 /* a name was resolved: messages name the host */
	bool stopped;

	struct dbhost_attempt cur;
	char cur_addr[INET6_ADDRSTRLEN];
	char cur_what[320];
	char summary[1024];
};

static void step_cb(evutil_socket_t fd, short what, void *arg);

static const char *resolv_conf(void)
{
	const char *path = testhook_resolv_conf();

	return path != NULL ? path : "/etc/resolv.conf";
}

/* Read the resolver's configuration (and /etc/hosts); a file that cannot be
 * read leaves evdns its default (a name server on localhost), as glibc does. */
static void resolver_configure(struct evdns_base *dns)
{
	int rc = evdns_base_resolv_conf_parse(dns, DNS_OPTIONS_ALL, resolv_conf());

	if (rc != 0)
		log_msg(LOG_WARNING, "resolver: cannot use %s (evdns error %d); host names in the "
			"conninfo are looked up on localhost", resolv_conf(), rc);
}

struct evdns_base *dbhosts_resolver_new(struct event_base *base)
{
	/* Not initialised from the system here: resolver_configure does, with the
	 * file a test may name. An idle resolver does not keep the loop alive. */
	struct evdns_base *dns = evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);

	if (dns != NULL)
		resolver_configure(dns);
	return dns;
}

void dbhosts_resolver_reload(struct evdns_base *dns)
{
	if (evdns_base_clear_nameservers_and_suspend(dns) != 0)
		log_msg(LOG_WARNING, "resolver: cannot reset the name servers; keeping them");
	resolver_configure(dns);
	if (evdns_base_resume(dns) != 0)
		log_msg(LOG_WARNING, "resolver: cannot resume after reading %s", resolv_conf());
}

struct dbhosts *dbhosts_new(struct event_base *base, struct evdns_base *dns, dbhosts_fn fn,
			    void *arg)
{
	struct dbhosts *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->base = base;
	h->dns = dns;
	h->fn = fn;
	h->arg = arg;
	h->ev_step = event_new(base, -1, 0, step_cb, h);
	if (h->ev_step == NULL) {
		free(h);
		return NULL;
	}
	return h;
}

static void clear_lists(struct dbhosts *h)
{
	for (int i = 0; i < h->n; i++) {
		free(h->hosts[i]);
		free(h->addrs[i]);
		free(h->ports[i]);
		h->hosts[i] = h->addrs[i] = h->ports[i] = NULL;
	}
	h->n = 0;
}

/* Abandon a lookup in progress: evdns calls dns_cb at once, which ignores it. */
static void cancel_lookup(struct dbhosts *h)
{
	struct evdns_getaddrinfo_request *req = h->req;

	h->resolving = false;
	h->req = NULL;
	if (req != NULL)
		evdns_getaddrinfo_cancel(req);
}

void dbhosts_stop(struct dbhosts *h)
{
	if (h == NULL)
		return;
	h->stopped = true;
	event_del(h->ev_step);
	cancel_lookup(h);
	if (h->ai != NULL)
		evutil_freeaddrinfo(h->ai);
	h->ai = h->ai_next = NULL;
}

void dbhosts_free(struct dbhosts *h)
{
	if (h == NULL)
		return;
	dbhosts_stop(h);
	clear_lists(h);
	event_free(h->ev_step);
	free(h);
}

/* Split a comma-separated list into out[]; returns the count, -1 if too many. */
static int split(const char *list, char **out)
{
	int n = 0;
	const char *p = list;

	for (;;) {
		size_t len = strcspn(p, ",");
		if (n == DBHOSTS_MAX)
			return -1;
		out[n] = strndup(p, len);
		if (out[n] == NULL)
			return -1;
		n++;
		if (p[len] == '\0')
			return n;
		p += len + 1;
	}
}

static void free_list(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
}

static const char *option(PQconninfoOption *opts, const char *key, const char *env)
{
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, key) == 0 && o->val != NULL && o->val[0] != '\0')
			return o->val;
	if (env != NULL) {
		const char *v = getenv(env);
		if (v != NULL && v[0] != '\0')
			return v;
	}
	return NULL;
}

/*
 * The conninfo's entries, as libpq would read them (the conninfo first, then
 * PGHOST, PGHOSTADDR and PGPORT). Returns 0 with n == 0 when the conninfo is
 * to be used as it is.
 */
static int parse(struct dbhosts *h, const char *conninfo)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
	const char *host, *addr, *port;
	char *hv[DBHOSTS_MAX] = { 0 }, *av[DBHOSTS_MAX] = { 0 }, *pv[DBHOSTS_MAX] = { 0 };
	int nh = 0, na = 0, np = 0, n, rc = 0;

	if (opts == NULL) {             /* libpq will say what is wrong with it */
		PQfreemem(err);
		return 0;
	}
	host = option(opts, "host", "PGHOST");
	addr = option(opts, "hostaddr", "PGHOSTADDR");
	port = option(opts, "port", "PGPORT");
	if (option(opts, "service", "PGSERVICE") != NULL || (host == NULL && addr == NULL))
		goto out;
	if ((host != NULL && (nh = split(host, hv)) < 0) ||
	    (addr != NULL && (na = split(addr, av)) < 0) ||
	    (port != NULL && (np = split(port, pv)) < 0)) {
		rc = -1;
		goto out;
	}
	n = nh > 0 ? nh : na;
	if ((na > 0 && na != n) || (np > 1 && np != n))
		goto out;               /* libpq's to refuse, in its words */
	for (int i = 0; i < n; i++) {
		h->hosts[i] = i < nh && hv[i][0] != '\0' ? strdup(hv[i]) : NULL;
		h->addrs[i] = i < na && av[i][0] != '\0' ? strdup(av[i]) : NULL;
		h->ports[i] = np > 0 && pv[np > 1 ? i : 0][0] != '\0' ? strdup(pv[np > 1 ? i : 0])
								 : NULL;
		h->n = i + 1;
	}
out:
	free_list(hv, nh);
	free_list(av, na);
	free_list(pv, np);
	PQconninfoFree(opts);
	return rc;
}

int dbhosts_start(struct dbhosts *h, const char *conninfo)
{
	dbhosts_stop(h);
	clear_lists(h);
	h->next = 0;
	h->as_is_done = false;
	h->looked_up = false;
	h->summary[0] = '\0';
	h->stopped = false;
	if (parse(h, conninfo) != 0) {
		clear_lists(h);
		return -1;
	}
	return 0;
}

void dbhosts_next(struct dbhosts *h)
{
	if (h->stopped)
		return;
	cancel_lookup(h);       /* given up (it timed out): its answer is not waited for */
	event_active(h->ev_step, EV_TIMEOUT, 0);
}

bool dbhosts_resolving(const struct dbhosts *h)
{
	return h->resolving;
}

const char *dbhosts_summary(const struct dbhosts *h)
{
	return h->summary;
}

void dbhosts_failed(struct dbhosts *h, const char *why)
{
	size_t len = strlen(h->summary);
	int wlen = (int)strcspn(why, "\n");

	if (len >= sizeof(h->summary) - 1)
		return;
	/* One attempt: its reason alone, as libpq gives it. More: each named. */
	if (h->n == 0 || (h->n == 1 && !h->looked_up))
		snprintf(h->summary, sizeof(h->summary), "%.*s", wlen, why);
	else
		snprintf(h->summary + len, sizeof(h->summary) - len, "%s%s: %.*s",
			 len > 0 ? "; " : "", h->cur_what, wlen, why);
}

/* A name libpq must not resolve: a socket directory, an abstract socket, an address. */
static bool needs_lookup(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (host == NULL || host[0] == '/' || host[0] == '@')
		return false;
	return inet_pton(AF_INET, host, buf) != 1 && inet_pton(AF_INET6, host, buf) != 1;
}

static void deliver(struct dbhosts *h, const char *host, const char *addr, const char *port)
{
	h->cur.split = true;
	h->cur.host = host;
	h->cur.hostaddr = addr;
	h->cur.port = port;
	if (host != NULL && addr != NULL)
		snprintf(h->cur_what, sizeof(h->cur_what), "%s (%s)", host, addr);
	else
		snprintf(h->cur_what, sizeof(h->cur_what), "%s", host ? host : addr ? addr : "");
	h->cur.what = h->cur_what;
	h->fn(&h->cur, h->arg);
}

static void dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct dbhosts *h = arg;
	char why[300];

	if (result == EVUTIL_EAI_CANCEL)
		return;
	h->resolving = false;
	h->req = NULL;
	if (result != 0) {
		snprintf(h->cur_what, sizeof(h->cur_what), "%s", h->hosts[h->next - 1]);
		snprintf(why, sizeof(why), "could not resolve the host name: %s",
			 evutil_gai_strerror(result));
		dbhosts_failed(h, why);
	} else {
		h->ai = h->ai_next = res;
	}
	dbhosts_next(h);
}

static void resolve(struct dbhosts *h, const char *name)
{
	struct evutil_addrinfo hints;
	struct evdns_getaddrinfo_request *req;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/* The cursor names the entry for dns_cb's message. */
	snprintf(h->cur_what, sizeof(h->cur_what), "%s", name);
	h->resolving = true;
	h->looked_up = true;
	req = evdns_getaddrinfo(h->dns, name, NULL, &hints, dns_cb, h);
	/* NULL: it already answered (a numeric or /etc/hosts name, or an error). */
	if (h->resolving)
		h->req = req;
}

static void step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dbhosts *h = arg;

	(void)fd;
	(void)what;
	if (h->stopped || h->resolving)
		return;
	/* The addresses of the current name, one by one. */
	while (h->ai_next != NULL) {
		struct evutil_addrinfo *ai = h->ai_next;
		const void *sa = ai->ai_addr;
		h->ai_next = ai->ai_next;
		if (ai->ai_family == AF_INET)
			sa = &((const struct sockaddr_in *)sa)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			sa = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		else
			continue;
		if (evutil_inet_ntop(ai->ai_family, sa, h->cur_addr, sizeof(h->cur_addr)) == NULL)
			continue;
		deliver(h, h->hosts[h->next - 1], h->cur_addr, h->ports[h->next - 1]);
		return;
	}
	if (h->ai != NULL) {
		evutil_freeaddrinfo(h->ai);
		h->ai = NULL;
	}
	if (h->n == 0) {
		if (h->as_is_done) {
			h->fn(NULL, h->arg);
			return;
		}
		h->as_is_done = true;
		snprintf(h->cur_what, sizeof(h->cur_what), "the database");
		h->cur = (struct dbhost_attempt){ .what = h->cur_what };
		h->fn(&h->cur, h->arg);
		return;
	}
	if (h->next == h->n) {
		h->fn(NULL, h->arg);
		return;
	}
	int i = h->next++;
	if (h->addrs[i] == NULL && needs_lookup(h->hosts[i])) {
		resolve(h, h->hosts[i]);
		return;
	}
	deliver(h, h->hosts[i], h->addrs[i], h->ports[i]);
}
