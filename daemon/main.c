/* SPDX-License-Identifier: ISC */
/*
 * analyticsd: start-up, the event loop, signals and shutdown.
 * Where things happen: listener.c (control socket), client.c (connections),
 * commands.c (the command table), cmd_*.c (one command each), job.c (the
 * lifecycle of every job), refresh.c, rollback.c, loyalty.c, migrate.c (the
 * kinds of job), runlog.c (run records), db.c (async PostgreSQL), txn.c
 * (transactions as step lists).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "client.h"
#include "config.h"
#include "daemon.h"
#include "db.h"
#include "dbhosts.h"
#include "follow.h"
#include "groups.h"
#include "job.h"
#include "listener.h"
#include "log.h"
#include "main.h"
#include "msgids.h"
#include "notify.h"
#include "queuestat.h"
#include "retention.h"
#include "runlog.h"
#include "sqlfiles.h"
#include "testhooks.h"
#include "util.h"

/* How long a stop may wait for a cancelled job to be recorded. */
#define STOP_GRACE_S 5

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: analyticsd [-c FILE] [--check-config] [--version]\n"
		"\n"
		"Keeps customer_analytics correct, fresh and recoverable in PostgreSQL.\n"
		"Controlled with analyticsctl over a Unix socket; see analyticsd(8).\n"
		"\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"  -t, --check-config  check the configuration and exit (0 if valid)\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          print this help and exit\n",
		CFG_DEFAULT_PATH);
}

static void update_status(struct daemon *d)
{
	const char *db = d->db_ctl ? db_state_name(db_get_state(d->db_ctl)) : "not connected";
	char job[256], last[64], when[32];

	util_iso8601(d->last_success_at, when, sizeof(when));
	snprintf(last, sizeof(last), "last success %s", d->last_success_at ? when : "unknown");
	if (d->stopping)
		notify_status("Stopping");
	else if (jobs_describe(d->jobs, job, sizeof(job)) != NULL)
		notify_status("Running %s; %s%s; database %s", job, d->paused ? "paused; " : "",
			      last, db);
	else
		notify_status("%s; %s; database %s", d->paused ? "Paused" : "Idle", last, db);
}

/* The listener's connections go to the clients module (which closes one it refuses). */
static void on_accept(struct daemon *d, int fd)
{
	(void)client_accept(d, fd);
}

/* A refresh's success is the analytics' last success; a job refused by the pause tells
 * that they are paused. */
static void on_job_end(const struct job *j, enum proto_err code, void *arg)
{
	struct daemon *d = arg;

	if (code == PROTO_ERR_NONE && j->kind->freshens && !j->dry_run)
		d->last_success_at = time(NULL);
	else if (code == PROTO_ERR_PAUSED)
		d->paused = true;
	update_status(d);
}

static void on_status_seed(PGresult *res, const struct db_error *err, void *arg)
{
	struct daemon *d = arg;

	if (err != NULL || PQntuples(res) != 1)
		return;                 /* not migrated yet: nothing to say */
	d->paused = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	if (!PQgetisnull(res, 0, 1))
		d->last_success_at = (time_t)strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	update_status(d);
}

static void on_db_state(struct db_conn *db, enum db_state old, void *arg)
{
	struct daemon *d = arg;
	enum db_state now = db_get_state(db);
	char conn[64];
	const char *fields[2] = { conn, NULL };

	snprintf(conn, sizeof(conn), "ANALYTICS_DB_CONNECTION=%s", db_label(db));
	if (now == DB_READY) {
		log_event(LOG_NOTICE, MSGID_DB_BACK, fields,
			  "database connection '%s' established (backend pid %d)",
			  db_label(db), db_backend_pid(db));
		if (db == d->db_work)
			jobs_kick(d->jobs);
		if (db == d->db_ctl) {
			runlog_flush_later(d->runlog);
			if (db_send(db, sql_status_seed, 0, NULL, false, on_status_seed, d) != 0)
				log_msg(LOG_DEBUG, "cannot read the state for STATUS=");
		}
	}
	else if (old == DB_READY && !d->stopping)
		log_event(LOG_WARNING, MSGID_DB_LOST, fields,
			  "database connection '%s' lost: %s; reconnecting",
			  db_label(db), db_last_error(db));
	else if (now == DB_DOWN && !d->stopping && db_outage_news(db))
		log_event(LOG_WARNING, MSGID_DB_UNREACHABLE, fields,
			  "database connection '%s' has not come up for %lld s: %s; retrying",
			  db_label(db), (long long)(time(NULL) - db_state_since(db)),
			  db_last_error(db));
	else if (now == DB_DOWN && !d->stopping)
		log_msg(LOG_INFO, "database connection '%s' failed: %s; retrying",
			db_label(db), db_last_error(db));
	if (!d->stopping)
		update_status(d);
}

/*
 * Reload: load the file into a new configuration, validate it (cfg_load
 * does), and only then swap it in. On failure the old configuration stays
 * and the reason is logged and returned (analyticsctl reload shows it).
 */
int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct cfg *fresh, *old = d->cfg;
	char reason[1024];
	const char *fields[2] = { reason, NULL };

	notify_reloading();
	fresh = cfg_load(d->cfg_path, !d->cfg_path_explicit, err, errlen);
	if (fresh == NULL) {
		snprintf(reason, sizeof(reason), "ANALYTICS_RELOAD_ERROR=%s", err);
		log_event(LOG_ERR, MSGID_RELOAD_FAILED, fields,
			  "reload failed, keeping the previous configuration: %s", err);
		notify_ready();
		return -1;
	}
	if (strcmp(fresh->control.socket, old->control.socket) != 0)
		log_msg(LOG_WARNING, "control.socket changed to %s: takes effect at the next start",
			fresh->control.socket);
	d->cfg = fresh;
	log_set_level(fresh->log.level);
	if (fresh->database.conninfo_has_password)
		log_msg(LOG_WARNING, "%s", CFG_PASSWORD_WARNING);
	groups_refresh(d->groups);
	dbhosts_resolver_reload(d->dns);
	follow_configure(d->follow);
	retention_set_days(d->retention, fresh->retention.days);
	struct db_conn *const conns[] = { d->db_ctl, d->db_work, d->db_status, d->db_check };
	for (size_t i = 0; i < sizeof(conns) / sizeof(conns[0]); i++)
		if (conns[i] != NULL &&
		    db_configure(conns[i], fresh->database.conninfo, fresh->database.connect_timeout_s,
				 fresh->database.statement_timeout_s) != 0)
			log_msg(LOG_WARNING, "out of memory applying the database settings");
	cfg_free(old);
	snprintf(reason, sizeof(reason), "ANALYTICS_CONFIG=%s", d->cfg_path);
	log_event(LOG_NOTICE, MSGID_RELOAD_OK, fields, "configuration reloaded from %s "
		  "(database settings apply from the next connection)", d->cfg_path);
	notify_ready();
	return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	char err[1024];

	(void)what;
	if (sig == SIGHUP) {
		daemon_reload(d, err, sizeof(err));
		return;
	}
	if (d->stopping)
		return;
	log_msg(LOG_NOTICE, "%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	d->stopping = true;
	notify_stopping();
	/*
	 * A running job is cancelled and records itself as such on the control
	 * connection; the loop exits when it has (job.c). Whatever happens,
	 * stop within STOP_GRACE_S (systemd's TimeoutStopSec= is 15 s).
	 */
	struct timeval grace = { STOP_GRACE_S, 0 };
	event_base_loopexit(d->base, jobs_busy(d->jobs) ? &grace : NULL);
	jobs_cancel(d->jobs);
}

/*
 * Three priorities: every event gets the middle one, and a refresh's
 * aggregation slices the last (compute.c), so that a status request or a
 * database reply waiting with a slice is served first. A slice activates the
 * next one; libevent would run them all in one pass, without looking at the
 * sockets, unless told to look after each callback of the last priority.
 */
#define LOOP_PRIORITIES 3

static struct event_base *new_base(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base = NULL;

	if (cfg != NULL &&
	    event_config_set_max_dispatch_interval(cfg, NULL, 1, LOOP_PRIORITIES - 1) == 0)
		base = event_base_new_with_config(cfg);
	if (cfg != NULL)
		event_config_free(cfg);
	if (base != NULL && event_base_priority_init(base, LOOP_PRIORITIES) != 0) {
		event_base_free(base);
		base = NULL;
	}
	return base;
}

static int setup_signals(struct daemon *d)
{
	/* Writes to a vanished client must be an error, not our death. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return -1;
	d->ev_sigterm = evsignal_new(d->base, SIGTERM, on_signal, d);
	d->ev_sigint = evsignal_new(d->base, SIGINT, on_signal, d);
	d->ev_sighup = evsignal_new(d->base, SIGHUP, on_signal, d);
	if (!d->ev_sigterm || !d->ev_sigint || !d->ev_sighup ||
	    evsignal_add(d->ev_sigterm, NULL) || evsignal_add(d->ev_sigint, NULL) ||
	    evsignal_add(d->ev_sighup, NULL))
		return -1;
	return 0;
}

static struct db_conn *open_db(struct daemon *d, const char *label)
{
	struct db_conn *db = db_new(d->base, d->dns, label, on_db_state, d);

	if (db == NULL)
		return NULL;
	if (db_configure(db, d->cfg->database.conninfo, d->cfg->database.connect_timeout_s,
			 d->cfg->database.statement_timeout_s) != 0) {
		db_free(db);
		return NULL;
	}
	db_start(db);
	return db;
}

/*
 * LoadCredential=pgpass:... in the unit hands us the database password file
 * without putting it in the environment or the config: point libpq at it.
 */
static void use_credentials(void)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[4096];

	if (dir == NULL || getenv("PGPASSFILE") != NULL)
		return;
	snprintf(path, sizeof(path), "%s/pgpass", dir);
	if (access(path, R_OK) != 0)
		return;
	if (setenv("PGPASSFILE", path, 1) != 0)
		log_msg(LOG_WARNING, "cannot use the pgpass credential: %s", strerror(errno));
	else
		log_msg(LOG_INFO, "database password file from systemd credential %s", path);
}

static void daemon_free(struct daemon *d)
{
	/* Databases first: failing their queries lets jobs answer their clients. */
	d->stopping = true;
	db_free(d->db_work);
	d->db_work = NULL;
	db_free(d->db_ctl);
	d->db_ctl = NULL;
	db_free(d->db_status);
	d->db_status = NULL;
	db_free(d->db_check);
	d->db_check = NULL;
	if (d->dns != NULL)
		evdns_base_free(d->dns, 1);     /* lookups in flight are cancelled */
	d->dns = NULL;
	follow_free(d->follow);
	retention_free(d->retention);
	queuestat_free(d->queuestat);
	d->follow = NULL;
	groups_free(d->groups);
	d->groups = NULL;
	jobs_free(d->jobs);
	d->jobs = NULL;
	runlog_free(d->runlog);
	d->runlog = NULL;
	clients_free(d->clients, "analyticsd is shutting down");
	d->clients = NULL;
	listener_close(d->listener);
	if (d->ev_sigterm) event_free(d->ev_sigterm);
	if (d->ev_sigint) event_free(d->ev_sigint);
	if (d->ev_sighup) event_free(d->ev_sighup);
	if (d->ev_watchdog) event_free(d->ev_watchdog);
	if (d->base)
		event_base_free(d->base);
	cfg_free(d->cfg);
	free(d->cfg_path);
}

static int parse_args(int argc, char **argv, struct daemon *d, bool *check_only)
{
	static const struct option opts[] = {
		{ "config",       required_argument, NULL, 'c' },
		{ "check-config", no_argument,       NULL, 't' },
		{ "version",      no_argument,       NULL, 'V' },
		{ "help",         no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "c:tVh", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			free(d->cfg_path);
			d->cfg_path = strdup(optarg);
			d->cfg_path_explicit = true;
			break;
		case 't':
			*check_only = true;
			break;
		case 'V':
			printf("analyticsd %s\n", ANALYTICSD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "analyticsd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 64;
	}
	if (d->cfg_path == NULL && (d->cfg_path = strdup(CFG_DEFAULT_PATH)) == NULL)
		return 1;
	return -1;
}

int main(int argc, char **argv)
{
	struct daemon d = { 0 };
	const struct jobs_hooks job_hooks = { .on_end = on_job_end, .arg = &d };
	bool check_only = false;
	char err[1024];
	int rc;

	rc = parse_args(argc, argv, &d, &check_only);
	if (rc >= 0) {
		free(d.cfg_path);
		return rc;
	}
	/* The default file may be absent (every setting has a default); a file
	 * named with -c must exist. */
	d.cfg = cfg_load(d.cfg_path, !d.cfg_path_explicit, err, sizeof(err));
	if (d.cfg == NULL) {
		fprintf(stderr, "analyticsd: %s\n", err);
		free(d.cfg_path);
		return 1;
	}
	if (check_only) {
		if (d.cfg->database.conninfo_has_password)
			fprintf(stderr, "analyticsd: warning: %s\n", CFG_PASSWORD_WARNING);
		printf("%s: configuration is valid\n", d.cfg->path ? d.cfg->path : d.cfg_path);
		daemon_free(&d);
		return 0;
	}
	log_init(d.cfg->log.level);
	if (d.cfg->database.conninfo_has_password)
		log_msg(LOG_WARNING, "%s", CFG_PASSWORD_WARNING);
	testhook_announce();
	d.started_at = time(NULL);
	d.started_usec = util_monotonic_usec();
	if (gethostname(d.host, sizeof(d.host) - 1) != 0)
		snprintf(d.host, sizeof(d.host), "unknown");
	groups_resolve_now(&d);
	use_credentials();

	rc = 1;
	d.base = new_base();
	if (d.base == NULL) {
		log_msg(LOG_ERR, "cannot create the event loop");
		goto out;
	}
	d.status_changed = update_status;
	d.reload = daemon_reload;
	if ((d.clients = clients_new(&d)) == NULL || (d.jobs = jobs_new(&d, &job_hooks)) == NULL ||
	    (d.groups = groups_new(&d)) == NULL ||
	    (d.runlog = runlog_new(&d)) == NULL) {
		log_msg(LOG_ERR, "out of memory setting up the daemon");
		goto out;
	}
	if (setup_signals(&d) != 0) {
		log_msg(LOG_ERR, "cannot install signal handlers");
		goto out;
	}
	d.listener = listener_open(&d, on_accept, err, sizeof(err));
	if (d.listener == NULL) {
		log_msg(LOG_ERR, "control socket: %s", err);
		goto out;
	}
	if ((d.dns = dbhosts_resolver_new(d.base)) == NULL) {
		log_msg(LOG_ERR, "cannot set up the resolver");
		goto out;
	}
	d.db_ctl = open_db(&d, "ctl");
	d.db_work = open_db(&d, "work");
	d.db_status = open_db(&d, "status");
	d.db_check = open_db(&d, "check");
	if (d.db_ctl == NULL || d.db_work == NULL || d.db_status == NULL || d.db_check == NULL) {
		log_msg(LOG_ERR, "out of memory setting up database connections");
		goto out;
	}
	if ((d.follow = follow_new(&d)) == NULL ||
	    (d.retention = retention_new(d.base, d.db_ctl, d.cfg->retention.days)) == NULL ||
	    (d.queuestat = queuestat_new(d.base, d.db_check)) == NULL) {
		log_msg(LOG_ERR, "out of memory setting up follow mode and the retention");
		goto out;
	}
	log_msg(LOG_NOTICE, "analyticsd %s serving on %s (config %s)", ANALYTICSD_VERSION,
		listener_describe(d.listener), d.cfg->path ? d.cfg->path : "defaults");
	update_status(&d);
	notify_ready();
	d.ev_watchdog = notify_watchdog_start(d.base);

	if (event_base_dispatch(d.base) < 0) {
		log_msg(LOG_ERR, "event loop failed");
		goto out;
	}
	rc = 0;
	log_msg(LOG_NOTICE, "analyticsd stopped");
out:
	daemon_free(&d);
	return rc;
}
