/* SPDX-License-Identifier: ISC */
/* The control protocol codec shared by analyticsd and analyticsctl. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics_exit.h"
#include "analytics_proto.h"

static const struct {
	const char *name;
	int exit_code;
} err_table[PROTO_ERR__COUNT] = {
	[PROTO_ERR_NONE]            = { "none",            EXIT_OK },
	[PROTO_ERR_BAD_REQUEST]     = { "bad_request",     EXIT_USAGE },
	[PROTO_ERR_TOO_LARGE]       = { "too_large",       EXIT_USAGE },
	[PROTO_ERR_TIMEOUT]         = { "timeout",         EXIT_FAILED },
	[PROTO_ERR_UNKNOWN_COMMAND] = { "unknown_command", EXIT_USAGE },
	[PROTO_ERR_NOT_AUTHORIZED]  = { "not_authorized",  EXIT_NOPERM },
	[PROTO_ERR_BUSY]            = { "busy",            EXIT_TEMPFAIL },
	[PROTO_ERR_PAUSED]          = { "paused",          EXIT_TEMPFAIL },
	[PROTO_ERR_DB_UNAVAILABLE]  = { "db_unavailable",  EXIT_UNAVAILABLE },
	[PROTO_ERR_FAILED]          = { "failed",          EXIT_FAILED },
	[PROTO_ERR_SHUTTING_DOWN]   = { "shutting_down",   EXIT_TEMPFAIL },
	[PROTO_ERR_INTERNAL]        = { "internal",        EXIT_FAILED },
	[PROTO_ERR_CANCELLED]       = { "cancelled",       EXIT_TEMPFAIL },
};

const char *const proto_refresh_modes[] = {
	[PROTO_MODE_FULL] = "full",
	[PROTO_MODE_INCREMENTAL] = "incremental",
	[PROTO_MODE_RECENT] = "recent",
	[PROTO_MODE_ORG] = "org",
	[PROTO_MODE__COUNT] = NULL,
};

int proto_refresh_mode(const char *name)
{
	for (int m = 0; m < PROTO_MODE__COUNT; m++)
		if (name != NULL && strcmp(name, proto_refresh_modes[m]) == 0)
			return m;
	return -1;
}

const char *proto_err_name(enum proto_err err)
{
	if ((unsigned)err >= PROTO_ERR__COUNT)
		return "internal";
	return err_table[err].name;
}

enum proto_err proto_err_from_name(const char *name)
{
	if (name == NULL)
		return PROTO_ERR_INTERNAL;
	for (int i = 0; i < PROTO_ERR__COUNT; i++)
		if (strcmp(err_table[i].name, name) == 0)
			return (enum proto_err)i;
	/* A newer daemon may know codes we do not: treat them as failures. */
	return PROTO_ERR_FAILED;
}

int proto_err_exit_code(enum proto_err err)
{
	if ((unsigned)err >= PROTO_ERR__COUNT)
		return EXIT_FAILED;
	return err_table[err].exit_code;
}

static bool valid_command_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int proto_request_parse(const char *line, size_t len, struct proto_request *req,
			char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *cmd, *args, *v;

	memset(req, 0, sizeof(*req));
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "request is not valid JSON: %s (column %d)",
			 jerr.text, jerr.column);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "request must be a JSON object");
		goto fail;
	}
	v = json_object_get(root, "v");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1 ||
			  json_integer_value(v) > PROTO_VERSION)) {
		snprintf(err, errlen, "unsupported protocol version (this daemon speaks 1..%d)",
			 PROTO_VERSION);
		goto fail;
	}
	cmd = json_object_get(root, "cmd");
	if (!json_is_string(cmd)) {
		snprintf(err, errlen, "request needs \"cmd\", a string");
		goto fail;
	}
	if (!valid_command_name(json_string_value(cmd))) {
		snprintf(err, errlen, "\"cmd\" must be 1-32 characters of a-z, '_' or '-'");
		goto fail;
	}
	args = json_object_get(root, "args");
	if (args == NULL) {
		args = json_object();
		if (args == NULL || json_object_set_new(root, "args", args) != 0) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	} else if (!json_is_object(args)) {
		snprintf(err, errlen, "\"args\" must be an object");
		goto fail;
	}
	req->root = root;
	req->cmd = json_string_value(cmd);
	req->args = args;
	return 0;
fail:
	json_decref(root);
	return -1;
}

void proto_request_free(struct proto_request *req)
{
	json_decref(req->root);
	memset(req, 0, sizeof(*req));
}

/* Serialise one compact line with its trailing newline; consumes `obj`. */
static char *encode_line(json_t *obj)
{
	char *body, *line;
	size_t n;

	if (obj == NULL)
		return NULL;
	body = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (body == NULL)
		return NULL;
	n = strlen(body);
	line = realloc(body, n + 2);
	if (line == NULL) {
		free(body);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

char *proto_request_encode(const char *cmd, json_t *args)
{
	json_t *obj = json_pack("{s:i, s:s, s:o}", "v", PROTO_VERSION, "cmd", cmd,
				"args", args ? args : json_object());
	return encode_line(obj);
}

char *proto_reply_ok(json_t *result)
{
	return encode_line(json_pack("{s:b, s:o}", "ok", 1,
				     "result", result ? result : json_object()));
}

/*
 * JSON strings must be UTF-8, and messages may be cut mid-character by a
 * bounded buffer or carry bytes from elsewhere (a server message in another
 * encoding). Replace invalid bytes with '?' and drop a cut-off last character.
 */
static void utf8_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p != '\0') {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 :
			(*p & 0xF8) == 0xF0 ? 3 : -1;
		int i;

		if (n < 0 || (n == 1 && *p < 0xC2)) {
			*p++ = '?';
			continue;
		}
		for (i = 1; i <= n; i++)
			if ((p[i] & 0xC0) != 0x80)
				break;
		if (i <= n) {
			if (p[i] == '\0') {        /* truncated at the end */
				*p = '\0';
				return;
			}
			*p++ = '?';
			continue;
		}
		p += n + 1;
	}
}

static char *vreply_error(enum proto_err err, json_t *fields, const char *fmt, va_list ap)
{
	char msg[1024];
	json_t *obj, *error;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	utf8_sanitize(msg);
	error = json_pack("{s:s, s:s}", "code", proto_err_name(err), "message", msg);
	if (error == NULL) {
		/* What the sanitizer let through and jansson refuses (surrogates,
		 * overlong forms): an error must still reach the client. */
		for (char *p = msg; *p != '\0'; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		error = json_pack("{s:s, s:s}", "code", proto_err_name(err), "message", msg);
	}
	if (error != NULL && fields != NULL)
		json_object_update_missing(error, fields);
	json_decref(fields);
	obj = error ? json_pack("{s:b, s:o}", "ok", 0, "error", error) : NULL;
	return encode_line(obj);
}

char *proto_reply_error(enum proto_err err, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	line = vreply_error(err, NULL, fmt, ap);
	va_end(ap);
	return line;
}

char *proto_reply_error_fields(enum proto_err err, json_t *fields, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	line = vreply_error(err, fields, fmt, ap);
	va_end(ap);
	return line;
}

char *proto_event(const char *event, json_t *fields)
{
	json_t *obj = fields ? fields : json_object();

	if (obj == NULL || json_object_set_new(obj, "event", json_string(event)) != 0) {
		json_decref(obj);
		return NULL;
	}
	return encode_line(obj);
}

int proto_reply_parse(const char *line, size_t len, struct proto_reply *rep,
		      char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *ok, *e, *code, *msg;

	memset(rep, 0, sizeof(*rep));
	root = json_loadb(line, len, 0, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "daemon sent invalid JSON: %s", jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "daemon sent a JSON value that is not an object");
		goto fail;
	}
	if (json_is_string(json_object_get(root, "event"))) {
		rep->kind = PROTO_REPLY_EVENT;
		rep->body = root;
	} else if (json_is_true(ok = json_object_get(root, "ok"))) {
		rep->kind = PROTO_REPLY_OK;
		rep->body = json_object_get(root, "result");
		if (rep->body == NULL)
			rep->body = root;
	} else if (json_is_false(ok)) {
		e = json_object_get(root, "error");
		code = json_object_get(e, "code");
		msg = json_object_get(e, "message");
		if (!json_is_string(code) || !json_is_string(msg)) {
			snprintf(err, errlen, "daemon sent an error without code and message");
			goto fail;
		}
		rep->kind = PROTO_REPLY_ERROR;
		rep->body = e;
		rep->err = proto_err_from_name(json_string_value(code));
		rep->message = json_string_value(msg);
	} else {
		snprintf(err, errlen, "daemon sent an object that is neither event nor reply");
		goto fail;
	}
	rep->root = root;
	return 0;
fail:
	json_decref(root);
	return -1;
}

void proto_reply_free(struct proto_reply *rep)
{
	json_decref(rep->root);
	memset(rep, 0, sizeof(*rep));
}
