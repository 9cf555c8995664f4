/*
 * Logging: to journald with structured fields when stderr is connected to
 * the journal (JOURNAL_STREAM matches, as pgbouncer checks), else plain
 * lines on stderr.
 */
#ifndef AD_LOG_H
#define AD_LOG_H

#include <stdarg.h>
#include <syslog.h>

void log_init(int level);
void log_set_level(int level);
int log_get_level(void);

void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A structured event. `message_id` may be NULL; `fields` is a NULL-terminated
 * list of "KEY=value" strings (journald field names: upper case, digits, _).
 */
void log_event(int prio, const char *message_id, const char *const *fields,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

void log_eventv(int prio, const char *message_id, const char *const *fields,
		const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

#endif
