#include <stdio.h>
#include <string.h>

#include "runlock.h"
#include "sqlfiles.h"

void refusal_set(struct refusal *r, struct txn *t, enum proto_err code, const char *msg)
{
	if (r->msg[0] != '\0')
		return;
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
	r->code = code;
	txn_fail(t, "", "%s", msg);
}

static void on_lock(struct txn *t, PGresult *res, void *arg)
{
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		refusal_set(arg, t, PROTO_ERR_BUSY,
			    "another job holds the run lock (a refresh, rollback or migration by "
			    "this or another analyticsd); try again when it is done");
}

void runlock_add(struct txn *t, struct refusal *r)
{
	txn_add(t, sql_run_lock_try, 0, NULL, false, on_lock, r);
}
