/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for analyticsctl's command line (ctl/args.c): the input,
 * split at NUL bytes, as argv. A command line either parses into a request
 * whose arguments are a JSON object naming a known command, or fails with a
 * usage message; never a crash, a sanitizer report or a leak. getopt is reset
 * fully before each run, as analyticsctl starts afresh.
 *
 *   make fuzz                 (FUZZ_SECONDS=300 by default)
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

#define MAX_ARGS 24

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *argv[MAX_ARGS + 2] = { "analyticsctl" };
	char *reset[] = { "reset", NULL };
	int argc = 1;
	char err[1024] = "";
	struct ctl_opts o;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (char *p = copy; argc <= MAX_ARGS && p <= copy + size; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	optind = 0;
	opterr = 0;
	(void)getopt(1, reset, "+");
	/* Help and usage go to stdout and stderr: keep the fuzzer's output readable. */
	if (freopen("/dev/null", "w", stdout) == NULL)
		abort();
	if (ctl_parse_args(argc, argv, &o, err, sizeof(err)) == 0) {
		if (!o.help && !o.version && (o.cmd == NULL || !json_is_object(o.args)))
			abort();
		json_decref(o.args);
	} else if (err[0] == '\0') {
		abort();
	}
	free(copy);
	return 0;
}
