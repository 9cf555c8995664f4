/* SPDX-License-Identifier: ISC */
/* Human-readable output of replies (the --json path prints them as they are). */
#ifndef CTL_RENDER_H
#define CTL_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "table.h"

/* The columns of the tables, for --output and help. */
extern const struct table_col render_runs_columns[];
extern const struct table_col render_check_columns[];
extern const struct table_col render_migrations_columns[];

/* One per command (the command table in args.c names them). */
void render_status(FILE *fp, json_t *result);
void render_migrate(FILE *fp, json_t *result);
void render_refresh(FILE *fp, json_t *result);
void render_rollback(FILE *fp, json_t *result);
void render_loyalty(FILE *fp, json_t *result);
void render_control(FILE *fp, json_t *result);
void render_capture(FILE *fp, json_t *result);
void render_reload(FILE *fp, json_t *result);
void render_cancel(FILE *fp, json_t *result);
void render_check(FILE *fp, json_t *result);
void render_runs(FILE *fp, json_t *result);
void render_metrics(FILE *fp, json_t *result);      /* metrics.c */
/* A job's reply to --no-wait: where the request went. */
void render_job_state(FILE *fp, json_t *result);
/* A progress event; on a terminal it rewrites one line in place. */
void render_event(FILE *fp, json_t *event, bool tty);
void render_event_done(FILE *fp, bool tty);

#endif
