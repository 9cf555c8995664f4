/* SPDX-License-Identifier: ISC */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* The location fields are the caller's (log.h's macros), not this file's. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "analytics_text.h"
#include "config.h"
#include "log.h"

#define LOG_MAX_FIELDS 16

static struct {
	int level;
	bool journal;
} log_state = { LOG_INFO, false };

static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(int level)
{
	const char *force = getenv("ANALYTICSD_LOG_TARGET");

	log_state.level = level;
	if (force != NULL && strcmp(force, "journal") == 0)
		log_state.journal = true;
	else if (force != NULL && strcmp(force, "stderr") == 0)
		log_state.journal = false;
	else
		log_state.journal = stderr_is_journal();
}

void log_set_level(int level)
{
	log_state.level = level;
}

int log_get_level(void)
{
	return log_state.level;
}

static void log_write(struct log_site site, int prio, const char *message_id,
		      const char *const *fields, const char *fmt, va_list ap)
{
	char msg[2048], safe[4 * sizeof(msg)];
	int n_fields = 0;

	if (prio > log_state.level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	while (fields != NULL && n_fields < LOG_MAX_FIELDS && fields[n_fields] != NULL)
		n_fields++;

	if (log_state.journal) {
		char mbuf[sizeof(msg) + 16], pbuf[16], ibuf[64], file[256], line[32];
		struct iovec iov[LOG_MAX_FIELDS + 3];
		int n = 0;

		snprintf(mbuf, sizeof(mbuf), "MESSAGE=%s", msg);
		snprintf(pbuf, sizeof(pbuf), "PRIORITY=%d", prio);
		iov[n++] = (struct iovec){ mbuf, strlen(mbuf) };
		iov[n++] = (struct iovec){ pbuf, strlen(pbuf) };
		if (message_id != NULL) {
			snprintf(ibuf, sizeof(ibuf), "MESSAGE_ID=%s", message_id);
			iov[n++] = (struct iovec){ ibuf, strlen(ibuf) };
		}
		for (int i = 0; i < n_fields; i++)
			iov[n++] = (struct iovec){ (void *)fields[i], strlen(fields[i]) };
		snprintf(file, sizeof(file), "CODE_FILE=%s", site.file);
		snprintf(line, sizeof(line), "CODE_LINE=%d", site.line);
		if (sd_journal_sendv_with_location(file, line, site.func, iov, n) >= 0)
			return;
		/* Fall through to stderr: a lost log line is worse than a plain one. */
	}

	/* Values from the database and from peers are in there: one line, nothing a
	 * terminal (journalctl's pager aside) would obey. */
	fprintf(stderr, "analyticsd[%d]: %s: %s", (int)getpid(), cfg_level_name(prio),
		text_has_controls(msg) ? text_escape(msg, safe, sizeof(safe)) : msg);
	for (int i = 0; i < n_fields; i++)
		fprintf(stderr, " %s", text_has_controls(fields[i])
			? text_escape(fields[i], safe, sizeof(safe)) : fields[i]);
	fputc('\n', stderr);
	fflush(stderr);
}

void log_msg_at(struct log_site site, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(site, prio, NULL, NULL, fmt, ap);
	va_end(ap);
}

void log_eventv_at(struct log_site site, int prio, const char *message_id,
		   const char *const *fields, const char *fmt, va_list ap)
{
	log_write(site, prio, message_id, fields, fmt, ap);
}

void log_event_at(struct log_site site, int prio, const char *message_id,
		  const char *const *fields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(site, prio, message_id, fields, fmt, ap);
	va_end(ap);
}
