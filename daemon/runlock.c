/* SPDX-License-Identifier: ISC */
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

static void on_control(struct txn *t, PGresult *res, void *arg)
{
	struct pause_rule *rule = arg;
	bool timer = strcmp(rule->trigger, "timer") == 0;
	char msg[512], hint[128];

	if (PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		return;
	if (rule->force && !timer)
		return;
	if (timer)
		snprintf(hint, sizeof(hint), "timer jobs wait for analyticsctl resume");
	else
		snprintf(hint, sizeof(hint), "analyticsctl resume, or %s --force to run one anyway",
			 rule->what);
	snprintf(msg, sizeof(msg), "analytics are paused (by %s at %s%s%s); %s",
		 PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
		 PQgetisnull(res, 0, 3) ? "" : ": ", PQgetvalue(res, 0, 3), hint);
	refusal_set(rule->refusal, t, PROTO_ERR_PAUSED, msg);
}

void runlock_add_pause_check(struct txn *t, struct pause_rule *rule)
{
	txn_add(t, sql_control_get, 0, NULL, false, on_control, rule);
}
