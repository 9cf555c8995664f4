/* SPDX-License-Identifier: ISC */
/*
 * Asynchronous libpq on libevent; see db.h for the contract.
 *
 * The socket is watched by one persistent event that is replaced whenever
 * the descriptor or the wanted readiness changes: PQconnectPoll may hand back
 * a different socket on every call (an sslmode=prefer retry, say).
 *
 * A connection goes to one host and address at a time (dbhosts.c resolves
 * names off the loop), each attempt bounded by connect_timeout_s, as libpq
 * does for each host in blocking mode; the reconnect backoff starts when
 * every host has failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dbhosts.h"
#include "log.h"
#include "sqlfiles.h"

#define DB_BACKOFF_MIN_S 1
#define DB_BACKOFF_MAX_S 30

struct db_query {
	struct db_query *next;
	char *sql;
	char **params;
	int nparams;
	bool simple;
	bool binary;
	bool each;                      /* db_opts.each */
	char *copy;                     /* COPY ... FROM STDIN: the data, and how much is sent */
	size_t copy_len, copy_off;
	db_result_fn fn;
	void *arg;
};

struct db_conn {
	struct event_base *base;
	char *label;
	char *conninfo;
	int connect_timeout_s;
	int statement_timeout_s;

	PGconn *pg;
	enum db_state state;
	bool initializing;              /* session setup query in flight */
	time_t since;                   /* last change between ready and not ready */
	bool outage_told;               /* db_outage_news() said this outage is long */
	char last_error[512];

	struct event *ev_io;
	int ev_fd;
	short ev_what;
	struct event *ev_timer;         /* an attempt's timeout, then reconnect backoff */
	struct dbhosts *hosts;          /* where the attempts go */
	struct event *ev_defer;         /* a failure found while sending, handled next */
	char defer_why[512];
	int backoff_s;

	struct db_query *head, *tail;
	bool in_flight;
	bool copying;                   /* sending the in-flight query's COPY data */
	bool keep;                      /* the result callback took its result */
	PGresult *result;
	bool have_err;
	struct db_error err;

	db_state_fn on_state;
	void *arg;
};

static void io_cb(evutil_socket_t fd, short what, void *arg);
static void defer_cb(evutil_socket_t fd, short what, void *arg);
static void timer_cb(evutil_socket_t fd, short what, void *arg);
static void kick(struct db_conn *db);

void db_error_set(struct db_error *err, const char *sqlstate, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", sqlstate ? sqlstate : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	/* libpq messages end in a newline; ours are single lines. */
	n = strlen(err->message);
	while (n > 0 && (err->message[n - 1] == '\n' || err->message[n - 1] == ' '))
		err->message[--n] = '\0';
}

void db_error_format(const struct db_error *err, const char *what, char *buf, size_t len)
{
	snprintf(buf, len, "%s: %s%s%s%s", what, err->message, err->sqlstate[0] ? " (SQLSTATE " : "",
		 err->sqlstate, err->sqlstate[0] ? ")" : "");
}

enum proto_err db_error_code(const struct db_error *err)
{
	if (strcmp(err->sqlstate, "55P03") == 0)        /* lock_not_available */
		return PROTO_ERR_BUSY;
	if (strncmp(err->sqlstate, "08", 2) == 0)       /* connection exceptions */
		return PROTO_ERR_DB_UNAVAILABLE;
	if (strncmp(err->sqlstate, "57P0", 4) == 0)     /* server shut down, crashed, */
		return PROTO_ERR_DB_UNAVAILABLE;        /* or backend terminated */
	return PROTO_ERR_FAILED;
}

const char *db_state_name(enum db_state s)
{
	switch (s) {
	case DB_DOWN:       return "down";
	case DB_CONNECTING: return "connecting";
	case DB_READY:      return "connected";
	}
	return "unknown";
}

static void attempt(const struct dbhost_attempt *a, void *arg);

struct db_conn *db_new(struct event_base *base, struct evdns_base *dns, const char *label,
		       db_state_fn on_state, void *arg)
{
	struct db_conn *db = calloc(1, sizeof(*db));

	if (db == NULL)
		return NULL;
	db->base = base;
	db->label = strdup(label);
	db->conninfo = strdup("");
	db->ev_timer = evtimer_new(base, timer_cb, db);
	db->ev_defer = event_new(base, -1, 0, defer_cb, db);
	db->hosts = dbhosts_new(base, dns, attempt, db);
	db->ev_fd = -1;
	db->backoff_s = DB_BACKOFF_MIN_S;
	db->connect_timeout_s = 10;
	db->on_state = on_state;
	db->arg = arg;
	db->since = time(NULL);
	snprintf(db->last_error, sizeof(db->last_error), "not connected yet");
	if (db->label == NULL || db->conninfo == NULL || db->ev_timer == NULL ||
	    db->ev_defer == NULL || db->hosts == NULL) {
		db_free(db);
		return NULL;
	}
	return db;
}

int db_configure(struct db_conn *db, const char *conninfo, int connect_timeout_s,
		 int statement_timeout_s)
{
	char *copy = strdup(conninfo);

	if (copy == NULL)
		return -1;
	free(db->conninfo);
	db->conninfo = copy;
	db->connect_timeout_s = connect_timeout_s;
	db->statement_timeout_s = statement_timeout_s;
	return 0;
}

enum db_state db_get_state(const struct db_conn *db) { return db->state; }
time_t db_state_since(const struct db_conn *db) { return db->since; }
const char *db_last_error(const struct db_conn *db) { return db->last_error; }
const char *db_label(const struct db_conn *db) { return db->label; }

bool db_outage_news(struct db_conn *db)
{
	if (db->state == DB_READY || db->outage_told ||
	    time(NULL) - db->since < (time_t)db->connect_timeout_s)
		return false;
	db->outage_told = true;
	return true;
}

bool db_reconnecting(const struct db_conn *db)
{
	return db->state == DB_CONNECTING ||
	       (db->state == DB_DOWN && evtimer_pending(db->ev_timer, NULL));
}

int db_backend_pid(const struct db_conn *db)
{
	return db->state == DB_READY ? PQbackendPID(db->pg) : 0;
}

static void set_state(struct db_conn *db, enum db_state s)
{
	enum db_state old = db->state;

	if (old == s)
		return;
	db->state = s;
	if ((old == DB_READY) != (s == DB_READY))
		db->since = time(NULL);
	if (s == DB_READY)
		db->outage_told = false;
	if (db->on_state != NULL)
		db->on_state(db, old, db->arg);
}

/*
 * Watch fd for what. fresh: register anew even when fd and what are unchanged.
 * While connecting, libpq may close one socket and open the next (another
 * address of a multi-host or dual-stack conninfo, an sslmode=prefer retry)
 * under the same descriptor number; the kernel dropped the old registration
 * with the old socket, so keeping "ours" would wait on nothing forever. So
 * every connect poll registers afresh (as libusual's pgsocket does).
 */
static int watch_fd(struct db_conn *db, int fd, short what, bool fresh)
{
	if (!fresh && db->ev_io != NULL && db->ev_fd == fd && db->ev_what == what)
		return 0;
	if (db->ev_io != NULL) {
		event_free(db->ev_io);
		db->ev_io = NULL;
	}
	db->ev_fd = fd;
	db->ev_what = what;
	if (fd < 0)
		return 0;
	db->ev_io = event_new(db->base, fd, what | EV_PERSIST, io_cb, db);
	if (db->ev_io == NULL || event_add(db->ev_io, NULL) != 0)
		return -1;
	return 0;
}

static int watch(struct db_conn *db, int fd, short what)
{
	return watch_fd(db, fd, what, false);
}

static void query_free(struct db_query *q)
{
	free(q->sql);
	for (int i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->params);
	free(q->copy);
	free(q);
}

static struct db_query *pop(struct db_conn *db)
{
	struct db_query *q = db->head;

	if (q != NULL) {
		db->head = q->next;
		if (db->head == NULL)
			db->tail = NULL;
	}
	return q;
}

/* Fail every queued query; they are called with the connection already down. */
static void fail_queue(struct db_conn *db, const char *sqlstate, const char *why)
{
	struct db_error err;
	struct db_query *q;

	db_error_set(&err, sqlstate, "%s", why);
	db->in_flight = false;
	db->copying = false;
	while ((q = pop(db)) != NULL) {
		if (q->fn != NULL)
			q->fn(NULL, &err, q->arg);
		query_free(q);
	}
}

static void close_pg(struct db_conn *db)
{
	watch(db, -1, 0);
	if (db->ev_defer != NULL)
		event_del(db->ev_defer);
	if (db->result != NULL) {
		PQclear(db->result);
		db->result = NULL;
	}
	db->have_err = false;
	db->initializing = false;
	if (db->pg != NULL) {
		PQfinish(db->pg);
		db->pg = NULL;
	}
}

/* The connection failed or was lost: fail its queries and schedule a retry. */
static void lost(struct db_conn *db, const char *why)
{
	struct timeval tv = { db->backoff_s, 0 };
	struct db_error e;

	db_error_set(&e, "08006", "%s", why);
	snprintf(db->last_error, sizeof(db->last_error), "%s", e.message);
	close_pg(db);
	dbhosts_stop(db->hosts);
	evtimer_del(db->ev_timer);
	set_state(db, DB_DOWN);
	fail_queue(db, "08006", db->last_error);
	/* The callbacks above may have freed nothing of ours: db_free is never
	 * called from a query callback. */
	if (evtimer_add(db->ev_timer, &tv) != 0)
		log_msg(LOG_ERR, "database connection '%s': cannot arm the reconnect timer; "
			"it stays down until a reload", db->label);
	db->backoff_s = db->backoff_s * 2 > DB_BACKOFF_MAX_S ? DB_BACKOFF_MAX_S : db->backoff_s * 2;
}

/*
 * A send that fails inside db_send() must not call the query's callback
 * before db_send() returns (its caller may still be setting things up):
 * stop using the connection now, fail the queue from the loop.
 */
static void lost_later(struct db_conn *db, const char *why)
{
	snprintf(db->defer_why, sizeof(db->defer_why), "%s", why);
	watch(db, -1, 0);
	event_active(db->ev_defer, EV_TIMEOUT, 0);
}

static void defer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn *db = arg;

	(void)fd;
	(void)what;
	if (db->pg != NULL)
		lost(db, db->defer_why);
}

static void notice_cb(void *arg, const char *message)
{
	struct db_conn *db = arg;

	log_msg(LOG_DEBUG, "database (%s): %.*s", db->label,
		(int)strcspn(message, "\n"), message);
}

static void session_ready(PGresult *res, const struct db_error *err, void *arg)
{
	struct db_conn *db = arg;

	(void)res;
	db->initializing = false;
	if (err != NULL) {
		char why[600];
		snprintf(why, sizeof(why), "session setup failed: %s", err->message);
		lost(db, why);
		return;
	}
	db->backoff_s = DB_BACKOFF_MIN_S;
	db->last_error[0] = '\0';
	evtimer_del(db->ev_timer);
	set_state(db, DB_READY);
}

static int enqueue_opts(struct db_conn *db, const char *sql, int nparams,
			const char *const *params, const struct db_opts *o, db_result_fn fn,
			void *arg);

static int enqueue(struct db_conn *db, bool front, const char *sql, int nparams,
		   const char *const *params, bool simple, db_result_fn fn, void *arg)
{
	const struct db_opts o = { .simple = simple, .front = front };

	return enqueue_opts(db, sql, nparams, params, &o, fn, arg);
}

static int enqueue_opts(struct db_conn *db, const char *sql, int nparams,
			const char *const *params, const struct db_opts *o, db_result_fn fn,
			void *arg)
{
	struct db_query *q = calloc(1, sizeof(*q));
	bool front = o->front;

	if (q == NULL)
		return -1;
	q->sql = strdup(sql);
	q->simple = o->simple;
	q->binary = o->binary;
	q->each = o->each;
	q->fn = fn;
	q->arg = arg;
	if (q->sql == NULL)
		goto oom;
	if (nparams > 0) {
		q->params = calloc((size_t)nparams, sizeof(char *));
		if (q->params == NULL)
			goto oom;
		q->nparams = nparams;
		for (int i = 0; i < nparams; i++)
			if (params[i] != NULL && (q->params[i] = strdup(params[i])) == NULL)
				goto oom;
	}
	/* Not before the query in flight: its result is the head's. */
	if (front && db->in_flight && db->head != NULL) {
		q->next = db->head->next;
		db->head->next = q;
		if (db->tail == db->head)
			db->tail = q;
	} else if (front) {
		q->next = db->head;
		db->head = q;
		if (db->tail == NULL)
			db->tail = q;
	} else {
		if (db->tail != NULL)
			db->tail->next = q;
		else
			db->head = q;
		db->tail = q;
	}
	/* Taken only on success: a caller that gets -1 still owns its data. */
	q->copy = o->copy;
	q->copy_len = o->copy_len;
	return 0;
oom:
	query_free(q);
	return -1;
}

static void connected(struct db_conn *db)
{
	char timeout[32];
	const char *params[2] = { timeout, db->label };

	snprintf(timeout, sizeof(timeout), "%ds", db->statement_timeout_s);
	db->initializing = true;
	if (enqueue(db, true, sql_session_init, 2, params, false, session_ready, db) != 0) {
		lost(db, "out of memory");
		return;
	}
	kick(db);
}

/* Each attempt (a name lookup, or the connection to one address) gets connect_timeout_s. */
static void arm_attempt_timeout(struct db_conn *db)
{
	struct timeval tv = { db->connect_timeout_s, 0 };

	if (evtimer_add(db->ev_timer, &tv) != 0)
		log_msg(LOG_WARNING, "database connection '%s': cannot arm the connect timeout",
			db->label);
}

/*
 * This attempt failed: try the next host or address, with a timeout of its
 * own. When none is left, dbhosts calls attempt(NULL), and the connection is
 * down until the backoff expires.
 */
static void attempt_failed(struct db_conn *db, const char *why)
{
	dbhosts_failed(db->hosts, why);         /* why may be libpq's, freed below */
	close_pg(db);
	/* A name lookup counts against the next attempt's timeout. */
	arm_attempt_timeout(db);
	dbhosts_next(db->hosts);
}

static void connect_poll(struct db_conn *db)
{
	switch (PQconnectPoll(db->pg)) {
	case PGRES_POLLING_READING:
		if (watch_fd(db, PQsocket(db->pg), EV_READ, true) != 0)
			attempt_failed(db, "cannot watch the database socket");
		return;
	case PGRES_POLLING_WRITING:
		if (watch_fd(db, PQsocket(db->pg), EV_WRITE, true) != 0)
			attempt_failed(db, "cannot watch the database socket");
		return;
	case PGRES_POLLING_OK:
		evtimer_del(db->ev_timer);
		connected(db);
		return;
	case PGRES_POLLING_FAILED:
	default:
		attempt_failed(db, PQerrorMessage(db->pg));
		return;
	}
}

#define DB_MAX_KEYS 48

/*
 * The connection parameters of one attempt. Ours first, so that the
 * operator's conninfo can override the application_name; client_encoding
 * last, so it always holds (messages from the server go into JSON replies,
 * which must be UTF-8). An attempt that names its host replaces the
 * conninfo's host, hostaddr and port lists with its own single values.
 */
static PGconn *connect_start(struct db_conn *db, const struct dbhost_attempt *a)
{
	const char *keys[DB_MAX_KEYS], *vals[DB_MAX_KEYS];
	PQconninfoOption *opts = NULL;
	PGconn *pg;
	int n = 0;

	keys[n] = "application_name"; vals[n++] = "analyticsd";
	if (!a->split) {
		keys[n] = "dbname"; vals[n++] = db->conninfo;
	} else {
		char *err = NULL;
		opts = PQconninfoParse(db->conninfo, &err);
		if (opts == NULL) {             /* dbhosts found it parsable: memory */
			PQfreemem(err);
			return NULL;
		}
		for (PQconninfoOption *o = opts; o->keyword != NULL && n < DB_MAX_KEYS - 5; o++) {
			if (o->val == NULL || o->val[0] == '\0' || strcmp(o->keyword, "host") == 0 ||
			    strcmp(o->keyword, "hostaddr") == 0 || strcmp(o->keyword, "port") == 0)
				continue;
			keys[n] = o->keyword; vals[n++] = o->val;
		}
		if (a->host != NULL) { keys[n] = "host"; vals[n++] = a->host; }
		if (a->hostaddr != NULL) { keys[n] = "hostaddr"; vals[n++] = a->hostaddr; }
		if (a->port != NULL) { keys[n] = "port"; vals[n++] = a->port; }
	}
	keys[n] = "client_encoding"; vals[n++] = "UTF8";
	keys[n] = NULL; vals[n] = NULL;
	pg = PQconnectStartParams(keys, vals, opts == NULL);
	PQconninfoFree(opts);
	return pg;
}

/* dbhosts: the next host or address to try, or NULL when all have failed. */
static void attempt(const struct dbhost_attempt *a, void *arg)
{
	struct db_conn *db = arg;

	if (a == NULL) {
		lost(db, dbhosts_summary(db->hosts));
		return;
	}
	log_msg(LOG_DEBUG, "database connection '%s': trying %s", db->label, a->what);
	db->pg = connect_start(db, a);
	if (db->pg == NULL) {
		lost(db, "out of memory starting a database connection");
		return;
	}
	if (PQstatus(db->pg) == CONNECTION_BAD || PQsetnonblocking(db->pg, 1) != 0) {
		attempt_failed(db, PQerrorMessage(db->pg));
		return;
	}
	PQsetNoticeProcessor(db->pg, notice_cb, db);
	arm_attempt_timeout(db);
	/* libpq: start as if PQconnectPoll had asked for writability. */
	if (watch(db, PQsocket(db->pg), EV_WRITE) != 0)
		attempt_failed(db, "cannot watch the database socket");
}

static void start_connect(struct db_conn *db)
{
	close_pg(db);
	set_state(db, DB_CONNECTING);
	if (dbhosts_start(db->hosts, db->conninfo) != 0) {
		lost(db, "out of memory reading the conninfo's hosts");
		return;
	}
	arm_attempt_timeout(db);
	dbhosts_next(db->hosts);
}

void db_start(struct db_conn *db)
{
	if (db->state == DB_DOWN && !evtimer_pending(db->ev_timer, NULL))
		start_connect(db);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn *db = arg;
	char why[96];

	(void)fd;
	(void)what;
	if (db->state == DB_CONNECTING) {
		snprintf(why, sizeof(why), "%s timed out after %d s",
			 dbhosts_resolving(db->hosts) ? "name resolution" : "connection",
			 db->connect_timeout_s);
		attempt_failed(db, why);
	} else if (db->state == DB_DOWN) {
		start_connect(db);
	}
}

static void flush(struct db_conn *db, bool deferred)
{
	int r = PQflush(db->pg);
	void (*fail)(struct db_conn *, const char *) = deferred ? lost_later : lost;

	if (r < 0) {
		fail(db, PQerrorMessage(db->pg));
		return;
	}
	if (watch(db, PQsocket(db->pg), r == 1 ? EV_READ | EV_WRITE : EV_READ) != 0)
		fail(db, "cannot watch the database socket");
}

static void kick(struct db_conn *db)
{
	struct db_query *q = db->head;
	int ok;

	if (q == NULL || db->in_flight || db->pg == NULL ||
	    event_pending(db->ev_defer, EV_TIMEOUT, NULL))
		return;
	if (db->state != DB_READY && !db->initializing)
		return;
	if (q->simple)
		ok = PQsendQuery(db->pg, q->sql);
	else
		ok = PQsendQueryParams(db->pg, q->sql, q->nparams, NULL,
				       (const char *const *)q->params, NULL, NULL,
				       q->binary ? 1 : 0);
	if (!ok) {
		lost_later(db, PQerrorMessage(db->pg));
		return;
	}
	db->in_flight = true;
	flush(db, true);
}

static void complete(struct db_conn *db)
{
	struct db_query *q = pop(db);
	PGresult *res = db->result;
	struct db_error err = db->err;
	bool have_err = db->have_err;

	db->in_flight = false;
	db->result = NULL;
	db->have_err = false;
	db->keep = false;
	if (q->fn != NULL) {
		if (have_err)
			q->fn(NULL, &err, q->arg);
		else
			q->fn(res, NULL, q->arg);  /* NULL for an each query: its end */
	}
	if (!db->keep)
		PQclear(res);
	db->keep = false;
	query_free(q);
	kick(db);
}

/*
 * Send the in-flight query's COPY data, then its end, as far as the socket
 * takes them; true when all is sent. A COPY FROM STDIN sent without data
 * (by plain db_send) is ended with an error, so that it fails rather than
 * waits.
 */
static bool copy_pump(struct db_conn *db)
{
	struct db_query *q = db->head;
	int r;

	while (q->copy_off < q->copy_len) {
		size_t n = q->copy_len - q->copy_off;

		if (n > 65536)
			n = 65536;
		r = PQputCopyData(db->pg, q->copy + q->copy_off, (int)n);
		if (r < 0) {
			lost(db, PQerrorMessage(db->pg));
			return false;
		}
		if (r == 0)
			goto later;
		q->copy_off += n;
	}
	r = PQputCopyEnd(db->pg, q->copy == NULL ? "the daemon has no data for this COPY" : NULL);
	if (r < 0) {
		lost(db, PQerrorMessage(db->pg));
		return false;
	}
	if (r == 0)
		goto later;
	db->copying = false;
	flush(db, false);
	return db->pg != NULL;
later:
	if (watch(db, PQsocket(db->pg), EV_READ | EV_WRITE) != 0)
		lost(db, "cannot watch the database socket");
	return false;
}

/* One statement's result of an each query, handed over as it comes. */
static void deliver(struct db_conn *db, PGresult *r)
{
	struct db_query *q = db->head;

	db->keep = false;
	if (q->fn != NULL)
		q->fn(r, NULL, q->arg);
	if (!db->keep)
		PQclear(r);
	db->keep = false;
}

static void collect(struct db_conn *db)
{
	while (db->pg != NULL && db->in_flight && !db->copying && !PQisBusy(db->pg)) {
		PGresult *r = PQgetResult(db->pg);

		if (r == NULL) {
			complete(db);
			continue;
		}
		switch (PQresultStatus(r)) {
		case PGRES_COPY_IN:
			PQclear(r);
			db->copying = true;
			if (!copy_pump(db))
				return;
			break;
		case PGRES_FATAL_ERROR:
		case PGRES_BAD_RESPONSE:
		case PGRES_NONFATAL_ERROR:
			if (!db->have_err) {
				const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
				const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
				db_error_set(&db->err, st ? st : "XX000", "%s",
					     m ? m : PQresultErrorMessage(r));
				db->have_err = true;
			}
			PQclear(r);
			break;
		default:
			if (db->head->each) {
				deliver(db, r);
				break;
			}
			if (db->result != NULL)
				PQclear(db->result);
			db->result = r;
			break;
		}
	}
}

static void io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn *db = arg;

	(void)fd;
	if (db->pg == NULL)
		return;
	if (db->state == DB_CONNECTING && !db->initializing) {
		connect_poll(db);
		return;
	}
	if (what & EV_READ) {
		if (!PQconsumeInput(db->pg)) {
			lost(db, PQerrorMessage(db->pg));
			return;
		}
		if (db->copying) {
			/* The server's answer comes after the data; read it then. */
		} else if (db->in_flight) {
			collect(db);
		} else {
			PGnotify *n;
			while ((n = PQnotifies(db->pg)) != NULL)
				PQfreemem(n);
			if (PQstatus(db->pg) == CONNECTION_BAD) {
				lost(db, "the server closed the connection");
				return;
			}
		}
	}
	if (db->pg != NULL && (what & EV_WRITE)) {
		if (!db->copying)
			flush(db, false);
		else if (copy_pump(db))
			collect(db);
	}
}

int db_send(struct db_conn *db, const char *sql, int nparams, const char *const *params,
	    bool simple, db_result_fn fn, void *arg)
{
	const struct db_opts o = { .simple = simple };

	return db_send_opts(db, sql, nparams, params, &o, fn, arg);
}

void db_keep_result(struct db_conn *db)
{
	db->keep = true;
}

int db_send_opts(struct db_conn *db, const char *sql, int nparams, const char *const *params,
		 const struct db_opts *o, db_result_fn fn, void *arg)
{
	/* Several statements go by the simple protocol, which has no parameters. */
	if (db->state != DB_READY || (o->each && (!o->simple || nparams > 0)))
		return -1;
	if (enqueue_opts(db, sql, nparams, params, o, fn, arg) != 0)
		return -1;
	kick(db);
	return 0;
}

void db_close(struct db_conn *db, const char *sqlstate, const char *why)
{
	/* Closing the socket is how a transaction is aborted without waiting:
	 * the server rolls it back when it sees the connection go. */
	snprintf(db->last_error, sizeof(db->last_error), "%s", why);
	close_pg(db);
	dbhosts_stop(db->hosts);
	evtimer_del(db->ev_timer);
	set_state(db, DB_DOWN);
	fail_queue(db, sqlstate, why);
}

void db_free(struct db_conn *db)
{
	if (db == NULL)
		return;
	close_pg(db);
	db->state = DB_DOWN;
	/* The queries' callbacks may still use the connection (a session setup
	 * that fails calls lost()): free what they use after them. */
	fail_queue(db, "57P01", "the daemon is shutting down");
	dbhosts_free(db->hosts);
	db->hosts = NULL;
	if (db->ev_timer != NULL)
		event_free(db->ev_timer);
	if (db->ev_defer != NULL)
		event_free(db->ev_defer);
	free(db->label);
	free(db->conninfo);
	free(db);
}
