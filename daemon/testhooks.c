/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "testhooks.h"

#ifdef ANALYTICSD_TEST_HOOKS
#define HOOKS_ENABLED 1
#else
#define HOOKS_ENABLED 0
#endif

static const char *const hook_names[] = { "ANALYTICSD_TEST_AS_OF", "ANALYTICSD_TEST_SLEEP_S",
					   "ANALYTICSD_TEST_RESOLV_CONF",
					   "ANALYTICSD_TEST_GROUP_BITS",
					   "ANALYTICSD_TEST_SLICE_ROWS",
					   "ANALYTICSD_TEST_RETENTION_MS" };

static const char *hook(const char *name)
{
	const char *v;

	if (!HOOKS_ENABLED)
		return NULL;
	v = getenv(name);
	return v != NULL && *v != '\0' ? v : NULL;
}

const char *testhook_as_of(void)
{
	static char buf[64];
	const char *v = hook(hook_names[0]);
	FILE *f;

	if (v == NULL || v[0] != '@')
		return v;
	/* A test moves time on between runs by rewriting the file. */
	f = fopen(v + 1, "r");
	if (f == NULL) {
		log_msg(LOG_ERR, "test hook %s: cannot read %s", hook_names[0], v + 1);
		return NULL;
	}
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] ? buf : NULL;
}
const char *testhook_sleep_s(void) { return hook(hook_names[1]); }
const char *testhook_resolv_conf(void) { return hook(hook_names[2]); }
const char *testhook_group_bits(void) { return hook(hook_names[3]); }
const char *testhook_slice_rows(void) { return hook(hook_names[4]); }
const char *testhook_retention_ms(void) { return hook(hook_names[5]); }

void testhook_announce(void)
{
	for (size_t i = 0; i < sizeof(hook_names) / sizeof(hook_names[0]); i++) {
		const char *v = getenv(hook_names[i]);

		if (v == NULL || *v == '\0')
			continue;
		if (HOOKS_ENABLED)
			log_msg(LOG_WARNING, "test build: %s=%s is in force", hook_names[i], v);
		else
			log_msg(LOG_WARNING, "%s is set but ignored: only a test build "
				"(make TEST_HOOKS=1) honours it", hook_names[i]);
	}
}
