#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "daemon.h"
#include "log.h"
#include "refresh.h"
#include "sched.h"
#include "util.h"

/* Distinct queued runs; more would only repeat work a full refresh does. */
#define SCHED_MAX_QUEUED 8

const char *run_mode_name(enum run_mode m)
{
	switch (m) {
	case RUN_FULL:   return "full";
	case RUN_RECENT: return "recent";
	case RUN_ORG:    return "org";
	}
	return "?";
}

void run_scope(const struct run_request *r, char *buf, size_t len)
{
	switch (r->mode) {
	case RUN_FULL:   snprintf(buf, len, "all"); break;
	case RUN_RECENT: snprintf(buf, len, "days=%d", r->days); break;
	case RUN_ORG:    snprintf(buf, len, "org=%s", r->org); break;
	}
}

/* Does a run of `a` produce every row a run of `b` would? (Locality, METRICS.md.) */
static bool forced(const struct run_request *r)
{
	return r->force && strcmp(r->trigger, "timer") != 0;
}

static bool covers(const struct run_request *a, const struct run_request *b)
{
	/* A run that a pause would refuse cannot stand in for one that is forced. */
	if (forced(b) && !forced(a))
		return false;
	if (a->mode == RUN_FULL)
		return true;
	if (a->mode == RUN_ORG && b->mode == RUN_ORG)
		return strcmp(a->org, b->org) == 0;
	if (a->mode == RUN_RECENT && b->mode == RUN_RECENT)
		return a->days >= b->days;
	return false;
}

static int add_waiter(struct run *r, struct client *c)
{
	struct waiter *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -1;
	client_ref(c);
	w->c = c;
	w->next = r->waiters;
	r->waiters = w;
	return 0;
}

static json_t *run_json(const struct run *r, const char *state)
{
	char scope[64], started[32];

	run_scope(&r->req, scope, sizeof(scope));
	util_iso8601(r->started_at, started, sizeof(started));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s*}", "state", state,
			 "mode", run_mode_name(r->req.mode), "scope", scope,
			 "trigger", r->req.trigger, "requested_by", r->req.requested_by,
			 "run_id", (json_int_t)r->id,
			 "started_at", r->started_at ? started : NULL);
}

void sched_submit(struct daemon *d, struct client *c, const struct run_request *req, bool wait)
{
	struct run *r = NULL, **tail;
	const char *state = "joined";
	int n = 0;

	if (d->run_current != NULL && covers(&d->run_current->req, req)) {
		r = d->run_current;
		state = "joined";
	} else {
		for (tail = &d->run_queue; *tail != NULL; tail = &(*tail)->next, n++) {
			if (covers(&(*tail)->req, req)) {
				r = *tail;
				state = "queued";
				break;
			}
		}
		if (r == NULL) {
			if (n >= SCHED_MAX_QUEUED) {
				client_reply_error(c, PROTO_ERR_BUSY, "%d refreshes are queued already",
						   n);
				return;
			}
			r = calloc(1, sizeof(*r));
			if (r == NULL) {
				client_reply_error(c, PROTO_ERR_INTERNAL, "out of memory");
				return;
			}
			r->d = d;
			r->req = *req;
			*tail = r;
			state = d->job == NULL && n == 0 ? "running" : "queued";
		}
	}
	if (wait) {
		if (add_waiter(r, c) != 0)
			client_reply_error(c, PROTO_ERR_INTERNAL, "out of memory");
		else
			client_event(c, "accepted", run_json(r, state));
	} else {
		client_reply_ok(c, run_json(r, state));
	}
	sched_kick(d);
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct run *r;

	(void)fd;
	(void)what;
	if (d->stopping || d->job != NULL || d->run_queue == NULL)
		return;
	r = d->run_queue;
	d->run_queue = r->next;
	r->next = NULL;
	d->run_current = r;
	refresh_start(d, r);
}

void sched_kick(struct daemon *d)
{
	/* Deferred to the loop: never start a run from inside the callbacks of
	 * the one that just ended. */
	if (d->ev_kick != NULL)
		event_active(d->ev_kick, EV_TIMEOUT, 0);
}

void sched_progress(struct run *r, const char *phase)
{
	for (struct waiter *w = r->waiters; w != NULL; w = w->next)
		client_event(w->c, "progress", json_pack("{s:s, s:s, s:I, s:s, s:f}", "kind",
			"refresh", "phase", phase,
			"run_id", (json_int_t)r->id, "mode", run_mode_name(r->req.mode),
			"elapsed_s", (double)(util_monotonic_usec() - r->started_usec) / 1e6));
}

static json_t *outcome_json(const struct run *r)
{
	char scope[64];

	run_scope(&r->req, scope, sizeof(scope));
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I}, s:I}",
			 "run_id", (json_int_t)r->id, "mode", run_mode_name(r->req.mode),
			 "scope", scope, "trigger", r->req.trigger, "status", "succeeded",
			 "rows", "inserted", (json_int_t)r->inserted,
			 "updated", (json_int_t)r->updated, "deleted", (json_int_t)r->deleted,
			 "unchanged", (json_int_t)r->unchanged,
			 "duration_ms", (json_int_t)((util_monotonic_usec() - r->started_usec) / 1000));
}

static void free_run(struct run *r)
{
	struct waiter *w;

	while ((w = r->waiters) != NULL) {
		r->waiters = w->next;
		client_unref(w->c);
		free(w);
	}
	free(r);
}

void sched_run_done(struct daemon *d, struct run *r, enum proto_err code, const char *msg)
{
	struct waiter *waiters = r->waiters;

	/* Take the run off the daemon before answering: an answer may start
	 * its client's next request, which must neither join this ended run
	 * nor find the job slot taken. (msg may point into r: r lives on.) */
	r->waiters = NULL;
	if (d->run_current == r)
		d->run_current = NULL;
	daemon_job_end(d);
	for (struct waiter *w = waiters; w != NULL; w = w->next) {
		if (code == PROTO_ERR_NONE)
			client_reply_ok(w->c, outcome_json(r));
		else
			client_reply_error(w->c, code, "%s", msg);
	}
	r->waiters = waiters;
	free_run(r);
}

json_t *sched_status_json(const struct daemon *d)
{
	json_t *queued = json_array();

	for (const struct run *r = d->run_queue; r != NULL; r = r->next)
		json_array_append_new(queued, run_json(r, "queued"));
	return json_pack("{s:o, s:o}", "current",
			 d->run_current ? run_json(d->run_current, "running") : json_null(),
			 "queued", queued);
}

/* Waiting clients hear from the run (or from any other job: rollback,
 * loyalty rebuild, migrate) at least this often, even inside one long
 * statement, so that their --timeout measures silence, not run time. */
#define SCHED_HEARTBEAT_S 1

static void heartbeat_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	if (d->job == NULL)
		return;
	if (d->run_current != NULL)
		sched_progress(d->run_current, d->job->phase);
	else if (d->job->client != NULL)
		client_event(d->job->client, "progress", json_pack("{s:s, s:s, s:s, s:f}",
			"kind", d->job->kind, "mode", d->job->detail, "phase", d->job->phase,
			"elapsed_s", (double)(util_monotonic_usec() - d->job->started_usec) / 1e6));
}

int sched_init(struct daemon *d)
{
	struct timeval tv = { SCHED_HEARTBEAT_S, 0 };

	d->ev_kick = event_new(d->base, -1, 0, kick_cb, d);
	d->ev_heartbeat = event_new(d->base, -1, EV_PERSIST, heartbeat_cb, d);
	if (d->ev_kick == NULL || d->ev_heartbeat == NULL || event_add(d->ev_heartbeat, &tv) != 0)
		return -1;
	return 0;
}

void sched_free(struct daemon *d)
{
	struct run *r;

	while ((r = d->run_queue) != NULL) {
		d->run_queue = r->next;
		for (struct waiter *w = r->waiters; w != NULL; w = w->next)
			client_reply_error(w->c, PROTO_ERR_SHUTTING_DOWN,
					   "analyticsd shut down before this queued refresh ran");
		free_run(r);
	}
	if (d->ev_kick != NULL)
		event_free(d->ev_kick);
	if (d->ev_heartbeat != NULL)
		event_free(d->ev_heartbeat);
	d->ev_kick = NULL;
	d->ev_heartbeat = NULL;
}
