/* SPDX-License-Identifier: ISC */
/*
 * The control socket: inherited from systemd (socket activation) when there
 * is one, else bound at control.socket with mode 0660.
 */
#ifndef AD_LISTENER_H
#define AD_LISTENER_H

#include <stddef.h>

struct daemon;
struct listener;

/* A connection came: fd is the caller's (client.c's, through main). */
typedef void (*listener_accept_fn)(struct daemon *d, int fd);

struct listener *listener_open(struct daemon *d, listener_accept_fn on_accept, char *err,
			       size_t errlen);
void listener_close(struct listener *l);
const char *listener_describe(const struct listener *l);

#endif
