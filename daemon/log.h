/* SPDX-License-Identifier: ISC */
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

/* Where a log call is: journald's CODE_FILE, CODE_LINE and CODE_FUNC. */
struct log_site {
	const char *file;
	int line;
	const char *func;
};
#define LOG_SITE ((struct log_site){ __FILE__, __LINE__, __func__ })

/* A plain message. */
#define log_msg(prio, ...) log_msg_at(LOG_SITE, prio, __VA_ARGS__)
void log_msg_at(struct log_site site, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A structured event. `message_id` may be NULL; `fields` is a NULL-terminated
 * list of "KEY=value" strings (journald field names: upper case, digits, _).
 */
#define log_event(prio, message_id, fields, ...) \
	log_event_at(LOG_SITE, prio, message_id, fields, __VA_ARGS__)
void log_event_at(struct log_site site, int prio, const char *message_id,
		  const char *const *fields, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void log_eventv_at(struct log_site site, int prio, const char *message_id,
		   const char *const *fields, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

#endif
