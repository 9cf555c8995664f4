/* SPDX-License-Identifier: ISC */
/*
 * analyticsctl metrics: the daemon's `metrics` reply in the Prometheus text
 * exposition format (version 0.0.4), for node_exporter's textfile collector
 * (--output FILE, written to a temporary file and renamed) or any scraper.
 * When the daemon cannot be reached the output still says so
 * (analyticsd_up 0), so that an alert on it fires instead of going silent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "render.h"

static void family(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value as the format wants it: backslash, quote and newline escaped. */
static void label_value(FILE *fp, const char *v)
{
	fputc('"', fp);
	for (; v != NULL && *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(fp, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", fp);
		else
			fputc(*v, fp);
	}
	fputc('"', fp);
}

static void labels(FILE *fp, json_t *row, const char *const *keys, const char *extra_key,
		   const char *extra_value)
{
	const char *sep = "{";

	for (size_t i = 0; keys[i] != NULL; i++) {
		fprintf(fp, "%s%s=", sep, keys[i]);
		label_value(fp, json_string_value(json_object_get(row, keys[i])));
		sep = ",";
	}
	if (extra_key != NULL) {
		fprintf(fp, "%s%s=", sep, extra_key);
		label_value(fp, extra_value);
	}
	fputs("}", fp);
}

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static bool has(json_t *o, const char *key)
{
	return json_is_number(json_object_get(o, key));
}

/*
 * A reply's RFC 3339 time in UTC ("2026-11-20T09:30:00Z", with or without
 * ".mmm") as Unix seconds, which Prometheus wants; false when it is not one.
 */
static bool unix_time(json_t *o, const char *key, double *out)
{
	const char *s = json_string_value(json_object_get(o, key)), *end;
	struct tm tm;
	double frac = 0;

	if (s == NULL)
		return false;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL)
		return false;
	if (*end == '.') {
		char *after;
		frac = strtod(end, &after);
		end = after;
	}
	if (strcmp(end, "Z") != 0)
		return false;
	*out = (double)timegm(&tm) + frac;
	return true;
}

/* A reply's duration in integer milliseconds, as seconds. */
static double seconds(json_t *o, const char *key)
{
	return num(o, key) / 1000;
}

static void gauge(FILE *fp, const char *name, const char *help, double v)
{
	family(fp, name, "gauge", help);
	fprintf(fp, "%s %.15g\n", name, v);
}

/* Whether a kind and mode is the one a row before it had (rows come sorted). */
static bool same_run(json_t *a, json_t *b)
{
	return a != NULL &&
	       strcmp(json_string_value(json_object_get(a, "kind")) ?: "",
		      json_string_value(json_object_get(b, "kind")) ?: "") == 0 &&
	       strcmp(json_string_value(json_object_get(a, "mode")) ?: "",
		      json_string_value(json_object_get(b, "mode")) ?: "") == 0;
}

/* Per kind and mode, when its last run of either status finished. */
static void latest(FILE *fp, json_t *rows, const char *name, const char *help, const char *st1,
		   const char *st2)
{
	static const char *const km[] = { "kind", "mode", NULL };
	json_t *row, *prev = NULL, *r2;
	size_t i, k;

	family(fp, name, "gauge", help);
	json_array_foreach(rows, i, row) {
		double last = 0, t;
		bool any = false;

		if (same_run(prev, row))
			continue;
		prev = row;
		json_array_foreach(rows, k, r2) {
			const char *st = json_string_value(json_object_get(r2, "status"));

			if (!same_run(row, r2) || st == NULL || !unix_time(r2, "last_finished_at", &t) ||
			    (strcmp(st, st1) != 0 && strcmp(st, st2) != 0))
				continue;
			if (!any || t > last)
				last = t;
			any = true;
		}
		if (!any)
			continue;
		fprintf(fp, "%s", name);
		labels(fp, row, km, NULL, NULL);
		fprintf(fp, " %.3f\n", last);
	}
}

/* The per kind and mode families, from metrics_runs.sql's rows (one per status). */
static void runs(FILE *fp, json_t *rows)
{
	static const char *const km[] = { "kind", "mode", NULL };
	static const char *const kms[] = { "kind", "mode", "status", NULL };
	static const char *const changes[] = { "inserted", "updated", "deleted", "unchanged" };
	json_t *row, *prev;
	size_t i;

	family(fp, "analyticsd_runs_total", "counter",
	       "Runs finished, by kind, mode and status (succeeded, failed, cancelled), counted "
	       "as they finish: a later rollback or pruning does not take one back.");
	json_array_foreach(rows, i, row) {
		if (strcmp(json_string_value(json_object_get(row, "status")) ?: "", "rolled_back") == 0)
			continue;
		fprintf(fp, "analyticsd_runs_total");
		labels(fp, row, kms, NULL, NULL);
		fprintf(fp, " %.0f\n", num(row, "runs"));
	}
	family(fp, "analyticsd_runs_rolled_back_total", "counter",
	       "Successful runs that a rollback undid later, by kind and mode.");
	json_array_foreach(rows, i, row) {
		if (strcmp(json_string_value(json_object_get(row, "status")) ?: "", "rolled_back") != 0)
			continue;
		fprintf(fp, "analyticsd_runs_rolled_back_total");
		labels(fp, row, km, NULL, NULL);
		fprintf(fp, " %.0f\n", num(row, "runs"));
	}
	/* A success is a run that succeeded, whether or not it was rolled back later. */
	latest(fp, rows, "analyticsd_last_success_timestamp_seconds",
	       "When the last successful run of a kind and mode finished (Unix time).",
	       "succeeded", "rolled_back");
	latest(fp, rows, "analyticsd_last_failure_timestamp_seconds",
	       "When the last failed or cancelled run of a kind and mode finished (Unix time).",
	       "failed", "cancelled");
	family(fp, "analyticsd_last_run_duration_seconds", "gauge",
	       "How long the last finished run of a kind and mode took.");
	prev = NULL;
	json_array_foreach(rows, i, row) {
		if (same_run(prev, row) || !has(row, "duration_ms"))
			continue;
		prev = row;
		fprintf(fp, "analyticsd_last_run_duration_seconds");
		labels(fp, row, km, NULL, NULL);
		fprintf(fp, " %.3f\n", seconds(row, "duration_ms"));
	}
	family(fp, "analyticsd_last_run_rows", "gauge",
	       "Rows the last finished run of a kind and mode inserted, updated, deleted or left unchanged.");
	for (size_t c = 0; c < 4; c++) {
		prev = NULL;
		json_array_foreach(rows, i, row) {
			json_t *n = json_object_get(row, "rows");

			if (same_run(prev, row) || !has(n, changes[c]))
				continue;
			prev = row;
			fprintf(fp, "analyticsd_last_run_rows");
			labels(fp, row, km, "change", changes[c]);
			fprintf(fp, " %.0f\n", num(n, changes[c]));
		}
	}
}

void render_metrics(FILE *fp, json_t *r)
{
	json_t *schema = json_object_get(r, "schema"), *state = json_object_get(r, "state");
	double t;

	family(fp, "analyticsd_up", "gauge", "1 when analyticsd answered this scrape.");
	fprintf(fp, "analyticsd_up 1\n");
	family(fp, "analyticsd_build_info", "gauge", "analyticsd's version, as a label.");
	fprintf(fp, "analyticsd_build_info{version=");
	label_value(fp, json_string_value(json_object_get(r, "version")));
	fprintf(fp, "} 1\n");
	if (unix_time(r, "started_at", &t))
		gauge(fp, "analyticsd_start_time_seconds", "When the daemon started (Unix time).", t);
	gauge(fp, "analyticsd_database_up", "1 when the daemon's database connection is up.",
	      json_is_true(json_object_get(r, "database_up")));
	gauge(fp, "analyticsd_job_running", "1 while a job (refresh, rollback, rebuild, migration) runs.",
	      json_is_true(json_object_get(r, "job_running")));
	gauge(fp, "analyticsd_jobs_queued", "Jobs waiting for the running one.",
	      num(r, "jobs_queued"));
	gauge(fp, "analyticsd_follow_interval_seconds",
	      "Follow mode's interval (refresh.follow_interval_s); 0 when off.",
	      seconds(r, "follow_interval_ms"));
	if (json_is_object(schema)) {
		gauge(fp, "analyticsd_schema_version", "The newest migration applied.",
		      num(schema, "version"));
		gauge(fp, "analyticsd_schema_pending_migrations",
		      "Migrations and function scripts this analyticsd knows that are not applied.",
		      num(schema, "pending"));
	}
	if (json_is_array(json_object_get(r, "runs")))
		runs(fp, json_object_get(r, "runs"));
	if (json_is_object(state)) {
		gauge(fp, "analyticsd_paused", "1 while the analytics are paused.",
		      json_is_true(json_object_get(state, "paused")));
		if (json_is_true(json_object_get(state, "paused")) && unix_time(state, "paused_at", &t))
			gauge(fp, "analyticsd_paused_since_timestamp_seconds",
			      "When the analytics were paused (Unix time).", t);
		gauge(fp, "analyticsd_capture_enabled",
		      "1 while change capture is on (analyticsctl capture).",
		      !json_is_false(json_object_get(state, "capture_enabled")));
		if (json_is_false(json_object_get(state, "capture_enabled")) &&
		    unix_time(state, "capture_changed_at", &t))
			gauge(fp, "analyticsd_capture_disabled_since_timestamp_seconds",
			      "When change capture was turned off (Unix time).", t);
		if (unix_time(state, "caught_up_at", &t))
			gauge(fp, "analyticsd_caught_up_timestamp_seconds",
			      "When an incremental run last found nothing queued and nothing due (Unix time).",
			      t);
		gauge(fp, "analyticsd_queue_entries", "Change queue entries waiting for a run.",
		      num(state, "queue_entries"));
		gauge(fp, "analyticsd_queue_oldest_age_seconds",
		      "Age of the oldest queued change; 0 when the queue is empty.",
		      seconds(state, "queue_oldest_age_ms"));
		gauge(fp, "analyticsd_rows_due", "Rows whose values have changed with time alone since their last run.",
		      num(state, "rows_due"));
	}
}

void render_metrics_down(FILE *fp)
{
	family(fp, "analyticsd_up", "gauge", "1 when analyticsd answered this scrape.");
	fprintf(fp, "analyticsd_up 0\n");
}

int metrics_write(const char *path, json_t *result, char *err, size_t errlen)
{
	char tmp[4096];
	FILE *fp;
	int fd, saved;

	/* In the same directory, so that rename() replaces the file atomically: the
	 * collector reads the old file or the new one, never half of one. */
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "cannot create a file beside %s: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -1;
	}
	if (result != NULL)
		render_metrics(fp, result);
	else
		render_metrics_down(fp);
	/* Readable by the collector, whoever it runs as. */
	if (fchmod(fd, 0644) != 0 || fflush(fp) != 0 || fsync(fd) != 0 || ferror(fp)) {
		saved = errno;
		fclose(fp);
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(saved));
		return -1;
	}
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(saved));
		return -1;
	}
	return 0;
}
