/* SPDX-License-Identifier: ISC */
/* analyticsd.conf: libconfig syntax, every setting optional (see analyticsd.conf(5)). */
#ifndef AD_CONFIG_H
#define AD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CFG_DEFAULT_PATH "/etc/analyticsd/analyticsd.conf"

/* The warning for a password in database.conninfo, at start, reload and --check-config. */
#define CFG_PASSWORD_WARNING "database.conninfo holds a password, which every reader of the " \
	"configuration file can see: put it in a pgpass file handed to the service as a " \
	"credential (analyticsd.conf(5), PASSWORDS)"

struct cfg {
	char *path;                     /* the file it came from, or NULL for defaults */
	struct {
		char *conninfo;
		bool conninfo_has_password;     /* warned about: pgpass or a credential instead */
		int statement_timeout_s;
		int connect_timeout_s;
	} database;
	struct {
		char *socket;
		char *operator_group;
		char *reader_group;
		int max_clients;
		int idle_timeout_s;
		int max_request_bytes;
	} control;
	struct {
		int recent_days;
		int keep_runs;
		char *work_mem;
		int follow_interval_s;  /* 0: no follow mode */
	} refresh;
	struct {
		int max_age_s;          /* freshness: fail past it */
	} check;
	struct {
		int days;               /* run records and their application_logs rows kept */
	} retention;
	struct {
		char **pilot_organizations;
		size_t n_pilot_organizations;
	} loyalty;
	struct {
		int level;              /* syslog priority: LOG_ERR .. LOG_DEBUG */
		bool application_logs;
	} log;
};

/*
 * Load `path` into a fresh configuration. A missing file is an error unless
 * `missing_ok` (the default path may be absent: defaults apply). On failure
 * returns NULL and writes "FILE:LINE: reason" into err.
 */
struct cfg *cfg_load(const char *path, bool missing_ok, char *err, size_t errlen);
void cfg_free(struct cfg *cfg);

const char *cfg_level_name(int level);

#endif
