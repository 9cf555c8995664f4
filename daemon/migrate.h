/* `migrate up` and `migrate down` as jobs on the work connection. */
#ifndef AD_MIGRATE_H
#define AD_MIGRATE_H

#include <stdbool.h>

struct daemon;
struct client;

/* Replies to c when done: applied/reverted migrations, or why not. */
void migrate_start(struct daemon *d, struct client *c, bool down);

#endif
