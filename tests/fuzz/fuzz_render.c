/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for analyticsctl's side of a reply: any line as the
 * daemon's reply (lib/proto.c's decoder), made safe for a terminal
 * (ctl/safe.c) and shown by every command's renderer (ctl/render.c,
 * ctl/table.c, ctl/metrics.c), as a progress event too. Whatever the daemon
 * (or something posing as it) sends: no crash, no sanitizer report, no leak,
 * and no control character but newline, tab and analyticsctl's own line
 * rewriting (CR, ESC [ K) reaches the terminal.
 *
 *   make fuzz                 (FUZZ_SECONDS=300 by default)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics_proto.h"
#include "args.h"
#include "render.h"
#include "safe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const ctl_render_fn renderers[] = {
	render_status, render_migrate, render_refresh, render_rollback, render_loyalty,
	render_control, render_capture, render_reload, render_check, render_runs,
	render_metrics, render_job_state,
};

/* What reached the "terminal": only text, newlines, tabs and CR + ESC [ K. */
static void assert_inert(const char *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)out[i];

		if (ch == 0x1b && i + 2 < len && out[i + 1] == '[' && out[i + 2] == 'K') {
			i += 2;
			continue;
		}
		if ((ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') || ch == 0x7f ||
		    (ch == 0xc2 && i + 1 < len && (unsigned char)out[i + 1] >= 0x80 &&
		     (unsigned char)out[i + 1] <= 0x9f))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_reply rep;
	char err[512], *out = NULL;
	size_t len = 0;
	FILE *fp;

	if (proto_reply_parse((const char *)data, size, &rep, err, sizeof(err)) != 0)
		return 0;
	safe_json(rep.root, &rep.message);
	fp = open_memstream(&out, &len);
	if (fp == NULL)
		abort();
	if (rep.kind == PROTO_REPLY_EVENT) {
		render_event(fp, rep.body, true);
		render_event_done(fp, true);
	} else if (rep.kind == PROTO_REPLY_OK) {
		for (size_t i = 0; i < sizeof(renderers) / sizeof(renderers[0]); i++)
			renderers[i](fp, rep.body);
	} else if (rep.message != NULL) {
		fputs(rep.message, fp);
	}
	fclose(fp);
	assert_inert(out, len);
	free(out);
	proto_reply_free(&rep);
	return 0;
}
