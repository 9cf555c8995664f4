#include <stdlib.h>

#include "log.h"
#include "testhooks.h"

#ifdef ANALYTICSD_TEST_HOOKS
#define HOOKS_ENABLED 1
#else
#define HOOKS_ENABLED 0
#endif

static const char *const hook_names[] = { "ANALYTICSD_TEST_AS_OF", "ANALYTICSD_TEST_SLEEP_S" };

static const char *hook(const char *name)
{
	const char *v;

	if (!HOOKS_ENABLED)
		return NULL;
	v = getenv(name);
	return v != NULL && *v != '\0' ? v : NULL;
}

const char *testhook_as_of(void) { return hook(hook_names[0]); }
const char *testhook_sleep_s(void) { return hook(hook_names[1]); }

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
