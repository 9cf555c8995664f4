/* SPDX-License-Identifier: ISC */
/*
 * Configuration loading. The known settings are a table: adding one means a
 * row here, a field in struct cfg and a line in analyticsd.conf(5). Unknown
 * names are errors, because a misspelt setting silently falling back to its
 * default is the worst kind of configuration bug.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <libconfig.h>
#include <libpq-fe.h>

#include "config.h"
#include "util.h"

enum ftype { F_INT, F_STR, F_BOOL, F_UUID_LIST, F_LEVEL, F_MEMSIZE, F_CONNINFO };

struct field {
	const char *group;
	const char *name;
	enum ftype type;
	size_t offset;
	long min, max;                  /* F_INT range, F_STR max length */
};

#define OFF(m) offsetof(struct cfg, m)
static const struct field fields[] = {
	{ "database", "conninfo",            F_CONNINFO, OFF(database.conninfo),        0, 4096 },
	{ "database", "statement_timeout_s", F_INT,  OFF(database.statement_timeout_s), 0, 86400 * 7 },
	{ "database", "connect_timeout_s",   F_INT,  OFF(database.connect_timeout_s),   1, 3600 },
	{ "control",  "socket",              F_STR,  OFF(control.socket),               1, 107 },
	{ "control",  "operator_group",      F_STR,  OFF(control.operator_group),       0, 64 },
	{ "control",  "reader_group",        F_STR,  OFF(control.reader_group),         0, 64 },
	{ "control",  "max_clients",         F_INT,  OFF(control.max_clients),          1, 4096 },
	{ "control",  "idle_timeout_s",      F_INT,  OFF(control.idle_timeout_s),       1, 3600 },
	{ "control",  "max_request_bytes",   F_INT,  OFF(control.max_request_bytes),    256, 16 << 20 },
	{ "refresh",  "recent_days",         F_INT,  OFF(refresh.recent_days),          1, 3650 },
	{ "refresh",  "keep_runs",           F_INT,  OFF(refresh.keep_runs),            1, 10000 },
	{ "refresh",  "work_mem",            F_MEMSIZE, OFF(refresh.work_mem),          0, 0 },
	{ "refresh",  "follow_interval_s",   F_INT,  OFF(refresh.follow_interval_s),    0, 86400 },
	{ "check",    "max_age_s",           F_INT,  OFF(check.max_age_s),              60, 86400 * 365 },
	{ "retention", "days",               F_INT,  OFF(retention.days),               1, 36500 },
	{ "loyalty",  "pilot_organizations", F_UUID_LIST, 0,                            0, 0 },
	{ "log",      "level",               F_LEVEL, OFF(log.level),                   0, 0 },
	{ "log",      "application_logs",    F_BOOL, OFF(log.application_logs),         0, 0 },
};
#undef OFF

static const char *const levels[] = {
	[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

const char *cfg_level_name(int level)
{
	if (level >= LOG_ERR && level <= LOG_DEBUG && levels[level] != NULL)
		return levels[level];
	return "unknown";
}

static struct cfg *cfg_defaults(void)
{
	struct cfg *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->database.conninfo = strdup("");
	c->database.statement_timeout_s = 900;
	c->database.connect_timeout_s = 10;
	c->control.socket = strdup("/run/analyticsd/control.sock");
	c->control.operator_group = strdup("analyticsd-operators");
	c->control.reader_group = strdup("analyticsd-readers");
	c->control.max_clients = 64;
	c->control.idle_timeout_s = 30;
	c->control.max_request_bytes = 65536;
	c->refresh.recent_days = 90;
	c->refresh.keep_runs = 48;
	c->refresh.follow_interval_s = 60;
	c->retention.days = 90;
	c->check.max_age_s = 7200;
	c->refresh.work_mem = strdup("256MB");
	c->log.level = LOG_INFO;
	c->log.application_logs = true;
	if (!c->database.conninfo || !c->control.socket || !c->control.operator_group ||
	    !c->control.reader_group ||
	    !c->refresh.work_mem) {
		cfg_free(c);
		return NULL;
	}
	return c;
}

void cfg_free(struct cfg *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->database.conninfo);
	free(c->control.socket);
	free(c->control.operator_group);
	free(c->control.reader_group);
	free(c->refresh.work_mem);
	for (size_t i = 0; i < c->loyalty.n_pilot_organizations; i++)
		free(c->loyalty.pilot_organizations[i]);
	free(c->loyalty.pilot_organizations);
	free(c);
}

/* PostgreSQL memory units, as SET work_mem accepts them. */
static bool valid_memsize(const char *s)
{
	static const char *const units[] = { "", "kB", "MB", "GB", "TB" };
	char *end;

	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || errno != 0 || v <= 0)
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i]) == 0)
			return true;
	return false;
}

#define FAIL(setting, ...) do { \
	char m_[512]; \
	snprintf(m_, sizeof(m_), __VA_ARGS__); \
	snprintf(err, errlen, "%s:%d: %s", path, config_setting_source_line(setting), m_); \
	return -1; \
} while (0)

static int replace_str(char **slot, const char *v)
{
	char *copy = strdup(v);

	if (copy == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

/*
 * A conninfo as libpq reads it: 0, with whether it names a password, or -1
 * with libpq's reason in why, every quoted part of it left out (libpq quotes
 * the text it stumbled on, which may be a password).
 */
static int conninfo_check(const char *v, bool *has_password, char *why, size_t len)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(v, &perr);

	*has_password = false;
	if (opts != NULL) {
		for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
			if (strcmp(o->keyword, "password") == 0 && o->val != NULL && o->val[0] != '\0')
				*has_password = true;
		PQconninfoFree(opts);
		return 0;
	}
	util_redact_quoted(perr ? perr : "out of memory", why, len);
	PQfreemem(perr);
	return -1;
}

static int apply_field(struct cfg *c, const struct field *f, config_setting_t *s,
		       const char *path, char *err, size_t errlen)
{
	char *base = (char *)c;
	int t = config_setting_type(s);

	switch (f->type) {
	case F_INT: {
		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
			FAIL(s, "%s.%s must be an integer", f->group, f->name);
		long long v = config_setting_get_int64(s);
		if (v < f->min || v > f->max)
			FAIL(s, "%s.%s = %lld is out of range %ld..%ld", f->group, f->name,
			     v, f->min, f->max);
		*(int *)(base + f->offset) = (int)v;
		return 0;
	}
	case F_BOOL:
		if (t != CONFIG_TYPE_BOOL)
			FAIL(s, "%s.%s must be true or false", f->group, f->name);
		*(bool *)(base + f->offset) = config_setting_get_bool(s) != 0;
		return 0;
	case F_STR:
	case F_CONNINFO:
	case F_MEMSIZE:
	case F_LEVEL: {
		if (t != CONFIG_TYPE_STRING)
			FAIL(s, "%s.%s must be a string", f->group, f->name);
		const char *v = config_setting_get_string(s);
		if (f->type == F_CONNINFO) {
			char why[256];
			if (strlen(v) > (size_t)f->max)
				FAIL(s, "%s.%s must be at most %ld characters long", f->group,
				     f->name, f->max);
			if (conninfo_check(v, &c->database.conninfo_has_password, why,
					   sizeof(why)) != 0)
				FAIL(s, "%s.%s is not a libpq connection string (%s; the value is "
				     "not repeated here, it may hold a password)", f->group, f->name,
				     why);
			if (replace_str((char **)(base + f->offset), v) != 0)
				FAIL(s, "out of memory");
		} else if (f->type == F_STR) {
			size_t n = strlen(v);
			if ((long)n < f->min || (long)n > f->max)
				FAIL(s, "%s.%s must be %ld to %ld characters long", f->group,
				     f->name, f->min, f->max);
			if (replace_str((char **)(base + f->offset), v) != 0)
				FAIL(s, "out of memory");
		} else if (f->type == F_MEMSIZE) {
			if (!valid_memsize(v))
				FAIL(s, "%s.%s = \"%s\" is not a memory size such as \"256MB\"",
				     f->group, f->name, v);
			if (replace_str((char **)(base + f->offset), v) != 0)
				FAIL(s, "out of memory");
		} else {
			int level = -1;
			for (int i = LOG_ERR; i <= LOG_DEBUG; i++)
				if (levels[i] && strcmp(levels[i], v) == 0)
					level = i;
			if (level < 0)
				FAIL(s, "log.level = \"%s\" is not one of error, warning, notice, "
				     "info, debug", v);
			*(int *)(base + f->offset) = level;
		}
		return 0;
	}
	case F_UUID_LIST: {
		if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
			FAIL(s, "%s.%s must be a list of organization ids", f->group, f->name);
		int n = config_setting_length(s);
		char **list = n > 0 ? calloc((size_t)n, sizeof(*list)) : NULL;
		if (n > 0 && list == NULL)
			FAIL(s, "out of memory");
		for (int i = 0; i < n; i++) {
			config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			const char *v = config_setting_get_string(e);
			if (v == NULL || !util_valid_uuid(v) || (list[i] = strdup(v)) == NULL) {
				for (int j = 0; j < i; j++)
					free(list[j]);
				free(list);
				FAIL(s, "%s.%s[%d] is not a uuid", f->group, f->name, i);
			}
		}
		c->loyalty.pilot_organizations = list;
		c->loyalty.n_pilot_organizations = (size_t)n;
		return 0;
	}
	}
	FAIL(s, "internal error: unknown field type");
}

static const struct field *find_field(const char *group, const char *name)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(fields[i].group, group) == 0 &&
		    (name == NULL || strcmp(fields[i].name, name) == 0))
			return &fields[i];
	return NULL;
}

static int apply(struct cfg *c, config_t *lc, const char *path, char *err, size_t errlen)
{
	config_setting_t *root = config_root_setting(lc);
	int ngroups = config_setting_length(root);

	for (int g = 0; g < ngroups; g++) {
		config_setting_t *grp = config_setting_get_elem(root, (unsigned)g);
		const char *gname = config_setting_name(grp);

		if (find_field(gname, NULL) == NULL)
			FAIL(grp, "unknown setting \"%s\" (known groups: database, control, "
			     "refresh, loyalty, log)", gname);
		if (!config_setting_is_group(grp))
			FAIL(grp, "\"%s\" must be a group: %s = { ... };", gname, gname);
		int n = config_setting_length(grp);
		for (int i = 0; i < n; i++) {
			config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
			const struct field *f = find_field(gname, config_setting_name(s));
			if (f == NULL)
				FAIL(s, "unknown setting \"%s.%s\"", gname, config_setting_name(s));
			if (apply_field(c, f, s, path, err, errlen) != 0)
				return -1;
		}
	}
	return 0;
}
#undef FAIL

struct cfg *cfg_load(const char *path, bool missing_ok, char *err, size_t errlen)
{
	struct cfg *c = cfg_defaults();
	config_t lc;
	FILE *fp;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fp = fopen(path, "r");
	if (fp == NULL) {
		if (errno == ENOENT && missing_ok)
			return c;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		cfg_free(c);
		return NULL;
	}
	config_init(&lc);
	if (config_read(&lc, fp) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&lc),
			 config_error_text(&lc));
		goto fail;
	}
	if (apply(c, &lc, path, err, errlen) != 0)
		goto fail;
	if ((c->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	config_destroy(&lc);
	fclose(fp);
	return c;
fail:
	config_destroy(&lc);
	fclose(fp);
	cfg_free(c);
	return NULL;
}
