/* The daemon's state: one instance, owned by main.c, passed to every module. */
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

struct client;
struct listener;
struct run;

/* The one job that owns the work connection (migrate now; refresh later). */
struct job {
	char kind[16];                  /* "migrate" */
	char detail[64];                /* "up", "down" */
	char phase[96];                 /* what it is doing now */
	uint64_t started_usec;          /* monotonic */
	time_t started_at;
	struct client *client;          /* who asked (referenced), NULL if gone */
};

struct daemon {
	struct event_base *base;
	char *cfg_path;
	bool cfg_path_explicit;
	struct cfg *cfg;
	gid_t operator_gid;
	bool operator_gid_known;

	struct listener *listener;
	struct client *clients;         /* list of connected clients */
	int n_clients;
	struct backlog *runlog_backlog; /* failed runs to record when the db is back */
	int n_runlog_backlog;

	struct db_conn *db_ctl;         /* short reads: status, runs, check */
	struct db_conn *db_work;        /* one job at a time: migrate, refresh */
	struct job *job;
	struct run *run_current;        /* the refresh holding the job slot */
	struct run *run_queue;          /* refreshes waiting for it */
	struct event *ev_kick;
	struct event *ev_heartbeat;     /* progress to waiters during long statements */

	time_t started_at;
	uint64_t started_usec;
	char host[256];
	bool stopping;

	struct event *ev_sigterm, *ev_sigint, *ev_sighup;
	struct event *ev_watchdog;
};

/* Reload the configuration file (SIGHUP, `reload`); -1 keeps the old one. */
int daemon_reload(struct daemon *d, char *err, size_t errlen);

/* Recompute and send the sd_notify STATUS= line from the current state. */
void daemon_update_status(struct daemon *d);

/* Claim the work connection for a job; NULL with *why set when busy or down. */
struct job *daemon_job_start(struct daemon *d, struct client *c, const char *kind,
			     const char *detail, const char **why, int *code);
void daemon_job_phase(struct daemon *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void daemon_job_end(struct daemon *d);

#endif
