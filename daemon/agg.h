/* SPDX-License-Identifier: ISC */
/*
 * One customer's aggregates over their own bookings and payment set P
 * (docs/METRICS.md): every metric that needs the customer's source rows, each
 * defined once, here. refresh_compute.sql turns them into the table's
 * columns (ratios, rounding, scores and segment, identity, referrals and the
 * loyalty ledger), reading them from ca_agg; compute.c streams the rows in
 * and the aggregates out.
 *
 * Times are PostgreSQL's: microseconds since 2000-01-01 00:00:00 UTC for a
 * timestamptz, the same count in local wall-clock time for a local start
 * (timestamp without time zone). "N days" is N x 24 hours.
 *
 * Pure: no I/O, no allocation beyond the caller's struct agg_work.
 */
#ifndef AD_AGG_H
#define AD_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analytics_columns.h"

#define AGG_USEC_PER_HOUR INT64_C(3600000000)
#define AGG_USEC_PER_DAY  (24 * AGG_USEC_PER_HOUR)

enum agg_status {
	AGG_PENDING,
	AGG_ACCEPTED,
	AGG_CANCELLED_BY_CUSTOMER,
	AGG_CANCELLED_BY_SELLER,
	AGG_DECLINED,
	AGG_NO_SHOW,
	AGG_OTHER,              /* a status this version does not know: counted in total_bookings only */
};

/* bookings.status as text (len bytes, not NUL-terminated). */
enum agg_status agg_status_parse(const char *s, size_t len);

/* A text value of a row: bytes and length; NULL when p is NULL. The bytes
 * belong to the caller and must stay valid until agg_customer returns. */
struct agg_text {
	const char *p;
	size_t len;
};

struct agg_booking {
	unsigned char id[16];
	unsigned char location[16];
	bool has_location;
	enum agg_status status;
	int64_t start, created, updated;
	int64_t local_start;            /* start in the location's (else the organization's) zone */
	int32_t duration;               /* minutes */
	bool has_duration;
	int32_t party;
	int32_t points;                 /* loyalty_points_awarded */
	struct agg_text service, staff, source;
};

/* One COMPLETED payment attributed to the customer (docs/METRICS.md, set P). */
struct agg_payment {
	unsigned char id[16];
	unsigned char booking[16];
	bool has_booking;
	int64_t amount, tip, refunded;
	int64_t created;
};

/* A nullable timestamp. */
struct agg_ts {
	int64_t v;
	bool set;
};

/* The fields are the registry's aggregates (include/analytics_columns.h), by name. */
#define AGG_FIELD_TS(name)       struct agg_ts name;
#define AGG_FIELD_TEXT(name)     struct agg_text name;
#define AGG_FIELD_I32(name)      int32_t name;
#define AGG_FIELD_I64(name)      int64_t name;
#define AGG_FIELD_OPT_I16(name)  int16_t name;
#define AGG_FIELD_OPT_I32(name)  int32_t name;
#define AGG_FIELD_OPT_F8(name)   double name;
#define AGG_FIELD_OPT_UUID(name) unsigned char name[16];
#define AGG_FIELD_OPT_BOOL(name) bool name;
#define AGG_IGNORE(...)
#define AGG_COLUMN(name, type, kind, has, ...) AGG_FIELD_##kind(name)
#define AGG_ONE(...) + 1

struct agg_result {
	AD_TABLE_COLUMNS(AGG_IGNORE, AGG_IGNORE, AGG_COLUMN, AGG_IGNORE, AGG_IGNORE, AGG_IGNORE)
	AD_AGG_INPUTS(AGG_COLUMN)
	/* Whether the optional ones are set (the registry's `has`) */
	bool has_first_visit_location, has_favourite_location, has_favourite_time;
	bool has_last_visit_rebooked, has_last_gap, has_median_gap;
};

/* ca_agg's columns: the key's two, then the registry's aggregates. */
#define AGG_NCOLUMNS                                                                   \
	(2 AD_TABLE_COLUMNS(AGG_IGNORE, AGG_IGNORE, AGG_ONE, AGG_IGNORE, AGG_IGNORE, AGG_IGNORE) \
	   AD_AGG_INPUTS(AGG_ONE))

/*
 * Scratch space reused from customer to customer: grows to the largest
 * customer seen, so a run's memory is bounded by its largest customer.
 */
struct agg_work {
	size_t *idx;
	size_t idx_cap;
	int64_t *days;
	size_t days_cap;
	const unsigned char **keys;
	size_t keys_cap;
};

void agg_work_free(struct agg_work *w);

/*
 * Aggregate one customer's bookings b[0..nb) and payments p[0..np) at as_of.
 * Either may be empty. The text values of r point into b's. Returns 0, or -1
 * when the scratch space cannot grow (r is then unspecified).
 */
int agg_customer(int64_t as_of, const struct agg_booking *b, size_t nb,
		 const struct agg_payment *p, size_t np, struct agg_work *w,
		 struct agg_result *r);

#endif
