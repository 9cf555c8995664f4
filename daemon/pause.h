/* SPDX-License-Identifier: ISC */
/*
 * The pause (analytics_control, analyticsctl(8) "pause"): the journal's paused and resumed
 * events, and what the daemon knows of it for STATUS=. The pause itself is a row in the
 * database that the run lock's rule reads (runlock.h); this module only tells.
 */
#ifndef AD_PAUSE_H
#define AD_PAUSE_H

#include <stdbool.h>

struct daemon;

/* The analytics were paused (by who, why) or resumed: logged, and STATUS= says so. */
void pause_changed(struct daemon *d, bool paused, const char *who, const char *reason);
/* A job found them paused: STATUS= says so (nothing to log, nobody changed them). */
void pause_seen(struct daemon *d);

#endif
