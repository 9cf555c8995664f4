/*
 * The command table: a name, who may run it, the handler. Adding a command
 * is a row in commands.c and a handler in cmd_<name>.c, nothing else.
 */
#ifndef AD_COMMANDS_H
#define AD_COMMANDS_H

#include <stdbool.h>

#include <jansson.h>

#include "analytics_proto.h"
#include "db.h"

struct daemon;
struct client;

enum cmd_access { CMD_READ, CMD_WRITE };

struct command {
	const char *name;
	enum cmd_access access;
	/* Must answer, now or later, with exactly one client_reply_*(). */
	void (*run)(struct daemon *d, struct client *c, json_t *args);
};

void commands_dispatch(struct daemon *d, struct client *c, const char *name, json_t *args);

/* Handlers, one file each. */
void cmd_status(struct daemon *d, struct client *c, json_t *args);
void cmd_migrate(struct daemon *d, struct client *c, json_t *args);
void cmd_refresh(struct daemon *d, struct client *c, json_t *args);
void cmd_runs(struct daemon *d, struct client *c, json_t *args);
void cmd_check(struct daemon *d, struct client *c, json_t *args);
void cmd_rollback(struct daemon *d, struct client *c, json_t *args);
void cmd_pause(struct daemon *d, struct client *c, json_t *args);
void cmd_resume(struct daemon *d, struct client *c, json_t *args);
void cmd_reload(struct daemon *d, struct client *c, json_t *args);
void cmd_loyalty(struct daemon *d, struct client *c, json_t *args);

/* Argument helpers: reply bad_request and return -1 on a wrong type. */
int args_string(struct client *c, json_t *args, const char *key, const char *dflt,
		const char **out);
int args_int(struct client *c, json_t *args, const char *key, int dflt, int min, int max,
	     int *out);
int args_bool(struct client *c, json_t *args, const char *key, bool dflt, bool *out);
int args_only(struct client *c, json_t *args, const char *const *allowed);

/* The protocol error a database error stands for, and a reply naming both. */
enum proto_err db_error_code(const struct db_error *err);
void reply_db_error(struct client *c, const char *what, const struct db_error *err);
/* A result row as a JSON object (integers and booleans typed). */
json_t *result_row_json(PGresult *res, int row);

#endif
