/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/listener.h>
#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "listener.h"
#include "log.h"

/* Out of descriptors, stop accepting this long, then try again. */
#define LISTENER_PAUSE_MS 250

struct listener {
	struct evconnlistener *ev;
	struct daemon *d;
	listener_accept_fn on_accept;
	struct event *ev_resume;        /* re-enables accepting after a pause */
	bool paused;                    /* an episode of exhausted descriptors */
	unsigned long refused;          /* accept() failures in this episode */
	char *bound_path;               /* set when we bound it (and must unlink it) */
	char describe[160];
};

static void accept_cb(struct evconnlistener *ev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct listener *l = arg;

	(void)ev;
	(void)sa;
	(void)salen;
	if (l->paused) {
		log_msg(LOG_NOTICE, "accepting connections again after %lu refused for want of "
			"descriptors", l->refused);
		l->paused = false;
		l->refused = 0;
	}
	l->on_accept(l->d, fd);
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;

	(void)fd;
	(void)what;
	if (evconnlistener_enable(l->ev) != 0)
		log_msg(LOG_ERR, "cannot watch the control socket again");
}

/*
 * accept() failed. Out of descriptors (EMFILE, ENFILE) or memory, the pending
 * connection stays queued and the socket stays readable: accepting again at
 * once would spin the loop (and the log). Stop accepting for a while instead,
 * keep serving the clients we have, and say so once per episode (as
 * pgbouncer's pooler does).
 */
static void accept_error_cb(struct evconnlistener *ev, void *arg)
{
	struct listener *l = arg;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv = { 0, LISTENER_PAUSE_MS * 1000 };

	l->refused++;
	if (!l->paused)
		log_msg(LOG_WARNING, "accept on the control socket failed: %s; pausing accepts "
			"(%d ms at a time) until descriptors are free",
			evutil_socket_error_to_string(err), LISTENER_PAUSE_MS);
	l->paused = true;
	if (evconnlistener_disable(ev) != 0 || evtimer_add(l->ev_resume, &tv) != 0)
		log_msg(LOG_ERR, "cannot pause accepting on the control socket");
}

/* The inherited socket: a single one of any name, or the one named "control". */
static int inherited_fd(char *err, size_t errlen)
{
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names);
	int fd = -1;

	if (n < 0) {
		snprintf(err, errlen, "sd_listen_fds: %s", strerror(-n));
		return -2;
	}
	for (int i = 0; i < n; i++) {
		if (n == 1 || (names && names[i] && strcmp(names[i], "control") == 0))
			fd = SD_LISTEN_FDS_START + i;
	}
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	if (n == 0)
		return -1;
	if (fd < 0) {
		snprintf(err, errlen, "systemd passed %d sockets and none is named \"control\"", n);
		return -2;
	}
	if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
		snprintf(err, errlen, "the socket systemd passed is not a listening "
			 "AF_UNIX stream socket");
		return -2;
	}
	return fd;
}

/* Remove a socket file left by a dead daemon, but never steal a live one. */
static int clear_stale(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", path,
							strerror(errno)), -1);
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (r == 0) {
		snprintf(err, errlen, "%s: another analyticsd is already listening there", path);
		return -1;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale socket %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int bind_socket(struct daemon *d, char *err, size_t errlen)
{
	const char *path = d->cfg->control.socket;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control.socket path is too long: %s", path);
		return -1;
	}
	if (clear_stale(path, err, errlen) != 0)
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* The mode is right from the start: no window for a chmod race. */
	old = umask(0117);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r != 0 || listen(fd, 64) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* Who may connect: the reader group (operators are members too). Root may
	 * give the socket to any group, the daemon's user to one it is in. */
	if (d->reader_gid_known && chown(path, (uid_t)-1, d->reader_gid) != 0)
		log_msg(LOG_WARNING, "cannot give %s to group %s: %s", path,
			d->cfg->control.reader_group, strerror(errno));
	return fd;
}

struct listener *listener_open(struct daemon *d, listener_accept_fn on_accept, char *err,
			       size_t errlen)
{
	struct listener *l = calloc(1, sizeof(*l));
	int fd;

	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->on_accept = on_accept;
	fd = inherited_fd(err, errlen);
	if (fd == -2)
		goto fail;
	if (fd >= 0) {
		snprintf(l->describe, sizeof(l->describe), "socket from systemd (fd %d)", fd);
		if (evutil_make_socket_nonblocking(fd) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
			snprintf(err, errlen, "cannot prepare the inherited socket: %s", strerror(errno));
			goto fail;
		}
	} else {
		fd = bind_socket(d, err, errlen);
		if (fd < 0)
			goto fail;
		l->bound_path = strdup(d->cfg->control.socket);
		snprintf(l->describe, sizeof(l->describe), "%s", d->cfg->control.socket);
	}
	l->d = d;
	l->ev_resume = evtimer_new(d->base, resume_cb, l);
	l->ev = l->ev_resume ? evconnlistener_new(d->base, accept_cb, l, LEV_OPT_CLOSE_ON_FREE, -1,
						  fd) : NULL;
	if (l->ev == NULL) {
		snprintf(err, errlen, "cannot watch the control socket");
		close(fd);
		goto fail;
	}
	evconnlistener_set_error_cb(l->ev, accept_error_cb);
	return l;
fail:
	listener_close(l);
	return NULL;
}

const char *listener_describe(const struct listener *l)
{
	return l->describe;
}

void listener_close(struct listener *l)
{
	if (l == NULL)
		return;
	if (l->ev != NULL)
		evconnlistener_free(l->ev);
	if (l->ev_resume != NULL)
		event_free(l->ev_resume);
	if (l->bound_path != NULL) {
		unlink(l->bound_path);
		free(l->bound_path);
	}
	free(l);
}
