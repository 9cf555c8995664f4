/* rollback [--to RUN_ID] as a job on the work connection (see rollback.c). */
#ifndef AD_ROLLBACK_H
#define AD_ROLLBACK_H

struct daemon;
struct client;

/* to = 0: the latest successful refresh; else every later one than run `to`. */
void rollback_start(struct daemon *d, struct client *c, long long to);

#endif
