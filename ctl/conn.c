/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "analytics_proto.h"
#include "conn.h"

struct ctl_conn {
	int fd;
	char *buf;
	size_t len, cap, consumed;
};

/* Refused: the socket's group, which its readers must be in (whatever the unit made it). */
static void socket_group_hint(const char *path, char *hint, size_t len)
{
	struct stat st;
	struct group *gr;

	if (stat(path, &st) != 0)
		snprintf(hint, len, " (is the directory of the socket closed to you?)");
	else if ((gr = getgrgid(st.st_gid)) != NULL)
		snprintf(hint, len, " (are you in the socket's group, %s? a new login picks it up)",
			 gr->gr_name);
	else
		snprintf(hint, len, " (are you in the socket's group, gid %u?)", (unsigned)st.st_gid);
}

struct ctl_conn *ctl_connect(const char *path, bool *denied, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_conn *c;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		char hint[160] = "";

		if (e == ENOENT || e == ECONNREFUSED)
			snprintf(hint, sizeof(hint), " (is analyticsd running?)");
		else if (e == EACCES || e == EPERM)
			socket_group_hint(path, hint, sizeof(hint));
		snprintf(err, errlen, "cannot connect to analyticsd at %s: %s%s", path,
			 strerror(e), hint);
		*denied = e == EACCES || e == EPERM;
		ctl_close(c);
		return NULL;
	}
	return c;
}

int ctl_check_peer(struct ctl_conn *c, const char *path, const char *daemon_user,
		   char *err, size_t errlen)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct passwd *pw;

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		snprintf(err, errlen, "cannot tell who answers at %s: %s", path, strerror(errno));
		return -1;
	}
	if (cred.uid == 0 || ((pw = getpwnam(daemon_user)) != NULL && pw->pw_uid == cred.uid))
		return 0;
	snprintf(err, errlen, "what answers at %s runs as uid %u, not as root or %s: not "
		 "trusting it (use -s to name another daemon's socket)", path,
		 (unsigned)cred.uid, daemon_user);
	return -1;
}

int ctl_send(struct ctl_conn *c, const char *line, char *err, size_t errlen)
{
	size_t n = strlen(line), off = 0;

	while (off < n) {
		ssize_t w = send(c->fd, line + off, n - off, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot send the request: %s", strerror(errno));
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

long ctl_read_line(struct ctl_conn *c, int timeout_s, const char **line,
		   char *err, size_t errlen)
{
	/* Drop the line handed out last time. */
	if (c->consumed > 0) {
		memmove(c->buf, c->buf + c->consumed, c->len - c->consumed);
		c->len -= c->consumed;
		c->consumed = 0;
	}
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		ssize_t r;
		int pr;

		if (nl != NULL) {
			*nl = '\0';
			*line = c->buf;
			c->consumed = (size_t)(nl - c->buf) + 1;
			return nl - c->buf;
		}
		if (c->len >= PROTO_MAX_REPLY_BYTES) {
			snprintf(err, errlen, "reply from analyticsd exceeds %u bytes",
				 PROTO_MAX_REPLY_BYTES);
			return -1;
		}
		if (c->cap - c->len < 4096) {
			size_t cap = c->cap ? c->cap * 2 : 8192;
			char *b = realloc(c->buf, cap);
			if (b == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			c->buf = b;
			c->cap = cap;
		}
		pr = poll(&pfd, 1, timeout_s > 0 ? timeout_s * 1000 : -1);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		if (pr == 0) {
			snprintf(err, errlen, "no answer from analyticsd within %d s (--timeout)",
				 timeout_s);
			return -1;
		}
		r = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot read from analyticsd: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			snprintf(err, errlen, "analyticsd closed the connection without a reply");
			return -1;
		}
		c->len += (size_t)r;
	}
}

void ctl_close(struct ctl_conn *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}
