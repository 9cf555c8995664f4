/* SPDX-License-Identifier: ISC */
/*
 * A reply made safe for a terminal before it is rendered (analytics_text.h):
 * replies carry values from the database (a timezone, a pause reason, a
 * server message), and printed raw an escape sequence in one could retitle
 * the window, clear the screen or recolour what follows. --json output is
 * left as it is: JSON escapes control characters itself.
 */
#ifndef CTL_SAFE_H
#define CTL_SAFE_H

#include <jansson.h>

/* Every string and key in v escaped in place. A string whose value pointer
 * is *track (a reply's message, say) is followed: *track then points at the
 * escaped value. track may be NULL. */
void safe_json(json_t *v, const char **track);

#endif
