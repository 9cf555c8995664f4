/* SPDX-License-Identifier: ISC */
/*
 * One customer's aggregates over their own bookings and payment set P
 * (METRICS.md): every metric that needs the customer's source rows, each
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

/* One COMPLETED payment attributed to the customer (METRICS.md, set P). */
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

struct agg_result {
	/* Lifecycle (METRICS.md 10, 12-17) */
	struct agg_ts first_booking_at, first_booking_created_at, last_visit_at, next_booking_at;
	struct agg_ts last_booking_created_at, last_cancelled_at, last_no_show_at;
	/* Counts (20-28) and the resolved set RES behind 29-30 */
	int32_t total_bookings, total_accepted_bookings, visits_total, upcoming_count;
	int32_t cancelled_by_customer_count, cancelled_by_seller_count, declined_count;
	int32_t no_show_count, pending_count;
	int32_t resolved, resolved_no_shows, resolved_customer_cancels;
	/* Windows (31-37) */
	int32_t visits_30d, visits_90d, visits_365d, visits_prev_365d;
	int32_t no_shows_365d, cancellations_365d, bookings_created_30d;
	/* Sums and counts behind the averages (58, 67-69) and 70, 77-80 */
	int64_t lead_usec_sum;          /* start - created over V, created <= start */
	int32_t lead_n;
	int64_t duration_sum;           /* over V with a duration */
	int32_t duration_n;
	int64_t party_sum;              /* over V: total_covers */
	int32_t party_n;
	int32_t online_bookings;
	int64_t loyalty_points_earned, loyalty_points_earned_365d;
	struct agg_ts loyalty_last_earned_at;
	/* Rebooking (72-73), the first visit (11, 71) */
	int32_t rebooked_visits;
	bool last_visit_rebooked, has_last_visit_rebooked;      /* unset without visits */
	unsigned char first_visit_location[16];
	bool has_first_visit_location;
	struct agg_text first_booking_source;
	/* Spend (38-45, 48-49) */
	int64_t gross_spend_cents, tips_cents, refunded_cents, net_spend_cents;
	int64_t net_spend_30d_cents, net_spend_90d_cents, net_spend_365d_cents;
	struct agg_ts last_payment_at;
	int32_t paid_visits;            /* distinct coalesce(booking, payment id) over P */
	int32_t visits_paid;            /* visits whose booking a payment of P names */
	/* Preferences (59-66) */
	unsigned char favourite_location[16];
	bool has_favourite_location;
	int32_t distinct_locations;
	struct agg_text favourite_staff;
	int32_t favourite_staff_visits, distinct_staff;
	struct agg_text favourite_service;
	int16_t favourite_weekday, favourite_hour;      /* 0 without visits */
	bool has_favourite_weekday;                     /* the weekday and the hour */
	/* Intervals (51-53) over the distinct local visit days d1 < ... < dn */
	int32_t n_days;
	int32_t span_days;              /* dn - d1 */
	int32_t n_gaps;                 /* n - 1, 0 when n < 2 */
	double median_gap;
	bool has_median_gap;
	int32_t last_gap_days;
	bool has_last_gap;
	/* The clock (next_event_at's parts) */
	struct agg_ts next_start, next_window_exit, next_created_change, next_pay_change;
};

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
