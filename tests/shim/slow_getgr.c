/* SPDX-License-Identifier: ISC */
/*
 * LD_PRELOAD shim for t_group_lookup: getgrnam_r() as a directory service
 * under trouble makes it, slow. While the file named by SLOW_GETGR_FILE
 * exists, every lookup first sleeps SLOW_GETGR_S seconds (default 3).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <grp.h>
#include <stdlib.h>
#include <unistd.h>

typedef int (*getgrnam_r_fn)(const char *, struct group *, char *, size_t, struct group **);

int getgrnam_r(const char *name, struct group *grp, char *buf, size_t len, struct group **res)
{
	static getgrnam_r_fn real;
	const char *file = getenv("SLOW_GETGR_FILE");
	const char *secs = getenv("SLOW_GETGR_S");

	if (real == NULL)
		real = (getgrnam_r_fn)dlsym(RTLD_NEXT, "getgrnam_r");
	if (real == NULL)
		return 38;      /* ENOSYS */
	if (file != NULL && access(file, F_OK) == 0)
		sleep(secs != NULL ? (unsigned)atoi(secs) : 3);
	return real(name, grp, buf, len, res);
}
