/* sd_notify(3) messages to the service manager; all are no-ops without NOTIFY_SOCKET. */
#ifndef AD_NOTIFY_H
#define AD_NOTIFY_H

void notify_ready(void);
void notify_stopping(void);
void notify_reloading(void);
/* STATUS= line; only sent when it differs from the last one. */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void notify_status_reset(void);

#endif
