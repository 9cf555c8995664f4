/* SPDX-License-Identifier: ISC */
/* analyticsctl metrics: the Prometheus text format, to stdout or a file (see metrics.c). */
#ifndef CTL_METRICS_H
#define CTL_METRICS_H

#include <stddef.h>

#include <jansson.h>

/* result NULL: the daemon did not answer (analyticsd_up 0). -1 with err set on failure. */
int metrics_write(const char *path, json_t *result, char *err, size_t errlen);
void render_metrics_down(FILE *fp);

#endif
