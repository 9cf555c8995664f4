/*
 * What every job that changes analytics data or schema does first: take
 * the run lock inside its transaction, and abort with a refusal (our own
 * reason, given to the client as it is) rather than a server error.
 */
#ifndef AD_RUNLOCK_H
#define AD_RUNLOCK_H

#include "analytics_proto.h"
#include "txn.h"

struct refusal {
	char msg[768];                  /* "" while none */
	enum proto_err code;
};

/* Abort t with our own reason (the first one counts). */
void refusal_set(struct refusal *r, struct txn *t, enum proto_err code, const char *msg);

/* First step of a job's transaction: the run lock, or a `busy` refusal. */
void runlock_add(struct txn *t, struct refusal *r);

#endif
