/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "daemon.h"
#include "follow.h"
#include "job.h"
#include "log.h"
#include "refresh.h"
#include "util.h"
#include "wire.h"

struct follow {
	struct daemon *d;
	struct event *ev;
	int interval_s;                 /* as armed; 0 when off */
	time_t last_at, next_at;        /* last request, next one */
};

static void arm(struct follow *f)
{
	struct timeval tv = { f->interval_s, 0 };

	f->next_at = 0;
	if (f->interval_s == 0)
		return;
	if (evtimer_add(f->ev, &tv) != 0) {
		log_msg(LOG_ERR, "follow mode: cannot arm its timer; it is off until a reload");
		return;
	}
	f->next_at = time(NULL) + f->interval_s;
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
	struct follow *f = arg;
	struct daemon *d = f->d;
	struct job *j;

	(void)fd;
	(void)what;
	/* Without a database there is nothing to ask; the next tick tries again. */
	if (!d->stopping && db_get_state(d->db_work) == DB_READY) {
		j = refresh_job(d, REFRESH_INCREMENTAL, 0, NULL);
		if (j != NULL)
			snprintf(j->trigger, sizeof(j->trigger), "follow");
		job_submit(d->jobs, NULL, j, false);
		f->last_at = time(NULL);
	}
	arm(f);
}

struct follow *follow_new(struct daemon *d)
{
	struct follow *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->d = d;
	f->ev = evtimer_new(d->base, tick, f);
	if (f->ev == NULL) {
		free(f);
		return NULL;
	}
	follow_configure(f);
	return f;
}

void follow_configure(struct follow *f)
{
	int interval;

	if (f == NULL)
		return;
	interval = f->d->cfg->refresh.follow_interval_s;
	if (interval == f->interval_s && (interval == 0 || evtimer_pending(f->ev, NULL)))
		return;
	evtimer_del(f->ev);
	f->interval_s = interval;
	arm(f);
	if (interval > 0)
		log_msg(LOG_INFO, "follow mode: refresh incremental every %d s when there is "
			"anything to do", interval);
	else
		log_msg(LOG_INFO, "follow mode is off");
}

json_t *follow_status_json(const struct follow *f)
{
	return json_pack("{s:b, s:I, s:o, s:o}", "enabled", f->interval_s > 0,
			 "interval_ms", (json_int_t)f->interval_s * 1000,
			 "last_at", wire_time(f->last_at), "next_at", wire_time(f->next_at));
}

void follow_free(struct follow *f)
{
	if (f == NULL)
		return;
	event_free(f->ev);
	free(f);
}
