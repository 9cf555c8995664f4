/* SPDX-License-Identifier: ISC */
/* A refresh of customer_analytics as a kind of job (see refresh.c). */
#ifndef AD_REFRESH_H
#define AD_REFRESH_H

#include "analytics_proto.h"

struct daemon;
struct job;

/* The protocol's modes (analytics_proto.h), under the daemon's names. */
enum refresh_mode {
	REFRESH_FULL = PROTO_MODE_FULL,
	REFRESH_INCREMENTAL = PROTO_MODE_INCREMENTAL,
	REFRESH_RECENT = PROTO_MODE_RECENT,
	REFRESH_ORG = PROTO_MODE_ORG,
};

/* A refresh request: days for recent, org for org (else ignored). NULL
 * when out of memory. */
struct job *refresh_job(struct daemon *d, enum refresh_mode mode, int days, const char *org);

#endif
