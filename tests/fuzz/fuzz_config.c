/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for the configuration: any bytes as analyticsd.conf,
 * through libconfig's parser and the daemon's loading and validation
 * (daemon/config.c, the conninfo's reading by libpq included). A file
 * either loads into a configuration whose every setting is within its
 * bounds, or fails with "PATH:LINE: reason" (or "PATH: reason"); never a
 * crash, a sanitizer report or a leak (but libconfig's own, tests/fuzz/lsan.supp).
 *
 *   make fuzz                 (FUZZ_SECONDS=300 by default)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	char err[1024] = "";
	struct cfg *c;

	if (fd < 0) {
		fd = memfd_create("fuzz.conf", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	c = cfg_load(path, false, err, sizeof(err));
	if (c == NULL) {
		if (strncmp(err, path, strlen(path)) != 0)
			abort();
		return 0;
	}
	if (c->control.max_clients < 1 || c->control.max_clients > 4096 ||
	    c->control.idle_timeout_s < 1 || c->database.connect_timeout_s < 1 ||
	    c->refresh.keep_runs < 1 || strlen(c->control.socket) > 107 ||
	    strlen(c->database.conninfo) > 4096)
		abort();
	cfg_free(c);
	return 0;
}
