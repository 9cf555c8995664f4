/* SPDX-License-Identifier: ISC */
/* The handlers' common ground (cmd.h). */
#include "cmd.h"
#include "util.h"

const char *cmd_arg_str(const struct cmd_args *a, const char *name, const char *dflt)
{
	const char *s = json_string_value(json_object_get(a->obj, name));

	return s ? s : dflt;
}

long long cmd_arg_int(const struct cmd_args *a, const char *name, long long dflt)
{
	json_t *v = json_object_get(a->obj, name);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

bool cmd_arg_bool(const struct cmd_args *a, const char *name, bool dflt)
{
	json_t *v = json_object_get(a->obj, name);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

void cmd_redact_for_reader(const struct request *rq, json_t *obj)
{
	const char *msg = json_string_value(json_object_get(obj, "message"));
	char buf[1024];
	json_t *redacted;

	if (msg == NULL || request_may_write(rq))
		return;
	util_redact_quoted(msg, buf, sizeof(buf));
	/* Cut short inside a character, it is no string: say so rather than show it. */
	redacted = json_string(buf);
	json_object_set_new(obj, "message", redacted ? redacted
			    : json_string("(not shown to readers)"));
}
