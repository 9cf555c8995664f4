/* SPDX-License-Identifier: ISC */
/* A refresh of customer_analytics as a kind of job (see refresh.c). */
#ifndef AD_REFRESH_H
#define AD_REFRESH_H

struct daemon;
struct job;

enum refresh_mode { REFRESH_FULL, REFRESH_RECENT, REFRESH_ORG, REFRESH_INCREMENTAL };

/* A refresh request: days for recent, org for org (else ignored). NULL
 * when out of memory. */
struct job *refresh_job(struct daemon *d, enum refresh_mode mode, int days, const char *org);

#endif
