/* SPDX-License-Identifier: ISC */
/*
 * Control connections. One request is handled at a time per connection;
 * lines that arrive meanwhile wait in the input buffer. Any protocol
 * violation (garbage, oversized, half-sent) is answered with an error and the
 * connection is closed once that error has been written.
 *
 * Each request goes to commands.c as a request handle (request.h) whose
 * write function is ours; the handlers and jobs that answer it know no
 * client. Its answer ends it; the next request starts from the loop, never
 * from inside the call that answered. A connection that goes away orphans
 * its request, and whatever is said on it later is dropped.
 *
 * A client is freed only from the loop, never inside a call that may still
 * use it: the last reference parks it on the dying list and a deferred
 * event frees it (as tmux's server_client_unref does).
 */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "client.h"
#include "commands.h"
#include "daemon.h"
#include "log.h"
#include "request.h"
#include "wire.h"

#define CLIENT_MAX_GROUPS 256
#define CLIENT_REFUSE_SLACK 16
/* A connection's next request is read only once its unsent output is under
 * this (as pgbouncer and tmux stop reading a client that does not read): a
 * peer that pipelines requests and never reads holds at most this plus one
 * reply, and then nothing moves until it reads or the write timeout drops it. */
#define CLIENT_OUTPUT_MAX (64 * 1024)
/* Connections kept for root, the daemon's user and operators: readers take
 * at most max_clients minus these (fewer when max_clients is small). */
#define CLIENT_OPERATOR_SLOTS 8
/* After refusing a request, read and discard at most this much more of a
 * peer's input (so that it can read our answer before the close resets the
 * connection); a peer still sending after that is dropped. */
#define CLIENT_DRAIN_MAX (1 << 20)

struct clients {
	struct daemon *d;
	struct client *live;            /* connected */
	int n_live;
	struct client *dying;           /* unreferenced, freed from the loop */
};

struct client {
	struct client *next;            /* in live or dying */
	struct daemon *d;
	struct event *ev_free;
	struct event *ev_idle;          /* no request for idle_timeout_s: close */
	struct event *ev_next;          /* the request was answered: on to the next */
	struct bufferevent *bev;        /* NULL once gone */
	int refs;
	bool pending;                   /* a request is being handled */
	struct request *req;            /* that request (our reference) */
	struct request *answered;       /* the last one, released from the loop */
	bool closing;                   /* close when the output has drained */
	size_t drained;                 /* input discarded since closing */
	bool shut;                      /* our side shut down, draining theirs */
	bool eof;                       /* the peer will send nothing more */
	bool may_write;
	uid_t uid;
	pid_t pid;
	char who[96];
};

static void process_input(struct client *c);
static void close_when_flushed(struct client *c);
static void client_unref(struct client *c);

static bool unlink_from(struct client **list, struct client *c)
{
	for (struct client **p = list; *p != NULL; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			c->next = NULL;
			return true;
		}
	}
	return false;
}

static void unlink_client(struct client *c)
{
	struct clients *cs = c->d->clients;

	if (unlink_from(&cs->live, c))
		cs->n_live--;
}

static void client_free(struct client *c)
{
	unlink_from(&c->d->clients->dying, c);
	event_free(c->ev_free);
	if (c->ev_idle != NULL)
		event_free(c->ev_idle);
	if (c->ev_next != NULL)
		event_free(c->ev_next);
	request_unref(c->req);
	request_unref(c->answered);
	free(c);
}

static void free_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	client_free(arg);
}

static void client_drop(struct client *c)
{
	if (c->bev == NULL)
		return;
	bufferevent_free(c->bev);
	c->bev = NULL;
	evtimer_del(c->ev_idle);
	unlink_client(c);
	/* Nobody to tell: what its request still says is dropped. */
	if (c->req != NULL)
		request_orphan(c->req);
	client_unref(c);
}

static void client_ref(struct client *c)
{
	c->refs++;
}

static void client_unref(struct client *c)
{
	struct clients *cs = c->d->clients;

	if (--c->refs > 0)
		return;
	c->next = cs->dying;
	cs->dying = c;
	event_active(c->ev_free, EV_TIMEOUT, 0);
}


/*
 * Timeouts measure progress. Idle (no request under way, no request received
 * for idle_timeout_s: blank lines do not count, nor do bytes of a request
 * that never ends) is a timer of ours, armed when a request ends and stopped
 * while one runs. Output is bufferevent's write timeout, which only our
 * output moving restarts: a peer that stops reading is dropped
 * idle_timeout_s later, whatever it sends.
 */
static void set_idle_timeout(struct client *c)
{
	struct timeval tv = { c->d->cfg->control.idle_timeout_s, 0 };

	if (c->pending)
		evtimer_del(c->ev_idle);
	else
		evtimer_add(c->ev_idle, &tv);
}

static bool output_full(struct client *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) > CLIENT_OUTPUT_MAX;
}

static void write_line(struct client *c, char *line)
{
	if (line == NULL) {
		log_msg(LOG_ERR, "out of memory encoding a reply for %s", c->who);
		if (c->bev != NULL)
			client_drop(c);
		return;
	}
	if (c->bev != NULL && bufferevent_write(c->bev, line, strlen(line)) != 0) {
		log_msg(LOG_WARNING, "cannot queue a reply for %s; dropping it", c->who);
		client_drop(c);
	}
	free(line);
}

/* The request was answered: it ends, and the next one starts from the loop. */
static void finish_request(struct client *c)
{
	c->pending = false;
	request_unref(c->answered);
	c->answered = c->req;
	c->req = NULL;
	event_active(c->ev_next, EV_TIMEOUT, 0);
}

static void next_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	request_unref(c->answered);
	c->answered = NULL;
	if (c->bev == NULL)
		return;
	set_idle_timeout(c);
	process_input(c);
}

/* The request handle's write function (request.h): line taken, or NULL. */
static void on_write(void *owner, char *line, bool final)
{
	struct client *c = owner;

	write_line(c, line);
	if (final)
		finish_request(c);
}

/* Errors that end the connection: the peer broke the protocol. */
static void reject(struct client *c, enum proto_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reject(struct client *c, enum proto_err err, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	write_line(c, proto_reply_error(err, "%s", msg));
	close_when_flushed(c);
}

/*
 * Closing with unread input makes the kernel send a reset, which can destroy
 * the error reply before the peer reads it. So: flush our output, shut down
 * our side, and read (and discard) theirs until EOF or a short grace period.
 */
static void shut_and_drain(struct client *c)
{
	struct timeval grace = { 1, 0 };

	if (c->eof) {
		client_drop(c);
		return;
	}
	c->shut = true;
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	bufferevent_set_timeouts(c->bev, &grace, NULL);
	bufferevent_enable(c->bev, EV_READ);
}

static void close_when_flushed(struct client *c)
{
	if (c->bev == NULL || c->closing)
		return;
	c->closing = true;
	evbuffer_drain(bufferevent_get_input(c->bev), (size_t)-1);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		shut_and_drain(c);
}

static void handle_line(struct client *c, const char *line, size_t len)
{
	struct proto_request req;
	char err[512];

	if (proto_request_parse(line, len, &req, err, sizeof(err)) != 0) {
		log_msg(LOG_NOTICE, "bad request from %s: %s", c->who, err);
		reject(c, PROTO_ERR_BAD_REQUEST, "%s", err);
		return;
	}
	log_msg(LOG_DEBUG, "request '%s' from %s", req.cmd, c->who);
	if ((c->req = request_new(on_write, c, c->may_write, c->who)) == NULL) {
		proto_request_free(&req);
		reject(c, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	c->pending = true;
	set_idle_timeout(c);
	/* The handler may drop the connection (not the object: see above). */
	client_ref(c);
	commands_dispatch(c->d, c->req, req.cmd, req.args);
	client_unref(c);
	proto_request_free(&req);
}

static void process_input(struct client *c)
{
	size_t max = (size_t)c->d->cfg->control.max_request_bytes;

	if (c->bev != NULL && c->closing) {
		struct evbuffer *in = bufferevent_get_input(c->bev);
		c->drained += evbuffer_get_length(in);
		evbuffer_drain(in, (size_t)-1);
		if (c->drained > CLIENT_DRAIN_MAX)
			client_drop(c);
	}
	while (c->bev != NULL && !c->pending && !c->closing) {
		struct evbuffer *in = bufferevent_get_input(c->bev);
		size_t len;
		char *line;

		if (output_full(c)) {
			/* Resumed by write_cb once the peer has read enough. */
			bufferevent_disable(c->bev, EV_READ);
			break;
		}
		line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);

		if (line == NULL && c->eof && (len = evbuffer_get_length(in)) > 0 && len <= max) {
			/* A last request without its newline is still a request.
			 * (The input buffer's end is frozen: take it as it is.) */
			line = malloc(len + 1);
			if (line == NULL || evbuffer_remove(in, line, len) != (int)len) {
				free(line);
				client_drop(c);
				break;
			}
			line[len] = '\0';
		}
		if (line == NULL) {
			if (evbuffer_get_length(in) > max)
				reject(c, PROTO_ERR_TOO_LARGE,
				       "request exceeds %zu bytes (control.max_request_bytes)", max);
			else if (c->eof)
				close_when_flushed(c);
			break;
		}
		if (len > max) {
			free(line);
			reject(c, PROTO_ERR_TOO_LARGE,
			       "request exceeds %zu bytes (control.max_request_bytes)", max);
			break;
		}
		if (len == 0) {             /* harmless, but not activity: no timer moves */
			free(line);
			continue;
		}
		handle_line(c, line, len);
		free(line);
	}
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	process_input(arg);
}

/* The output went down to its low watermark (or empty). */
static void write_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;

	(void)bev;
	if (c->closing && !c->shut) {
		shut_and_drain(c);
		return;
	}
	if (!c->closing && !c->eof && !c->pending && !output_full(c)) {
		bufferevent_enable(c->bev, EV_READ);
		process_input(c);
	}
}

static void idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	bool partial;

	(void)fd;
	(void)what;
	if (c->bev == NULL || c->pending || c->closing)
		return;
	partial = evbuffer_get_length(bufferevent_get_input(c->bev)) > 0;
	log_msg(LOG_NOTICE, "%s sent no request for %d s%s; closing", c->who,
		c->d->cfg->control.idle_timeout_s, partial ? ", only part of one" : "");
	if (partial)
		reject(c, PROTO_ERR_TIMEOUT, "incomplete request: no newline within %d s",
		       c->d->cfg->control.idle_timeout_s);
	else
		client_drop(c);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

	if (c->shut || (what & BEV_EVENT_ERROR)) {
		if (what & BEV_EVENT_ERROR)
			log_msg(LOG_DEBUG, "%s: connection error: %s", c->who,
				evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		client_drop(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		/* The write timeout (the only one set, but while draining a closed
		 * connection): our output made no progress. */
		log_msg(LOG_NOTICE, "%s read none of our output for %d s; dropping it", c->who,
			c->d->cfg->control.idle_timeout_s);
		client_drop(c);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		/* Only their half is closed: replies still reach them. If they
		 * are gone altogether, the next write fails and drops them. */
		c->eof = true;
		bufferevent_disable(bev, EV_READ);
		if (c->pending)
			log_msg(LOG_DEBUG, "%s sent EOF while its request runs", c->who);
		else
			process_input(c);
	}
}

static bool in_operator_group(struct daemon *d, int fd, gid_t gid)
{
	gid_t groups[CLIENT_MAX_GROUPS];
	socklen_t len = sizeof(groups);

	if (!d->operator_gid_known)
		return false;
	if (gid == d->operator_gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == d->operator_gid)
			return true;
	return false;
}

/* How many connections uid has now. */
static int connections_of(const struct clients *cs, uid_t uid)
{
	int n = 0;

	for (const struct client *c = cs->live; c != NULL; c = c->next)
		n += c->uid == uid;
	return n;
}

/*
 * Why this new connection (already counted) is one too many, or NULL. Root,
 * the daemon's user and operators may use every slot; readers leave the
 * last ones to them, and no user but those two may hold more than a quarter.
 */
static const char *too_many(const struct client *c, char *why, size_t len)
{
	const struct daemon *d = c->d;
	int max = d->cfg->control.max_clients, n = d->clients->n_live;
	int kept = CLIENT_OPERATOR_SLOTS < max / 4 ? CLIENT_OPERATOR_SLOTS : max / 4;
	int per_user = max / 4 > 1 ? max / 4 : 1;
	bool privileged = c->uid == 0 || c->uid == geteuid();

	if (n > max)
		snprintf(why, len, "too many clients (control.max_clients = %d)", max);
	else if (!c->may_write && n > max - kept)
		snprintf(why, len, "too many clients: the last %d of control.max_clients = %d "
			 "are kept for operators", kept, max);
	else if (!privileged && connections_of(d->clients, c->uid) > per_user)
		snprintf(why, len, "too many connections of uid %u (at most %d, a quarter of "
			 "control.max_clients)", (unsigned)c->uid, per_user);
	else
		return NULL;
	return why;
}

int client_accept(struct daemon *d, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c;
	char why[160];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		log_msg(LOG_WARNING, "cannot read peer credentials: %s", strerror(errno));
		close(fd);
		return -1;
	}
	/* Past the limit (and a little slack used only to say so politely),
	 * connections are closed at once. */
	if (d->clients->n_live >= d->cfg->control.max_clients + CLIENT_REFUSE_SLACK) {
		static const char msg[] = "{\"ok\":false,\"error\":{\"code\":\"busy\","
			"\"message\":\"too many clients (control.max_clients)\"}}\n";
		log_msg(LOG_WARNING, "closing a connection of uid %u pid %d: far too many clients",
			(unsigned)cred.uid, (int)cred.pid);
		/* One try, never blocking, no allocation: the peer may miss it. */
		if (send(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			log_msg(LOG_DEBUG, "could not tell it: %s", strerror(errno));
		close(fd);
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL || (c->ev_free = event_new(d->base, -1, 0, free_cb, c)) == NULL) {
		free(c);
		close(fd);
		return -1;
	}
	c->d = d;
	c->ev_idle = evtimer_new(d->base, idle_cb, c);
	c->ev_next = event_new(d->base, -1, 0, next_cb, c);
	if (c->ev_idle == NULL || c->ev_next == NULL) {
		if (c->ev_idle != NULL)
			event_free(c->ev_idle);
		if (c->ev_next != NULL)
			event_free(c->ev_next);
		event_free(c->ev_free);
		free(c);
		close(fd);
		return -1;
	}
	c->uid = cred.uid;
	c->pid = cred.pid;
	c->may_write = cred.uid == 0 || cred.uid == geteuid() ||
		       in_operator_group(d, fd, cred.gid);
	/* No user name: getpwuid() can block on a remote directory, on the loop. */
	wire_peer_text(c->who, sizeof(c->who), (unsigned)cred.uid, (int)cred.pid);
	c->bev = bufferevent_socket_new(d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		event_free(c->ev_idle);
		event_free(c->ev_next);
		event_free(c->ev_free);
		free(c);
		return -1;
	}
	/* libevent stops reading at the high watermark: a request larger than
	 * the limit is refused once the limit is passed, never buffered whole. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
				 (size_t)d->cfg->control.max_request_bytes + 1);
	c->refs = 1;
	c->next = d->clients->live;
	d->clients->live = c;
	d->clients->n_live++;
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	{
		struct timeval tv = { d->cfg->control.idle_timeout_s, 0 };
		bufferevent_set_timeouts(c->bev, NULL, &tv);
	}
	set_idle_timeout(c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (d->stopping) {
		reject(c, PROTO_ERR_SHUTTING_DOWN, "analyticsd is shutting down");
	} else if (too_many(c, why, sizeof(why)) != NULL) {
		log_msg(LOG_NOTICE, "refusing %s: %s", c->who, why);
		reject(c, PROTO_ERR_BUSY, "%s", why);
	}
	return 0;
}

struct clients *clients_new(struct daemon *d)
{
	struct clients *cs = calloc(1, sizeof(*cs));

	if (cs != NULL)
		cs->d = d;
	return cs;
}

int clients_count(const struct clients *cs)
{
	return cs->n_live;
}

void clients_free(struct clients *cs, const char *why)
{
	struct client *c;

	if (cs == NULL)
		return;
	while ((c = cs->live) != NULL) {
		if (c->pending) {
			write_line(c, proto_reply_error(PROTO_ERR_SHUTTING_DOWN, "%s", why));
			c->pending = false;
		}
		if (c->bev != NULL) {
			/* A last try at delivering what is queued, without blocking. */
			/* (The bufferevent keeps the buffer's start frozen outside
			 * its own write callback; the loop has ended, so thaw it.) */
			struct evbuffer *out = bufferevent_get_output(c->bev);
			if (evbuffer_get_length(out) > 0 && (evbuffer_unfreeze(out, 1) != 0 ||
			    evbuffer_write(out, bufferevent_getfd(c->bev)) < 0))
				log_msg(LOG_DEBUG, "could not deliver the last reply to %s", c->who);
		}
		client_drop(c);
	}
	/* The loop has ended: free the unreferenced now. A client still
	 * referenced by then is a leak the sanitizers report. */
	while ((c = cs->dying) != NULL)
		client_free(c);
	free(cs);
}
