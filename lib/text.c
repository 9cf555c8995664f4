/* SPDX-License-Identifier: ISC */
/* Control characters escaped for a terminal (analytics_text.h). */
#include <stdio.h>
#include <string.h>

#include "analytics_text.h"

/* The length of the control character at s (1 for C0 and DEL, 2 for UTF-8 C1), or 0. */
static size_t control_at(const unsigned char *s)
{
	if ((s[0] < 0x20 && s[0] != '\t') || s[0] == 0x7f)
		return 1;
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	return 0;
}

bool text_has_controls(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (control_at(p) > 0)
			return true;
	return false;
}

char *text_escape(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t off = 0;

	if (len == 0)
		return buf;
	while (*p != '\0') {
		size_t n = control_at(p);
		char piece[8] = { (char)p[0], '\0' };
		size_t plen;

		if (n == 1)
			snprintf(piece, sizeof(piece), "\\x%02x", p[0]);
		else if (n == 2)
			snprintf(piece, sizeof(piece), "\\u%04x", p[1]);
		plen = strlen(piece);
		if (off + plen >= len)
			break;
		memcpy(buf + off, piece, plen);
		off += plen;
		p += n > 0 ? n : 1;
	}
	buf[off] = '\0';
	return buf;
}
