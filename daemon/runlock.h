/* SPDX-License-Identifier: ISC */
/*
 * What every job that changes analytics data or schema does first: take
 * the run lock inside its transaction, and abort with a refusal (our own
 * reason, given to the client as it is) rather than a server error.
 */
#ifndef AD_RUNLOCK_H
#define AD_RUNLOCK_H

#include <stdbool.h>

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

/*
 * The paused rule (analyticsctl(8)) for a job that changes analytics data: while
 * paused, a timer's job is refused and a manual one needs force. Added after
 * runlock_add, so that a pause by another daemon cannot slip between the
 * check and the job. what names the job in the refusal ("refresh").
 */
struct pause_rule {
	const char *what;
	const char *trigger;
	bool force;
	struct refusal *refusal;
};
void runlock_add_pause_check(struct txn *t, struct pause_rule *rule);

#endif
