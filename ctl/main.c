/* SPDX-License-Identifier: ISC */
/* analyticsctl: send one command to analyticsd and report its outcome. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analytics_exit.h"
#include "analytics_proto.h"
#include "args.h"
#include "conn.h"
#include "metrics.h"
#include "render.h"
#include "safe.h"

/*
 * An error analyticsctl found itself: on standard error always, and under
 * --json also as the daemon's errors look, {"ok":false,"error":{"code":...,
 * "message":...}}, so a script reads one shape. Its codes: "usage" (exit 64),
 * "unavailable" (the daemon out of reach, 69), "not_authorized" (77).
 */
static void report(bool json, const char *code, const char *prefix, const char *msg)
{
	char line[1400];

	snprintf(line, sizeof(line), "%s%s", prefix ? prefix : "", msg);
	fprintf(stderr, "analyticsctl: %s\n", line);
	if (json) {
		json_t *o = json_pack("{s:b,s:{s:s,s:s}}", "ok", 0, "error", "code", code,
				      "message", line);
		if (o != NULL) {
			json_dumpf(o, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
			json_decref(o);
		}
	}
}

/* metrics, when the daemon cannot be asked: say so in the output (analyticsd_up 0). */
static void metrics_down(const struct ctl_opts *o)
{
	char err[512];

	if (strcmp(o->cmd, "metrics") != 0 || o->json)
		return;
	if (o->output == NULL)
		render_metrics_down(stdout);
	else if (metrics_write(o->output, NULL, err, sizeof(err)) != 0)
		fprintf(stderr, "analyticsctl: %s\n", err);
}

static int run(const struct ctl_opts *o)
{
	char err[1024];
	struct ctl_conn *c;
	char *req;
	/* Progress rewritten in place only for a person at a terminal. */
	bool tty = isatty(STDOUT_FILENO) && isatty(STDERR_FILENO) && !o->json;
	bool shown_event = false, denied = false;
	int rc = EXIT_FAILED;

	c = ctl_connect(o->socket, &denied, err, sizeof(err));
	if (c == NULL) {
		report(o->json, denied ? proto_err_name(PROTO_ERR_NOT_AUTHORIZED) : "unavailable",
		       NULL, err);
		metrics_down(o);
		return denied ? EXIT_NOPERM : EXIT_UNAVAILABLE;
	}
	if (strcmp(o->socket, CTL_DEFAULT_SOCKET) == 0 &&
	    ctl_check_peer(c, o->socket, CTL_DAEMON_USER, err, sizeof(err)) != 0) {
		report(o->json, "unavailable", NULL, err);
		metrics_down(o);
		ctl_close(c);
		return EXIT_UNAVAILABLE;
	}
	req = proto_request_encode(o->cmd, json_incref(o->args));
	if (req == NULL || ctl_send(c, req, err, sizeof(err)) != 0) {
		fprintf(stderr, "analyticsctl: %s\n", req ? err : "out of memory");
		free(req);
		ctl_close(c);
		return EXIT_UNAVAILABLE;
	}
	free(req);
	for (;;) {
		struct proto_reply rep;
		const char *line;
		long n = ctl_read_line(c, o->timeout_s, &line, err, sizeof(err));

		if (n < 0) {
			if (shown_event)
				render_event_done(stderr, tty);
			report(o->json, "unavailable", NULL, err);
			metrics_down(o);
			rc = EXIT_UNAVAILABLE;
			break;
		}
		if (proto_reply_parse(line, (size_t)n, &rep, err, sizeof(err)) != 0) {
			fprintf(stderr, "analyticsctl: %s\n", err);
			rc = EXIT_FAILED;
			break;
		}
		if (!o->json)
			safe_json(rep.root, &rep.message);
		if (rep.kind == PROTO_REPLY_EVENT) {
			if (o->json) {
				/* JSON lines: each event on one line, as it comes. */
				json_dumpf(rep.root, stdout, JSON_COMPACT);
				fputc('\n', stdout);
				fflush(stdout);
			} else {
				render_event(stderr, rep.body, tty);
				shown_event = true;
			}
			proto_reply_free(&rep);
			continue;
		}
		if (shown_event)
			render_event_done(stderr, tty);
		if (o->json) {
			json_dumpf(rep.root, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
		}
		if (rep.kind == PROTO_REPLY_OK) {
			rc = EXIT_OK;
			if (o->output != NULL) {
				if (metrics_write(o->output, rep.body, err, sizeof(err)) != 0) {
					fprintf(stderr, "analyticsctl: %s\n", err);
					rc = EXIT_FAILED;
				}
			} else if (!o->json && json_is_false(json_object_get(o->args, "wait"))) {
				render_job_state(stdout, rep.body);
			} else if (!o->json) {
				o->command->render(stdout, rep.body);
			}
			/* check ran, but "exit 0 only if nothing fails" (analyticsctl(8)). */
			if (json_integer_value(json_object_get(json_object_get(rep.body, "summary"),
							       "fail")) > 0)
				rc = EXIT_FAILED;
			/* status: the daemon answers, but can it do its work? (As pg_ctl
			 * status tells its states apart.) */
			if (strcmp(o->cmd, "status") == 0 &&
			    json_is_string(json_object_get(json_object_get(rep.body, "database"), "state")) &&
			    strcmp(json_string_value(json_object_get(json_object_get(rep.body, "database"),
								     "state")), "connected") != 0)
				rc = EXIT_DEGRADED;
		} else {
			/* One prefix: a message that starts with the command's name has one. */
			size_t len = strlen(o->cmd);
			json_t *run = json_object_get(rep.body, "run_id");
			char run_note[48] = "";

			if (json_is_integer(run))
				snprintf(run_note, sizeof(run_note), " (run %" JSON_INTEGER_FORMAT ")",
					 json_integer_value(run));
			if (strncmp(rep.message, o->cmd, len) == 0 &&
			    (rep.message[len] == ' ' || rep.message[len] == ':'))
				fprintf(stderr, "analyticsctl: %s%s\n", rep.message, run_note);
			else
				fprintf(stderr, "analyticsctl: %s: %s%s\n", o->cmd, rep.message, run_note);
			rc = proto_err_exit_code(rep.err);
		}
		proto_reply_free(&rep);
		break;
	}
	ctl_close(c);
	return rc;
}

int main(int argc, char **argv)
{
	struct ctl_opts o;
	char err[512];
	int rc;

	if (ctl_parse_args(argc, argv, &o, err, sizeof(err)) != 0) {
		char prefix[64];
		bool json = o.json;

		/* --json may come after the word that was wrong. */
		for (int i = 1; i < argc && !json; i++)
			json = strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0;
		snprintf(prefix, sizeof(prefix), "%s: ", o.command ? o.command->name : "");
		report(json, "usage", o.command ? prefix : NULL, err);
		fprintf(stderr, "Try 'analyticsctl help%s%s'.\n", o.command ? " " : "",
			o.command ? o.command->name : "");
		return EXIT_USAGE;
	}
	if (o.help) {
		if (o.command != NULL)
			ctl_command_usage(stdout, o.command);
		else
			ctl_usage(stdout);
		return EXIT_OK;
	}
	if (o.version) {
		printf("analyticsctl %s (protocol %d)\n", ANALYTICSD_VERSION, PROTO_VERSION);
		return EXIT_OK;
	}
	rc = run(&o);
	json_decref(o.args);
	if (fflush(stdout) != 0 && rc == EXIT_OK)
		rc = EXIT_FAILED;
	return rc;
}
