/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for the daemon's request path past the codec: bytes
 * arrive on a real control connection (a socketpair, through client.c's
 * line framing and limits) and go on to the command table and every
 * command's argument checks (commands.c, cmd_*.c). The database is never
 * connected, so every command that gets past its checks meets the
 * "database unavailable" paths, which must answer and free as well.
 * Properties: no crash, no sanitizer report, no leak, and the connection
 * is always closed by the end of the input (nothing waits forever).
 *
 * The daemon's own main() is renamed at build time (see the Makefile), so
 * this file provides the process and the daemon it serves.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "client.h"
#include "config.h"
#include "daemon.h"
#include "db.h"
#include "dbhosts.h"
#include "groups.h"
#include "listener.h"
#include "job.h"
#include "log.h"
#include "main.h"
#include "runlog.h"

static void on_accept(struct daemon *dd, int fd)
{
	(void)client_accept(dd, fd);    /* it closes fd when it refuses it */
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct daemon d;
static char dir[] = "/tmp/fuzz_dispatch.XXXXXX";

static void cleanup(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/control.sock", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/analyticsd.conf", dir);
	unlink(path);
	rmdir(dir);
}

static void on_state(struct db_conn *db, enum db_state old, void *arg)
{
	(void)db;
	(void)old;
	(void)arg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256] = "", path[128];
	FILE *f;

	(void)argc;
	(void)argv;
	log_init(LOG_CRIT);
	/* A configuration of its own (which `reload` re-reads) and a real
	 * listening socket, for what status reports; both in a private dir. */
	if (mkdtemp(dir) == NULL || atexit(cleanup) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/analyticsd.conf", dir);
	f = fopen(path, "w");
	if (f == NULL || fprintf(f, "control = { socket = \"%s/control.sock\"; };\n", dir) < 0 ||
	    fclose(f) != 0)
		abort();
	d.cfg_path = strdup(path);
	d.reload = daemon_reload;       /* as main() lends it */
	d.cfg = cfg_load(d.cfg_path, false, err, sizeof(err));
	d.base = event_base_new();
	if (d.cfg == NULL || d.base == NULL || (d.clients = clients_new(&d)) == NULL ||
	    (d.jobs = jobs_new(&d, NULL)) == NULL || (d.runlog = runlog_new(&d)) == NULL ||
	    (d.listener = listener_open(&d, on_accept, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_dispatch: setup failed: %s\n", err);
		abort();
	}
	snprintf(d.host, sizeof(d.host), "fuzz");
	/* As main() sets them up: `reload` looks the groups up again and re-reads the
	 * resolver's configuration. */
	if ((d.groups = groups_new(&d)) == NULL || (d.dns = dbhosts_resolver_new(d.base)) == NULL)
		abort();
	d.db_ctl = db_new(d.base, d.dns, "ctl", on_state, &d);
	d.db_work = db_new(d.base, d.dns, "work", on_state, &d);
	d.db_check = db_new(d.base, d.dns, "check", on_state, &d);
	if (d.db_ctl == NULL || d.db_work == NULL || d.db_check == NULL)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	char sink[65536];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
		abort();
	if (client_accept(&d, sv[0]) != 0)
		abort();
	/* The input, then EOF: the daemon must answer what it can and close. */
	for (size_t off = 0; off < size;) {
		ssize_t n = write(sv[1], data + off, size - off);
		if (n > 0)
			off += (size_t)n;
		event_base_loop(d.base, EVLOOP_NONBLOCK);
		while (read(sv[1], sink, sizeof(sink)) > 0)
			;
		if (n < 0 && clients_count(d.clients) == 0)
			break;                  /* cut off at a limit */
	}
	shutdown(sv[1], SHUT_WR);
	for (int i = 0; i < 1000 && clients_count(d.clients) > 0; i++) {
		event_base_loop(d.base, EVLOOP_NONBLOCK);
		while (read(sv[1], sink, sizeof(sink)) > 0)
			;
	}
	if (clients_count(d.clients) > 0) {
		fprintf(stderr, "fuzz_dispatch: the connection was not closed at EOF\n");
		abort();
	}
	close(sv[1]);
	return 0;
}
