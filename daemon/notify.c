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

void notify_status_reset(void)
{
	last_status[0] = '\0';
}
