/* SPDX-License-Identifier: ISC */
/*
 * The daemon's state: one instance, owned by main.c, passed to every module. A data
 * header: the modules read it, and reach main.c only through the hooks main sets here.
 */
#ifndef AD_DAEMON_H
#define AD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"
#include "db.h"

struct clients;
struct follow;
struct jobs;
struct listener;
struct runlog;

/* The daemon: its configuration and its modules, each owning its state. */
struct daemon {
	struct event_base *base;
	char *cfg_path;
	bool cfg_path_explicit;
	struct cfg *cfg;
	gid_t operator_gid;             /* control.operator_group: may change things */
	bool operator_gid_known;
	gid_t reader_gid;               /* control.reader_group: the socket's group */
	bool reader_gid_known;
	struct groups *groups;          /* looks the two up (groups.c) */

	struct listener *listener;      /* the control socket (listener.c) */
	struct clients *clients;        /* its connections (client.c) */
	struct evdns_base *dns;         /* the conninfo's host names (dbhosts.c) */
	struct db_conn *db_ctl;         /* short reads and writes: runs, metrics, pause,
					 * resume, capture; failure records */
	struct db_conn *db_status;      /* status's own, so that no reader delays it */
	struct db_conn *db_check;       /* check's own: its long transaction delays nobody */
	struct db_conn *db_work;        /* the running job's (job.c) */
	struct jobs *jobs;              /* the running job and the queue (job.c) */
	struct runlog *runlog;          /* failures waiting for the database (runlog.c) */
	struct follow *follow;          /* follow mode's timer (follow.c) */
	struct retention *retention;    /* the retention's passes (retention.c) */
	struct queuestat *queuestat;    /* the queue's figures for status (queuestat.c) */

	time_t started_at;
	uint64_t started_usec;
	char host[256];
	bool stopping;

	/* What STATUS= says besides the job: read when the control connection
	 * comes up, then kept current by jobs, pause and resume. */
	bool paused;
	time_t last_success_at;         /* a refresh succeeded, or found nothing to do */

	struct event *ev_sigterm, *ev_sigint, *ev_sighup;
	struct event *ev_watchdog;

	/* Set by main: what the modules below it may ask of it. */
	void (*status_changed)(struct daemon *d);       /* STATUS= from the state above */
	int (*reload)(struct daemon *d, char *err, size_t errlen);      /* -1 keeps the old */
};

/* Something STATUS= says changed (a job, the pause, the database). */
static inline void daemon_status_changed(struct daemon *d)
{
	if (d->status_changed != NULL)
		d->status_changed(d);
}

#endif
