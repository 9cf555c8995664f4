/* Human-readable output of replies (the --json path prints them as they are). */
#ifndef CTL_RENDER_H
#define CTL_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

void render_result(FILE *fp, const char *cmd, json_t *result);
/* A progress event; on a terminal it rewrites one line in place. */
void render_event(FILE *fp, json_t *event, bool tty);
void render_event_done(FILE *fp, bool tty);

#endif
