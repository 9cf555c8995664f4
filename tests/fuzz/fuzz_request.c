/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for the control protocol codec (lib/proto.c): every line
 * a peer can send to the daemon goes through proto_request_parse, and every
 * line the daemon sends back through the reply encoders and, in
 * analyticsctl, proto_reply_parse. Properties checked, beyond "no crash,
 * no sanitizer report, no leak":
 *   - a parsed request re-encodes and parses back to the same command;
 *   - any bytes, used as an error message, still give one valid reply line.
 *
 *   make fuzz                 (FUZZ_SECONDS=300 by default)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request req;
	struct proto_reply rep;
	char err[512], msg[2048];
	char *line;

	if (proto_request_parse((const char *)data, size, &req, err, sizeof(err)) == 0) {
		line = proto_request_encode(req.cmd, json_deep_copy(req.args));
		if (line == NULL)
			abort();
		struct proto_request again;
		if (proto_request_parse(line, strlen(line) - 1, &again, err, sizeof(err)) != 0 ||
		    strcmp(again.cmd, req.cmd) != 0)
			abort();
		proto_request_free(&again);
		free(line);
		proto_request_free(&req);
	}

	if (proto_reply_parse((const char *)data, size, &rep, err, sizeof(err)) == 0)
		proto_reply_free(&rep);

	/* The input as an error message: always one parseable error line. */
	size_t n = size < sizeof(msg) - 1 ? size : sizeof(msg) - 1;
	memcpy(msg, data, n);
	msg[n] = '\0';
	line = proto_reply_error(PROTO_ERR_BAD_REQUEST, "%s", msg);
	if (line == NULL || strchr(line, '\n') != line + strlen(line) - 1)
		abort();
	if (proto_reply_parse(line, strlen(line) - 1, &rep, err, sizeof(err)) != 0 ||
	    rep.kind != PROTO_REPLY_ERROR || rep.err != PROTO_ERR_BAD_REQUEST)
		abort();
	proto_reply_free(&rep);
	free(line);
	return 0;
}
