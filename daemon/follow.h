/* SPDX-License-Identifier: ISC */
/*
 * Follow mode (analyticsctl(8) "refresh", refresh.follow_interval_s): every interval the
 * daemon asks itself for `refresh incremental` with trigger `follow`, like
 * any other request (it joins or queues, and pauses when paused). A run that
 * finds no change queued and no row due costs a few milliseconds and records
 * nothing, so the interval bounds how stale a committed change can get.
 */
#ifndef AD_FOLLOW_H
#define AD_FOLLOW_H

#include <jansson.h>

struct daemon;
struct follow;

struct follow *follow_new(struct daemon *d);
/* Arm (or disarm) the timer with the configuration's interval: at start-up
 * and after a reload. */
void follow_configure(struct follow *f);
json_t *follow_status_json(const struct follow *f);
void follow_free(struct follow *f);

#endif
