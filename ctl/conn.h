/* SPDX-License-Identifier: ISC */
/* analyticsctl's side of the socket: connect, send one request, read lines. */
#ifndef CTL_CONN_H
#define CTL_CONN_H

#include <stdbool.h>
#include <stddef.h>

struct ctl_conn;

/* NULL with err set when the daemon cannot be reached. */
/* *denied: the socket refused us (EACCES), as opposed to not being there. */
struct ctl_conn *ctl_connect(const char *path, bool *denied, char *err, size_t errlen);
/*
 * Is the process that listens on c's socket root or the user named daemon_user?
 * Anyone who can create the socket path can answer on it and fake any outcome,
 * so on the well-known path analyticsctl asks (SO_PEERCRED: for a socket from
 * systemd, systemd's root). 0 if so; -1 with the reason in err.
 */
int ctl_check_peer(struct ctl_conn *c, const char *path, const char *daemon_user,
		   char *err, size_t errlen);
int ctl_send(struct ctl_conn *c, const char *line, char *err, size_t errlen);
/*
 * Next line from the daemon (without newline; valid until the next call).
 * Returns its length, or -1 with err set (timeout, closed, too long).
 */
long ctl_read_line(struct ctl_conn *c, int timeout_s, const char **line,
		   char *err, size_t errlen);
void ctl_close(struct ctl_conn *c);

#endif
