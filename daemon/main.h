/* SPDX-License-Identifier: ISC */
/* What main.c lends the modules below it (through the hooks of daemon.h) and the fuzz
 * target that stands in for main(). */
#ifndef AD_MAIN_H
#define AD_MAIN_H

#include <stddef.h>

struct daemon;

/* Reload the configuration file (SIGHUP, `reload`); -1 keeps the old one. */
int daemon_reload(struct daemon *d, char *err, size_t errlen);

#endif
