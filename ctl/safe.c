/* SPDX-License-Identifier: ISC */
/* A reply's strings escaped for a terminal (safe.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "analytics_text.h"
#include "safe.h"

/* s escaped, allocated. */
static char *safe_dup(const char *s)
{
	size_t len = strlen(s) * 4 + 1;
	char *buf = malloc(len);

	return buf != NULL ? text_escape(s, buf, len) : NULL;
}

void safe_json(json_t *v, const char **track)
{
	const char *key;
	json_t *item, *renamed = NULL;
	size_t i;
	char *safe;

	if (v == NULL)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (!text_has_controls(json_string_value(v)) ||
		    (safe = safe_dup(json_string_value(v))) == NULL)
			return;
		{
			bool followed = track != NULL && *track == json_string_value(v);

			json_string_set(v, safe);
			if (followed)
				*track = json_string_value(v);
		}
		free(safe);
		return;
	case JSON_ARRAY:
		json_array_foreach(v, i, item)
			safe_json(item, track);
		return;
	case JSON_OBJECT:
		/* Keys are renamed after the walk: an object is not changed while iterated. */
		json_object_foreach(v, key, item) {
			safe_json(item, track);
			if (text_has_controls(key) && (renamed != NULL || (renamed = json_array()) != NULL))
				json_array_append_new(renamed, json_string(key));
		}
		json_array_foreach(renamed, i, item) {
			key = json_string_value(item);
			if (key != NULL && (safe = safe_dup(key)) != NULL) {
				json_object_set(v, safe, json_object_get(v, key));
				json_object_del(v, key);
				free(safe);
			}
		}
		json_decref(renamed);
		return;
	default:
		return;
	}
}
