/* SPDX-License-Identifier: ISC */
/* sd_notify(3) messages to the service manager; all are no-ops without NOTIFY_SOCKET. */
#ifndef AD_NOTIFY_H
#define AD_NOTIFY_H

#include <event2/event.h>

void notify_ready(void);
void notify_stopping(void);
void notify_reloading(void);
/* STATUS= line; only sent when it differs from the last one. */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* WATCHDOG=1 every WATCHDOG_USEC/2 from the loop, if the manager asked; else NULL. */
struct event *notify_watchdog_start(struct event_base *base);

#endif
