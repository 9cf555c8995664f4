/* SPDX-License-Identifier: ISC */
/* loyalty rebuild (analyticsctl(8) "loyalty") as a recorded, undoable run (see loyalty.c). */
#ifndef AD_LOYALTY_H
#define AD_LOYALTY_H

#include <stdbool.h>

struct cfg;
struct daemon;
struct job;

/* A rebuild of every organization (org NULL) or one; NULL when out of memory. */
struct job *loyalty_rebuild_job(struct daemon *d, const char *org);

/* loyalty.pilot_organizations as a PostgreSQL uuid[] literal ("{a,b}"),
 * malloc'd; NULL when out of memory. */
char *loyalty_pilot_array(const struct cfg *cfg);

#endif
