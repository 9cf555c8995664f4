/* SPDX-License-Identifier: ISC */
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libsmartcols.h>

#include "render.h"
#include "table.h"


static const char *str(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

static long long num(json_t *o, const char *key);

/*
 * A scope object (docs/json/common.json) as the text the run records keep:
 * "days=7", "org=UUID", "to=12"; an empty one restates the mode.
 */
static const char *scope_text(json_t *scope, const char *mode, char *buf, size_t len)
{
	json_t *v;

	if (!json_is_object(scope))
		return "-";
	if ((v = json_object_get(scope, "days")) != NULL)
		snprintf(buf, len, "days=%lld", (long long)json_integer_value(v));
	else if ((v = json_object_get(scope, "organization_id")) != NULL)
		snprintf(buf, len, "org=%s", json_string_value(v) ? json_string_value(v) : "?");
	else if ((v = json_object_get(scope, "to_run_id")) != NULL)
		snprintf(buf, len, "to=%lld", (long long)json_integer_value(v));
	else if ((v = json_object_get(scope, "text")) != NULL)
		snprintf(buf, len, "%s", json_string_value(v) ? json_string_value(v) : "?");
	else if (mode != NULL && strcmp(mode, "incremental") == 0)
		return "changed+due";
	else if (mode != NULL && strcmp(mode, "rollback") == 0)
		return "latest";
	else if (mode != NULL && (strcmp(mode, "up") == 0 || strcmp(mode, "down") == 0))
		return "schema";
	else
		return "all";
	return buf;
}

/* A requester object as the run records keep it: "uid 0 pid 42", "analyticsd". */
/* "alice (uid 1000, pid 4242)": the user's name, looked up here (the daemon never blocks
 * on a lookup), and the uid and pid the daemon saw; "uid 1000 pid 4242" without a name. */
static void user_text(char *buf, size_t len, long long uid, long long pid)
{
	struct passwd *pw = uid >= 0 && uid <= (long long)UINT32_MAX - 1
			    ? getpwuid((uid_t)uid) : NULL;

	if (pw != NULL)
		snprintf(buf, len, "%s (uid %lld, pid %lld)", pw->pw_name, uid, pid);
	else
		snprintf(buf, len, "uid %lld pid %lld", uid, pid);
}

static const char *requester_text(json_t *who, char *buf, size_t len)
{
	const char *text = json_string_value(json_object_get(who, "text"));
	long long uid, pid;

	if (json_is_true(json_object_get(who, "daemon")))
		return "analyticsd";
	if (json_is_integer(json_object_get(who, "uid")))
		user_text(buf, len, num(who, "uid"), num(who, "pid"));
	else if (text != NULL && sscanf(text, "uid %lld pid %lld", &uid, &pid) == 2)
		user_text(buf, len, uid, pid);
	else if (text != NULL)
		snprintf(buf, len, "%s", text);
	else
		return "-";
	return buf;
}

/* An object's scope (with its mode) or requester member, as text. */
#define SCOPE(o, buf) scope_text(json_object_get(o, "scope"), str(o, "mode", NULL), buf, sizeof(buf))
#define WHO(o, key, buf) requester_text(json_object_get(o, key), buf, sizeof(buf))

static void render_duration(FILE *fp, long long s)
{
	if (s >= 86400)
		fprintf(fp, "%lldd %lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		fprintf(fp, "%lldh %lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		fprintf(fp, "%lldm %llds", s / 60, s % 60);
	else
		fprintf(fp, "%llds", s);
}

static void render_pending(FILE *fp, json_t *pending)
{
	size_t i;
	json_t *m;

	json_array_foreach(pending, i, m)
		fprintf(fp, "%s%04d_%s", i ? ", " : "",
			(int)json_integer_value(json_object_get(m, "version")), str(m, "name", "?"));
}

/* The repeatable function scripts migrate up would apply, ", "-separated (fp NULL: only
 * counted); how many. */
static size_t render_functions_pending(FILE *fp, json_t *functions)
{
	size_t i, n = 0;
	json_t *f;

	json_array_foreach(functions, i, f) {
		if (strcmp(str(f, "state", ""), "pending") != 0)
			continue;
		if (fp != NULL)
			fprintf(fp, "%s%s", n ? ", " : "", str(f, "name", "?"));
		n++;
	}
	return n;
}

static void render_schema(FILE *fp, json_t *schema)
{
	json_t *pending = json_object_get(schema, "pending");
	json_t *functions = json_object_get(schema, "functions");
	size_t np = json_array_size(pending);

	fprintf(fp, "version %d of %d", (int)json_integer_value(json_object_get(schema, "version")),
		(int)json_integer_value(json_object_get(schema, "latest")));
	if (np == 0 && render_functions_pending(NULL, functions) == 0) {
		fprintf(fp, " (up to date)");
	} else if (np > 0) {
		fprintf(fp, ", %zu pending: ", np);
		render_pending(fp, pending);
	}
	if (render_functions_pending(NULL, functions) > 0) {
		fprintf(fp, "; functions to apply: ");
		render_functions_pending(fp, functions);
	}
	if (json_is_string(json_object_get(schema, "problem")))
		fprintf(fp, "\n           PROBLEM: %s", str(schema, "problem", ""));
	fputc('\n', fp);
}

static void render_db(FILE *fp, const char *label, json_t *db)
{
	fprintf(fp, "%-10s %s since %s", label, str(db, "state", "?"), str(db, "since", "?"));
	if (json_is_string(json_object_get(db, "error")))
		fprintf(fp, " (%s)", str(db, "error", ""));
	fputc('\n', fp);
}

/* The capture switch as status and capture status show it. */
static void render_switch(FILE *fp, json_t *q)
{
	char who[80];

	if (json_is_false(json_object_get(q, "enabled")))
		fprintf(fp, "%-10s OFF since %s, by %s: %s\n", "capture:", str(q, "changed_at", "?"),
			WHO(q, "changed_by", who), str(q, "reason", "no reason given"));
	else if (json_is_object(q))
		fprintf(fp, "%-10s on\n", "capture:");
}

void render_status(FILE *fp, json_t *r)
{
	json_t *job = json_object_get(r, "job"), *schema = json_object_get(r, "schema"), *q;
	const char *mode;
	bool first = true;
	char scope[80], who[80];
	size_t i;

	fprintf(fp, "analyticsd %s, pid %d on %s, up ", str(r, "version", "?"),
		(int)json_integer_value(json_object_get(r, "pid")), str(r, "host", "?"));
	render_duration(fp, num(r, "uptime_ms") / 1000);
	fprintf(fp, "\n%-10s %s\n", "socket:", str(r, "socket", "?"));
	render_db(fp, "database:", json_object_get(r, "database"));
	fprintf(fp, "%-10s ", "schema:");
	if (json_is_object(schema))
		render_schema(fp, schema);
	else if (json_is_string(json_object_get(r, "schema_error")))
		fprintf(fp, "unknown (%s)\n", str(r, "schema_error", ""));
	else
		fprintf(fp, "unknown (database not connected)\n");
	q = json_object_get(r, "paused");
	if (json_is_true(json_object_get(q, "paused")))
		fprintf(fp, "%-10s yes, by %s at %s: %s\n", "paused:", WHO(q, "paused_by", who),
			str(q, "paused_at", "?"), str(q, "reason", ""));
	else if (json_is_object(q))
		fprintf(fp, "%-10s no\n", "paused:");
	render_switch(fp, json_object_get(r, "capture"));
	q = json_object_get(r, "queue");
	if (json_is_object(q)) {
		bool more = json_is_true(json_object_get(q, "entries_capped"));

		fprintf(fp, "%-10s %lld%s change%s", "queue:", num(q, "entries"), more ? "+" : "",
			num(q, "entries") == 1 && !more ? "" : "s");
		if (json_is_string(json_object_get(q, "oldest_queued_at")))
			fprintf(fp, ", the oldest queued %s%s", more ? "no later than " : "",
				str(q, "oldest_queued_at", "?"));
		fprintf(fp, "; %lld%s row%s due by the clock\n", num(q, "rows_due"),
			json_is_true(json_object_get(q, "rows_due_capped")) ? "+" : "",
			num(q, "rows_due") == 1 ? "" : "s");
	}
	fprintf(fp, "%-10s ", "job:");
	if (json_is_object(job))
		fprintf(fp, "%s %s: %s (%.1f s)\n", str(job, "kind", "?"), str(job, "mode", ""),
			str(job, "phase", ""), (double)num(job, "elapsed_ms") / 1000);
	else
		fprintf(fp, "none\n");
	q = json_object_get(r, "follow");
	if (json_is_true(json_object_get(q, "enabled")))
		fprintf(fp, "%-10s refresh incremental every %lld s when anything is queued or due; "
			"next check %s\n", "follow:", num(q, "interval_ms") / 1000,
			str(q, "next_at", "?"));
	else if (json_is_object(q))
		fprintf(fp, "%-10s off\n", "follow:");
	json_array_foreach(json_object_get(r, "queued"), i, q)
		fprintf(fp, "%-10s %s %s (%s) requested by %s\n", i ? "" : "queued:",
			str(q, "kind", "?"), str(q, "mode", "?"), SCOPE(q, scope),
			WHO(q, "requested_by", who));
	json_object_foreach(json_object_get(r, "last_runs"), mode, q) {
		fprintf(fp, "%-10s %-6s run %lld %s %s", first ? "last runs:" : "", mode,
			num(q, "run_id"), str(q, "status", "?"), str(q, "started_at", "?"));
		if (json_is_string(json_object_get(q, "message")))
			fprintf(fp, ": %s", str(q, "message", ""));
		else
			fprintf(fp, " in %lld ms: +%lld ~%lld -%lld =%lld", num(q, "duration_ms"),
				num(json_object_get(q, "rows"), "inserted"),
				num(json_object_get(q, "rows"), "updated"),
				num(json_object_get(q, "rows"), "deleted"),
				num(json_object_get(q, "rows"), "unchanged"));
		if (strcmp(str(q, "status", ""), "succeeded") != 0)
			fprintf(fp, "; last success %s", str(q, "last_success_at", "never"));
		fputc('\n', fp);
		first = false;
	}
}

const struct table_col render_migrations_columns[] = {
	{ "VERSION", 0, SCOLS_FL_RIGHT, false, "the migration's number (- for a function)", 0, 0 },
	{ "NAME", 0, 0, false, "its name (sql/migrations/NNNN_name.up.sql, sql/functions/NAME.sql)",
	  0, 0 },
	{ "STATE", 0, 0, false, "applied or pending (a function: current or pending)", 0, 0 },
	{ "APPLIED", 21, SCOLS_FL_TRUNC, false, "when it was applied (UTC, and how long ago)", 0, 20 },
	{ "SHA256", 0, 0, false, "the checksum recorded when it was applied", 1, 0 },
	{ NULL },
};

void render_migrate(FILE *fp, json_t *r)
{
	const char *action = str(r, "action", NULL);
	json_t *list, *m;
	size_t i;

	if (action == NULL) {               /* migrate status */
		struct table *t = table_new(render_migrations_columns);
		char when[96];
		if (!table_opts.no_headings && !table_for_scripts()) {
			fprintf(fp, "schema ");
			render_schema(fp, r);
		}
		if (t == NULL)
			return;
		json_array_foreach(json_object_get(r, "applied"), i, m) {
			table_row(t);
			table_set(t, "VERSION", "%04d", (int)num(m, "version"));
			table_set(t, "NAME", "%s", str(m, "name", "?"));
			table_set(t, "STATE", "applied");
			table_time(when, sizeof(when), str(m, "applied_at", NULL));
			table_set(t, "APPLIED", "%s", when);
			table_set(t, "SHA256", "%s", str(m, "checksum", "?"));
		}
		json_array_foreach(json_object_get(r, "pending"), i, m) {
			table_row(t);
			table_set(t, "VERSION", "%04d", (int)num(m, "version"));
			table_set(t, "NAME", "%s", str(m, "name", "?"));
			table_set(t, "STATE", "pending");
		}
		json_array_foreach(json_object_get(r, "functions"), i, m) {
			table_row(t);
			table_set(t, "VERSION", "-");
			table_set(t, "NAME", "%s", str(m, "name", "?"));
			table_set(t, "STATE", "%s", str(m, "state", "?"));
		}
		table_print(t, fp);
		table_free(t);
		return;
	}
	list = json_object_get(r, strcmp(action, "down") == 0 ? "reverted" : "applied");
	if (json_array_size(list) == 0)
		fprintf(fp, "nothing to apply: schema at version %d of %d\n",
			(int)json_integer_value(json_object_get(r, "version")),
			(int)json_integer_value(json_object_get(r, "latest")));
	json_array_foreach(list, i, m) {
		if (json_is_string(json_object_get(m, "function")))
			fprintf(fp, "applied function %s\n", str(m, "function", "?"));
		else
			fprintf(fp, "%s %04d_%s\n", strcmp(action, "down") == 0 ? "reverted" : "applied",
				(int)json_integer_value(json_object_get(m, "version")),
				str(m, "name", "?"));
	}
	if (json_array_size(list) > 0)
		fprintf(fp, "schema now at version %d of %d\n",
			(int)json_integer_value(json_object_get(r, "version")),
			(int)json_integer_value(json_object_get(r, "latest")));
}

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

void render_refresh(FILE *fp, json_t *r)
{
	json_t *rows = json_object_get(r, "rows");
	char scope[80];

	if (strcmp(str(r, "status", ""), "nothing_to_do") == 0) {
		fprintf(fp, "refresh %s: nothing to do (%s), %lld ms\n", str(r, "mode", "?"),
			str(r, "note", ""), num(r, "duration_ms"));
		return;
	}
	if (strcmp(str(r, "status", ""), "dry_run") == 0) {
		json_t *w = json_object_get(r, "would");

		fprintf(fp, "refresh %s (%s) would recompute %lld customers (of %lld rows now)",
			str(r, "mode", "?"), SCOPE(r, scope), num(w, "scope"), num(w, "rows"));
		if (json_is_integer(json_object_get(w, "keys_queued")))
			fprintf(fp, ": %lld named by the change queue's %lld entries, the rest due "
				"by the clock", num(w, "keys_queued"), num(w, "queue_entries"));
		fprintf(fp, "; %lld rows are due by the clock, %lld changes queued; nothing "
			"was changed (%lld ms)\n", num(w, "rows_due"), num(w, "queue_entries"),
			num(r, "duration_ms"));
		return;
	}
	fprintf(fp, "refresh %s (%s) run %lld %s in %lld ms: %lld inserted, %lld updated, "
		"%lld deleted, %lld unchanged\n", str(r, "mode", "?"), SCOPE(r, scope),
		num(r, "run_id"), str(r, "status", "?"), num(r, "duration_ms"),
		num(rows, "inserted"), num(rows, "updated"), num(rows, "deleted"),
		num(rows, "unchanged"));
}

const struct table_col render_runs_columns[] = {
	{ "ID", 0, SCOLS_FL_RIGHT, false, "run id", 0, 0 },
	{ "KIND", 0, 0, false, "refresh, loyalty_rebuild, rollback", 7, 0 },
	{ "MODE", 0, 0, false, "full, incremental, recent, org, ...", 0, 0 },
	{ "SCOPE", 0, 0, false, "all, an organization (full id), days=N, ...", 2, 0 },
	{ "TRIGGER", 0, 0, false, "manual, timer, follow, ...", 1, 0 },
	{ "BY", 0, 0, true, "who asked (user, uid and pid)", 0, 0 },
	{ "HOST", 0, 0, true, "the daemon's host", 0, 0 },
	{ "STARTED", 21, SCOLS_FL_TRUNC, false, "when it started (UTC, and how long ago)", 0, 20 },
	{ "FINISHED", 0, 0, true, "when it ended", 0, 0 },
	{ "STATUS", 0, 0, false, "succeeded, failed, rolled_back, ...", 0, 0 },
	{ "MS", 0, SCOLS_FL_RIGHT, false, "duration in milliseconds", 3, 0 },
	{ "INSERTED", 0, SCOLS_FL_RIGHT, false, "rows inserted", 6, 0 },
	{ "UPDATED", 0, SCOLS_FL_RIGHT, false, "rows updated", 5, 0 },
	{ "DELETED", 0, SCOLS_FL_RIGHT, false, "rows deleted", 4, 0 },
	{ "UNCHANGED", 0, SCOLS_FL_RIGHT, true, "rows compared and left", 0, 0 },
	{ "ERROR", 0.3, SCOLS_FL_TRUNC, false, "SQLSTATE and message of a failure", 0, 18 },
	{ NULL },
};

void render_runs(FILE *fp, json_t *r)
{
	struct table *t = table_new(render_runs_columns);
	json_t *run, *rows;
	char when[96], scope[80], who[80];
	size_t i;

	if (t == NULL)
		return;
	json_array_foreach(json_object_get(r, "runs"), i, run) {
		rows = json_object_get(run, "rows");
		table_row(t);
		table_set(t, "ID", "%lld", num(run, "run_id"));
		table_set(t, "KIND", "%s", str(run, "kind", "?"));
		table_set(t, "MODE", "%s", str(run, "mode", "-"));
		table_set(t, "SCOPE", "%s", SCOPE(run, scope));
		table_set(t, "TRIGGER", "%s", str(run, "trigger", "-"));
		table_set(t, "BY", "%s", WHO(run, "requested_by", who));
		table_set(t, "HOST", "%s", str(run, "host", "-"));
		table_time(when, sizeof(when), str(run, "started_at", NULL));
		table_set(t, "STARTED", "%s", when);
		table_time(when, sizeof(when), str(run, "finished_at", NULL));
		table_set(t, "FINISHED", "%s", when);
		table_set(t, "STATUS", "%s", str(run, "status", "?"));
		table_set(t, "MS", "%lld", num(run, "duration_ms"));
		table_set(t, "INSERTED", "%lld", num(rows, "inserted"));
		table_set(t, "UPDATED", "%lld", num(rows, "updated"));
		table_set(t, "DELETED", "%lld", num(rows, "deleted"));
		table_set(t, "UNCHANGED", "%lld", num(rows, "unchanged"));
		if (json_is_string(json_object_get(run, "message")))
			table_set(t, "ERROR", "%s %s", str(run, "sqlstate", ""), str(run, "message", ""));
	}
	table_print(t, fp);
	table_free(t);
}

const struct table_col render_check_columns[] = {
	{ "STATUS", 0, 0, false, "ok, WARN or FAIL", 0, 0 },
	{ "CHECK", 0, 0, false, "the check's name", 0, 0 },
	{ "DETAIL", 0.5, SCOLS_FL_WRAP, false, "what it found", 0, 0 },
	{ "KEYS", 0, 0, true, "the keys it names (at most 5)", 0, 0 },
	{ NULL },
};

void render_check(FILE *fp, json_t *r)
{
	struct table *t = table_new(render_check_columns);
	json_t *chk, *key, *sum = json_object_get(r, "summary");
	size_t i, k;

	if (t != NULL) {
		json_array_foreach(json_object_get(r, "checks"), i, chk) {
			const char *st = str(chk, "status", "?");
			char keys[512] = "";
			size_t off = 0;
			table_row(t);
			table_set(t, "STATUS", "%s", strcmp(st, "pass") == 0 ? "ok" :
				  strcmp(st, "warn") == 0 ? "WARN" : "FAIL");
			table_set(t, "CHECK", "%s", str(chk, "name", "?"));
			table_set(t, "DETAIL", "%s", str(chk, "detail", ""));
			json_array_foreach(json_object_get(chk, "keys"), k, key)
				if (off < sizeof(keys))
					off += (size_t)snprintf(keys + off, sizeof(keys) - off, "%s%s",
								k ? " " : "",
								json_string_value(key) ?
								json_string_value(key) : "?");
			table_set(t, "KEYS", "%s", keys);
			/* The keys a failing check names, under it, unless asked as a column. */
			if (table_opts.columns == NULL)
				json_array_foreach(json_object_get(chk, "keys"), k, key) {
					table_row(t);
					table_set(t, "DETAIL", "  %s", json_string_value(key) ?
						  json_string_value(key) : "?");
				}
		}
		table_print(t, fp);
		table_free(t);
	}
	if (!table_opts.no_headings && !table_for_scripts())
		fprintf(fp, "%lld passed, %lld warnings, %lld failed\n", num(sum, "pass"),
			num(sum, "warn"), num(sum, "fail"));
}

/* rollback --dry-run: the runs it would undo, newest first. */
static const struct table_col preview_columns[] = {
	{ "RUN", 0, SCOLS_FL_RIGHT, false, NULL, 0, 0 },
	{ "STARTED", 0, 0, false, NULL, 0, 0 },
	{ "MODE", 0, 0, false, NULL, 0, 0 },
	{ "SCOPE", 0, 0, false, NULL, 0, 0 },
	{ "DELETED", 0, SCOLS_FL_RIGHT, false, NULL, 0, 0 },
	{ "RESTORED", 0, SCOLS_FL_RIGHT, false, NULL, 0, 0 },
	{ "REINSERTED", 0, SCOLS_FL_RIGHT, false, NULL, 0, 0 },
	{ NULL },
};

static void render_rollback_preview(FILE *fp, json_t *r)
{
	struct table *t = table_new(preview_columns);
	json_t *rows = json_object_get(r, "rows"), *run, *rr;
	char when[96], scope[80];
	size_t i, n = json_array_size(json_object_get(r, "runs"));

	fprintf(fp, "rollback would undo %zu run%s (nothing has been changed):\n", n,
		n == 1 ? "" : "s");
	if (t != NULL) {
		json_array_foreach(json_object_get(r, "runs"), i, run) {
			rr = json_object_get(run, "rows");
			table_row(t);
			table_set(t, "RUN", "%lld", num(run, "run_id"));
			table_time(when, sizeof(when), str(run, "started_at", NULL));
			table_set(t, "STARTED", "%s", when);
			table_set(t, "MODE", "%s", str(run, "mode", "?"));
			table_set(t, "SCOPE", "%s", SCOPE(run, scope));
			table_set(t, "DELETED", "%lld", num(rr, "deleted"));
			table_set(t, "RESTORED", "%lld", num(rr, "updated"));
			table_set(t, "REINSERTED", "%lld", num(rr, "inserted"));
		}
		table_print(t, fp);
		table_free(t);
	}
	fprintf(fp, "in all: %lld rows deleted, %lld restored, %lld re-inserted; it would then "
		"pause timer refreshes\n", num(rows, "deleted"), num(rows, "updated"),
		num(rows, "inserted"));
}

void render_rollback(FILE *fp, json_t *r)
{
	json_t *rows = json_object_get(r, "rows"), *id;
	size_t i;

	if (json_is_true(json_object_get(r, "dry_run"))) {
		render_rollback_preview(fp, r);
		return;
	}

	fprintf(fp, "rollback run %lld undid run", num(r, "run_id"));
	json_array_foreach(json_object_get(r, "undone"), i, id)
		fprintf(fp, "%s %lld", i ? "," : "", (long long)json_integer_value(id));
	fprintf(fp, " in %lld ms: %lld rows deleted, %lld restored, %lld re-inserted\n"
		"analytics are now paused: timer refreshes are refused until analyticsctl resume\n",
		num(r, "duration_ms"), num(rows, "deleted"), num(rows, "updated"),
		num(rows, "inserted"));
}

void render_loyalty(FILE *fp, json_t *r)
{
	json_t *rows = json_object_get(r, "rows"), *t;
	const char *name;
	char scope[80];

	fprintf(fp, "loyalty rebuild (%s) run %lld %s in %lld ms: %lld inserted, %lld updated, "
		"%lld deleted, %lld unchanged\n", SCOPE(r, scope), num(r, "run_id"),
		str(r, "status", "?"), num(r, "duration_ms"), num(rows, "inserted"),
		num(rows, "updated"), num(rows, "deleted"), num(rows, "unchanged"));
	json_object_foreach(json_object_get(r, "tables"), name, t)
		fprintf(fp, "  %-22s +%lld ~%lld -%lld =%lld\n", name, num(t, "inserted"),
			num(t, "updated"), num(t, "deleted"), num(t, "unchanged"));
}

void render_control(FILE *fp, json_t *r)
{
	fprintf(fp, "analytics %s\n", json_is_true(json_object_get(r, "paused"))
		? "paused: timer refreshes are refused, manual ones need --force"
		: "resumed: refreshes run again");
}

void render_capture(FILE *fp, json_t *r)
{
	json_t *chk, *key;
	size_t i, k;

	if (json_is_boolean(json_object_get(r, "changed"))) {
		bool on = json_is_true(json_object_get(r, "enabled"));
		bool changed = json_is_true(json_object_get(r, "changed"));

		fprintf(fp, "change capture %s %s", changed ? "is now" : "was already", on ? "on" : "off");
		if (json_is_true(json_object_get(r, "requeued")))
			fprintf(fp, ": every customer is queued, the next incremental run recomputes "
				"the whole table");
		else if (!on)
			fprintf(fp, ": writes are not queued until analyticsctl capture on");
		fputc('\n', fp);
		return;
	}
	render_switch(fp, r);
	json_array_foreach(json_object_get(r, "checks"), i, chk) {
		const char *st = str(chk, "status", "?");

		fprintf(fp, "%-6s %-17s %s\n", strcmp(st, "pass") == 0 ? "ok" :
			strcmp(st, "warn") == 0 ? "WARN" : "FAIL", str(chk, "name", "?"),
			str(chk, "detail", ""));
		json_array_foreach(json_object_get(chk, "keys"), k, key)
			fprintf(fp, "%-6s %-17s   %s\n", "", "",
				json_string_value(key) ? json_string_value(key) : "?");
	}
}

void render_reload(FILE *fp, json_t *r)
{
	fprintf(fp, "configuration reloaded from %s\n", str(r, "config", "?"));
}

void render_job_state(FILE *fp, json_t *r)
{
	char scope[80];

	fprintf(fp, "%s %s (%s): %s", str(r, "kind", "?"), str(r, "mode", "?"),
		SCOPE(r, scope), str(r, "state", "?"));
	if (num(r, "run_id") != 0)
		fprintf(fp, " as run %lld", num(r, "run_id"));
	fputc('\n', fp);
}

/* "computing 45000 of 200000 (22%, about 12 s left)": the work's count, and the time left
 * at the rate since the first count (ETA). "" without a count. */
static void render_work(char *buf, size_t len, json_t *event, bool tty)
{
	static double t0 = -1;
	static long long d0;
	json_t *w = json_object_get(event, "work");
	double t = (double)num(event, "elapsed_ms") / 1000;
	long long done = num(w, "done"), total = num(w, "total");
	int pct, off;

	buf[0] = '\0';
	if (!json_is_object(w) || total <= 0)
		return;
	pct = (int)(done * 100 / total);
	if (pct > 99 && done < total)
		pct = 99;
	off = snprintf(buf, len, " %lld of %lld customers (%d%%", done, total, pct);
	if (t0 < 0 || done < d0) {
		t0 = t;
		d0 = done;
	} else if (done > d0 && t > t0 && off > 0 && (size_t)off < len) {
		double left = (double)(total - done) / ((double)(done - d0) / (t - t0));

		off += snprintf(buf + off, len - (size_t)off, ", about %.0f s left", left > 0 ? left : 0);
	}
	if (off > 0 && (size_t)off < len)
		off += snprintf(buf + off, len - (size_t)off, ")");
	if (tty && off > 0 && (size_t)off + 24 < len) {
		char bar[21];

		for (int i = 0; i < 20; i++)
			bar[i] = i < pct / 5 ? '#' : '.';
		bar[20] = '\0';
		snprintf(buf + off, len - (size_t)off, " [%s]", bar);
	}
}

void render_event(FILE *fp, json_t *event, bool tty)
{
	char line[320], scope[80], work[128];
	double elapsed = (double)num(event, "elapsed_ms") / 1000;

	render_work(work, sizeof(work), event, tty);
	if (strcmp(str(event, "event", ""), "accepted") == 0)
		snprintf(line, sizeof(line), "%s %s (%s): %s", str(event, "kind", "?"),
			 str(event, "mode", "?"), SCOPE(event, scope), str(event, "state", "?"));
	else if (num(event, "run_id") == 0)        /* null before the run is recorded */
		snprintf(line, sizeof(line), "%s %s: %s (%.1f s)", str(event, "kind", "refresh"),
			 str(event, "mode", "?"), str(event, "phase", "?"), elapsed);
	else
		snprintf(line, sizeof(line), "%s %s run %lld: %s%s (%.1f s)",
			 str(event, "kind", "refresh"), str(event, "mode", "?"), num(event, "run_id"),
			 str(event, "phase", "?"), work, elapsed);
	/* On a terminal, one line rewritten in place. In a log (a timer's journal), a
	 * line only when the phase changes: the once-a-second heartbeat says nothing
	 * new there. */
	if (tty) {
		fprintf(fp, "\r\033[K%s", line);
	} else {
		static char last[256];
		char key[256];

		snprintf(key, sizeof(key), "%s|%s|%lld|%s", str(event, "event", ""),
			 str(event, "mode", ""), num(event, "run_id"), str(event, "phase", ""));
		if (strcmp(key, last) == 0)
			return;
		snprintf(last, sizeof(last), "%s", key);
		fprintf(fp, "%s\n", line);
	}
	fflush(fp);
}

void render_event_done(FILE *fp, bool tty)
{
	if (tty)
		fprintf(fp, "\r\033[K");
}

void render_cancel(FILE *fp, json_t *r)
{
	json_t *a = json_object_get(r, "cancelled"), *q;
	char scope[80];
	size_t i;

	if (json_array_size(a) == 0)
		fprintf(fp, "nothing to cancel: no job was running or queued\n");
	json_array_foreach(a, i, q) {
		bool running = strcmp(str(q, "state", ""), "running") == 0;
		bool late = json_is_string(json_object_get(q, "note"));

		fprintf(fp, "%s %s %s (%s)", !running ? "dropped the queued" : late ?
			"too late for the running" : "stopped the running", str(q, "kind", "?"),
			str(q, "mode", ""), SCOPE(q, scope));
		if (json_is_integer(json_object_get(q, "run_id")))
			fprintf(fp, ", run %lld", num(q, "run_id"));
		if (late)
			fprintf(fp, ": %s", str(q, "note", ""));
		fputc('\n', fp);
	}
}
