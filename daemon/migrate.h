/* SPDX-License-Identifier: ISC */
/* `migrate up` and `migrate down` as a kind of job (see migrate.c). */
#ifndef AD_MIGRATE_H
#define AD_MIGRATE_H

#include <stdbool.h>

struct daemon;
struct job;

/* Its reply lists the applied (or reverted) migrations. NULL when out of memory. */
struct job *migrate_job(struct daemon *d, bool down);

#endif
