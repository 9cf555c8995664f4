/* SPDX-License-Identifier: ISC */
#include <stdio.h>

#include "daemon.h"
#include "log.h"
#include "msgids.h"
#include "pause.h"

void pause_changed(struct daemon *d, bool paused, const char *who, const char *reason)
{
	char r[600], w[160];
	const char *fields[3] = { r, w, NULL };

	snprintf(r, sizeof(r), "ANALYTICS_REASON=%s", reason ? reason : "");
	snprintf(w, sizeof(w), "ANALYTICS_REQUESTED_BY=%s", who);
	if (paused)
		log_event(LOG_NOTICE, MSGID_PAUSED, fields, "analytics paused by %s: %s", who,
			  reason ? reason : "no reason given");
	else
		log_event(LOG_NOTICE, MSGID_RESUMED, fields + 1, "analytics resumed by %s", who);
	d->paused = paused;
	daemon_status_changed(d);
}

void pause_seen(struct daemon *d)
{
	d->paused = true;
	daemon_status_changed(d);
}
