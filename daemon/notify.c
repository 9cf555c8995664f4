/* SPDX-License-Identifier: ISC */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"
#include "util.h"

static char last_status[256];

static void send_notify(const char *msg)
{
	int r = sd_notify(0, msg);

	if (r < 0)
		log_msg(LOG_WARNING, "sd_notify(\"%s\") failed: %s", msg, strerror(-r));
}

void notify_ready(void)
{
	char msg[sizeof(last_status) + 32];

	/* Repeat the status: after a reload the manager wants both. */
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", last_status);
	send_notify(msg);
}

void notify_stopping(void)
{
	send_notify("STOPPING=1\nSTATUS=Stopping");
}

void notify_reloading(void)
{
	char msg[96];

	/* One datagram: systemd 253+ needs MONOTONIC_USEC with RELOADING=1. */
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
		 util_monotonic_usec());
	send_notify(msg);
}

void notify_status(const char *fmt, ...)
{
	char status[sizeof(last_status)], msg[sizeof(last_status) + 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(status, sizeof(status), fmt, ap);
	va_end(ap);
	if (strcmp(status, last_status) == 0)
		return;
	memcpy(last_status, status, sizeof(last_status));
	snprintf(msg, sizeof(msg), "STATUS=%s", status);
	send_notify(msg);
}

static void watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	/* Sent from the loop: a loop that is stuck stops the pings, and
	 * systemd restarts the service. */
	send_notify("WATCHDOG=1");
}

struct event *notify_watchdog_start(struct event_base *base)
{
	uint64_t usec = 0;
	struct event *ev;
	struct timeval tv;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return NULL;
	tv.tv_sec = (time_t)(usec / 2 / 1000000u);
	tv.tv_usec = (suseconds_t)(usec / 2 % 1000000u);
	ev = event_new(base, -1, EV_PERSIST, watchdog_cb, NULL);
	if (ev == NULL || event_add(ev, &tv) != 0) {
		log_msg(LOG_ERR, "cannot start the watchdog timer");
		if (ev != NULL)
			event_free(ev);
		return NULL;
	}
	log_msg(LOG_INFO, "watchdog: pinging every %llu ms", (unsigned long long)(usec / 2000));
	send_notify("WATCHDOG=1");
	return ev;
}

