/* SPDX-License-Identifier: ISC */
/*
 * Group lookups off the loop; see groups.h.
 *
 * Each lookup is a detached thread with a pipe of its own: the thread writes
 * one byte when its answer is ready and closes its end; the loop reads the
 * answer from the shared request once that byte has arrived (the pipe orders
 * the thread's writes before the loop's reads). Whoever of the two comes to
 * `done` second frees the request: the thread when the daemon stopped waiting
 * (it stopped while a lookup hung), the daemon otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon.h"
#include "groups.h"
#include "log.h"

#define GROUPS_BUF 16384                /* getgrnam_r's; a larger group is retried */

struct lookup {
	const char *role;
	char *name;
	bool found;
	gid_t gid;
	int error;                      /* errno of getgrnam_r, 0 when just absent */
};

struct request {
	struct lookup operator, reader;
	int fd_write;
	atomic_bool done;               /* set by the thread when it has answered, or by
					 * the daemon when it stops waiting */
};

struct groups {
	struct daemon *d;
	struct request *req;            /* in flight, or NULL */
	int fd_read;
	struct event *ev;
	bool again;                     /* a reload came while a lookup was in flight */
};

static void lookup_run(struct lookup *l)
{
	size_t len = GROUPS_BUF;

	l->found = false;
	l->error = 0;
	if (l->name[0] == '\0')
		return;
	for (;;) {
		struct group gr, *res = NULL;
		char *buf = malloc(len);
		int rc;

		if (buf == NULL) {
			l->error = ENOMEM;
			return;
		}
		rc = getgrnam_r(l->name, &gr, buf, len, &res);
		if (rc == ERANGE && len < 16 * GROUPS_BUF) {
			free(buf);
			len *= 2;
			continue;
		}
		if (rc == 0 && res != NULL) {
			l->found = true;
			l->gid = gr.gr_gid;
		}
		l->error = rc;
		free(buf);
		return;
	}
}

/* What a lookup found, applied on the loop. */
static void lookup_apply(const struct lookup *l, gid_t *gid, bool *known)
{
	if (l->found) {
		*gid = l->gid;
		*known = true;
		return;
	}
	*known = false;
	if (l->name[0] == '\0')
		return;
	if (l->error != 0)
		log_msg(LOG_WARNING, "%s group '%s': cannot look it up: %s", l->role, l->name,
			strerror(l->error));
	else
		log_msg(LOG_WARNING, "%s group '%s' does not exist", l->role, l->name);
}

static void request_free(struct request *r)
{
	if (r == NULL)
		return;
	free(r->operator.name);
	free(r->reader.name);
	free(r);
}

static struct request *request_new(struct daemon *d)
{
	struct request *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->operator.role = "operator";
	r->reader.role = "reader";
	r->operator.name = strdup(d->cfg->control.operator_group);
	r->reader.name = strdup(d->cfg->control.reader_group);
	r->fd_write = -1;
	if (r->operator.name == NULL || r->reader.name == NULL) {
		request_free(r);
		return NULL;
	}
	return r;
}

static void apply(struct daemon *d, const struct request *r)
{
	lookup_apply(&r->operator, &d->operator_gid, &d->operator_gid_known);
	if (!d->operator_gid_known)
		log_msg(LOG_NOTICE, "only root and the daemon's own user may change things");
	lookup_apply(&r->reader, &d->reader_gid, &d->reader_gid_known);
}

void groups_resolve_now(struct daemon *d)
{
	struct request *r = request_new(d);

	if (r == NULL) {
		log_msg(LOG_ERR, "out of memory looking up the configured groups");
		return;
	}
	lookup_run(&r->operator);
	lookup_run(&r->reader);
	apply(d, r);
	request_free(r);
}

static void *thread_main(void *arg)
{
	struct request *r = arg;
	char one = 1;
	int fd = r->fd_write;

	lookup_run(&r->operator);
	lookup_run(&r->reader);
	if (atomic_exchange(&r->done, true)) {
		request_free(r);        /* the daemon stopped waiting */
	} else if (write(fd, &one, 1) != 1) {
		/* The daemon is stopping: it frees r (groups_free found done set). */
	}
	close(fd);
	return NULL;
}

static void start(struct groups *g);

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct groups *g = arg;
	struct request *r = g->req;
	char one;

	(void)what;
	if (read(fd, &one, 1) != 1)
		return;                 /* spurious; the thread still owns r */
	event_free(g->ev);
	g->ev = NULL;
	close(g->fd_read);
	g->fd_read = -1;
	g->req = NULL;
	apply(g->d, r);
	log_msg(LOG_INFO, "groups looked up again: operator %s, reader %s",
		g->d->operator_gid_known ? "found" : "not found",
		g->d->reader_gid_known ? "found" : "not found");
	request_free(r);
	if (g->again) {
		g->again = false;
		start(g);
	}
}

static void start(struct groups *g)
{
	struct request *r = request_new(g->d);
	int fds[2];
	pthread_t th;
	pthread_attr_t attr;
	int rc;

	if (r == NULL) {
		log_msg(LOG_ERR, "out of memory looking up the configured groups; keeping them");
		return;
	}
	if (pipe2(fds, O_CLOEXEC) != 0) {
		log_msg(LOG_ERR, "cannot look up the configured groups: pipe: %s; keeping them",
			strerror(errno));
		request_free(r);
		return;
	}
	g->ev = event_new(g->d->base, fds[0], EV_READ | EV_PERSIST, done_cb, g);
	if (g->ev == NULL || event_add(g->ev, NULL) != 0) {
		log_msg(LOG_ERR, "cannot watch the group lookup; keeping the groups");
		goto fail;
	}
	r->fd_write = fds[1];
	g->fd_read = fds[0];
	g->req = r;
	rc = pthread_attr_init(&attr);
	if (rc == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&th, &attr, thread_main, r);
		pthread_attr_destroy(&attr);
	}
	if (rc == 0)
		return;
	log_msg(LOG_ERR, "cannot start the group lookup: %s; keeping the groups", strerror(rc));
	g->req = NULL;
	g->fd_read = -1;
fail:
	if (g->ev != NULL)
		event_free(g->ev);
	g->ev = NULL;
	close(fds[0]);
	close(fds[1]);
	request_free(r);
}

struct groups *groups_new(struct daemon *d)
{
	struct groups *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->d = d;
	g->fd_read = -1;
	return g;
}

void groups_refresh(struct groups *g)
{
	if (g->req != NULL)
		g->again = true;
	else
		start(g);
}

void groups_free(struct groups *g)
{
	if (g == NULL)
		return;
	if (g->req != NULL) {
		if (atomic_exchange(&g->req->done, true))
			request_free(g->req);   /* answered, not yet read */
		event_free(g->ev);
		close(g->fd_read);
	}
	free(g);
}
