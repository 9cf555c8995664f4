/*
 * Refresh scheduling (SPEC 4.1): one run at a time on this daemon (and,
 * through the run lock, across daemons). A request while a run is going
 * joins it when the run covers its scope, else joins or adds a queued run.
 * Everyone waiting on a run gets its progress and its outcome.
 */
#ifndef AD_SCHED_H
#define AD_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "analytics_proto.h"
#include "runlock.h"

struct daemon;
struct client;

enum run_mode { RUN_FULL, RUN_RECENT, RUN_ORG };

struct run_request {
	enum run_mode mode;
	int days;                       /* RUN_RECENT */
	char org[37];                   /* RUN_ORG */
	char trigger[16];               /* manual, timer, ... */
	bool force;                     /* run even while paused (not for timers) */
	char requested_by[96];
};

struct waiter {
	struct waiter *next;
	struct client *c;               /* referenced */
};

struct run {
	struct run *next;               /* queue */
	struct daemon *d;
	struct run_request req;
	struct waiter *waiters;
	long long id;                   /* analytics_refresh_runs.id, 0 until known */
	time_t started_at;
	uint64_t started_usec;
	long long n_scope, n_new, inserted, updated, deleted, unchanged;
	struct refusal refusal;         /* why it did not run or failed, for its waiters */
	struct pause_rule pause_rule;
};

const char *run_mode_name(enum run_mode m);
/* "all", "days=90", "org=<uuid>" */
void run_scope(const struct run_request *r, char *buf, size_t len);

/* Queue or join a refresh. With wait, c gets progress and the outcome;
 * without, it is answered at once with where the request went. */
void sched_submit(struct daemon *d, struct client *c, const struct run_request *req, bool wait);
/* Start the next queued run if the work connection is free (deferred). */
void sched_kick(struct daemon *d);
/* A run has ended (err NULL on success): answer its waiters, free it. */
void sched_run_done(struct daemon *d, struct run *r, enum proto_err code, const char *msg);
/* Tell the run's waiters its phase. */
void sched_progress(struct run *r, const char *phase);

json_t *sched_status_json(const struct daemon *d);
int sched_init(struct daemon *d);
void sched_free(struct daemon *d);

#endif
