/* A refresh run as a transaction on the work connection (see refresh.c). */
#ifndef AD_REFRESH_H
#define AD_REFRESH_H

struct daemon;
struct run;

/* Runs r; ends, success or not, with sched_run_done(). */
void refresh_start(struct daemon *d, struct run *r);

#endif
