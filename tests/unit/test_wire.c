/* SPDX-License-Identifier: ISC */
/* Unit tests for daemon/wire.c: the stored texts as the protocol's objects. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire.h"

/* v, compact with sorted keys, equals want; v is consumed. */
static void assert_json(json_t *v, const char *want)
{
	char *got = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	json_decref(v);
	if (got == NULL || strcmp(got, want) != 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "got %s, want %s", got ? got : "(null)", want);
		free(got);
		fail_msg("%s", msg);
	}
	free(got);
}

static void test_scope_every_stored_form(void **state)
{
	(void)state;
	assert_json(wire_scope("all"), "{}");
	assert_json(wire_scope("changed+due"), "{}");
	assert_json(wire_scope("latest"), "{}");
	assert_json(wire_scope("schema"), "{}");
	assert_json(wire_scope("days=90"), "{\"days\":90}");
	assert_json(wire_scope("to=12"), "{\"to_run_id\":12}");
	assert_json(wire_scope("org=11111111-1111-4111-8111-000000000001"),
		    "{\"organization_id\":\"11111111-1111-4111-8111-000000000001\"}");
	assert_json(wire_scope(NULL), "null");
}

static void test_scope_unknown_text_is_kept(void **state)
{
	(void)state;
	assert_json(wire_scope("days=0"), "{\"text\":\"days=0\"}");
	assert_json(wire_scope("days=7x"), "{\"text\":\"days=7x\"}");
	assert_json(wire_scope("days=-1"), "{\"text\":\"days=-1\"}");
	assert_json(wire_scope("days=99999999999999999999"),
		    "{\"text\":\"days=99999999999999999999\"}");
	assert_json(wire_scope("org=nope"), "{\"text\":\"org=nope\"}");
	assert_json(wire_scope(""), "{\"text\":\"\"}");
}

static void test_requester_forms(void **state)
{
	char who[64];

	(void)state;
	wire_peer_text(who, sizeof(who), 1000, 21579);
	assert_string_equal(who, "uid 1000 pid 21579");
	assert_json(wire_requester(who), "{\"pid\":21579,\"uid\":1000}");
	assert_json(wire_requester(WIRE_DAEMON_REQUESTER), "{\"daemon\":true}");
	assert_json(wire_requester(NULL), "null");
	/* Only what wire_peer_text writes, to the letter. */
	assert_json(wire_requester("uid 0 pid 5 "), "{\"text\":\"uid 0 pid 5 \"}");
	assert_json(wire_requester("uid  0 pid 5"), "{\"text\":\"uid  0 pid 5\"}");
	assert_json(wire_requester("uid -1 pid 5"), "{\"text\":\"uid -1 pid 5\"}");
	assert_json(wire_requester("postgres"), "{\"text\":\"postgres\"}");
}

static void test_run_id_and_times(void **state)
{
	(void)state;
	assert_json(wire_run_id(0), "null");
	assert_json(wire_run_id(7), "7");
	assert_json(wire_time(0), "null");
	assert_json(wire_time(1795167000), "\"2026-11-20T09:30:00Z\"");
	assert_json(wire_epoch(1795167000.1234), "\"2026-11-20T09:30:00.123Z\"");
	assert_json(wire_epoch(1795167000.9996), "\"2026-11-20T09:30:01.000Z\"");
	assert_json(wire_ms(1999999), "1999");
	assert_json(wire_string(NULL), "null");
}

static void test_row_reshaped(void **state)
{
	json_t *row = json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:s}", "id", (json_int_t)4,
				"scope", "days=7", "requested_by", "uid 0 pid 9",
				"rows_inserted", (json_int_t)1, "rows_updated", (json_int_t)2,
				"rows_deleted", (json_int_t)3, "rows_unchanged", (json_int_t)4,
				"status", "succeeded");

	(void)state;
	assert_json(wire_row(row), "{\"requested_by\":{\"pid\":9,\"uid\":0},\"rows\":{\"deleted\":3,"
		    "\"inserted\":1,\"unchanged\":4,\"updated\":2},\"run_id\":4,\"scope\":{\"days\":7},"
		    "\"status\":\"succeeded\"}");
	row = json_pack("{s:b, s:n, s:n}", "paused", 0, "paused_by", "rows_inserted");
	assert_json(wire_row(row), "{\"paused\":false,\"paused_by\":null,\"rows\":null}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scope_every_stored_form),
		cmocka_unit_test(test_scope_unknown_text_is_kept),
		cmocka_unit_test(test_requester_forms),
		cmocka_unit_test(test_run_id_and_times),
		cmocka_unit_test(test_row_reshaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
