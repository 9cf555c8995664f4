/* SPDX-License-Identifier: ISC */
/*
 * Text from elsewhere (the database's values and messages, a peer's
 * request) made unable to drive a terminal or forge a line: every control
 * character but tab escaped, C0 (newline too) and DEL as \xHH, C1
 * (U+0080-U+009F in UTF-8, which some terminals obey: U+009B is CSI) as
 * \u00HH. analyticsctl's human output and the daemon's stderr log lines pass
 * through it.
 */
#ifndef ANALYTICS_TEXT_H
#define ANALYTICS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Does s hold a character text_escape() escapes? */
bool text_has_controls(const char *s);
/* s escaped into buf (always terminated, cut short to fit, never inside an
 * escape); returns buf. Each input byte takes at most 4 bytes of buf. */
char *text_escape(const char *s, char *buf, size_t len);

#endif
