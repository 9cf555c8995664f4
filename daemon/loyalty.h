/* loyalty rebuild (SPEC 4.4) as a recorded, undoable run (see loyalty.c). */
#ifndef AD_LOYALTY_H
#define AD_LOYALTY_H

#include <stdbool.h>

struct cfg;
struct client;
struct daemon;

/* Rebuild every organization (org NULL) or one; answers c when done. */
void loyalty_rebuild_start(struct daemon *d, struct client *c, const char *org, bool force);

/* loyalty.pilot_organizations as a PostgreSQL uuid[] literal ("{a,b}"),
 * malloc'd; NULL when out of memory. */
char *loyalty_pilot_array(const struct cfg *cfg);

#endif
