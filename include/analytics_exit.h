/* SPDX-License-Identifier: ISC */
/*
 * analyticsctl exit statuses. They are sysexits(3) values so that systemd
 * units can name them (SuccessExitStatus=75). Documented in analyticsctl(8).
 */
#ifndef ANALYTICS_EXIT_H
#define ANALYTICS_EXIT_H

#define EXIT_OK           0
#define EXIT_FAILED       1   /* the command ran and failed: run failed, check failed */
#define EXIT_DEGRADED     3   /* status only: the daemon runs, its database is unreachable */
#define EXIT_USAGE       64   /* EX_USAGE: bad command line or request */
#define EXIT_UNAVAILABLE 69   /* EX_UNAVAILABLE: daemon (or its database) unreachable */
#define EXIT_TEMPFAIL    75   /* EX_TEMPFAIL: refused for now (paused, busy) */
#define EXIT_NOPERM      77   /* EX_NOPERM: not authorized */

#endif
